"""Every write of the identity context: accounts, passwords, role assignments, login events.

Each service is keyword-only, runs in one transaction and writes its audit event in it. `actor=None`
means the system itself (demo loader, management commands) and skips the permission checks that
apply to people.
"""

from __future__ import annotations

import re
import secrets
from datetime import timedelta
from typing import Any

from django.apps import apps
from django.contrib.auth import password_validation
from django.contrib.auth.models import Permission
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.http import HttpRequest
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from shuzheng.core import audit
from shuzheng.core.crypto import blind_index
from shuzheng.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from shuzheng.core.masking import mask_name
from shuzheng.core.validators import validate_id_number, validate_mobile, validate_uscc
from shuzheng.identity.backends import forget_permissions
from shuzheng.identity.models import ApiKey, DataScopeKind, PasswordHistory, Role, RoleAssignment, User
from shuzheng.identity.passwords import HISTORY_DEPTH, check_current_password
from shuzheng.identity.scopes import data_scope_for

USERNAME_PATTERN = re.compile(r"^[A-Za-z0-9_.@-]{3,64}$")
OTP_DEVICE_NAME = "动态口令"


# --- helpers ----------------------------------------------------------------------------------


def _require_perm(actor: Any, permission: str) -> None:
    if actor is not None and not actor.has_perm(permission):
        raise PermissionDenied()


def _clean_username(username: str) -> str:
    username = (username or "").strip()
    if not USERNAME_PATTERN.match(username):
        raise ValidationFailed.for_field("username", "账号须为 3 到 64 位字母、数字或 _ . @ -")
    if User.objects.filter(username__iexact=username).exists():
        raise Conflict("该账号已被使用。", errors=[{"field": "username", "message": "该账号已被使用"}])
    return username


def _clean_full_name(full_name: str) -> str:
    full_name = (full_name or "").strip()
    if not full_name:
        raise ValidationFailed.for_field("full_name", "请填写姓名")
    if len(full_name) > 64:
        raise ValidationFailed.for_field("full_name", "姓名过长（最多 64 个字）")
    return full_name


def _clean_email(email: str) -> str:
    email = (email or "").strip()
    if email:
        try:
            validate_email(email)
        except DjangoValidationError as exc:
            raise ValidationFailed.for_field("email", "电子邮箱格式不正确") from exc
    return email


def _clean_mobile(mobile: str) -> str:
    return validate_mobile(mobile, field="mobile") if (mobile or "").strip() else ""


def _clean_id_number(id_number: str) -> tuple[str, str]:
    """(normalised number, blind index); refuses invalid and already registered numbers."""
    number = validate_id_number(id_number, field="id_number")
    index = blind_index(number)
    if User.objects.filter(id_number_index=index).exists():
        raise Conflict(
            "该身份证号码已注册账号。", errors=[{"field": "id_number", "message": "该身份证号码已注册账号"}]
        )
    return number, index


def _department(department_id: int | None, *, field: str = "department_id", required: bool = True) -> Any:
    if department_id is None:
        if required:
            raise ValidationFailed.for_field(field, "请选择所属部门")
        return None
    department_model = apps.get_model("orgs", "Department")
    department = department_model.objects.select_related("division").filter(pk=department_id).first()
    if department is None:
        raise ValidationFailed.for_field(field, "部门不存在")
    return department


def _division(division_id: int | None, *, field: str = "division_id") -> Any:
    if division_id is None:
        return None
    division_model = apps.get_model("orgs", "Division")
    division = division_model.objects.filter(pk=division_id).first()
    if division is None:
        raise ValidationFailed.for_field(field, "行政区划不存在")
    return division


def _validate_password(user: User, password: str, *, field: str = "password") -> None:
    try:
        password_validation.validate_password(password, user)
    except DjangoValidationError as exc:
        messages = [str(m) for m in exc.messages]
        raise ValidationFailed(
            "密码不符合安全要求：" + "；".join(messages),
            errors=[{"field": field, "message": m} for m in messages],
            code="weak_password",
        ) from exc


