"""Login pages: password step, lockout, staff TOTP (with enrolment), logout, idle timeout, audit rows."""

from __future__ import annotations

import time
from datetime import date
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from shuzheng.core.actors import SYSTEM
from shuzheng.core.validators import generate_id_number
from shuzheng.identity.middleware import LAST_ACTIVITY_KEY
from shuzheng.identity.models import AuditEvent, User
from shuzheng.identity.services import accounts as account_services
from shuzheng.identity.tests.conftest import add_totp, current_token, staff
from shuzheng.identity.tests.factories import DEFAULT_PASSWORD

pytestmark = pytest.mark.django_db

LOGIN = "/accounts/login/"
OTP = "/accounts/otp/"
OTP_SETUP = "/accounts/otp/setup/"
LOGOUT = "/accounts/logout/"


@pytest.fixture
def citizen() -> User:
    return account_services.citizen_create(
        actor=SYSTEM,
        username="chenjm",
        full_name="陈建明",
        id_number=generate_id_number("440785", date(1990, 3, 7), 1, False),
        password=DEFAULT_PASSWORD,
    )


def login(client: Client, username: str, password: str, **extra: str) -> Any:
    return client.post(LOGIN, {"username": username, "password": password, **extra})


def actions() -> list[str]:
    return list(AuditEvent.objects.order_by("seq").values_list("action", flat=True))


def test_login_page_is_chinese_and_accessible(client: Client) -> None:
    response = client.get(LOGIN)
    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="zh-Hans">' in html
    assert 'name="username"' in html
    assert 'autocomplete="username"' in html
    assert 'name="password"' in html
    assert 'autocomplete="current-password"' in html
    assert '<label for="id_username">账号</label>' in html
    assert '<label for="id_password">密码</label>' in html
    assert "csrfmiddlewaretoken" in html


def test_citizen_logs_in_with_a_password_and_it_is_audited(client: Client, citizen: User) -> None:
    response = login(client, "chenjm", DEFAULT_PASSWORD)
    assert response.status_code == 302
    assert response["Location"] == reverse("web:portal")
    assert client.session["_auth_user_id"] == str(citizen.pk)
    event = AuditEvent.objects.get(action="identity.login")
    assert event.actor_id == citizen.pk
    assert event.subject_id == str(citizen.pk)
    assert event.after == {"username": "chenjm", "kind": "citizen", "second_factor_pending": False}


def test_login_follows_a_safe_next_only(client: Client, citizen: User) -> None:
    assert login(client, "chenjm", DEFAULT_PASSWORD, next="/workbench/?a=1")["Location"] == "/workbench/?a=1"
    client.logout()
    assert login(client, "chenjm", DEFAULT_PASSWORD, next="https://evil.example/")["Location"] == "/"


def test_wrong_password_is_refused_and_audited_without_the_password(client: Client, citizen: User) -> None:
    response = login(client, "chenjm", "Wrong#password1")
    assert response.status_code == 200
    assert "账号或密码错误" in response.content.decode()
    assert "_auth_user_id" not in client.session
    event = AuditEvent.objects.get(action="identity.login_failed")
    assert event.actor_id is None
    assert event.after == {"username": "chenjm", "locked_out": False}
    assert event.subject_id == str(citizen.pk)
    assert "Wrong" not in str(event.before) + str(event.after)


def test_unknown_username_is_audited_with_the_username_only(client: Client) -> None:
    login(client, "nobody", "Whatever#2026")
    event = AuditEvent.objects.get(action="identity.login_failed")
    assert event.after == {"username": "nobody", "locked_out": False}
    assert event.subject_id == ""


def test_empty_form_shows_field_errors(client: Client) -> None:
    response = client.post(LOGIN, {"username": "", "password": ""})
    html = response.content.decode()
    assert "请输入账号。" in html
    assert 'aria-invalid="true"' in html
    assert not AuditEvent.objects.exists()


def test_inactive_account_cannot_log_in(client: Client, citizen: User) -> None:
    User.objects.filter(pk=citizen.pk).update(is_active=False)
    response = login(client, "chenjm", DEFAULT_PASSWORD)
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session


