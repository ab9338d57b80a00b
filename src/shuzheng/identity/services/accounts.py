"""Accounts: staff, citizens and enterprise agents created through the services or the admin; passwords
(set by an administrator or by the user, with history and the policy)."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from shuzheng.core import audit
from shuzheng.core.actors import SystemActor
from shuzheng.core.errors import PermissionDenied, ValidationFailed
from shuzheng.core.validators import validate_uscc
from shuzheng.identity.actors import Actor
from shuzheng.identity.models import PasswordHistory, User
from shuzheng.identity.passwords import HISTORY_DEPTH, check_current_password
from shuzheng.identity.scopes import data_scope_for
from shuzheng.identity.services.common import (
    clean_email,
    clean_full_name,
    clean_id_number,
    clean_mobile,
    clean_username,
    department_or_422,
    require_perm,
    save_new_user,
    user_snapshot,
    validate_password,
)


@transaction.atomic
def staff_create(
    *,
    actor: Actor,
    username: str,
    full_name: str,
    department_id: int | None,
    email: str = "",
    mobile: str = "",
    password: str | None = None,
    is_staff: bool = False,
) -> User:
    """A government worker's account in a department the actor's `identity.add_user` scope covers."""
    require_perm(actor, "identity.add_user")
    department = department_or_422(department_id)
    if not isinstance(actor, SystemActor) and not data_scope_for(
        actor, "identity.add_user"
    ).covers_department(department):
        raise PermissionDenied("只能在本人数据范围内的部门创建工作人员账号。")
    user = User(
        username=clean_username(username),
        full_name=clean_full_name(full_name),
        kind=User.Kind.STAFF,
        department=department,
        email=clean_email(email),
        mobile=clean_mobile(mobile),
        is_staff=is_staff,
    )
    save_new_user(user, password=password)
    audit.record(actor=actor, action="identity.user.create", subject=user, after=user_snapshot(user))
    return user


@transaction.atomic
def citizen_create(
    *,
    actor: Actor,
    username: str,
    full_name: str,
    id_number: str,
    mobile: str = "",
    email: str = "",
    password: str | None = None,
) -> User:
    """A natural person's account; the ID number is stored SM4-encrypted with a blind index for lookup."""
    require_perm(actor, "identity.add_user")
    number, index = clean_id_number(id_number)
    user = User(
        username=clean_username(username),
        full_name=clean_full_name(full_name),
        kind=User.Kind.CITIZEN,
        id_number=number,
        id_number_index=index,
        mobile=clean_mobile(mobile),
        email=clean_email(email),
    )
    save_new_user(user, password=password)
    audit.record(actor=actor, action="identity.user.create", subject=user, after=user_snapshot(user))
    return user


@transaction.atomic
def enterprise_agent_create(
    *,
    actor: Actor,
    username: str,
    full_name: str,
    id_number: str,
    enterprise_uscc: str,
    enterprise_name: str,
    mobile: str = "",
    email: str = "",
    password: str | None = None,
) -> User:
    """A person acting for an enterprise (法人经办人): their own ID number plus the enterprise's USCC."""
    require_perm(actor, "identity.add_user")
    uscc = validate_uscc(enterprise_uscc, field="enterprise_uscc")
    enterprise_name = (enterprise_name or "").strip()
    if not enterprise_name:
        raise ValidationFailed.for_field("enterprise_name", "请填写企业名称")
    if len(enterprise_name) > 128:
        raise ValidationFailed.for_field("enterprise_name", "企业名称过长（最多 128 个字）")
    number, index = clean_id_number(id_number)
    user = User(
        username=clean_username(username),
        full_name=clean_full_name(full_name),
        kind=User.Kind.ENTERPRISE_AGENT,
        id_number=number,
        id_number_index=index,
        enterprise_uscc=uscc,
        enterprise_name=enterprise_name,
        mobile=clean_mobile(mobile),
        email=clean_email(email),
    )
    save_new_user(user, password=password)
    audit.record(actor=actor, action="identity.user.create", subject=user, after=user_snapshot(user))
    return user


@transaction.atomic
def user_set_password(*, actor: Actor, user: User, password: str, field: str = "password") -> None:
    """Validate against the policy, set, keep the last HISTORY_DEPTH hashes, stamp the time, audit.

    An actor other than the user needs `identity.change_user`.
    """
    if not isinstance(actor, SystemActor) and actor.pk != user.pk:
        require_perm(actor, "identity.change_user")
    validate_password(user, password, field=field)
    user.set_password(password)
    user.password_changed_at = timezone.now()
    user.save(update_fields=["password", "password_changed_at"])
    PasswordHistory.objects.create(user=user, password=user.password)
    stale = list(PasswordHistory.objects.filter(user=user).values_list("pk", flat=True)[HISTORY_DEPTH:])
    if stale:
        PasswordHistory.objects.filter(pk__in=stale).delete()
    audit.record(
        actor=actor,
        action="identity.user.set_password",
        subject=user,
        after={"username": user.username, "by_self": isinstance(actor, User) and actor.pk == user.pk},
    )


def user_change_own_password(
    *, request: HttpRequest, user: User, old_password: str, new_password: str
) -> None:
    """Self-service change: the current password must be given; wrong guesses count toward the login
    lockout. Not atomic itself (`user_set_password` is), so a wrong guess stays counted when refused."""
    check_current_password(request=request, user=user, password=old_password)
    user_set_password(actor=user, user=user, password=new_password, field="new_password")


_OWN_ADMIN_FLAG_LABELS = {"is_superuser": "超级用户状态", "is_staff": "可登录管理后台", "is_active": "启用"}
_OWN_ADMIN_FLAGS = tuple(_OWN_ADMIN_FLAG_LABELS)


def user_admin_check(*, actor: Actor, user: User, values: dict[str, Any]) -> None:
    """An administrator may not switch off their own superuser, staff or active flag (a lock-out)."""
    if isinstance(actor, SystemActor) or user.pk is None or actor.pk != user.pk:
        return
    stored = User.objects.filter(pk=user.pk).values(*_OWN_ADMIN_FLAGS).get()
    for flag in _OWN_ADMIN_FLAGS:
        if flag in values and stored[flag] and not values[flag]:
            label = _OWN_ADMIN_FLAG_LABELS[flag]
            raise ValidationFailed.for_field(
                flag, f"不能取消本人的“{label}”：取消后本人将无法再管理平台，请由其他管理员操作。"
            )


@transaction.atomic
def user_admin_save(
    *, actor: Actor, user: User, created: bool, changed: list[str], password: str | None = None
) -> User:
    """Save an account edited in the admin (its form has validated the fields); audited.

    Personal identifiers are not editable there, so the blind index cannot drift from the ID number.
    """
    if not created:
        user_admin_check(actor=actor, user=user, values={f: getattr(user, f) for f in changed})
    if created:
        if password:
            validate_password(user, password, field="password1")
            user.set_password(password)
            user.password_changed_at = timezone.now()
        else:
            user.set_unusable_password()
    user.save()
    if created and password:
        PasswordHistory.objects.create(user=user, password=user.password)
    audit.record(
        actor=actor,
        action="identity.user.create" if created else "identity.user.update",
        subject=user,
        after={**user_snapshot(user), "changed": sorted(changed)},
    )
    return user
