"""Authentication and permissions: a user holds the permissions of every role assigned to them.

`RoleBackend` extends Django's `ModelBackend` (password check, `is_active`, direct and group
permissions) with the permissions of the user's roles. Results are cached on the user object, which
lives for one request, so a page asking `has_perm` many times costs one query. Active superusers hold
every permission (Django's `PermissionsMixin` short-circuits before asking backends).
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import Permission
from django.db.models import QuerySet

_ROLE_CACHE = "_role_perm_cache"


class RoleBackend(ModelBackend):
    def _get_role_permissions(self, user_obj: Any) -> QuerySet[Permission]:
        return Permission.objects.filter(role__assignments__user=user_obj)

    def get_role_permissions(self, user_obj: Any, obj: Any = None) -> set[str]:
        """Permission strings ("app_label.codename") granted through the user's roles."""
        if not user_obj.is_active or user_obj.is_anonymous or obj is not None:
            return set()
        if not hasattr(user_obj, _ROLE_CACHE):
            if user_obj.is_superuser:
                perms = Permission.objects.all()
            else:
                perms = self._get_role_permissions(user_obj)
            names = perms.values_list("content_type__app_label", "codename").order_by()
            setattr(user_obj, _ROLE_CACHE, {f"{ct}.{name}" for ct, name in names})
        cached: set[str] = getattr(user_obj, _ROLE_CACHE)
        return cached

    def get_all_permissions(self, user_obj: Any, obj: Any = None) -> set[str]:
        if not user_obj.is_active or user_obj.is_anonymous or obj is not None:
            return set()
        if not hasattr(user_obj, "_perm_cache"):
            user_obj._perm_cache = {
                *self.get_user_permissions(user_obj),
                *self.get_group_permissions(user_obj),
                *self.get_role_permissions(user_obj),
            }
        cached: set[str] = user_obj._perm_cache
        return cached


def forget_permissions(user_obj: Any) -> None:
    """Drop the cached permissions of a user object (after its roles changed in the same request)."""
    for name in ("_perm_cache", "_user_perm_cache", "_group_perm_cache", _ROLE_CACHE):
        if hasattr(user_obj, name):
            delattr(user_obj, name)
