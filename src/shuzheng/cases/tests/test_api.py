"""/api/v1/cases/...: upload then submit, idempotent retries, scoped reads, actions, files."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.http import StreamingHttpResponse
from django.test import Client

from shuzheng.cases.models import Case, MaterialUpload
from shuzheng.cases.tests.conftest import World, new_key, pdf_bytes, png_bytes
from shuzheng.identity.models import User

BASE = "/api/v1/cases"


def _client(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _post(client: Client, path: str, body: dict[str, Any], **headers: str) -> Any:
    return client.post(path, json.dumps(body), content_type="application/json", headers=headers)


def _upload(client: Client, content: bytes, name: str) -> int:
    response = client.post(f"{BASE}/uploads", {"file": _file(content, name)})
    assert response.status_code == 201, response.content
    return int(response.json()["id"])


def _file(content: bytes, name: str) -> Any:
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, content)


def _submission(world: World, client: Client) -> dict[str, Any]:
    return {
        "item_code": world.version.code,
        "form_data": {"reason": "开办小餐饮店"},
        "materials": [
            {"code": "M001", "upload_id": _upload(client, pdf_bytes(2), "身份证.pdf")},
            {"code": "M002", "upload_id": _upload(client, png_bytes(), "场所.png")},
        ],
    }


@pytest.mark.django_db
def test_upload_then_submit_with_an_idempotency_key(world: World) -> None:
    client = _client(world.citizen)
    body = _submission(world, client)
    key = new_key()
    first = _post(client, BASE, body, **{"Idempotency-Key": key})
    assert first.status_code == 201, first.content
    data = first.json()
    assert data["status"] == "submitted"
    assert data["applicant_name"] == "张三"
    assert data["applicant_id_number"] == world.citizen.id_number  # the applicant sees their own number
    assert {m["name"] for m in data["materials"]} == {"申请人身份证明", "经营场所证明", "营业执照"}
    assert data["actions"] == ["withdraw"]
    retry = _post(client, BASE, body, **{"Idempotency-Key": key})
    assert retry.status_code == 201
    assert retry.json()["id"] == data["id"]
    assert Case.objects.count() == 1


@pytest.mark.django_db
def test_form_errors_are_422_with_fields(world: World) -> None:
    client = _client(world.citizen)
    body = _submission(world, client)
    body["form_data"] = {"reason": "x", "copies": "two"}
    response = _post(client, BASE, body)
    assert response.status_code == 422
    problem = response.json()
    fields = {e["field"]: e["message"] for e in problem["errors"]}
    assert fields == {"form_data.reason": "至少2个字", "form_data.copies": "应为整数"}
    assert response["Content-Type"] == "application/problem+json"
    assert not Case.objects.exists()
    assert not MaterialUpload.objects.filter(material__isnull=False).exists()
    unknown = _post(client, BASE, {**_submission(world, client), "surprise": 1})
    assert unknown.status_code == 422


@pytest.mark.django_db
def test_bad_upload_is_refused_with_a_chinese_problem(world: World) -> None:
    client = _client(world.citizen)
    response = client.post(f"{BASE}/uploads", {"file": _file(b"MZ\x90\x00" * 64, "a.pdf")})
    assert response.status_code == 415
    assert "只接受" in response.json()["detail"]


@pytest.mark.django_db
def test_upload_paths_have_their_own_size_limit(world: World, settings) -> None:
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 100_000
    settings.SHUZHENG_MAX_UPLOAD_BYTES = 400_000
    client = _client(world.citizen)
    big = pdf_bytes() + b"%" + b"x" * 200_000  # over the body cap, under the upload cap
    assert client.post(f"{BASE}/uploads", {"file": _file(big, "big.pdf")}).status_code == 201
    too_big = pdf_bytes() + b"%" + b"x" * 600_000
    response = client.post(f"{BASE}/uploads", {"file": _file(too_big, "huge.pdf")})
    assert response.status_code == 413
    assert "上限" in response.json()["detail"]
    # Any other path keeps the general body cap.
    response = _post(client, BASE, {"item_code": "x" * 150_000})
    assert response.status_code == 413


@pytest.mark.django_db
def test_staff_queue_detail_and_scope(world: World) -> None:
    case = world.submit()
    acceptor = _client(world.acceptor)
    queue = acceptor.get(f"{BASE}/queue").json()
    assert [c["number"] for c in queue["items"]] == [case.number]
    assert queue["items"][0]["applicant_name"] == "张*"  # lists mask names
    detail = acceptor.get(f"{BASE}/{case.pk}").json()
    assert detail["applicant_name"] == "张三"
    assert detail["applicant_id_number"].startswith("440785")
    assert "*" in detail["applicant_id_number"]
    assert set(detail["actions"]) == {
        "accept",
        "accept_with_deferral",
        "reject",
        "request_correction",
        "forward",
        "withdraw",
    }
    outsider = _client(world.outsider)
    assert outsider.get(f"{BASE}/{case.pk}").status_code == 404
    assert outsider.get(f"{BASE}/{case.pk}/slip.pdf").status_code == 404
    assert outsider.get(f"{BASE}/queue").json()["items"] == []
    assert _client(world.citizen).get(f"{BASE}/queue").status_code == 403
    assert Client().get(f"{BASE}/{case.pk}").status_code == 401


@pytest.mark.django_db
def test_actions_through_the_api_with_versions(world: World) -> None:
    case = world.submit()
    acceptor = _client(world.acceptor)
    stale = _post(acceptor, f"{BASE}/{case.pk}/transitions", {"action": "accept", "expected_version": 7})
    assert stale.status_code == 409
    assert stale.json()["detail"] == "办件已被他人更新，请刷新后重试"
    accepted = _post(acceptor, f"{BASE}/{case.pk}/transitions", {"action": "accept", "expected_version": 0})
    assert accepted.status_code == 200, accepted.content
    assert accepted.json()["status"] == "accepted"
    again = _post(acceptor, f"{BASE}/{case.pk}/transitions", {"action": "accept", "expected_version": 1})
    assert again.status_code == 409
    assert "不能“受理”" in again.json()["detail"]
    wrong_field = _post(
        acceptor,
        f"{BASE}/{case.pk}/transitions",
        {"action": "start_review", "expected_version": 1, "kind": "hearing"},
    )
    assert wrong_field.status_code == 403  # the acceptor holds no review permission
    reviewer = _client(world.reviewer)
    bad = _post(
        reviewer,
        f"{BASE}/{case.pk}/transitions",
        {"action": "start_review", "expected_version": 1, "method": "post"},
    )
    assert bad.status_code == 422
    assert bad.json()["errors"][0]["field"] == "method"
    started = _post(
        reviewer, f"{BASE}/{case.pk}/transitions", {"action": "start_review", "expected_version": 1}
    )
    assert started.json()["current_step"] == "审查"
    # The approver cannot act on the reviewer's step.
    not_mine = _post(
        _client(world.approver), f"{BASE}/{case.pk}/transitions", {"action": "approve", "expected_version": 2}
    )
    assert not_mine.status_code == 409  # step 1 is not done yet
    refuse = _post(
        reviewer, f"{BASE}/{case.pk}/transitions", {"action": "refuse", "expected_version": 2, "reasons": "x"}
    )
    assert refuse.status_code == 403
    timeline = acceptor.get(f"{BASE}/{case.pk}/timeline").json()
    assert [e["kind"] for e in timeline].count("status") == 3


@pytest.mark.django_db
def test_refuse_needs_reasons_and_legal_basis(world: World) -> None:
    case = world.move(world.move(world.move(world.submit(), "accept"), "start_review"), "complete_step")
    approver = _client(world.approver)
    response = _post(
        approver, f"{BASE}/{case.pk}/transitions", {"action": "refuse", "expected_version": case.lock_version}
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "reasons"
    response = _post(
        approver,
        f"{BASE}/{case.pk}/transitions",
        {"action": "refuse", "expected_version": case.lock_version, "reasons": "不符合条件"},
    )
    assert response.json()["errors"][0]["field"] == "legal_basis"
    assert Case.objects.get(pk=case.pk).status == "under_review"


@pytest.mark.django_db
def test_correction_response_and_withdrawal_by_the_applicant(world: World) -> None:
    case = world.move(
        world.submit(), "request_correction", items=[{"target": "经营场所证明", "reason": "不清晰"}]
    )
    citizen = _client(world.citizen)
    assert citizen.get(f"{BASE}/{case.pk}/documents/correction.pdf").status_code == 200
    upload_id = _upload(citizen, png_bytes(), "新的.png")
    response = _post(
        citizen,
        f"{BASE}/{case.pk}/correction-response",
        {
            "expected_version": case.lock_version,
            "note": "已更换清晰照片",
            "materials": [{"code": "M002", "upload_id": upload_id}],
        },
    )
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "submitted"
    assert response.json()["corrections"][0]["response_note"] == "已更换清晰照片"
    withdrawn = _post(
        citizen, f"{BASE}/{case.pk}/withdraw", {"expected_version": response.json()["lock_version"]}
    )
    assert withdrawn.json()["status"] == "withdrawn"
    # Someone else's case is not there at all.
    other = world.submit(world.agent, materials=world.materials(world.agent))
    assert _post(citizen, f"{BASE}/{other.pk}/withdraw", {"expected_version": 0}).status_code == 404


@pytest.mark.django_db
def test_result_download_only_for_the_applicant_and_staff_in_scope(world: World) -> None:
    case = world.move(world.move(world.move(world.submit(), "accept"), "start_review"), "complete_step")
    case = world.move(case, "approve", reasons="符合条件")
    approver = _client(world.approver)
    result_id = _upload(approver, pdf_bytes(), "许可证.pdf")
    delivered = _post(
        approver,
        f"{BASE}/{case.pk}/transitions",
        {
            "action": "deliver",
            "expected_version": case.lock_version,
            "method": "electronic",
            "result_upload_id": result_id,
        },
    )
    assert delivered.status_code == 200, delivered.content
    assert delivered.json()["has_result"] is True
    response = _client(world.citizen).get(f"{BASE}/{case.pk}/result")
    assert response.status_code == 200
    assert isinstance(response, StreamingHttpResponse)
    assert b"".join(response.streaming_content).startswith(b"%PDF")
    assert _client(world.acceptor).get(f"{BASE}/{case.pk}/result").status_code == 200
    assert _client(world.outsider).get(f"{BASE}/{case.pk}/result").status_code == 404
    assert _client(world.agent).get(f"{BASE}/{case.pk}/result").status_code == 404
    material = case.materials.exclude(file="").first()
    assert material is not None
    assert _client(world.citizen).get(f"{BASE}/{case.pk}/materials/{material.pk}/file").status_code == 200
    assert _client(world.outsider).get(f"{BASE}/{case.pk}/materials/{material.pk}/file").status_code == 404


@pytest.mark.django_db
def test_slip_pdf_and_my_cases(world: World) -> None:
    case = world.submit()
    citizen = _client(world.citizen)
    slip = citizen.get(f"{BASE}/{case.pk}/slip.pdf")
    assert slip.status_code == 200
    assert slip["Content-Type"] == "application/pdf"
    assert citizen.get(f"{BASE}/{case.pk}/documents/rejection.pdf").status_code == 404
    mine = citizen.get(f"{BASE}/mine").json()
    assert [c["number"] for c in mine["items"]] == [case.number]
    assert mine["items"][0]["deadline_state"] == "on_time"


@pytest.mark.django_db
def test_window_intake_through_the_api(world: World) -> None:
    from shuzheng.cases.tests.conftest import citizen_id

    clerk = _client(world.acceptor)
    body: dict[str, Any] = {
        "item_code": world.version.code,
        "channel": "window",
        "window_id": world.window.pk,
        "form_data": {"reason": "窗口代办"},
        "applicant": {"kind": "person", "name": "黄七", "id_number": citizen_id()},
        "materials": [{"code": "M001", "checked_on_paper": True}, {"code": "M002", "checked_on_paper": True}],
    }
    response = _post(clerk, BASE, body, **{"Idempotency-Key": new_key()})
    assert response.status_code == 201, response.content
    assert response.json()["channel"] == "window"
    body["applicant"]["id_number"] = "123"
    response = _post(clerk, BASE, body, **{"Idempotency-Key": new_key()})
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "applicant.id_number"


@pytest.mark.django_db
def test_queue_endpoint_queries_do_not_grow_with_the_page(world: World) -> None:
    from datetime import timedelta

    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from shuzheng.cases.constants import CaseStatus
    from shuzheng.cases.tests.factories import CaseFactory

    for i in range(30):
        CaseFactory.create(
            version=world.version, status=CaseStatus.ACCEPTED, due_at=timezone.now() + timedelta(hours=i)
        )
    client = _client(world.acceptor)
    client.get(f"{BASE}/queue?limit=1")  # warm the session and calendar snapshot
    counts = []
    for limit in (5, 30):
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(f"{BASE}/queue?limit={limit}")
        assert len(response.json()["items"]) == limit
        counts.append(len(ctx.captured_queries))
    assert counts[0] == counts[1], counts


@pytest.mark.django_db
def test_services_accept_materials_as_dicts(world: World) -> None:
    from shuzheng.cases.services.submission import case_submit
    from shuzheng.cases.tests.conftest import upload

    case = case_submit(
        actor=world.citizen,
        channel="portal",
        item_code=world.version.code,
        form_data={"reason": "表单提交"},
        materials=[  # dicts on purpose: as_materials takes them as forms and JSON give them
            {"code": "M001", "upload_id": upload(world.citizen).pk},  # type: ignore[list-item]
            {"code": "M002", "deferred": True},  # type: ignore[list-item]
        ],
        idempotency_key=new_key(),
    )
    assert case.materials.filter(deferred=True).count() == 1