def test_five_failures_lock_the_account_for_thirty_minutes(client: Client, citizen: User) -> None:
    for _ in range(4):
        assert login(client, "chenjm", "Wrong#password1").status_code == 200
    fifth = login(client, "chenjm", "Wrong#password1")
    assert fifth.status_code == 429
    # The sixth attempt is refused even with the right password.
    sixth = login(client, "chenjm", DEFAULT_PASSWORD)
    assert sixth.status_code == 429
    html = sixth.content.decode()
    assert "账号已被锁定 30 分钟" in html
    assert "_auth_user_id" not in client.session
    failures = AuditEvent.objects.filter(action="identity.login_failed").order_by("seq")
    assert failures.count() == 6
    assert [e.after["locked_out"] for e in failures if e.after is not None] == [
        False,
        False,
        False,
        False,
        True,
        True,
    ]
    assert not AuditEvent.objects.filter(action="identity.login").exists()
    # Another account is not affected (the lock is per username, not per address).
    other = staff(None, username="other")
    assert login(client, other.username, DEFAULT_PASSWORD).status_code == 302


def test_lockout_answers_json_clients_with_a_problem(client: Client, citizen: User) -> None:
    for _ in range(5):
        login(client, "chenjm", "Wrong#password1")
    response = client.post(
        LOGIN, {"username": "chenjm", "password": DEFAULT_PASSWORD}, HTTP_ACCEPT="application/json"
    )
    assert response.status_code == 429
    assert response["Content-Type"].startswith("application/problem+json")
    body = response.json()
    assert body["code"] == "account_locked"
    assert "锁定" in body["detail"]


def test_success_resets_the_failure_count(client: Client, citizen: User) -> None:
    for _ in range(4):
        login(client, "chenjm", "Wrong#password1")
    assert login(client, "chenjm", DEFAULT_PASSWORD).status_code == 302
    client.logout()
    for _ in range(4):
        assert login(client, "chenjm", "Wrong#password1").status_code == 200


# --- staff second factor -------------------------------------------------------------------------


def test_staff_must_pass_totp_when_required(otp_required, org, client: Client) -> None:
    clerk = staff(org.bureau, username="clerk")
    device = add_totp(clerk)
    response = login(client, "clerk", DEFAULT_PASSWORD, next="/workbench/")
    assert response.status_code == 302
    assert response["Location"] == OTP
    login_after = AuditEvent.objects.get(action="identity.login").after
    assert login_after is not None
    assert login_after["second_factor_pending"] is True

    # Until the code is given, pages redirect to the OTP step; the API answers 403 (second factor missing).
    blocked = client.get("/workbench/")
    assert blocked.status_code == 302
    assert blocked["Location"].startswith(OTP)
    assert client.get("/api/v1/identity/me").status_code == 403
    assert client.get("/healthz").status_code == 200

    page = client.get(OTP)
    html = page.content.decode()
    assert 'name="otp_token"' in html
    assert 'inputmode="numeric"' in html
    assert 'autocomplete="one-time-code"' in html

    wrong = client.post(OTP, {"otp_token": "000000" if current_token(device) != "000000" else "111111"})
    assert wrong.status_code == 200
    assert "动态验证码不正确" in wrong.content.decode()
    assert "identity.otp_failed" in actions()

    device.refresh_from_db()
    device.throttling_failure_count = 0
    device.throttling_failure_timestamp = None
    device.save()
    ok = client.post(OTP, {"otp_token": current_token(device)})
    assert ok.status_code == 302
    assert ok["Location"] == "/workbench/"
    assert client.get("/workbench/").status_code == 200
    assert client.get("/api/v1/identity/me").json()["second_factor_verified"] is True
    verified = AuditEvent.objects.get(action="identity.otp_verified")
    assert verified.actor_id == clerk.pk
    assert verified.after is not None
    assert verified.after["device"] == device.persistent_id


def test_citizens_never_need_the_second_factor(otp_required, client: Client, citizen: User) -> None:
    response = login(client, "chenjm", DEFAULT_PASSWORD)
    assert response["Location"] == reverse("web:portal")
    assert client.get("/api/v1/identity/me").status_code == 200


def test_demo_setting_lets_staff_in_with_a_password_only(org, client: Client, settings) -> None:
    settings.SHUZHENG_STAFF_OTP_REQUIRED = False
    staff(org.bureau, username="clerk")
    response = login(client, "clerk", DEFAULT_PASSWORD)
    assert response["Location"] == reverse("web:workbench")
    assert client.get("/workbench/").status_code == 200


