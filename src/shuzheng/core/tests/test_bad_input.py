"""Request-level bad input: each case gets a Chinese problem+json (or the HTML error page) and writes nothing.

A small test-only API, built by the same `build_api()` as the real one (same handlers), is mounted at
/api/test/ beside the site's own URLs; it creates auth Groups so "nothing written" is a row count.
"""

from __future__ import annotations

import json
import re

import pytest
from django.contrib.auth.models import Group
from django.core.exceptions import RequestDataTooBig
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import _get_new_csrf_string
from django.test import Client
from django.urls import path
from ninja import File, Router, Schema, Status
from ninja.files import UploadedFile
from ninja.security import django_auth
from pydantic import ConfigDict, Field

from shuzheng.config.urls import urlpatterns as site_urlpatterns
from shuzheng.core.api import build_api
from shuzheng.identity.tests.factories import CitizenFactory

SECRET = "traceback-secret-7f3a"
CJK = re.compile(r"[\u4e00-\u9fff]")


class GroupIn(Schema):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(max_length=80)


router = Router()


@router.post("/groups", response={201: dict})
def create_group(request: HttpRequest, payload: GroupIn) -> Status[dict]:
    group = Group.objects.create(name=payload.name)
    return Status(201, {"id": group.pk})


@router.post("/session-groups", response={201: dict}, auth=django_auth)
def create_group_as_user(request: HttpRequest, payload: GroupIn) -> Status[dict]:
    group = Group.objects.create(name=payload.name)
    return Status(201, {"id": group.pk})


@router.post("/uploads", response={201: dict})
def upload(request: HttpRequest, file: UploadedFile = File(...)) -> Status[dict]:  # noqa: B008
    group = Group.objects.create(name=file.name or "upload")
    return Status(201, {"id": group.pk})


@router.post("/too-big")
def too_big(request: HttpRequest) -> dict:
    raise RequestDataTooBig("simulated: a body Django refused while reading")


@router.get("/boom")
def boom(request: HttpRequest) -> dict:
    raise RuntimeError(SECRET)


test_api = build_api()
test_api.urls_namespace = "api-test"
test_api.add_router("/", router)


def boom_page(request: HttpRequest) -> HttpResponse:
    raise RuntimeError(SECRET)


def too_big_page(request: HttpRequest) -> HttpResponse:
    raise RequestDataTooBig("simulated")


urlpatterns = [
    path("api/test/", test_api.urls),
    path("boom/", boom_page),
    path("too-big/", too_big_page),
    *site_urlpatterns,
]
handler400 = "shuzheng.core.views.bad_request"
handler403 = "shuzheng.core.views.permission_denied"
handler404 = "shuzheng.core.views.page_not_found"
handler500 = "shuzheng.core.views.server_error"

pytestmark = [pytest.mark.urls(__name__), pytest.mark.django_db]


@pytest.fixture
def groups():
    before = Group.objects.count()

    class Counter:
        @staticmethod
        def added() -> int:
            return Group.objects.count() - before

    return Counter


