"""JSON logs: one access line per request with the request id, and no personal data in any line."""

from __future__ import annotations

import io
import json
import logging

import pytest
import structlog
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.test import Client
from django.urls import path

from shuzheng.config.urls import urlpatterns as site_urlpatterns
from shuzheng.core.logging import json_formatter, redact_personal_data, redact_text
from shuzheng.core.middleware import client_ip
from shuzheng.identity.tests.factories import CitizenFactory

ID_NUMBER = "44078519900307123X"
MOBILE = "13812345678"


def _chatty_view(request: HttpRequest, anything: str) -> HttpResponse:
    structlog.get_logger("shuzheng.test").info(
        "citizen_lookup",
        id_number=ID_NUMBER,
        note=f"回电 {MOBILE}，身份证 {ID_NUMBER}",
        nested={"phones": ["+86 13912345678", "0086-15012345678"], "count": 2},
    )
    logging.getLogger("shuzheng.test.stdlib").warning("查询 %s 的办件", ID_NUMBER)
    return JsonResponse({"user": request.user.pk})


def _failing_view(request: HttpRequest) -> HttpResponse:
    raise RuntimeError(f"lookup failed for {ID_NUMBER}")


urlpatterns = [
    path("chatty/<str:anything>/", _chatty_view),
    path("failing/", _failing_view),
    *site_urlpatterns,
]
handler500 = "shuzheng.core.views.server_error"


