"""Keep authorization snapshots honest: every change that can alter one bumps the affected stamps; and
drop the cached copies of users and OTP devices (identity.principals) whenever one is saved or deleted.

Connected by IdentityConfig.ready. Orgs models are named by label, so identity still never imports orgs.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import Group
from django.db.models.signals import m2m_changed, post_delete, post_save, pre_delete
from django_otp.plugins.otp_totp.models import TOTPDevice

from shuzheng.identity import authz, principals
from shuzheng.identity.models import Role, RoleAssignment, User


def _assignment_changed(sender: Any, instance: RoleAssignment, **kwargs: Any) -> None:
    authz.bump(lambda: User.objects.filter(pk=instance.user_id))
    cached = instance._state.fields_cache.get("user")
    if cached is not None:
        authz.forget(cached)


def _role_permissions_changed(
    sender: Any, instance: Any, action: str, pk_set: Any = None, **kwargs: Any
) -> None:
    if not action.startswith("post_"):
        return
    if isinstance(instance, Role):
        authz.bump(lambda: User.objects.filter(assignments__role=instance))
    else:  # from the permission's side: pk_set holds role ids
        authz.bump(lambda: User.objects.filter(assignments__role__in=pk_set or ()))


def _group_permissions_changed(
    sender: Any, instance: Any, action: str, pk_set: Any = None, **kwargs: Any
) -> None:
    if not action.startswith("post_"):
        return
    if isinstance(instance, Group):
        authz.bump(lambda: User.objects.filter(groups=instance))
    else:  # from the permission's side: pk_set holds group ids
        authz.bump(lambda: User.objects.filter(groups__in=pk_set or ()))


def _user_links_changed(sender: Any, instance: Any, action: str, pk_set: Any = None, **kwargs: Any) -> None:
    if not action.startswith("post_"):
        return
    if isinstance(instance, User):
        authz.bump(lambda: User.objects.filter(pk=instance.pk))
        authz.forget(instance)
    else:  # from the group's or permission's side: pk_set holds user ids
        authz.bump(lambda: User.objects.filter(pk__in=pk_set or ()))


def _org_tree_changed(sender: Any, created: bool = False, **kwargs: Any) -> None:
    # Grants carry department and division paths, so a moved or removed unit changes what they cover; a
    # new one does not (tree grants match by path prefix).
    if not created:
        authz.bump()


def _group_deleted(sender: Any, instance: Group, **kwargs: Any) -> None:
    # Deleting a group drops its members' links without m2m_changed.
    authz.bump(lambda: User.objects.filter(groups=instance))


def _user_changed(sender: Any, instance: User, **kwargs: Any) -> None:
    principals.forget_users([instance.pk])


def _device_changed(sender: Any, instance: TOTPDevice, **kwargs: Any) -> None:
    principals.forget_device(instance.persistent_id)


def connect() -> None:
    post_save.connect(_user_changed, sender=User, dispatch_uid="principals-user-save")
    post_delete.connect(_user_changed, sender=User, dispatch_uid="principals-user-delete")
    post_save.connect(_device_changed, sender=TOTPDevice, dispatch_uid="principals-device-save")
    post_delete.connect(_device_changed, sender=TOTPDevice, dispatch_uid="principals-device-delete")
    post_save.connect(_assignment_changed, sender=RoleAssignment, dispatch_uid="authz-assignment-save")
    post_delete.connect(_assignment_changed, sender=RoleAssignment, dispatch_uid="authz-assignment-delete")
    m2m_changed.connect(_role_permissions_changed, sender=Role.permissions.through, dispatch_uid="authz-role")
    m2m_changed.connect(
        _group_permissions_changed, sender=Group.permissions.through, dispatch_uid="authz-group-perms"
    )
    m2m_changed.connect(_user_links_changed, sender=User.groups.through, dispatch_uid="authz-user-groups")
    m2m_changed.connect(
        _user_links_changed, sender=User.user_permissions.through, dispatch_uid="authz-user-perms"
    )
    pre_delete.connect(_group_deleted, sender=Group, dispatch_uid="authz-group-delete")
    for model in ("orgs.Department", "orgs.Division"):
        post_save.connect(_org_tree_changed, sender=model, dispatch_uid=f"authz-{model}-save")
        post_delete.connect(_org_tree_changed, sender=model, dispatch_uid=f"authz-{model}-delete")
