"""API keys for machine clients (Open311, CKAN): issued once in clear, stored as a keyed hash, revocable."""

from __future__ import annotations

import secrets
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from shuzheng.core import audit
from shuzheng.core.actors import SystemActor
from shuzheng.core.crypto import blind_index
from shuzheng.core.errors import ValidationFailed
from shuzheng.identity.actors import Actor
from shuzheng.identity.models import ApiKey, User
from shuzheng.identity.services.common import require_perm

API_KEY_DEFAULT_DAYS = 365


@transaction.atomic
def api_key_issue(
    *, actor: Actor, user: User, name: str, days: int | None = API_KEY_DEFAULT_DAYS
) -> tuple[ApiKey, str]:
    """A new key for `user`; returns the key row and the clear key, which is shown only this once.

    People issue keys for themselves; issuing for someone else needs `identity.change_user`."""
    if not isinstance(actor, SystemActor) and actor.pk != user.pk:
        require_perm(actor, "identity.change_user")
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
def api_key_revoke(*, actor: Actor, key: ApiKey) -> ApiKey:
    """Revoke a key; revoking twice changes nothing."""
    if not isinstance(actor, SystemActor) and actor.pk != key.user_id:
        require_perm(actor, "identity.change_user")
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
