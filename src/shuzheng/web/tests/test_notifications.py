"""The notification centre: the bell, the inbox pages in portal and workbench, mark read, the JSON API."""

from __future__ import annotations

import io
import re
from types import SimpleNamespace

import pytest
from django.core.management import call_command
from django.test import Client

from shuzheng.core.models import Notification
from shuzheng.core.notifications import notify
from shuzheng.identity.models import User
from shuzheng.identity.tests.factories import CitizenFactory
from shuzheng.web.management.commands import load_demo
from shuzheng.web.tests.conftest import BACKEND, Org

pytestmark = pytest.mark.django_db

INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>")
INLINE_HANDLER = re.compile(r"<[^>]+\son[a-z]+\s*=", re.IGNORECASE)


@pytest.fixture
def citizen() -> User:
    return CitizenFactory.create(username="citizen_a", full_name="李四")


@pytest.fixture
def citizen_client(citizen: User) -> Client:
    client = Client()
    client.force_login(citizen, backend=BACKEND)
    return client


def _bell(html: str) -> str:
    start = html.index('class="bell"')
    return html[start : html.index("</a>", start)]


def test_workbench_bell_shows_my_unread_count_and_links_to_my_inbox(
    staff_client: Client, staff_user: User, citizen: User
) -> None:
    notify(recipient=staff_user, kind="k", title="一")
    notify(recipient=staff_user, kind="k", title="二")
    notify(recipient=citizen, kind="k", title="别人的")
    bell = _bell(staff_client.get("/workbench/").content.decode())
    assert 'href="/workbench/notifications/"' in bell
    assert ">2<" in bell


def test_portal_bell_for_a_citizen(citizen_client: Client, citizen: User, org: Org) -> None:
    html = citizen_client.get("/").content.decode()
    assert 'href="/notifications/"' in _bell(html)
    assert "bell-count" not in _bell(html)  # nothing unread: no badge
    notify(recipient=citizen, kind="k", title="补正通知")
    assert ">1<" in _bell(citizen_client.get("/").content.decode())


def test_anonymous_pages_have_no_bell(client: Client, org: Org) -> None:
    assert 'class="bell"' not in client.get("/").content.decode()
    assert client.get("/notifications/").status_code == 302


