"""One snapshot per user of what their roles allow: permission names and the scoped grants per permission.

Every staff request asks `has_perm` and `data_scope_for`; building both from role assignments costs four
queries. The snapshot is memoised on the user object (one request) and, when `SHUZHENG_AUTHZ_CACHE_SECONDS`
is above zero, kept in the shared cache with the user's `authz_stamp`. Any change that could alter it —
a role assignment, a role's or group's permissions, a user's own permissions or groups, the department
or division tree — bumps the stamps it affects, so the next request (which loads the user row afresh)
misses the old entry. Superuser and active flags are read from the user row, never from the snapshot.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.contrib.auth.models import Permission
from django.core.cache import cache
from django.db.models import F, QuerySet

from shuzheng.identity import principals
from shuzheng.identity.models import RoleAssignment, User

if TYPE_CHECKING:
    from shuzheng.identity.scopes import Grant

MEMO = "_authz_snapshot"


@dataclass(frozen=True)
class Snapshot:
    permissions: frozenset[str]
    # (grant, permission names of the assignment's role), one per role assignment
    grants: tuple[tuple[Grant, frozenset[str]], ...]
    # The codes of the user's roles (the audit writer records them); None in a snapshot cached before
    # they were kept, which the writer then reads from the database.
    roles: frozenset[str] | None = None

    def grants_for(self, permission: str | None) -> tuple[Grant, ...]:
        chosen = (grant for grant, perms in self.grants if permission is None or permission in perms)
        return tuple(dict.fromkeys(chosen))


def _names(rows: Iterable[tuple[str, str]]) -> frozenset[str]:
    return frozenset(f"{app_label}.{codename}" for app_label, codename in rows)


def _build(user: User) -> Snapshot:
    from shuzheng.identity.scopes import _grant

    assignments = list(
        RoleAssignment.objects.filter(user_id=user.pk).select_related(
            "department__division", "division", "role"
        )
    )
    role_ids = {a.role_id for a in assignments}
    by_role: dict[int, set[str]] = {pk: set() for pk in role_ids}
    rows = Permission.objects.filter(role__in=role_ids).values_list(
        "role__id", "content_type__app_label", "codename"
    )
    for role_id, app_label, codename in rows.order_by():
        by_role[role_id].add(f"{app_label}.{codename}")
    own = _names(
        Permission.objects.filter(user=user).values_list("content_type__app_label", "codename").order_by()
    )
    group = _names(
        Permission.objects.filter(group__user=user)
        .values_list("content_type__app_label", "codename")
        .order_by()
    )

    def home() -> Any:
        return user.department if user.department_id else None

    grants = tuple(
        (_grant(a, home), frozenset(by_role[a.role_id])) for a in sorted(assignments, key=lambda a: a.pk)
    )
    everything = own | group | frozenset().union(*(perms for _, perms in grants))
    roles = frozenset(a.role.code for a in assignments)
    return Snapshot(permissions=everything, grants=grants, roles=roles)


@dataclass(frozen=True)
class _Stored:
    """A cached snapshot with the stamp and department of the user row it was built for."""

    stamp: int
    department_id: int
    snapshot: Snapshot


def snapshot(user: User) -> Snapshot:
    """The user's snapshot: memoised for the request, shared across requests when configured (one entry
    per user, read with the session's user by `principals`; used only while the stamp still matches)."""
    memo: Snapshot | None = getattr(user, MEMO, None)
    if memo is not None:
        return memo
    seconds = settings.SHUZHENG_AUTHZ_CACHE_SECONDS
    valid = (user.authz_stamp, user.department_id or 0)
    stored = principals.cache_get(principals.snapshot_key(user.pk)) if seconds else None
    if isinstance(stored, _Stored) and (stored.stamp, stored.department_id) == valid:
        found = stored.snapshot
    else:
        found = _build(user)
        if seconds:
            cache.set(principals.snapshot_key(user.pk), _Stored(*valid, found), seconds)
    setattr(user, MEMO, found)
    return found


def forget(user: Any) -> None:
    """Drop the request memo (after the user's roles changed in the same request)."""
    if hasattr(user, MEMO):
        delattr(user, MEMO)


def bump(users: Callable[[], QuerySet[User]] | None = None) -> None:
    """Invalidate snapshots: of the users a queryset factory yields, or of everyone."""
    queryset = User.objects.all() if users is None else users()
    pks = list(queryset.values_list("pk", flat=True))
    User.objects.filter(pk__in=pks).update(authz_stamp=F("authz_stamp") + 1)
    principals.forget_users(pks)  # their cached rows carry the old stamp