def user_snapshot(user: User) -> dict[str, Any]:
    """What the audit chain keeps about an account: no ID number, no mobile, masked name."""
    return {
        "username": user.username,
        "kind": user.kind,
        "full_name": mask_name(user.full_name),
        "department_id": user.department_id,
        "enterprise_uscc": user.enterprise_uscc,
        "is_active": user.is_active,
    }


def _assignment_snapshot(assignment: RoleAssignment) -> dict[str, Any]:
    return {
        "user_id": assignment.user_id,
        "username": assignment.user.username,
        "role": assignment.role.code,
        "scope": assignment.scope,
        "department_id": assignment.department_id,
        "division_id": assignment.division_id,
    }


def _save_new_user(user: User, *, password: str | None) -> User:
    if password:
        _validate_password(user, password)
        user.set_password(password)
        user.password_changed_at = timezone.now()
    else:
        user.set_unusable_password()
    try:
        with transaction.atomic():
            user.save()
    except IntegrityError as exc:  # a concurrent registration won the race
        raise Conflict("账号或身份证号码已被使用。") from exc
    if password:
        PasswordHistory.objects.create(user=user, password=user.password)
    return user


# --- accounts ---------------------------------------------------------------------------------


@transaction.atomic
def staff_create(
    *,
    actor: Any,
    username: str,
    full_name: str,
    department_id: int | None,
    email: str = "",
    mobile: str = "",
    password: str | None = None,
    is_staff: bool = False,
) -> User:
    """A government worker's account in a department the actor's `identity.add_user` scope covers."""
    _require_perm(actor, "identity.add_user")
    department = _department(department_id)
    if actor is not None and not data_scope_for(actor, "identity.add_user").covers_department(department):
        raise PermissionDenied("只能在本人数据范围内的部门创建工作人员账号。")
    user = User(
        username=_clean_username(username),
        full_name=_clean_full_name(full_name),
        kind=User.Kind.STAFF,
        department=department,
        email=_clean_email(email),
        mobile=_clean_mobile(mobile),
        is_staff=is_staff,
    )
    _save_new_user(user, password=password)
    audit.record(actor=actor, action="identity.user.create", subject=user, after=user_snapshot(user))
    return user


@transaction.atomic
def citizen_create(
    *,
    actor: Any,
    username: str,
    full_name: str,
    id_number: str,
    mobile: str = "",
    email: str = "",
    password: str | None = None,
) -> User:
    """A natural person's account; the ID number is stored SM4-encrypted with a blind index for lookup."""
    _require_perm(actor, "identity.add_user")
    number, index = _clean_id_number(id_number)
    user = User(
        username=_clean_username(username),
        full_name=_clean_full_name(full_name),
        kind=User.Kind.CITIZEN,
        id_number=number,
        id_number_index=index,
        mobile=_clean_mobile(mobile),
        email=_clean_email(email),
    )
    _save_new_user(user, password=password)
    audit.record(actor=actor, action="identity.user.create", subject=user, after=user_snapshot(user))
    return user


@transaction.atomic
def enterprise_agent_create(
    *,
    actor: Any,
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
    _require_perm(actor, "identity.add_user")
    uscc = validate_uscc(enterprise_uscc, field="enterprise_uscc")
    enterprise_name = (enterprise_name or "").strip()
    if not enterprise_name:
        raise ValidationFailed.for_field("enterprise_name", "请填写企业名称")
    if len(enterprise_name) > 128:
        raise ValidationFailed.for_field("enterprise_name", "企业名称过长（最多 128 个字）")
    number, index = _clean_id_number(id_number)
    user = User(
        username=_clean_username(username),
        full_name=_clean_full_name(full_name),
        kind=User.Kind.ENTERPRISE_AGENT,
        id_number=number,
        id_number_index=index,
        enterprise_uscc=uscc,
        enterprise_name=enterprise_name,
        mobile=_clean_mobile(mobile),
        email=_clean_email(email),
    )
    _save_new_user(user, password=password)
    audit.record(actor=actor, action="identity.user.create", subject=user, after=user_snapshot(user))
    return user


# --- passwords --------------------------------------------------------------------------------


@transaction.atomic
def user_set_password(*, actor: Any, user: User, password: str, field: str = "password") -> None:
    """Validate against the policy, set, keep the last HISTORY_DEPTH hashes, stamp the time, audit.

    An actor other than the user needs `identity.change_user`.
    """
    if actor is not None and getattr(actor, "pk", None) != user.pk:
        _require_perm(actor, "identity.change_user")
    _validate_password(user, password, field=field)
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
        after={"username": user.username, "by_self": actor is not None and actor.pk == user.pk},
    )


