"""What the identity services share: the permission check, field cleaning, account and assignment
snapshots for the audit log, saving a new account with its first password."""

from __future__ import annotations

import re
from typing import Any

from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils import timezone

from shuzheng.core.actors import SystemActor
from shuzheng.core.crypto import blind_index
from shuzheng.core.errors import Conflict, PermissionDenied, ValidationFailed
from shuzheng.core.lookup import resolve_or_422
from shuzheng.core.masking import mask_name
from shuzheng.core.validators import validate_id_number, validate_mobile
from shuzheng.identity.actors import Actor
from shuzheng.identity.models import PasswordHistory, RoleAssignment, User
from shuzheng.orgs import selectors as orgs_selectors

USERNAME_PATTERN = re.compile(r"^[A-Za-z0-9_.@-]{3,64}$")


def require_perm(actor: Actor, permission: str) -> None:
    """PermissionDenied unless the person holds `permission`; the platform may act."""
    if not isinstance(actor, SystemActor) and not actor.has_perm(permission):
        raise PermissionDenied()


def clean_username(username: str) -> str:
    username = (username or "").strip()
    if not USERNAME_PATTERN.match(username):
        raise ValidationFailed.for_field("username", "账号须为 3 到 64 位字母、数字或 _ . @ -")
    if User.objects.filter(username__iexact=username).exists():
        raise Conflict("该账号已被使用。", errors=[{"field": "username", "message": "该账号已被使用"}])
    return username


def clean_full_name(full_name: str) -> str:
    full_name = (full_name or "").strip()
    if not full_name:
        raise ValidationFailed.for_field("full_name", "请填写姓名")
    if len(full_name) > 64:
        raise ValidationFailed.for_field("full_name", "姓名过长（最多 64 个字）")
    return full_name


def clean_email(email: str) -> str:
    email = (email or "").strip()
    if email:
        try:
            validate_email(email)
        except DjangoValidationError as exc:
            raise ValidationFailed.for_field("email", "电子邮箱格式不正确") from exc
    return email


def clean_mobile(mobile: str) -> str:
    return validate_mobile(mobile, field="mobile") if (mobile or "").strip() else ""


def clean_id_number(id_number: str) -> tuple[str, str]:
    """(normalised number, blind index); refuses invalid and already registered numbers."""
    number = validate_id_number(id_number, field="id_number")
    index = blind_index(number)
    if User.objects.filter(id_number_index=index).exists():
        raise Conflict(
            "该身份证号码已注册账号。", errors=[{"field": "id_number", "message": "该身份证号码已注册账号"}]
        )
    return number, index


def department_or_422(
    department_id: int | None, *, field: str = "department_id", required: bool = True
) -> Any:
    if department_id is None:
        if required:
            raise ValidationFailed.for_field(field, "请选择所属部门")
        return None
    departments = orgs_selectors.department_queryset(include_inactive=True)
    return resolve_or_422(departments, department_id, field=field, label="部门")


def division_or_422(division_id: int | None, *, field: str = "division_id") -> Any:
    if division_id is None:
        return None
    divisions = orgs_selectors.division_queryset(include_inactive=True)
    return resolve_or_422(divisions, division_id, field=field, label="行政区划")


def validate_password(user: User, password: str, *, field: str = "password") -> None:
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


def assignment_snapshot(assignment: RoleAssignment) -> dict[str, Any]:
    return {
        "user_id": assignment.user_id,
        "username": assignment.user.username,
        "role": assignment.role.code,
        "scope": assignment.scope,
        "department_id": assignment.department_id,
        "division_id": assignment.division_id,
    }


def save_new_user(user: User, *, password: str | None) -> User:
    if password:
        validate_password(user, password)
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
