"""Every write of the data hub, by topic: `catalog` (entries, their review, class names), `mounts`, `rows`
(the mounted tables' rows), `sharing` (requests, grants, credentials) and `open_data` (datasets, resources,
topics). Here: the permissions they check and the one rule that checks them.

Services are keyword-only and atomic, validate with Chinese messages naming the field (nothing is written
on failure) and audit in the same transaction. The platform acting on its own (demo load, commands,
tasks) passes `core.actors.SYSTEM`, which skips the checks that apply to people.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

from shuzheng.core.actors import is_system
from shuzheng.core.errors import PermissionDenied
from shuzheng.identity.actors import Actor, is_user
from shuzheng.identity.scopes import data_scope_for

if TYPE_CHECKING:
    from shuzheng.identity.models import User
    from shuzheng.orgs.models import Department

PERM_EDIT: Final = "datahub.change_catalogentry"
PERM_ADD: Final = "datahub.add_catalogentry"
PERM_REVIEW: Final = "datahub.review_catalogentry"
PERM_LOAD: Final = "datahub.load_data"
PERM_REQUEST: Final = "datahub.add_sharingrequest"
PERM_DECIDE: Final = "datahub.decide_sharingrequest"
PERM_CREDENTIAL: Final = "datahub.add_apicredential"
PERM_PUBLISH: Final = "datahub.publish_opendataset"


def require(actor: Actor, permission: str, department: Department | None) -> None:
    """People need `permission` over a data scope covering `department`; the system passes."""
    if is_system(actor):
        return
    user = user_of(actor)
    if user is None or not user.is_authenticated:
        raise PermissionDenied("请先登录")
    if not user.has_perm(permission):
        raise PermissionDenied("没有执行此操作的权限")
    if department is not None and not data_scope_for(user, permission).covers_department(department):
        raise PermissionDenied(f"“{department.name}”不在您的数据范围内")


def user_of(actor: Actor) -> User | None:
    """The person a record names as having written it (editor, requester…); None for the platform."""
    return actor if is_user(actor) else None
