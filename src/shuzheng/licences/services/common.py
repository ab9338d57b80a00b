"""What the licences services share: who acts, the permission-in-scope check, short texts."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from shuzheng.core.actors import is_system
from shuzheng.core.errors import AuthenticationRequired, NotFound, PermissionDenied, ValidationFailed
from shuzheng.core.permissions import missing_permission
from shuzheng.identity.actors import Actor, is_user
from shuzheng.identity.scopes import data_scope_for

if TYPE_CHECKING:
    from shuzheng.identity.models import User
    from shuzheng.orgs.models import Department

REASON_MAX = 500


def person(actor: Actor) -> User | None:
    return actor if is_user(actor) else None


def require_perm_in_scope(actor: Actor, perm: str, department: Department, what: str) -> User | None:
    """The acting person once `perm` over `department` is checked; the platform may act (None)."""
    if is_system(actor):
        return None
    if not is_user(actor):
        raise AuthenticationRequired()
    if not actor.has_perm(perm):
        raise PermissionDenied(f"没有{what}的权限{missing_permission(perm)}")
    if not data_scope_for(actor, perm).covers_department(department):
        raise NotFound("不在您的数据范围内。")
    return actor


def reason_text(value: Any, *, field: str = "reason", label: str = "原因", required: bool = True) -> str:
    text = value.strip() if isinstance(value, str) else ""
    if "\x00" in text:
        raise ValidationFailed.for_field(field, f"{label}含有不允许的字符")
    if required and not text:
        raise ValidationFailed.for_field(field, f"请填写{label}")
    if len(text) > REASON_MAX:
        raise ValidationFailed.for_field(field, f"{label}不能超过{REASON_MAX}个字")
    return text