def test_a_fresh_staff_member_enrols_a_totp_device(otp_required, org, client: Client) -> None:
    clerk = staff(org.bureau, username="clerk")
    login(client, "clerk", DEFAULT_PASSWORD)
    assert client.get(OTP)["Location"] == OTP_SETUP
    page = client.get(OTP_SETUP)
    assert page.status_code == 200
    html = page.content.decode()
    assert "<svg" in html
    assert "http" not in html.split("<svg", 1)[1].split("</svg>", 1)[0].replace("http://www.w3.org", "")
    assert 'id="otp-secret"' in html
    device = TOTPDevice.objects.get(user=clerk)
    assert device.confirmed is False
    # Reloading the page keeps the same pending device (the QR code does not change under the user).
    client.get(OTP_SETUP)
    assert TOTPDevice.objects.filter(user=clerk).count() == 1

    response = client.post(OTP_SETUP, {"otp_token": current_token(device)})
    assert response.status_code == 302
    device.refresh_from_db()
    assert device.confirmed is True
    assert client.get("/workbench/").status_code == 200
    assert {"identity.otp_enrolled", "identity.otp_verified"} <= set(actions())
    # Once a device is confirmed the setup page cannot add another.
    client.post(LOGOUT)
    login(client, "clerk", DEFAULT_PASSWORD)
    assert client.get(OTP_SETUP)["Location"] == OTP


def test_setup_with_a_wrong_code_keeps_the_device_pending(otp_required, org, client: Client) -> None:
    clerk = staff(org.bureau, username="clerk")
    login(client, "clerk", DEFAULT_PASSWORD)
    client.get(OTP_SETUP)
    device = TOTPDevice.objects.get(user=clerk)
    token = "123456" if current_token(device) != "123456" else "654321"
    response = client.post(OTP_SETUP, {"otp_token": token})
    assert response.status_code == 200
    assert "验证码不正确" in response.content.decode()
    device.refresh_from_db()
    assert device.confirmed is False
    bad = client.post(OTP_SETUP, {"otp_token": "abc"})
    assert "6 位数字" in bad.content.decode()


def test_otp_pages_need_a_login(client: Client) -> None:
    assert client.get(OTP)["Location"].startswith(LOGIN)
    assert client.get(OTP_SETUP)["Location"].startswith(LOGIN)


# --- logout and idle timeout ---------------------------------------------------------------------


def test_logout_needs_post_and_is_audited(client: Client, citizen: User) -> None:
    login(client, "chenjm", DEFAULT_PASSWORD)
    page = client.get(LOGOUT)
    assert page.status_code == 200
    assert "确定要退出" in page.content.decode()
    assert "_auth_user_id" in client.session
    response = client.post(LOGOUT)
    assert response.status_code == 302
    assert "_auth_user_id" not in client.session
    event = AuditEvent.objects.get(action="identity.logout")
    assert event.actor_id == citizen.pk
    assert event.after == {"username": "chenjm", "reason": "user"}
    assert actions() == ["identity.user.create", "identity.login", "identity.logout"]


def _go_idle(client: Client, seconds: float) -> None:
    session = client.session
    session[LAST_ACTIVITY_KEY] = time.time() - seconds
    session.save()


def test_idle_session_is_logged_out_with_a_chinese_notice(org, client: Client, settings) -> None:
    settings.IDLE_TIMEOUT_SECONDS = 600
    clerk = staff(org.bureau, username="clerk")
    client.force_login(clerk)
    assert client.get("/workbench/").status_code == 200
    _go_idle(client, 599)
    assert client.get("/workbench/").status_code == 200  # within the limit, and activity renews it
    _go_idle(client, 601)
    response = client.get("/workbench/")
    assert response.status_code == 302
    assert response["Location"].startswith(LOGIN)
    assert "next=%2Fworkbench%2F" in response["Location"]
    assert "_auth_user_id" not in client.session
    page = client.get(response["Location"])
    assert "登录已超时" in page.content.decode()
    assert "登录已超时" not in client.get(LOGIN).content.decode()  # shown once
    event = AuditEvent.objects.get(action="identity.logout")
    assert event.after == {"username": "clerk", "reason": "idle_timeout"}


def test_idle_api_session_gets_401_problem(org, client: Client, settings) -> None:
    settings.IDLE_TIMEOUT_SECONDS = 600
    client.force_login(staff(org.bureau, username="clerk"))
    assert client.get("/api/v1/identity/me").status_code == 200
    _go_idle(client, 3600)
    response = client.get("/api/v1/identity/me")
    assert response.status_code == 401
    assert response["Content-Type"].startswith("application/problem+json")
    assert response.json()["code"] == "session_expired"
    assert "重新登录" in response.json()["detail"]


def test_admin_login_and_logout_go_through_the_platform(client: Client) -> None:
    response = client.get("/admin/login/?next=/admin/identity/user/")
    assert response.status_code == 302
    assert response["Location"] == f"{LOGIN}?next=%2Fadmin%2Fidentity%2Fuser%2F"
    assert client.get("/admin/")["Location"].startswith("/admin/login/")
