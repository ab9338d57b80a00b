"""In-app notifications, with pluggable adapters (settings.SHUZHENG_NOTIFIERS) for email or SMS copies.

An adapter is a dotted path to a callable `send(notification) -> None`; adapters run after the
transaction commits, and a failing adapter is logged, never undoing the in-app message. Email goes
through Django's EMAIL_BACKEND, SMS through SHUZHENG_SMS_BACKEND (a class with `send(mobile=, text=)`).
"""

from __future__ import annotations

import logging
import sys
from typing import Any, Protocol, TextIO

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.module_loading import import_string

from shuzheng.core import audit
from shuzheng.core.errors import NotFound
from shuzheng.core.masking import mask_mobile
from shuzheng.core.models import Notification
from shuzheng.core.pagination import DEFAULT_LIMIT, Page, keyset_page

logger = logging.getLogger(__name__)

INBOX_ORDER = ("-created_at", "-id")


class SmsBackend(Protocol):
    """An SMS gateway: one text message to one mobile number; raises when the gateway refuses it."""

    def send(self, *, mobile: str, text: str) -> None: ...


class ConsoleSmsBackend:
    """Writes each message to standard output (the demo and development), the number masked."""

    def __init__(self, stream: TextIO | None = None) -> None:
        self.stream = stream or sys.stdout

    def send(self, *, mobile: str, text: str) -> None:
        self.stream.write(f"[短信] {mask_mobile(mobile)}：{text}\n")
        self.stream.flush()


def sms_backend() -> SmsBackend:
    backend: SmsBackend = import_string(settings.SHUZHENG_SMS_BACKEND)()
    return backend


def sms_notifier(notification: Notification) -> None:
    """Sends the title as a text message when the recipient has a mobile number."""
    mobile = getattr(notification.recipient, "mobile", "")
    if mobile:
        city = settings.SHUZHENG_CITY_NAME
        sms_backend().send(mobile=mobile, text=f"【{city}数政】{notification.title}")


def email_notifier(notification: Notification) -> None:
    """Sends a copy by email when the recipient has an address (Django's EMAIL_* settings)."""
    address = getattr(notification.recipient, "email", "")
    if address:
        send_mail(notification.title, notification.body, None, [address], fail_silently=False)


def _deliver(notification_id: int, notifiers: list[str]) -> None:
    notification = Notification.objects.select_related("recipient").get(pk=notification_id)
    for path in notifiers:
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
    notifiers = list(settings.SHUZHENG_NOTIFIERS)  # as configured when written (load-demo turns them off)
    if notifiers:
        transaction.on_commit(lambda: _deliver(notification.pk, notifiers))
    return notification


@transaction.atomic
def notification_mark_read(*, recipient: Any, notification_id: int) -> int:
    """Marks one of the recipient's own notifications read; 0 when not theirs or already read."""
    marked = Notification.objects.filter(
        pk=notification_id, recipient=recipient, read_at__isnull=True
    ).update(read_at=timezone.now())
    if marked:
        audit.record(
            actor=recipient,
            action="core.notification.read",
            subject_type=Notification._meta.label_lower,
            subject_id=notification_id,
        )
    return marked


@transaction.atomic
def notification_mark_all_read(*, recipient: Any) -> int:
    """Marks every unread notification of the recipient read; returns how many."""
    marked = Notification.objects.filter(recipient=recipient, read_at__isnull=True).update(
        read_at=timezone.now()
    )
    if marked:
        audit.record(
            actor=recipient,
            action="core.notification.read_all",
            subject_type=Notification._meta.label_lower,
            after={"marked": marked},
        )
    return marked


# --- reading (the recipient's own inbox only) ---------------------------------------------------


def notification_list(
    *, recipient: Any, unread_only: bool = False, cursor: str | None = None, limit: int = DEFAULT_LIMIT
) -> Page[Notification]:
    """The recipient's inbox, newest first."""
    queryset = Notification.objects.filter(recipient=recipient)
    if unread_only:
        queryset = queryset.filter(read_at__isnull=True)
    return keyset_page(queryset, order=INBOX_ORDER, cursor=cursor, limit=limit)


def notification_get(*, recipient: Any, notification_id: int) -> Notification:
    """One of the recipient's notifications; another person's is as unknown as a missing one."""
    notification = Notification.objects.filter(pk=notification_id, recipient=recipient).first()
    if notification is None:
        raise NotFound("通知不存在。", code="notification_not_found")
    return notification


def unread_count(*, recipient: Any) -> int:
    return Notification.objects.filter(recipient=recipient, read_at__isnull=True).count()