def test_inbox_lists_only_my_notifications_newest_first_and_pages(
    citizen_client: Client, citizen: User, staff_user: User
) -> None:
    notify(recipient=staff_user, kind="k", title="工作人员的通知")
    for n in range(25):
        notify(recipient=citizen, kind="k", title=f"通知第{n:02d}条", body="正文", link="/cases/mine/")
    response = citizen_client.get("/notifications/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "工作人员的通知" not in html
    titles = re.findall(r"通知第(\d\d)条", html)
    assert titles[0] == "24"
    assert "00" not in titles
    cursor = re.search(r'href="/notifications/\?cursor=([^"]+)"', html)
    assert cursor
    older = citizen_client.get(f"/notifications/?cursor={cursor.group(1)}").content.decode()
    assert "通知第00条" in older
    assert not INLINE_SCRIPT.search(html)
    assert not INLINE_HANDLER.search(html)


def test_staff_read_theirs_in_the_workbench(staff_client: Client, staff_user: User) -> None:
    notify(recipient=staff_user, kind="case.deadline_warning", title="办件即将到期：A1", link="/workbench/")
    html = staff_client.get("/workbench/notifications/").content.decode()
    assert "办件即将到期：A1" in html
    assert 'aria-label="工作台导航"' in html


def test_opening_a_notification_marks_it_read_and_goes_to_its_subject(
    citizen_client: Client, citizen: User
) -> None:
    notification = notify(recipient=citizen, kind="k", title="t", link="/cases/mine/")
    assert notification is not None
    response = citizen_client.post(f"/notifications/{notification.pk}/read/", {"next": "/cases/mine/"})
    assert response.status_code == 302
    assert response["Location"] == "/cases/mine/"
    notification.refresh_from_db()
    assert notification.read_at is not None


def test_mark_read_never_redirects_off_site(citizen_client: Client, citizen: User) -> None:
    notification = notify(recipient=citizen, kind="k", title="t")
    assert notification is not None
    response = citizen_client.post(
        f"/notifications/{notification.pk}/read/", {"next": "https://evil.example/phish"}
    )
    assert response["Location"] == "/notifications/"


def test_somebody_elses_notification_is_not_found_and_unchanged(
    citizen_client: Client, staff_user: User
) -> None:
    theirs = notify(recipient=staff_user, kind="k", title="t")
    assert theirs is not None
    response = citizen_client.post(f"/notifications/{theirs.pk}/read/")
    assert response.status_code == 404
    assert "通知不存在" in response.content.decode()
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_mark_all_read(citizen_client: Client, citizen: User, staff_user: User) -> None:
    for n in range(3):
        notify(recipient=citizen, kind="k", title=f"t{n}")
    theirs = notify(recipient=staff_user, kind="k", title="t")
    assert theirs is not None
    response = citizen_client.post("/notifications/read-all/", {"next": "/notifications/?unread=1"})
    assert response["Location"] == "/notifications/?unread=1"
    assert not Notification.objects.filter(recipient=citizen, read_at__isnull=True).exists()
    theirs.refresh_from_db()
    assert theirs.read_at is None
    assert "没有未读通知" in citizen_client.get("/notifications/?unread=1").content.decode()


def test_marking_read_needs_post_and_the_csrf_token(citizen: User) -> None:
    notification = notify(recipient=citizen, kind="k", title="t")
    assert notification is not None
    client = Client(enforce_csrf_checks=True)
    client.force_login(citizen, backend=BACKEND)
    assert client.get(f"/notifications/{notification.pk}/read/").status_code == 405
    assert client.post(f"/notifications/{notification.pk}/read/").status_code == 403
    assert client.post("/notifications/read-all/").status_code == 403
    notification.refresh_from_db()
    assert notification.read_at is None


# --- JSON API -------------------------------------------------------------------------------------


def test_api_lists_the_callers_notifications(citizen_client: Client, citizen: User, staff_user: User) -> None:
    notify(recipient=staff_user, kind="k", title="不是我的")
    notify(recipient=citizen, kind="case.correction", title="旧", link="/cases/1/")
    notify(recipient=citizen, kind="case.correction", title="新")
    body = citizen_client.get("/api/v1/notifications?limit=1").json()
    assert [n["title"] for n in body["items"]] == ["新"]
    assert body["unread"] == 2
    assert body["items"][0]["read"] is False
    rest = citizen_client.get(f"/api/v1/notifications?limit=1&cursor={body['next_cursor']}").json()
    assert [n["title"] for n in rest["items"]] == ["旧"]
    assert rest["next_cursor"] is None


def test_api_mark_read_and_read_all(citizen_client: Client, citizen: User, staff_user: User) -> None:
    first = notify(recipient=citizen, kind="k", title="一")
    assert first is not None
    notify(recipient=citizen, kind="k", title="二")
    theirs = notify(recipient=staff_user, kind="k", title="别人的")
    assert theirs is not None
    response = citizen_client.post(f"/api/v1/notifications/{first.pk}/read")
    assert response.status_code == 200
    assert response.json()["read"] is True
    assert citizen_client.post(f"/api/v1/notifications/{theirs.pk}/read").status_code == 404
    assert citizen_client.post("/api/v1/notifications/read-all").json() == {"marked": 1, "unread": 0}
    assert citizen_client.get("/api/v1/notifications?unread_only=true").json()["items"] == []
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_api_refuses_anonymous_callers_and_bad_limits(client: Client, citizen_client: Client) -> None:
    assert client.get("/api/v1/notifications").status_code == 401
    assert client.post("/api/v1/notifications/read-all").status_code == 401
    assert citizen_client.get("/api/v1/notifications?limit=0").status_code == 422
    assert citizen_client.get("/api/v1/notifications?limit=101").status_code == 422
    assert citizen_client.get("/api/v1/notifications?cursor=%%%").status_code == 400


def test_loading_the_demo_sends_no_email_or_sms_copies(
    monkeypatch, settings, citizen: User, capsys, mailoutbox, django_capture_on_commit_callbacks
) -> None:
    settings.SHUZHENG_NOTIFIERS = [
        "shuzheng.core.notifications.email_notifier",
        "shuzheng.core.notifications.sms_notifier",
    ]
    citizen.email, citizen.mobile = "lisi@example.cn", "13800138000"
    citizen.save()

    def loader(progress: object) -> None:
        notify(recipient=citizen, kind="k", title="演示数据里的通知")

    monkeypatch.setattr(load_demo, "STEPS", (("测试", "fake"),))
    monkeypatch.setattr(load_demo, "import_module", lambda name: SimpleNamespace(load=loader))
    with django_capture_on_commit_callbacks(execute=True):
        call_command("load_demo", "--quiet", stdout=io.StringIO(), stderr=io.StringIO())
    assert Notification.objects.filter(recipient=citizen, title="演示数据里的通知").exists()
    assert mailoutbox == []
    assert "短信" not in capsys.readouterr().out


def test_an_id_beyond_any_row_is_not_found(citizen_client: Client) -> None:
    huge = "9" * 30
    assert citizen_client.post(f"/api/v1/notifications/{huge}/read").status_code == 404
    assert citizen_client.post(f"/notifications/{huge}/read/").status_code == 404
