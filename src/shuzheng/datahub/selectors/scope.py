"""Who may read what in the data hub: staff only, unions of data scopes, and ``can`` for showing or
hiding workbench actions."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db.models import Q, QuerySet

from shuzheng.core.errors import PermissionDenied
from shuzheng.identity.scopes import data_scope_for

if TYPE_CHECKING:
    from shuzheng.orgs.models import Department


def require_staff(user: Any) -> None:
    if user is None or not getattr(user, "is_authenticated", False):
        raise PermissionDenied("请先登录")
    if not (getattr(user, "is_staff_member", False) or user.is_superuser):
        raise PermissionDenied("数据资源目录只对政府工作人员开放")


def any_scope(user: Any, *grants: tuple[str, str], also: Q | None = None) -> Q | None:
    """The union of several (permission, department path) scopes, or None when one of them is "all"
    (an empty Q would vanish from an OR instead of meaning everything)."""
    condition = also if also is not None else Q(pk__in=[])
    for permission, path in grants:
        scope = data_scope_for(user, permission)
        if scope.is_all:
            return None
        condition |= scope.q(department=path)
    return condition


def within(qs: QuerySet[Any], condition: Q | None) -> QuerySet[Any]:
    return qs if condition is None else qs.filter(condition)


def can(user: Any, permission: str, department: Department | None) -> bool:
    """Whether the user holds ``permission`` over a data scope covering ``department`` (what the services'
    ``require`` checks), for showing or hiding workbench actions."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.has_perm(permission):
        return False
    return department is None or data_scope_for(user, permission).covers_department(department)
