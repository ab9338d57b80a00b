"""What the 好差评 services share: who is acting, the permission-in-scope check, reason texts, links."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.urls import NoReverseMatch, reverse

from shuzheng.core.actors import is_system
from shuzheng.core.errors import AuthenticationRequired, NotFound, PermissionDenied
from shuzheng.core.field_errors import FieldErrors
from shuzheng.core.permissions import missing_permission
from shuzheng.evaluation import selectors
from shuzheng.evaluation.constants import REASON_MAX_LENGTH, REASON_MIN_LENGTH
from shuzheng.identity.actors import Actor, is_user

if TYPE_CHECKING:
    from shuzheng.identity.models import User
    from shuzheng.orgs.models import Department


def person(actor: Actor) -> User | None:
    """The logged-in person behind `actor` (for a user column); None for the platform and anonymous people."""
    return actor if is_user(actor) else None


def require_perm_in_scope(actor: Actor, perm: str, department: Department, what: str) -> User | None:
    """The acting person once `perm` over `department` is checked: PermissionDenied without the permission,
    NotFound when the department is outside its scope. The platform may act (None is returned)."""
    if is_system(actor):
        return None
    if not is_user(actor):
        raise AuthenticationRequired()
    if not actor.has_perm(perm):
        raise PermissionDenied(f"没有{what}的权限{missing_permission(perm)}")
    if not selectors.covers(actor, perm, department):
        raise NotFound()
    return actor


def text(value: Any) -> str:
    return value.strip() if isinstance(value, str) else ""


def clean_reason(
    errs: FieldErrors, field: str, label: str, value: Any, *, max_length: int = REASON_MAX_LENGTH
) -> str:
    cleaned = text(value)
    if not cleaned:
        errs.add(field, f"{label}不能为空")
    elif len(cleaned) < REASON_MIN_LENGTH:
        errs.add(field, f"{label}至少{REASON_MIN_LENGTH}个字，请写明具体情况")
    elif len(cleaned) > max_length:
        errs.add(field, f"{label}不能超过{max_length}个字")
    return cleaned


def link(name: str, *args: Any) -> str:
    try:
        return reverse(name, args=args)
    except NoReverseMatch:  # pragma: no cover - the evaluation URLs are always installed
        return ""