def user_change_own_password(
    *, request: HttpRequest, user: User, old_password: str, new_password: str
) -> None:
    """Self-service change: the current password must be given; wrong guesses count toward the login
    lockout. Not atomic itself (`user_set_password` is), so a wrong guess stays counted when refused."""
    check_current_password(request=request, user=user, password=old_password)
    user_set_password(actor=user, user=user, password=new_password, field="new_password")


# --- roles ------------------------------------------------------------------------------------


def role_assign_check(
    *,
    actor: Any,
    user: User,
    role: Role,
    scope: str,
    department_id: int | None = None,
    division_id: int | None = None,
) -> tuple[Any, Any]:
    """Validate an assignment without writing; returns the (department, division) it will carry.

    People (actor not None) need `identity.add_roleassignment`, may not assign to themselves, may only
    hand out permissions they hold, and only over a scope inside their own. Kind department /
    department_tree default to the user's department, division_tree to its division.
    """
    if scope not in DataScopeKind.values:
        raise ValidationFailed.for_field("scope", "数据范围取值无效")
    department = _department(department_id, required=False)
    division = _division(division_id)
    if scope in (DataScopeKind.DEPARTMENT, DataScopeKind.DEPARTMENT_TREE):
        if department is None:
            department = user.department
        if department is None:
            raise ValidationFailed.for_field("department_id", "该数据范围需要指定部门")
        division = None
    elif scope == DataScopeKind.DIVISION_TREE:
        if division is None and user.department_id:
            division = user.department.division  # type: ignore[union-attr]
        if division is None:
            raise ValidationFailed.for_field("division_id", "该数据范围需要指定行政区划")
        department = None
    else:
        department, division = None, None

    if actor is not None:
        _require_perm(actor, "identity.add_roleassignment")
        actor_scope = data_scope_for(actor, "identity.add_roleassignment")
        if actor.pk == user.pk and not actor.is_superuser:
            raise PermissionDenied("不能给自己分配角色。")
        if not actor_scope.filter(User.objects.filter(pk=user.pk), department="department").exists():
            raise NotFound()
        if not actor.is_superuser:
            granted = {f"{p.content_type.app_label}.{p.codename}" for p in role.permissions.all()}
            if not granted <= actor.get_all_permissions():
                raise PermissionDenied("不能分配超出本人权限的角色。")
        allowed = (
            actor_scope.is_all
            or (department is not None and actor_scope.covers_department(department))
            or (division is not None and actor_scope.covers_division(division))
            or scope == DataScopeKind.SELF
        )
        if not allowed:
            raise PermissionDenied("分配的数据范围超出了本人的数据范围。")

    exists = RoleAssignment.objects.filter(
        user=user, role=role, scope=scope, department=department, division=division
    ).exists()
    if exists:
        raise Conflict("该用户已拥有此角色和数据范围。", errors=[{"field": "role", "message": "重复分配"}])
    return department, division


