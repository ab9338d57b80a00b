"""Sign-in events (login, failed login, logout) and the second factor (TOTP devices: enrolment by the
user, provisioning and reset by an administrator), each audited."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django_otp.plugins.otp_totp.models import TOTPDevice

from shuzheng.core import audit
from shuzheng.core.actors import SystemActor
from shuzheng.core.errors import Conflict
from shuzheng.identity.actors import Actor
from shuzheng.identity.models import User
from shuzheng.identity.services.common import require_perm

OTP_DEVICE_NAME = "动态口令"


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
        actor=SystemActor("login_failed"),  # nobody signed in: the platform records the attempt
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
def otp_device_reset(*, actor: Actor, user: User) -> int:
    """Remove a user's TOTP devices (lost phone), so they enrol again at next login."""
    require_perm(actor, "identity.change_user")
    deleted, _ = TOTPDevice.objects.filter(user=user).delete()
    audit.record(actor=actor, action="identity.otp_reset", subject=user, after={"username": user.username})
    return deleted


@transaction.atomic
def otp_device_enrol(*, actor: Actor, user: User, key: str | None = None) -> TOTPDevice:
    """Provision a confirmed TOTP device for a user (by an administrator or the demo loader); audited.

    `key` is the hex secret (40 hex digits by default); the user scans it from the returned device.
    """
    require_perm(actor, "identity.change_user")
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
