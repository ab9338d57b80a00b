"""/api/v1/evaluation/...: status codes, problem+json errors, scopes and query counts."""

from __future__ import annotations

import json
from datetime import timedelta
from io import BytesIO

import pytest
from django.test import Client
from django.utils import timezone
from openpyxl import load_workbook

from shuzheng.evaluation.constants import RectificationStatus
from shuzheng.evaluation.models import Evaluation, RatingDispute, Rectification
from shuzheng.evaluation.tests.conftest import World
from shuzheng.evaluation.tests.factories import EvaluationFactory, RectificationFactory

pytestmark = pytest.mark.django_db

BASE = "/api/v1/evaluation"


def post(client: Client, path: str, data: dict, **extra) -> tuple[int, dict]:
    response = client.post(f"{BASE}{path}", data=json.dumps(data), content_type="application/json", **extra)
    body = json.loads(response.content) if response.content else {}
    return response.status_code, body


def get(client: Client, path: str, **params) -> tuple[int, dict]:
    response = client.get(f"{BASE}{path}", params)
    return response.status_code, json.loads(response.content)


def as_user(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


# --- evaluating -----------------------------------------------------------------------------------


def test_applicant_submits_online(world: World) -> None:
    case = world.case()
    client = as_user(world.citizen)
    status, body = post(
        client,
        "/evaluations/online",
        {"case_id": case.pk, "level": 5, "dimensions": {"efficiency": 5, "usability": 4}, "comment": "很快"},
    )
    assert status == 201, body
    assert body["level_label"] == "非常满意"
    assert body["message"].startswith("感谢")
    status, again = post(client, "/evaluations/online", {"case_id": case.pk, "level": 1})
    assert status == 409
    assert again["code"] == "already_evaluated"
    mine_status, mine = get(client, "/evaluations/mine")
    assert mine_status == 200
    assert [e["case_number"] for e in mine["items"]] == [case.number]


@pytest.mark.parametrize(
    ("payload", "status", "code"),
    [
        ({"level": 5, "colour": "red"}, 422, "validation_failed"),
        ({"level": "5"}, 422, "validation_failed"),
        ({"level": 7}, 422, "validation_failed"),
        ({"level": 5, "dimensions": {"attitude": 5}}, 422, "validation_failed"),
        ({"level": 5, "dimensions": {"efficiency": 0}}, 422, "validation_failed"),
        ({"level": 5, "comment": "字" * 501}, 422, "validation_failed"),
        ({"dimensions": {}}, 422, "validation_failed"),
    ],
)
def test_bad_online_input_is_a_problem_and_changes_nothing(world: World, payload, status, code) -> None:
    case = world.case()
    response_status, body = post(
        as_user(world.citizen), "/evaluations/online", {"case_id": case.pk, **payload}
    )
    assert response_status == status, body
    assert body["code"] == code
    assert body["detail"]
    assert not Evaluation.objects.exists()


def test_online_refusals(world: World) -> None:
    client = as_user(world.citizen)
    others = world.case(applicant=world.other_citizen)
    status, body = post(client, "/evaluations/online", {"case_id": others.pk, "level": 5})
    assert status == 404
    assert body["code"] == "not_found"
    pending = world.case(status="under_review")
    status, body = post(client, "/evaluations/online", {"case_id": pending.pk, "level": 5})
    assert status == 409
    assert body["code"] == "case_not_concluded"
    assert "办结" in body["detail"]
    status, body = post(Client(), "/evaluations/online", {"case_id": pending.pk, "level": 5})
    assert status == 401
    response = as_user(world.citizen).post(
        f"{BASE}/evaluations/online", data="{not json", content_type="application/json"
    )
    assert response.status_code == 400
    assert not Evaluation.objects.exists()


def test_clerk_records_on_site(world: World) -> None:
    case = world.case()
    status, body = post(
        as_user(world.clerk), "/evaluations/onsite", {"case_id": case.pk, "level": 2, "comment": "态度一般"}
    )
    assert status == 201, body
    assert body["channel"] == "onsite"
    assert body["evaluator"] == "陈*明"
    assert body["contact"] == "137****1234"  # the mobile given on the case
    assert body["rectification_status"] == "open"
    status, body = post(as_user(world.citizen), "/evaluations/onsite", {"case_id": case.pk, "level": 5})
    assert status == 403


def test_public_qr_evaluation(world: World, settings) -> None:
    anonymous = Client()
    status, body = post(
        anonymous,
        "/evaluations/qr",
        {"hall_code": world.hall.code, "window_number": "12", "level": 1, "phone": "13800138000"},
    )
    assert status == 201, body
    assert "回访" in body["message"]
    evaluation = Evaluation.objects.get()
    assert evaluation.department == world.bureau
    assert evaluation.contact == "13800138000"
    status, body = post(anonymous, "/evaluations/qr", {"hall_code": "NOPE", "level": 5})
    assert status == 404
    status, body = post(
        anonymous, "/evaluations/qr", {"hall_code": world.hall.code, "window_number": "99", "level": 5}
    )
    assert status == 404
    assert "99号窗口" in body["detail"]
    status, body = post(
        anonymous, "/evaluations/qr", {"hall_code": world.hall.code, "level": 5, "phone": "abc"}
    )
    assert status == 422
    assert body["errors"][0]["field"] == "phone"


def test_qr_rate_limit_is_a_429(world: World, settings) -> None:
    settings.SHUZHENG_QR_EVALUATIONS_PER_HOUR = 1
    client = Client(REMOTE_ADDR="10.1.1.1")
    assert post(client, "/evaluations/qr", {"hall_code": world.hall.code, "level": 5})[0] == 201
    status, body = post(client, "/evaluations/qr", {"hall_code": world.hall.code, "level": 5})
    assert status == 429
    assert body["code"] == "evaluation_rate_limited"
    assert Evaluation.objects.count() == 1


# --- reading ----------------------------------------------------------------------------------


def test_list_is_scoped_masked_and_cheap(world: World, django_assert_num_queries) -> None:
    for n in range(12):
        case = world.case() if n % 2 else None
        EvaluationFactory.create(
            department=world.bureau,
            level=5 - n % 5,
            hall=world.hall,
            window=world.bureau_window,
            case=case,
            item=case.item if case else None,
            evaluator=world.citizen if case else None,
            real_name=bool(case),
        )
    EvaluationFactory.create(department=world.other_bureau)
    client = as_user(world.handler)
    client.get(f"{BASE}/evaluations", {"limit": 1})  # warm the session and permission caches
    with django_assert_num_queries(7) as small:  # session, user, permissions, scope, one page query
        get(client, "/evaluations", limit=2)
    with django_assert_num_queries(len(small.captured_queries)):  # no query per row
        status, body = get(client, "/evaluations", limit=10)
    assert status == 200
    assert len(body["items"]) == 10
    assert body["next_cursor"]
    status, rest = get(client, "/evaluations", limit=10, cursor=body["next_cursor"])
    assert len(rest["items"]) == 2
    assert {e["department_name"] for e in body["items"] + rest["items"]} == {"测试局"}
    status, bad = get(client, "/evaluations", bad_only="true")
    assert {e["level"] for e in bad["items"]} <= {1, 2}
    status, body = get(client, "/evaluations", cursor="garbage")
    assert status == 400
    status, body = get(client, "/evaluations", date_from="2026-02-01", date_to="2026-01-01")
    assert status == 422
    assert get(as_user(world.citizen), "/evaluations")[0] == 403


def test_another_departments_evaluation_is_a_404(world: World) -> None:
    evaluation = EvaluationFactory.create(department=world.other_bureau)
    assert get(as_user(world.handler), f"/evaluations/{evaluation.pk}")[0] == 404
    assert get(as_user(world.other_handler), f"/evaluations/{evaluation.pk}")[0] == 200


# --- rectifications ---------------------------------------------------------------------------


def test_rectification_loop_through_the_api(world: World) -> None:
    case = world.case()
    post(
        as_user(world.citizen),
        "/evaluations/online",
        {"case_id": case.pk, "level": 2, "comment": "材料退回三次"},
    )
    rectification = Rectification.objects.get()
    handler = as_user(world.handler)
    status, listed = get(handler, "/rectifications", state="open")
    assert status == 200
    assert [r["id"] for r in listed["items"]] == [rectification.pk]
    assert listed["items"][0]["overdue"] is False
    assert listed["items"][0]["owner_name"] == "黄志华"
    status, body = post(handler, f"/rectifications/{rectification.pk}/result", {"result": "已经整改完毕"})
    assert status == 409
    assert body["code"] == "return_visit_required"
    status, body = post(
        handler, f"/rectifications/{rectification.pk}/return-visit", {"note": "电话回访，了解材料问题"}
    )
    assert status == 200, body
    assert body["status"] == "return_visited"
    status, body = post(
        handler, f"/rectifications/{rectification.pk}/result", {"result": "一次性告知材料清单"}
    )
    assert body["status"] == "rectified"
    supervisor = as_user(world.supervisor)
    status, body = post(supervisor, f"/rectifications/{rectification.pk}/check", {"passed": False})
    assert status == 422
    status, body = post(
        supervisor, f"/rectifications/{rectification.pk}/check", {"passed": True, "note": "同意"}
    )
    assert status == 200
    assert body["status"] == "verified"
    assert [h["action"] for h in body["history"]] == ["open", "return_visit", "result", "check_pass"]
    assert (
        post(
            as_user(world.other_handler),
            f"/rectifications/{rectification.pk}/return-visit",
            {"note": "越权回访测试"},
        )[0]
        == 404
    )


def test_overdue_flag_and_filters(world: World) -> None:
    late = RectificationFactory.create(
        evaluation__department=world.bureau, due_date=timezone.localdate() - timedelta(days=3)
    )
    RectificationFactory.create(
        evaluation__department=world.bureau, due_date=timezone.localdate() + timedelta(days=3)
    )
    client = as_user(world.handler)
    _, body = get(client, "/rectifications", overdue="true")
    assert [r["id"] for r in body["items"]] == [late.pk]
    assert body["items"][0]["overdue"] is True
    assert get(client, "/rectifications", state="nonsense")[0] == 422
    assert get(client, "/rectifications", status="nonsense")[0] == 422


def test_assign_through_the_api(world: World) -> None:
    rectification = RectificationFactory.create(evaluation__department=world.bureau)
    client = as_user(world.supervisor)
    status, body = post(client, f"/rectifications/{rectification.pk}/assign", {"owner_id": world.handler.pk})
    assert status == 200
    assert body["owner_id"] == world.handler.pk
    status, body = post(client, f"/rectifications/{rectification.pk}/assign", {"owner_id": 999999})
    assert status == 422
    assert body["errors"][0]["field"] == "owner_id"


# --- disputes ----------------------------------------------------------------------------------


def test_dispute_and_review_through_the_api(world: World) -> None:
    case = world.case()
    post(as_user(world.citizen), "/evaluations/online", {"case_id": case.pk, "level": 1})
    evaluation = Evaluation.objects.get()
    handler = as_user(world.handler)
    status, dispute = post(
        handler, f"/evaluations/{evaluation.pk}/appeals", {"reason": "申请人评价的是另一部门的窗口"}
    )
    assert status == 201, dispute
    assert dispute["status"] == "pending"
    status, body = post(handler, f"/evaluations/{evaluation.pk}/appeals", {"reason": "重复提交同一申诉"})
    assert status == 409
    status, queue = get(as_user(world.supervisor), "/appeals", status="pending")
    assert [a["id"] for a in queue["items"]] == [dispute["id"]]
    status, body = post(
        as_user(world.supervisor),
        f"/appeals/{dispute['id']}/review",
        {"decision": "void", "note": "无效结论测试"},
    )
    assert status == 422
    status, body = post(
        as_user(world.supervisor),
        f"/appeals/{dispute['id']}/review",
        {"decision": "uphold", "note": "核实为误评，作废"},
    )
    assert status == 200, body
    assert body["status"] == "upheld"
    status, detail = get(handler, f"/evaluations/{evaluation.pk}")
    assert detail["voided"] is True
    assert detail["void_reason"] == "核实为误评，作废"
    assert Rectification.objects.get().status == RectificationStatus.CLOSED
    assert RatingDispute.objects.count() == 1
    assert (
        post(
            as_user(world.other_handler), f"/evaluations/{evaluation.pk}/appeals", {"reason": "别的部门申诉"}
        )[0]
        == 404
    )


# --- statistics -------------------------------------------------------------------------------


def test_stats_json_and_export(world: World) -> None:
    for level in (5, 5, 4, 2):
        EvaluationFactory.create(department=world.bureau, level=level)
    client = as_user(world.supervisor)
    status, body = get(client, "/stats", group_by="department")
    assert status == 200
    assert body["total"]["total"] == 4
    assert body["total"]["score"] == 7.75  # (10 + 10 + 8 + 3) / 4
    assert body["total"]["satisfaction_rate"] == 75.0
    assert body["rows"][0]["label"] == "测试局"
    assert "好差评得分" in body["definitions"]
    assert get(client, "/stats", group_by="colour")[0] == 422
    assert get(client, "/stats", period="week")[0] == 422
    response = client.get(f"{BASE}/stats/export.xlsx", {"group_by": "channel"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(BytesIO(response.content))["好差评统计"]
    assert sheet.cell(row=2, column=1).value == "评价渠道"
    assert get(as_user(world.citizen), "/stats")[0] == 403


def test_openapi_lists_the_evaluation_endpoints(client: Client) -> None:
    schema = client.get("/api/v1/openapi.json").json()
    paths = set(schema["paths"])
    for path in (
        "/evaluations/online",
        "/evaluations/onsite",
        "/evaluations/qr",
        "/rectifications",
        "/appeals",
        "/stats",
    ):
        assert f"{BASE}{path}" in paths


def test_rectification_and_dispute_lists_cost_no_query_per_row(
    world: World, django_assert_num_queries
) -> None:
    for n in range(8):
        rectification = RectificationFactory.create(
            evaluation__department=world.bureau,
            evaluation__hall=world.hall,
            evaluation__window=world.bureau_window,
            owner=world.handler if n % 2 else None,
        )
        RatingDispute.objects.create(
            evaluation=rectification.evaluation, reason="列表查询数测试", filed_by=world.handler
        )
    client = as_user(world.supervisor)
    for path in ("/rectifications", "/appeals"):
        client.get(f"{BASE}{path}", {"limit": 1})
        with django_assert_num_queries(7) as small:
            status, body = get(client, path, limit=2)
        assert status == 200
        assert len(body["items"]) == 2
        with django_assert_num_queries(len(small.captured_queries)):
            status, body = get(client, path, limit=8)
        assert len(body["items"]) == 8