@transaction.atomic
def role_assign(
    *,
    actor: Any,
    user: User,
    role: Role,
    scope: str,
    department_id: int | None = None,
    division_id: int | None = None,
) -> RoleAssignment:
    """Give `user` the role `role` over a data scope (rules in `role_assign_check`); audited."""
    department, division = role_assign_check(
        actor=actor, user=user, role=role, scope=scope, department_id=department_id, division_id=division_id
    )
    try:
        with transaction.atomic():
            assignment = RoleAssignment.objects.create(
                user=user, role=role, scope=scope, department=department, division=division
            )
    except IntegrityError as exc:
        raise Conflict("该用户已拥有此角色（同一部门或区划只能分配一次）。") from exc
    forget_permissions(user)
    audit.record(
        actor=actor, action="identity.role.assign", subject=assignment, after=_assignment_snapshot(assignment)
    )
    return assignment


def _is_last_admin_role(assignment: RoleAssignment) -> bool:
    """Whether `assignment` is its user's only role that may hand out roles (an administrator role)."""
    admin_roles = Role.objects.filter(
        permissions__content_type__app_label="identity", permissions__codename="add_roleassignment"
    )
    if not admin_roles.filter(pk=assignment.role_id).exists():
        return False
    others = RoleAssignment.objects.filter(user_id=assignment.user_id, role__in=admin_roles)
    return not others.exclude(pk=assignment.pk).exists()


def role_revoke_check(*, actor: Any, assignment: RoleAssignment) -> None:
    """Refuse, without writing, what `role_revoke` refuses: out of scope, one's own roles (people other
    than superusers), and a superuser's own last administrator role, which would lock them out."""
    if actor is None:
        return
    _require_perm(actor, "identity.delete_roleassignment")
    actor_scope = data_scope_for(actor, "identity.delete_roleassignment")
    visible = actor_scope.filter(User.objects.filter(pk=assignment.user_id), department="department")
    if not visible.exists():
        raise NotFound()
    if actor.pk != assignment.user_id:
        return
    if not actor.is_superuser:
        raise PermissionDenied("不能撤销自己的角色。")
    if _is_last_admin_role(assignment):
        raise PermissionDenied(
            f"不能撤销本人最后一个管理员角色（{assignment.role.name}）：撤销后本人将无法再管理账号与角色，"
            "请由其他管理员操作。"
        )


@transaction.atomic
def role_revoke(*, actor: Any, assignment: RoleAssignment) -> None:
    # The user's row is locked first, so two revocations of the same user's roles cannot both pass.
    User.objects.select_for_update().filter(pk=assignment.user_id).exists()
    role_revoke_check(actor=actor, assignment=assignment)
    before = _assignment_snapshot(assignment)
    subject_id = assignment.pk
    user = assignment.user
    assignment.delete()
    forget_permissions(user)
    audit.record(
        actor=actor,
        action="identity.role.revoke",
        subject_type="identity.roleassignment",
        subject_id=subject_id,
        before=before,
    )


def role_permission_names(role: Role) -> list[str]:
    return sorted(
        f"{p.content_type.app_label}.{p.codename}" for p in role.permissions.select_related("content_type")
    )


@transaction.atomic
def role_record_change(*, actor: Any, role: Role, created: bool, before: dict[str, Any] | None) -> None:
    """Audit a role saved through the admin (whose form writes the row and its permissions)."""
    after = {"code": role.code, "name": role.name, "permissions": role_permission_names(role)}
    if created:
        audit.record(actor=actor, action="identity.role.create", subject=role, after=after)
    elif before != after:
        audit.record(actor=actor, action="identity.role.update", subject=role, before=before, after=after)


_OWN_ADMIN_FLAG_LABELS = {"is_superuser": "超级用户状态", "is_staff": "可登录管理后台", "is_active": "启用"}
_OWN_ADMIN_FLAGS = tuple(_OWN_ADMIN_FLAG_LABELS)


def user_admin_check(*, actor: Any, user: User, values: dict[str, Any]) -> None:
    """An administrator may not switch off their own superuser, staff or active flag (a lock-out)."""
    if actor is None or user.pk is None or actor.pk != user.pk:
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
    *, actor: Any, user: User, created: bool, changed: list[str], password: str | None = None
) -> User:
    """Save an account edited in the admin (its form has validated the fields); audited.

    Personal identifiers are not editable there, so the blind index cannot drift from the ID number.
    """
    if not created:
        user_admin_check(actor=actor, user=user, values={f: getattr(user, f) for f in changed})
    if created:
        if password:
            _validate_password(user, password, field="password1")
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


