import pytest

from shuzheng.core.models import Notification
from shuzheng.core.notifications import (
    notification_list,
    notification_mark_all_read,
    notification_mark_read,
    notify,
    sms_notifier,
    unread_count,
)
from shuzheng.identity.models import AuditEvent
from shuzheng.identity.tests.factories import UserFactory

delivered: list[int] = []


def recording_notifier(notification):
    delivered.append(notification.pk)


def failing_notifier(notification):
    raise RuntimeError("gateway down")


@pytest.fixture
def clerk(db):
    return UserFactory.create(email="clerk@example.gov.cn")


def test_notify_creates_an_inbox_row(clerk):
    notification = notify(recipient=clerk, kind="case.warning", title="办件即将到期", link="/workbench/")
    assert notification is not None
    assert Notification.objects.get(recipient=clerk).title == "办件即将到期"


def test_dedupe_key_makes_retries_idempotent(clerk):
    assert notify(recipient=clerk, kind="k", title="t", dedupe_key="case:1:warning") is not None
    assert notify(recipient=clerk, kind="k", title="t", dedupe_key="case:1:warning") is None
    assert Notification.objects.filter(recipient=clerk).count() == 1


def test_adapters_run_after_commit_and_failures_do_not_undo(
    clerk, settings, django_capture_on_commit_callbacks
):
    settings.SHUZHENG_NOTIFIERS = [f"{__name__}.failing_notifier", f"{__name__}.recording_notifier"]
    delivered.clear()
    with django_capture_on_commit_callbacks(execute=True):
        notification = notify(recipient=clerk, kind="k", title="t")
    assert notification is not None
    assert delivered == [notification.pk]
    assert Notification.objects.filter(pk=notification.pk).exists()


def test_email_notifier_sends_a_copy(clerk, settings, mailoutbox, django_capture_on_commit_callbacks):
    settings.SHUZHENG_NOTIFIERS = ["shuzheng.core.notifications.email_notifier"]
    with django_capture_on_commit_callbacks(execute=True):
        notify(recipient=clerk, kind="k", title="补正通知", body="请补充材料")
    assert [m.subject for m in mailoutbox] == ["补正通知"]


def test_mark_read_only_for_the_recipient(clerk):
    other = UserFactory.create()
    notification = notify(recipient=clerk, kind="k", title="t")
    assert notification is not None
    assert notification_mark_read(recipient=other, notification_id=notification.pk) == 0
    assert notification_mark_read(recipient=clerk, notification_id=notification.pk) == 1


def test_mark_all_read_only_touches_the_recipients_unread(clerk):
    other = UserFactory.create()
    notify(recipient=clerk, kind="k", title="一")
    notify(recipient=clerk, kind="k", title="二")
    theirs = notify(recipient=other, kind="k", title="三")
    assert theirs is not None
    assert unread_count(recipient=clerk) == 2
    assert notification_mark_all_read(recipient=clerk) == 2
    assert unread_count(recipient=clerk) == 0
    assert notification_mark_all_read(recipient=clerk) == 0
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_marking_read_is_audited(clerk):
    notification = notify(recipient=clerk, kind="k", title="t")
    assert notification is not None
    notification_mark_read(recipient=clerk, notification_id=notification.pk)
    notification_mark_all_read(recipient=clerk)  # nothing left unread: no event
    notify(recipient=clerk, kind="k", title="t2")
    notification_mark_all_read(recipient=clerk)
    actions = list(AuditEvent.objects.filter(actor=clerk).values_list("action", flat=True))
    assert sorted(actions) == ["core.notification.read", "core.notification.read_all"]


def test_inbox_is_newest_first_paginated_and_the_recipients_own(clerk):
    other = UserFactory.create()
    notify(recipient=other, kind="k", title="别人的")
    for n in range(3):
        notify(recipient=clerk, kind="k", title=f"第{n}条")
    first = notification_list(recipient=clerk, limit=2)
    assert [n.title for n in first.items] == ["第2条", "第1条"]
    rest = notification_list(recipient=clerk, cursor=first.next_cursor, limit=2)
    assert [n.title for n in rest.items] == ["第0条"]
    assert rest.next_cursor is None
    notification_mark_read(recipient=clerk, notification_id=first.items[0].pk)
    assert [n.title for n in notification_list(recipient=clerk, unread_only=True).items] == ["第1条", "第0条"]


def test_console_sms_backend_writes_the_masked_number_and_text(clerk, settings, capsys):
    settings.SHUZHENG_NOTIFIERS = ["shuzheng.core.notifications.sms_notifier"]
    settings.SHUZHENG_SMS_BACKEND = "shuzheng.core.notifications.ConsoleSmsBackend"
    clerk.mobile = "13800138000"
    clerk.save()
    notification = notify(recipient=clerk, kind="k", title="办件即将到期", body="请及时办理")
    assert notification is not None
    sms_notifier(notification)
    out = capsys.readouterr().out
    assert "138****8000" in out
    assert "13800138000" not in out
    assert "办件即将到期" in out


def test_sms_notifier_skips_recipients_without_a_mobile(clerk, settings, capsys):
    settings.SHUZHENG_SMS_BACKEND = "shuzheng.core.notifications.ConsoleSmsBackend"
    notification = notify(recipient=clerk, kind="k", title="t")
    assert notification is not None
    sms_notifier(notification)
    assert capsys.readouterr().out == ""
