import pytest

from shuzheng.core.models import Notification
from shuzheng.core.notifications import notification_mark_read, notify
from shuzheng.identity.tests.factories import UserFactory

delivered: list[int] = []


def recording_notifier(notification):
    delivered.append(notification.pk)


def failing_notifier(notification):
    raise RuntimeError("gateway down")


@pytest.fixture
def clerk(db):
    return UserFactory(email="clerk@example.gov.cn")


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
    assert delivered == [notification.pk]
    assert Notification.objects.filter(pk=notification.pk).exists()


def test_email_notifier_sends_a_copy(clerk, settings, mailoutbox, django_capture_on_commit_callbacks):
    settings.SHUZHENG_NOTIFIERS = ["shuzheng.core.notifications.email_notifier"]
    with django_capture_on_commit_callbacks(execute=True):
        notify(recipient=clerk, kind="k", title="补正通知", body="请补充材料")
    assert [m.subject for m in mailoutbox] == ["补正通知"]


def test_mark_read_only_for_the_recipient(clerk):
    other = UserFactory()
    notification = notify(recipient=clerk, kind="k", title="t")
    assert notification_mark_read(recipient=other, notification_id=notification.pk) == 0
    assert notification_mark_read(recipient=clerk, notification_id=notification.pk) == 1
