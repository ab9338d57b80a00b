"""One-time share links: the holder makes a link to the verification of one licence; the first visit
shows it (with the holder's name unmasked, as the holder chose to show it) and uses the link up."""

from __future__ import annotations

import secrets
from datetime import timedelta
from typing import Any, Final

from django.db import transaction
from django.utils import timezone

from shuzheng.core import audit
from shuzheng.core.actors import SYSTEM
from shuzheng.core.crypto.sm3 import sm3_hex
from shuzheng.core.errors import Conflict, NotFound, ValidationFailed
from shuzheng.identity.actors import Actor, is_user
from shuzheng.licences import selectors
from shuzheng.licences.constants import LicenceStatus
from shuzheng.licences.models import Licence, ShareLink

MAX_HOURS: Final = 72


def _digest(token: str) -> str:
    return sm3_hex(token.encode())


@transaction.atomic
def share_create(*, actor: Actor, licence: Licence, hours: Any = 24) -> tuple[ShareLink, str]:
    """(the link row, the token to put in the URL — shown once, only its SM3 is kept)."""
    if not is_user(actor) or not selectors.is_holder(actor, licence):
        raise NotFound("电子证照不存在或不属于您。")
    if isinstance(hours, bool) or not isinstance(hours, int) or not 1 <= hours <= MAX_HOURS:
        raise ValidationFailed.for_field("hours", f"有效时长应为1到{MAX_HOURS}小时")
    if licence.status != LicenceStatus.VALID:
        raise Conflict("只能分享有效的电子证照。", code="licence_not_valid")
    token = secrets.token_urlsafe(24)
    now = timezone.now()
    link = ShareLink.objects.create(
        licence=licence,
        token_sm3=_digest(token),
        created_by=actor,
        created_at=now,
        expires_at=now + timedelta(hours=hours),
    )
    audit.record(
        actor=actor,
        action="licences.share.create",
        subject=link,
        after={"licence": licence.identifier, "hours": hours},
    )
    return link, token


@transaction.atomic
def share_open(*, token: str) -> Licence:
    """The licence behind a link, once; a used, expired or unknown link is not found."""
    if not isinstance(token, str) or not 20 <= len(token) <= 64:
        raise NotFound("分享链接无效。")
    link = ShareLink.objects.select_for_update().filter(token_sm3=_digest(token)).first()
    now = timezone.now()
    if link is None or link.opened_at is not None or link.expires_at <= now:
        raise NotFound("分享链接无效、已过期或已被查看过（一次性链接）。")
    link.opened_at = now
    link.save(update_fields=["opened_at"])
    audit.record(
        actor=SYSTEM, action="licences.share.open", subject=link, after={"licence_id": link.licence_id}
    )
    return Licence.objects.select_related("licence_type", "department", "seal__authority").get(
        pk=link.licence_id
    )
