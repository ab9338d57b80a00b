"""/api/v1/licences/...: holders, public verification, staff issuance and revocation, seals; bad input."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from shuzheng.licences.models import Licence, Seal
from shuzheng.licences.tests.conftest import World

pytestmark = pytest.mark.django_db

BASE = "/api/v1/licences"


def as_user(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def post(client: Client, path: str, data: Any) -> tuple[int, dict[str, Any]]:
    body = data if isinstance(data, str) else json.dumps(data)
    response = client.post(f"{BASE}{path}", data=body, content_type="application/json")
    return response.status_code, json.loads(response.content) if response.content else {}


def issue(world: World) -> dict[str, Any]:
    status, body = post(
        as_user(world.issuer),
        "/issue",
        {
            "licence_type_id": world.licence_type.pk,
            "holder_name": world.citizen.full_name,
            "holder_code": world.citizen.id_number,
            "data": {"address": "恩平市恩城街道新平中路1号"},
        },
    )
    assert status == 201, body
    return body


def test_staff_issue_holder_lists_downloads_and_anyone_verifies(world: World) -> None:
    world.seal()
    issued = issue(world)
    holder = as_user(world.citizen)
    mine = json.loads(holder.get(BASE).content)
    assert [item["identifier"] for item in mine["items"]] == [issued["identifier"]]
    pdf = holder.get(issued["pdf_url"])
    assert pdf.status_code == 200
    assert pdf["Content-Type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF-")
    assert as_user(world.other_citizen).get(issued["pdf_url"]).status_code == 404
    answer = json.loads(Client().get(f"{BASE}/verify/{issued['identifier']}").content)
    assert answer["verdict"] == "valid"
    assert answer["sm2_signature_valid"] is True
    assert answer["pdf_signature_valid"] is True
    upload = SimpleUploadedFile("licence.pdf", pdf.content, content_type="application/pdf")
    assert json.loads(Client().post(f"{BASE}/verify", {"file": upload}).content)["verdict"] == "valid"


def test_unknown_and_garbage_identifiers_are_answered(world: World) -> None:
    for text in (
        "1.2.156.3005.2.nothing",
        "x" * 90,
        "1.2.156.3005.2.11100000000013338W011.11430000006122244L.20230000403.001.U",
    ):
        response = Client().get(f"{BASE}/verify/{text}")
        assert response.status_code == 200
        assert json.loads(response.content)["verdict"] == "unknown"
    nul = Client().get(f"{BASE}/verify/%00")
    assert nul.status_code == 422
    assert json.loads(nul.content)["detail"]


def test_forged_upload_is_tampered_and_non_pdf_is_refused(world: World) -> None:
    world.seal()
    issued = issue(world)
    content = bytearray(as_user(world.citizen).get(issued["pdf_url"]).content)
    content[content.index(b"stream\n") + 20] ^= 1
    forged = SimpleUploadedFile("forged.pdf", bytes(content), content_type="application/pdf")
    assert json.loads(Client().post(f"{BASE}/verify", {"file": forged}).content)["verdict"] == "tampered"
    text = SimpleUploadedFile("a.txt", b"hello", content_type="text/plain")
    response = Client().post(f"{BASE}/verify", {"file": text})
    assert response.status_code == 422
    assert json.loads(response.content)["detail"]


def test_verification_flood_gets_429(world: World, settings: Any) -> None:
    settings.SHUZHENG_LICENCE_VERIFICATIONS_PER_MINUTE = 2
    client = Client()
    codes = [client.get(f"{BASE}/verify/1.2.156.3005.2.x").status_code for _ in range(3)]
    assert codes == [200, 200, 429]
    assert (
        json.loads(client.get(f"{BASE}/verify/1.2.156.3005.2.x").content)["code"]
        == "verification_rate_limited"
    )


def test_revoke_needs_permission_scope_and_reason(world: World) -> None:
    world.seal()
    issued = issue(world)
    path = f"/{issued['id']}/revoke"
    assert post(as_user(world.citizen), path, {"reason": "我想注销"})[0] == 404
    assert post(as_user(world.other_issuer), path, {"reason": "越权"})[0] == 404
    status, body = post(as_user(world.issuer), path, {"reason": ""})
    assert status == 422
    assert body["errors"][0]["field"] == "reason"
    assert post(as_user(world.issuer), path, "{not json")[0] in (400, 422)
    status, body = post(as_user(world.issuer), path, {"reason": "申请人申请注销"})
    assert status == 200
    assert body["status"] == "revoked"
    assert post(as_user(world.issuer), path, {"reason": "再次注销"})[0] == 409
    assert json.loads(Client().get(f"{BASE}/verify/{issued['identifier']}").content)["verdict"] == "revoked"


def test_change_and_bad_fields(world: World) -> None:
    world.seal()
    issued = issue(world)
    status, body = post(
        as_user(world.issuer), f"/{issued['id']}/change", {"reason": "变更", "data": {"colour": "红"}}
    )
    assert status == 422
    assert body["errors"][0]["field"] == "data.colour"
    status, body = post(
        as_user(world.issuer),
        f"/{issued['id']}/change",
        {"reason": "地址变更", "data": {"address": "锦江路8号"}},
    )
    assert status == 201
    assert body["version"] == 2
    assert Licence.objects.get(pk=issued["id"]).status == "superseded"


def test_share_link_is_one_time(world: World) -> None:
    world.seal()
    issued = issue(world)
    assert post(as_user(world.other_citizen), f"/{issued['id']}/share", {"hours": 2})[0] == 404
    status, body = post(as_user(world.citizen), f"/{issued['id']}/share", {"hours": 2})
    assert status == 201
    assert Client().get(body["url"]).status_code == 200
    assert Client().get(body["url"]).status_code == 404


def test_seal_api(world: World) -> None:
    admin = as_user(world.seal_admin)
    status, body = post(admin, "/seals", {"department_id": world.bureau.pk})
    assert status == 201, body
    assert post(admin, "/seals", {"department_id": world.bureau.pk})[0] == 409
    assert post(admin, "/seals", {"department_id": 999999})[0] == 404
    assert (
        post(admin, "/seals", {"department_id": world.bureau.pk, "kind": "official", "years": 99})[0] == 422
    )
    assert post(as_user(world.issuer), "/seals", {"department_id": world.bureau.pk})[0] == 403
    status, suspended = post(admin, f"/seals/{body['id']}/suspend", {"reason": "保管人调岗"})
    assert (status, suspended["status"]) == (200, "suspended")
    assert post(admin, f"/seals/{body['id']}/suspend", {"reason": "再暂停"})[0] == 409
    assert post(admin, f"/seals/{body['id']}/resume", {})[0] == 200
    listed = json.loads(admin.get(f"{BASE}/seals").content)
    assert [s["code"] for s in listed["items"]] == [body["code"]]
    coverage = json.loads(admin.get(f"{BASE}/seals/coverage").content)
    assert coverage["departments_with_valid_seal"] == 1
    assert Seal.objects.count() == 1


def test_my_licences_query_count_does_not_grow(world: World) -> None:
    world.seal()
    issue(world)
    client = as_user(world.citizen)
    client.get(BASE)
    with CaptureQueriesContext(connection) as one:
        client.get(BASE)
    issue(world)
    issue(world)
    with CaptureQueriesContext(connection) as three:
        client.get(BASE)
    assert len(three) == len(one)


def test_anonymous_needs_login(world: World) -> None:
    assert Client().get(BASE).status_code == 401