def _problem(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/problem+json")
    body = response.json()
    assert body["status"] == status
    assert body["code"] == code
    assert CJK.search(body["detail"]), body["detail"]
    assert body["request_id"] == response["X-Request-ID"]
    return body


def test_good_request_writes(client, groups):
    response = client.post("/api/test/groups", {"name": "窗口组"}, content_type="application/json")
    assert response.status_code == 201
    assert groups.added() == 1


def test_json_with_charset_and_vendor_json_types_pass(client, groups):
    for kind in ("application/json; charset=utf-8", "application/merge-patch+json"):
        response = client.post("/api/test/groups", json.dumps({"name": kind}), content_type=kind)
        assert response.status_code == 201
    assert groups.added() == 2


def test_oversized_body_is_413_before_anything_reads_it(client, groups, settings, django_assert_num_queries):
    body = json.dumps({"name": "x" * (2 * 1024 * 1024)})
    with django_assert_num_queries(0):
        response = client.post("/api/test/groups", body, content_type="application/json")
    problem = _problem(response, 413, "payload_too_large")
    assert problem["detail"] == "请求内容过大（上限 2 MB）。"
    assert groups.added() == 0


def test_oversized_multipart_upload_is_413(client, groups, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1024
    response = client.post(
        "/api/test/uploads", {"file": SimpleUploadedFile("scan.pdf", b"%PDF" + b"0" * 4096)}
    )
    problem = _problem(response, 413, "payload_too_large")
    assert problem["detail"] == "请求内容过大（上限 1 KB）。"
    assert groups.added() == 0


def test_body_django_refuses_while_reading_is_413(client, groups):
    # No Content-Length up front (e.g. a multipart body whose fields outgrow the limit): Django raises
    # RequestDataTooBig, which it would otherwise answer with a 400.
    _problem(
        client.post("/api/test/too-big", {"name": "x"}, content_type="application/json"),
        413,
        "payload_too_large",
    )
    response = Client(raise_request_exception=False).post("/too-big/", {"a": "b"})
    assert response.status_code == 413
    assert response["Content-Type"].startswith("text/html")
    assert "请求内容过大" in response.content.decode()
    assert groups.added() == 0


@pytest.mark.parametrize(
    ("method", "content_type", "body"),
    [
        ("post", "text/plain", '{"name": "a"}'),
        ("post", "application/x-www-form-urlencoded", "name=a"),
        ("put", "application/xml", "<name>a</name>"),
        ("patch", "text/csv", "name\na"),
        ("post", "", '{"name": "a"}'),
    ],
)
def test_non_json_body_is_415(client, groups, method, content_type, body):
    response = client.generic(method.upper(), "/api/test/groups", body, content_type=content_type)
    problem = _problem(response, 415, "unsupported_media_type")
    assert "application/json" in problem["detail"]
    assert groups.added() == 0


def test_multipart_upload_is_let_through(client, groups):
    response = client.post("/api/test/uploads", {"file": SimpleUploadedFile("材料.pdf", b"%PDF-1.7 demo")})
    assert response.status_code == 201
    assert groups.added() == 1


def test_bodyless_post_needs_no_content_type(client, groups):
    # An action endpoint called without a body ("POST .../accept") is not a media-type error: it reaches
    # the view's own validation.
    response = client.generic("POST", "/api/test/groups", b"", content_type="")
    problem = _problem(response, 422, "validation_failed")
    assert problem["errors"][0]["type"] == "missing"
    assert groups.added() == 0


def test_malformed_json_is_400(client, groups):
    response = client.post("/api/test/groups", '{"name": ', content_type="application/json")
    problem = _problem(response, 400, "malformed_request")
    assert problem["detail"] == "请求体不是有效的 JSON。"
    assert groups.added() == 0


def test_unknown_field_is_422_naming_it(client, groups):
    response = client.post(
        "/api/test/groups", {"name": "窗口组", "nickname": "x"}, content_type="application/json"
    )
    problem = _problem(response, 422, "validation_failed")
    assert problem["errors"] == [{"field": "nickname", "message": "不允许的字段", "type": "extra_forbidden"}]
    assert "nickname" in problem["detail"]
    assert groups.added() == 0


def test_invalid_field_is_422_naming_it(client, groups):
    response = client.post("/api/test/groups", {"name": "x" * 81}, content_type="application/json")
    problem = _problem(response, 422, "validation_failed")
    assert problem["errors"][0]["field"] == "name"
    assert problem["detail"] == "请求数据有误：name：内容过长"
    assert groups.added() == 0


def test_missing_csrf_on_session_api_post_is_403_problem(groups):
    client = Client(enforce_csrf_checks=True)
    client.force_login(CitizenFactory.create())
    response = client.post("/api/test/session-groups", {"name": "a"}, content_type="application/json")
    problem = _problem(response, 403, "csrf_failed")
    assert "CSRF" in problem["detail"]
    assert groups.added() == 0

    # With the token the same call goes through.
    token = _get_new_csrf_string()
    client.cookies["csrftoken"] = token
    response = client.post(
        "/api/test/session-groups",
        {"name": "a"},
        content_type="application/json",
        headers={"X-CSRFToken": token},
    )
    assert response.status_code == 201
    assert groups.added() == 1


def test_anonymous_session_api_post_is_401_problem(client, groups):
    response = client.post("/api/test/session-groups", {"name": "a"}, content_type="application/json")
    _problem(response, 401, "authentication_required")
    assert groups.added() == 0


def test_exception_in_api_view_is_500_problem_without_traceback(settings):
    settings.DEBUG = False
    response = Client(raise_request_exception=False).get("/api/test/boom")
    _problem(response, 500, "server_error")
    text = response.content.decode()
    assert SECRET not in text
    assert "Traceback" not in text
    assert "RuntimeError" not in text


def test_exception_in_page_is_500_html_without_traceback(settings):
    settings.DEBUG = False
    response = Client(raise_request_exception=False).get("/boom/")
    assert response.status_code == 500
    assert response["Content-Type"].startswith("text/html")
    text = response.content.decode()
    assert "服务器内部错误" in text
    assert response["X-Request-ID"] in text  # the page shows the id to quote to support
    assert SECRET not in text
    assert "Traceback" not in text


def test_unknown_page_is_404_html_and_unknown_api_path_is_404_problem(client):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")
    assert "页面不存在" in response.content.decode()
    _problem(client.get("/api/test/no-such-thing"), 404, "not_found")