@pytest.fixture
def log_lines():
    """Captures what the production formatter writes; calling it returns the lines as parsed JSON."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(json_formatter())
    root = logging.getLogger()
    root.addHandler(handler)
    previous = root.level
    root.setLevel(logging.INFO)

    def parsed() -> list[dict]:
        return [json.loads(line) for line in stream.getvalue().splitlines()]

    try:
        yield parsed
    finally:
        root.removeHandler(handler)
        root.setLevel(previous)


@pytest.mark.urls(__name__)
@pytest.mark.django_db
def test_access_line_carries_request_id_and_no_personal_data(client, log_lines):
    user = CitizenFactory.create()
    client.force_login(user)
    response = client.get(
        f"/chatty/{ID_NUMBER}/?mobile={MOBILE}&q=张三", headers={"X-Request-ID": "req-ops-0001"}
    )
    assert response.status_code == 200
    assert response["X-Request-ID"] == "req-ops-0001"

    lines = log_lines()
    raw = json.dumps(lines, ensure_ascii=False)
    assert ID_NUMBER not in raw
    assert ID_NUMBER.lower() not in raw
    assert MOBILE not in raw
    assert "13912345678" not in raw
    assert "15012345678" not in raw
    assert "张三" not in raw  # the query string is never logged

    access = [line for line in lines if line["event"] == "request_finished"]
    assert len(access) == 1
    line = access[0]
    assert line["request_id"] == "req-ops-0001"
    assert line["method"] == "GET"
    assert line["path"] == "/chatty/<redacted:id>/"
    assert line["status"] == 200
    assert isinstance(line["duration_ms"], float)
    assert line["user_id"] == user.pk
    assert line["logger"] == "shuzheng.access"
    assert line["level"] == "info"
    assert user.full_name not in raw
    assert user.username not in raw

    lookup = next(line for line in lines if line["event"] == "citizen_lookup")
    assert lookup["request_id"] == "req-ops-0001"
    assert lookup["id_number"] == "<redacted:id>"
    assert lookup["note"] == "回电 <redacted:mobile>，身份证 <redacted:id>"
    assert lookup["nested"] == {"phones": ["<redacted:mobile>", "<redacted:mobile>"], "count": 2}

    stdlib = next(line for line in lines if line["logger"] == "shuzheng.test.stdlib")
    assert stdlib["event"] == "查询 <redacted:id> 的办件"
    assert stdlib["request_id"] == "req-ops-0001"  # plain logging records get it too


@pytest.mark.urls(__name__)
@pytest.mark.django_db
def test_server_error_is_logged_with_traceback_request_id_and_no_personal_data(log_lines):
    response = Client(raise_request_exception=False).get(
        "/failing/", headers={"X-Request-ID": "req-ops-0500"}
    )
    assert response.status_code == 500
    lines = log_lines()
    assert ID_NUMBER not in json.dumps(lines, ensure_ascii=False)
    error = next(line for line in lines if line["logger"] == "django.request")
    assert error["level"] == "error"
    assert error["request_id"] == "req-ops-0500"
    assert "Traceback" in error["exception"]
    assert "RuntimeError: lookup failed for <redacted:id>" in error["exception"]
    access = next(line for line in lines if line["event"] == "request_finished")
    assert access["status"] == 500
    assert access["level"] == "warning"


def test_invalid_incoming_request_id_is_replaced(client, log_lines):
    response = client.get("/healthz", headers={"X-Request-ID": "bad id with spaces"})
    assert response["X-Request-ID"] != "bad id with spaces"
    assert len(response["X-Request-ID"]) == 32


@pytest.mark.django_db
def test_anonymous_request_logs_no_user_and_404_is_logged_once(client, log_lines):
    response = client.get("/api/v1/no-such-thing")
    assert response.status_code == 404
    lines = log_lines()
    access = [line for line in lines if line["event"] == "request_finished"]
    assert len(access) == 1
    assert access[0]["user_id"] is None
    assert access[0]["status"] == 404
    assert access[0]["request_id"] == response["X-Request-ID"]
    # Django's own "Not Found: ..." line (which would lack the request id) is not repeated.
    assert not [line for line in lines if line.get("logger") == "django.request"]


def test_probe_requests_log_at_debug_only(client, log_lines):
    client.get("/healthz")
    assert not [line for line in log_lines() if line["event"] == "request_finished"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("44078519900307123X", "<redacted:id>"),
        ("身份证440785199003071234号", "身份证<redacted:id>号"),
        ("tel:13812345678.", "tel:<redacted:mobile>."),
        ("+8613812345678", "<redacted:mobile>"),
        ("a 86 13812345678", "a <redacted:mobile>"),
        ("12812345678", "12812345678"),  # 12x is not a mobile prefix
        ("138123456789", "138123456789"),  # 12 digits: not a mobile
        ("4407851990030712345", "4407851990030712345"),  # 19 digits: not an ID number
        ("order 2026-11-29 10:00", "order 2026-11-29 10:00"),
    ],
)
def test_redact_text(text, expected):
    assert redact_text(text) == expected


def test_processor_keeps_our_ids_and_hides_secrets():
    event = {
        "event": "login",
        "request_id": "13812345678abcdef",
        "password": "hunter2",
        "headers": {"Authorization": "Bearer abc"},
        "amount": 13812345678,
        "obj": ValueError("bad id 440785199003071234"),
    }
    out = redact_personal_data(None, "info", event)
    assert out["request_id"] == "13812345678abcdef"
    assert out["password"] == "<redacted>"
    assert out["headers"] == {"Authorization": "<redacted>"}
    assert out["amount"] == 13812345678  # numbers are not strings; our code never logs personal data as ints
    assert out["obj"] == "bad id <redacted:id>"


@pytest.mark.parametrize(
    ("remote", "forwarded", "expected"),
    [
        ("198.51.100.9", "", "198.51.100.9"),  # direct client
        ("198.51.100.9", "1.2.3.4", "198.51.100.9"),  # untrusted peer cannot choose its address
        ("10.0.0.5", "203.0.113.7", "203.0.113.7"),  # via nginx
        ("10.0.0.5", "1.2.3.4, 203.0.113.7, 10.0.0.6", "203.0.113.7"),  # spoofed left hop ignored
        ("10.0.0.5", "not-an-ip", "10.0.0.5"),
        ("10.0.0.5", "", "10.0.0.5"),
    ],
)
def test_client_ip_behind_trusted_proxies(rf, settings, remote, forwarded, expected):
    settings.TRUSTED_PROXIES = ["10.0.0.0/24"]
    request = rf.get("/", REMOTE_ADDR=remote, HTTP_X_FORWARDED_FOR=forwarded)
    assert client_ip(request) == expected


def test_client_ip_ignores_forwarded_for_without_trusted_proxies(rf, settings):
    settings.TRUSTED_PROXIES = []
    assert client_ip(rf.get("/", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.7")) == "127.0.0.1"