# --- login events -----------------------------------------------------------------------------


@transaction.atomic
def login_succeeded(*, user: User, second_factor_pending: bool = False) -> None:
    audit.record(
        actor=user,
        action="identity.login",
        subject=user,
        after={"username": user.username, "kind": user.kind, "second_factor_pending": second_factor_pending},
    )


@transaction.atomic
def login_failed(*, username: str, locked_out: bool = False) -> None:
    """A failed password login. Only the username is kept — never the password or other personal data."""
    username = (username or "")[:64]
    user_id = (
        User.objects.filter(username=username).values_list("pk", flat=True).first() if username else None
    )
    audit.record(
        actor=None,
        action="identity.login_failed",
        subject_type="identity.user",
        subject_id=user_id or "",
        after={"username": username, "locked_out": locked_out},
    )


@transaction.atomic
def logged_out(*, user: User, reason: str = "user") -> None:
    """`reason`: "user" (clicked 退出) or "idle_timeout"."""
    audit.record(
        actor=user,
        action="identity.logout",
        subject=user,
        after={"username": user.username, "reason": reason},
    )


@transaction.atomic
def otp_verified(*, user: User, device: Any) -> None:
    audit.record(
        actor=user,
        action="identity.otp_verified",
        subject=user,
        after={"username": user.username, "device": device.persistent_id},
    )


@transaction.atomic
def otp_failed(*, user: User) -> None:
    audit.record(actor=user, action="identity.otp_failed", subject=user, after={"username": user.username})


@transaction.atomic
def otp_setup_start(*, user: User) -> TOTPDevice:
    """The user's pending (unconfirmed) TOTP device, created on first call; refused once one is confirmed."""
    if TOTPDevice.objects.filter(user=user, confirmed=True).exists():
        raise Conflict("已绑定动态口令设备；如需更换请联系管理员。")
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("pk").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=OTP_DEVICE_NAME, confirmed=False)
    return device


@transaction.atomic
def otp_setup_confirm(*, user: User, device: TOTPDevice, token: str) -> bool:
    """Confirm the pending device with its first code; False when the code is wrong."""
    if device.user_id != user.pk or device.confirmed:
        raise Conflict("动态口令设备状态已变化，请重新开始绑定。")
    if not device.verify_token(token):
        return False
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    TOTPDevice.objects.filter(user=user, confirmed=False).exclude(pk=device.pk).delete()
    audit.record(
        actor=user,
        action="identity.otp_enrolled",
        subject=user,
        after={"username": user.username, "device": device.persistent_id},
    )
    return True


@transaction.atomic
def otp_device_reset(*, actor: Any, user: User) -> int:
    """Remove a user's TOTP devices (lost phone), so they enrol again at next login."""
    _require_perm(actor, "identity.change_user")
    deleted, _ = TOTPDevice.objects.filter(user=user).delete()
    audit.record(actor=actor, action="identity.otp_reset", subject=user, after={"username": user.username})
    return deleted


@transaction.atomic
def otp_device_enrol(*, actor: Any, user: User, key: str | None = None) -> TOTPDevice:
    """Provision a confirmed TOTP device for a user (by an administrator or the demo loader); audited.

    `key` is the hex secret (40 hex digits by default); the user scans it from the returned device.
    """
    _require_perm(actor, "identity.change_user")
    device = TOTPDevice(user=user, name=OTP_DEVICE_NAME, confirmed=True)
    if key:
        device.key = key
    device.full_clean(exclude=["user"])
    device.save()
    audit.record(
        actor=actor,
        action="identity.otp_enrolled",
        subject=user,
        after={"username": user.username, "device": device.persistent_id, "provisioned": True},
    )
    return device


