"""Authentication and permissions: a user holds the permissions of every role assigned to them.

`RoleBackend` extends Django's `ModelBackend` (password check, `is_active`, direct and group
permissions) with the permissions of the user's roles, read from the user's authorization snapshot
(memoised per request, shared across requests when configured; identity.authz). Active superusers hold
every permission (Django's `PermissionsMixin` short-circuits before asking backends). The session's user
is read through the shared cache when configured (identity.principals).
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.backends import ModelBackend

from shuzheng.identity import authz, principals


class RoleBackend(ModelBackend):
    def get_user(self, user_id: Any) -> Any:
        """The session's user, through the shared cache when configured (identity.principals)."""
        return principals.cached_user(user_id, super().get_user)

    def get_all_permissions(self, user_obj: Any, obj: Any = None) -> set[str]:
        """Direct, group and role permissions, from the user's authorization snapshot (identity.authz)."""
        if not user_obj.is_active or user_obj.is_anonymous or obj is not None:
            return set()
        if user_obj.is_superuser:
            return super().get_all_permissions(user_obj, obj)
        return set(authz.snapshot(user_obj).permissions)

    def has_perm(self, user_obj: Any, perm: str, obj: Any = None) -> bool:
        # Asked many times per request: a set lookup in the snapshot, no copies.
        if not user_obj.is_active or user_obj.is_anonymous or obj is not None:
            return False
        if user_obj.is_superuser:
            return super().has_perm(user_obj, perm, obj)
        return perm in authz.snapshot(user_obj).permissions


def forget_permissions(user_obj: Any) -> None:
    """Drop the cached permissions of a user object (after its roles changed in the same request)."""
    authz.forget(user_obj)
    for name in ("_perm_cache", "_user_perm_cache", "_group_perm_cache"):
        if hasattr(user_obj, name):
            delattr(user_obj, name)
