"""The workbench over the full demo, as each demo staff member sees it: the home page's to-do and its
links, and the notifications the demo writes reaching their recipients' inboxes."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from shuzheng.appeals.models import Appeal
from shuzheng.core.models import Notification
from shuzheng.identity.models import AuditEvent, Role, User
from shuzheng.web.audit_labels import UNKNOWN, action_label
from shuzheng.web.tests.demo.conftest import Demo, one_account_per_role

pytestmark = pytest.mark.django_db

BACKEND = "shuzheng.identity.backends.RoleBackend"


def staff_accounts() -> list[str]:
    """One demo staff member per role the demo hands out."""
    staff = set(User.objects.filter(kind=User.Kind.STAFF).values_list("username", flat=True))
    return [username for username in one_account_per_role() if username in staff]


TODO_LINK = re.compile(
    r'<li class="todo[^"]*">\s*<a href="([^"]+)">\s*<span class="todo-count">([\d+]+)</span>'
)


@pytest.fixture
def as_user(demo: Demo, settings):
    settings.MEDIA_ROOT = demo.media_root
    settings.SHUZHENG_STAFF_OTP_REQUIRED = False  # as in the demo: staff log in with a password

    def login(username: str) -> Client:
        client = Client()
        client.force_login(User.objects.get(username=username), backend=BACKEND)
        return client

    return login


def test_every_demo_staff_member_gets_a_home_page_of_counts_that_link_to_their_lists(as_user) -> None:
    failures: list[str] = []
    counted: dict[str, int] = {}
    for username in staff_accounts():
        client = as_user(username)
        response = client.get("/workbench/")
        if response.status_code != 200:
            failures.append(f"{username} /workbench/ → {response.status_code}")
            continue
        links = TODO_LINK.findall(response.content.decode())
        if not links:
            failures.append(f"{username}: no to-do on the home page")
        counted[username] = len(links)
        for url, _count in links:
            status = client.get(url.replace("&amp;", "&")).status_code
            if status != 200:
                failures.append(f"{username} {url} → {status}")
    assert failures == []
    assert counted["auditor"] == 1  # only the unread notifications: no queue to work
    assert counted["window01"] > 3  # cases, warnings, overdue, rectifications …


def test_a_clerks_counts_match_the_demo_queues(as_user) -> None:
    html = as_user("window01").get("/workbench/").content.decode()
    counts = {url.replace("&amp;", "&"): count for url, count in TODO_LINK.findall(html)}
    unread = Notification.objects.filter(recipient__username="window01", read_at__isnull=True).count()
    assert counts["/workbench/notifications/"] == (str(unread) if unread <= 99 else "99+")
    assert int(counts["/workbench/cases/?state=warning"].rstrip("+")) > 0


def test_a_grid_workers_home_counts_the_events_waiting_for_them(as_user) -> None:
    html = as_user("grid01").get("/workbench/").content.decode()
    counts = {url.replace("&amp;", "&"): count for url, count in TODO_LINK.findall(html)}
    waiting = Appeal.objects.filter(channel="grid", created_by__username="grid01", status="reported").count()
    assert waiting > 0
    assert counts["/workbench/appeals/grid/?status=reported"] == (str(waiting) if waiting <= 99 else "99+")
    listed = as_user("grid01").get("/workbench/appeals/grid/", {"status": "reported"}).content.decode()
    first = Appeal.objects.filter(channel="grid", created_by__username="grid01", status="reported").first()
    assert first is not None
    assert first.number in listed


def test_citizen01_hears_of_the_corrections_and_decisions_on_their_cases(as_user) -> None:
    inbox = Notification.objects.filter(recipient__username="citizen01", kind__startswith="case.")
    assert inbox.exists()
    page = as_user("citizen01").get("/notifications/").content.decode()
    newest = inbox.first()
    assert newest is not None
    assert newest.title in page
    assert newest.link.startswith("/cases/")
    assert as_user("citizen01").get(newest.link).status_code == 200


def test_what_the_demo_notifies_reaches_each_recipients_inbox(as_user) -> None:
    kinds = set(Notification.objects.values_list("kind", flat=True))
    assert {
        "case.deadline_warning",
        "case.deadline_overdue",
        "appeals.work_order",
        "evaluation.rectification",
        "evaluation.dispute",
        "case.correction_requested",
        "case.approved",
        "case.refused",
        "case.not_accepted",
        "case.concluded",
    } <= kinds
    for kind in sorted(kinds):
        notification = Notification.objects.filter(kind=kind).select_related("recipient").first()
        assert notification is not None
        recipient = notification.recipient
        inbox = "/workbench/notifications/" if recipient.kind == User.Kind.STAFF else "/notifications/"
        page = as_user(recipient.username).get(inbox)
        assert page.status_code == 200, (kind, recipient.username)
        newest = Notification.objects.filter(recipient=recipient).first()
        assert newest is not None
        assert newest.title in page.content.decode(), (kind, recipient.username)


def test_every_operation_the_demo_audits_is_shown_by_its_chinese_name(as_user) -> None:
    codes = set(AuditEvent.objects.values_list("action", flat=True).distinct())
    assert len(codes) > 20
    assert {code for code in codes if action_label(code) == UNKNOWN} == set()
    html = as_user("auditor").get("/workbench/audit/").content.decode()
    shown = set(re.findall(r">\s*([^<>]*?)\s*<", html))
    assert not shown & codes  # no operation code as text on the page
    assert "登录" in shown or any("：" in text for text in shown)


def test_no_role_code_on_a_staff_members_own_pages(as_user) -> None:
    codes = set(Role.objects.values_list("code", flat=True))
    found = []
    for username in staff_accounts():
        client = as_user(username)
        for path in ("/workbench/", "/workbench/profile/", "/workbench/notifications/"):
            text = " ".join(re.findall(r">([^<>]+)<", client.get(path).content.decode()))
            words = set(re.findall(r"[A-Za-z][A-Za-z0-9_]*", text)) - {username}
            found += [f"{username} {path}: {code}" for code in sorted(words & codes)]
    assert found == []
