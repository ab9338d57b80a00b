"""In-app notifications, with pluggable adapters (settings.SHUZHENG_NOTIFIERS) for email or SMS copies.

An adapter is a dotted path to a callable `send(notification) -> None`; adapters run after the
transaction commits, and a failing adapter is logged, never undoing the in-app message.
"""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.module_loading import import_string

from shuzheng.core.models import Notification

logger = logging.getLogger(__name__)


def email_notifier(notification: Notification) -> None:
    """Sends a copy by email when the recipient has an address (Django's EMAIL_* settings)."""
    address = getattr(notification.recipient, "email", "")
    if address:
        send_mail(notification.title, notification.body, None, [address], fail_silently=False)


def _deliver(notification_id: int) -> None:
    notification = Notification.objects.select_related("recipient").get(pk=notification_id)
    for path in settings.SHUZHENG_NOTIFIERS:
        try:
            import_string(path)(notification)
        except Exception:
            logger.exception("notifier failed", extra={"notifier": path, "notification": notification_id})


def notify(
    *, recipient: Any, kind: str, title: str, body: str = "", link: str = "", dedupe_key: str = ""
) -> Notification | None:
    """Create an in-app notification; with a dedupe_key a second call for the same recipient is a no-op."""
    try:
        with transaction.atomic():
            notification = Notification.objects.create(
                recipient=recipient, kind=kind, title=title, body=body, link=link, dedupe_key=dedupe_key
            )
    except IntegrityError:
        if dedupe_key:
            return None
        raise
    if settings.SHUZHENG_NOTIFIERS:
        transaction.on_commit(lambda: _deliver(notification.pk))
    return notification


def notification_mark_read(*, recipient: Any, notification_id: int) -> int:
    return Notification.objects.filter(pk=notification_id, recipient=recipient, read_at__isnull=True).update(
        read_at=timezone.now()
    )