@transaction.atomic
def role_ensure(*, actor: Any, code: str, name: str, description: str = "", permissions: list[str]) -> Role:
    """Create the role if missing and make sure it holds `permissions` ("app_label.codename").

    Unknown permissions are skipped, so a role can name permissions of contexts installed later.
    Idempotent; audited when something changed.
    """
    _require_perm(actor, "identity.change_role")
    role, created = Role.objects.get_or_create(code=code, defaults={"name": name, "description": description})
    before = (
        None
        if created
        else {"code": role.code, "name": role.name, "permissions": role_permission_names(role)}
    )
    wanted = {tuple(p.split(".", 1)) for p in permissions if "." in p}
    if wanted:
        query = Q()
        for app_label, codename in wanted:
            query |= Q(content_type__app_label=app_label, codename=codename)
        role.permissions.add(*Permission.objects.filter(query))
    role_record_change(actor=actor, role=role, created=created, before=before)
    return role


# --- API keys -----------------------------------------------------------------------------------

API_KEY_DEFAULT_DAYS = 365


@transaction.atomic
def api_key_issue(
    *, actor: Any, user: User, name: str, days: int | None = API_KEY_DEFAULT_DAYS
) -> tuple[ApiKey, str]:
    """A new key for `user`; returns the key row and the clear key, which is shown only this once.

    People issue keys for themselves; issuing for someone else needs `identity.change_user`."""
    if actor is not None and actor.pk != user.pk:
        _require_perm(actor, "identity.change_user")
    name = (name or "").strip()
    if not name or len(name) > 64:
        raise ValidationFailed.for_field("name", "请填写密钥名称（最多 64 个字）")
    if not user.is_active:
        raise ValidationFailed.for_field("user", "该账号已停用，不能签发密钥")
    if days is not None and not 1 <= days <= 3650:
        raise ValidationFailed.for_field("days", "有效期须为 1 到 3650 天")
    prefix, secret = secrets.token_hex(6), secrets.token_urlsafe(32)
    key = ApiKey.objects.create(
        user=user,
        name=name,
        prefix=prefix,
        secret_hash=blind_index(secret),
        expires_at=timezone.now() + timedelta(days=days) if days is not None else None,
    )
    audit.record(
        actor=actor,
        action="identity.api_key_issued",
        subject=key,
        after={
            "user": user.username,
            "name": name,
            "prefix": prefix,
            "expires_at": key.expires_at.isoformat() if key.expires_at else None,
        },
    )
    return key, f"{prefix}.{secret}"


@transaction.atomic
def api_key_revoke(*, actor: Any, key: ApiKey) -> ApiKey:
    """Revoke a key; revoking twice changes nothing."""
    if actor is not None and actor.pk != key.user_id:
        _require_perm(actor, "identity.change_user")
    key = ApiKey.objects.select_for_update().get(pk=key.pk)
    if key.revoked_at is None:
        key.revoked_at = timezone.now()
        key.save(update_fields=["revoked_at", "updated_at"])
        audit.record(
            actor=actor, action="identity.api_key_revoked", subject=key, after={"prefix": key.prefix}
        )
    return key


def api_key_authenticate(raw_key: str) -> User | None:
    """The active user a clear API key (`<prefix>.<secret>`) belongs to, or None when the key is
    unknown, wrong, revoked or expired. Marks the key used at most once a minute (a usage stamp, not
    audited: what the key's user then does is)."""
    prefix, _, secret = (raw_key or "").strip().partition(".")
    if not prefix or not secret or len(prefix) > 16:
        return None
    key = ApiKey.objects.select_related("user").filter(prefix=prefix).first()
    now = timezone.now()
    if (
        key is None
        or key.revoked_at is not None
        or (key.expires_at is not None and key.expires_at <= now)
        or not key.user.is_active
        or not secrets.compare_digest(key.secret_hash, blind_index(secret))
    ):
        return None
    if key.last_used_at is None or (now - key.last_used_at).total_seconds() > 60:
        ApiKey.objects.filter(pk=key.pk).update(last_used_at=now)
    return key.user
