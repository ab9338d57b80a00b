"""The 好差评 pages of the portal and the workbench, through the test client."""

from __future__ import annotations

import re
from datetime import timedelta
from io import BytesIO

import pytest
from django.test import Client
from django.utils import timezone
from openpyxl import load_workbook

from shuzheng.evaluation.constants import DisputeStatus, RectificationStatus
from shuzheng.evaluation.models import Evaluation, RatingDispute, Rectification
from shuzheng.evaluation.tests.conftest import World
from shuzheng.evaluation.tests.factories import EvaluationFactory, RectificationFactory
from shuzheng.identity.tests.conftest import login_verified

pytestmark = pytest.mark.django_db


def logged_in(user) -> Client:
    client = Client()
    login_verified(client, user)
    return client


def text(response) -> str:
    return response.content.decode()


# --- portal ---------------------------------------------------------------------------------------


def test_applicant_evaluates_a_case_in_the_portal(world: World) -> None:
    case = world.case()
    client = logged_in(world.citizen)
    mine = text(client.get("/evaluation/"))
    assert case.number in mine
    assert f"/evaluation/case/{case.pk}/" in mine
    page = client.get(f"/evaluation/case/{case.pk}/")
    assert page.status_code == 200
    html = text(page)
    for label in ("整体满意度", "办事效率", "办事指南精确度", "办事便捷度", "平台操作性", "非常不满意"):
        assert label in html
    assert "办事评价" in html  # portal nav entry
    response = client.post(
        f"/evaluation/case/{case.pk}/",
        {"overall": "2", "efficiency": "1", "usability": "", "comment": "排队太久"},
    )
    assert response.status_code == 302
    assert response["Location"] == "/evaluation/thanks/"
    thanks = text(client.get("/evaluation/thanks/"))
    assert "不满意" in thanks
    assert "整改期限" in thanks
    evaluation = Evaluation.objects.get()
    assert evaluation.dimensions == {"overall": 2, "efficiency": 1}
    assert evaluation.rectification.status == RectificationStatus.OPEN
    again = client.get(f"/evaluation/case/{case.pk}/")
    assert "您已于" in text(again)
    assert '<form method="post" class="card"' not in text(again)
    assert case.number not in text(client.get("/evaluation/")).split("我的评价")[0]


def test_portal_form_errors_are_shown_and_nothing_is_saved(world: World) -> None:
    case = world.case()
    client = logged_in(world.citizen)
    response = client.post(f"/evaluation/case/{case.pk}/", {"overall": "", "comment": "x" * 501})
    assert response.status_code == 422
    html = text(response)
    assert "请选择评价等级" in html
    assert "评价内容不能超过500个字" in html
    response = client.post(f"/evaluation/case/{case.pk}/", {"overall": "9"})
    assert response.status_code == 422
    assert not Evaluation.objects.exists()


def test_portal_refuses_other_peoples_and_unfinished_cases(world: World) -> None:
    client = logged_in(world.citizen)
    others = world.case(applicant=world.other_citizen)
    assert client.get(f"/evaluation/case/{others.pk}/").status_code == 404
    assert client.post(f"/evaluation/case/{others.pk}/", {"overall": "5"}).status_code == 404
    pending = world.case(status="accepted")
    response = client.get(f"/evaluation/case/{pending.pk}/")
    assert response.status_code == 409
    assert "办结后才能评价" in text(response)
    response = client.post(f"/evaluation/case/{pending.pk}/", {"overall": "5"})
    assert response.status_code == 409
    anonymous = Client().get(f"/evaluation/case/{pending.pk}/")
    assert anonymous.status_code == 302
    assert "/accounts/login/" in anonymous["Location"]
    assert not Evaluation.objects.exists()


def test_qr_page_anonymous(world: World) -> None:
    client = Client()
    page = client.get(f"/evaluate/hall/{world.hall.code}/?window=12")
    assert page.status_code == 200
    html = text(page)
    assert world.hall.name in html
    assert "12号" in html
    for label in ("服务效率", "服务水平", "服务态度", "联系电话"):
        assert label in html
    bad_phone = client.post(f"/evaluate/hall/{world.hall.code}/?window=12", {"overall": "1", "phone": "123"})
    assert bad_phone.status_code == 422
    assert "手机号码" in text(bad_phone)
    assert not Evaluation.objects.exists()
    done = client.post(
        f"/evaluate/hall/{world.hall.code}/?window=12",
        {"overall": "1", "attitude": "1", "phone": "13800138000", "comment": "窗口人员离岗"},
    )
    assert done.status_code == 302
    thanks = text(client.get(done["Location"]))
    assert "电话联系" in thanks
    evaluation = Evaluation.objects.get()
    assert evaluation.window == world.bureau_window
    assert evaluation.dimensions == {"overall": 1, "attitude": 1}
    assert client.get("/evaluate/hall/NOPE/").status_code == 404
    assert client.get(f"/evaluate/hall/{world.hall.code}/?window=99").status_code == 404


def test_qr_page_rate_limit(world: World, settings) -> None:
    settings.SHUZHENG_QR_EVALUATIONS_PER_HOUR = 1
    client = Client(REMOTE_ADDR="10.9.9.9")
    assert client.post(f"/evaluate/hall/{world.hall.code}/", {"overall": "5"}).status_code == 302
    response = client.post(f"/evaluate/hall/{world.hall.code}/", {"overall": "5"})
    assert response.status_code == 429
    assert "评价过于频繁" in text(response)


def test_logged_in_qr_is_real_name(world: World) -> None:
    client = logged_in(world.citizen)
    assert "实名" in text(client.get(f"/evaluate/hall/{world.hall.code}/"))
    client.post(f"/evaluate/hall/{world.hall.code}/", {"overall": "4"})
    assert Evaluation.objects.get().evaluator == world.citizen


# --- workbench: evaluations -------------------------------------------------------------------


def test_workbench_evaluation_list_is_scoped_and_masked(world: World) -> None:
    services_case = world.case()
    from shuzheng.evaluation.services import ratings

    ratings.evaluation_submit_online(actor=world.citizen, case=services_case, level=5, comment="很好")
    EvaluationFactory.create(department=world.other_bureau, comment="别的部门")
    client = logged_in(world.handler)
    response = client.get("/workbench/evaluations/")
    assert response.status_code == 200
    html = text(response)
    assert "陈*明" in html
    assert "陈建明" not in html
    assert "另一局" not in html
    nav = html[html.index('aria-label="工作台导航"') :]
    for label in ("好差评", "差评整改", "评价申诉", "好差评统计"):
        assert label in nav
    assert "现场评价录入" not in nav
    assert client.get("/workbench/evaluations/?date_from=bad").status_code == 400
    assert logged_in(world.clerk).get("/workbench/evaluations/").status_code == 403
    assert logged_in(world.citizen).get("/workbench/evaluations/").status_code == 403


def test_dispute_from_the_detail_page_and_review_from_the_queue(world: World) -> None:
    evaluation = EvaluationFactory.create(department=world.bureau, level=1, comment="乱评")
    handler = logged_in(world.handler)
    detail = handler.get(f"/workbench/evaluations/{evaluation.pk}/")
    assert detail.status_code == 200
    assert "提出申诉" in text(detail)
    short = handler.post(f"/workbench/evaluations/{evaluation.pk}/appeal/", {"reason": "误评"})
    assert short.status_code == 422
    assert "至少5个字" in text(short)
    done = handler.post(
        f"/workbench/evaluations/{evaluation.pk}/appeal/", {"reason": "评价人当天未到本窗口办事"}
    )
    assert done.status_code == 302
    dispute = RatingDispute.objects.get()
    assert "已有待复核的申诉" in text(handler.get(f"/workbench/evaluations/{evaluation.pk}/"))
    assert logged_in(world.other_handler).get(f"/workbench/evaluations/{evaluation.pk}/").status_code == 404
    supervisor = logged_in(world.supervisor)
    queue = text(supervisor.get("/workbench/evaluation-appeals/"))
    assert "评价人当天未到本窗口办事" in queue
    assert f'action="/workbench/evaluation-appeals/{dispute.pk}/review/"' in queue
    assert f"/workbench/evaluation-appeals/{dispute.pk}/review/" not in text(
        handler.get("/workbench/evaluation-appeals/")
    )  # the filer does not review
    bad = supervisor.post(
        f"/workbench/evaluation-appeals/{dispute.pk}/review/", {"decision": "uphold", "note": ""}
    )
    assert bad.status_code == 422
    ok = supervisor.post(
        f"/workbench/evaluation-appeals/{dispute.pk}/review/",
        {"decision": "uphold", "note": "核实为误评，予以作废"},
    )
    assert ok.status_code == 302
    dispute.refresh_from_db()
    assert dispute.status == DisputeStatus.UPHELD
    evaluation.refresh_from_db()
    assert evaluation.voided
    assert "已作废" in text(handler.get(f"/workbench/evaluations/{evaluation.pk}/"))
    again = supervisor.post(
        f"/workbench/evaluation-appeals/{dispute.pk}/review/", {"decision": "dismiss", "note": "重复复核测试"}
    )
    assert again.status_code == 422
    assert "已复核" in text(again)


def test_onsite_entry_by_the_clerk(world: World) -> None:
    case = world.case()
    client = logged_in(world.clerk)
    assert "现场评价录入" in text(client.get("/workbench/onsite-evaluation/"))
    missing = client.get("/workbench/onsite-evaluation/", {"number": "NO-SUCH"})
    assert missing.status_code == 404
    found = client.get("/workbench/onsite-evaluation/", {"number": case.number})
    assert found.status_code == 302
    page = client.get(found["Location"])
    assert page.status_code == 200
    assert "服务态度" in text(page)
    done = client.post(found["Location"], {"overall": "5", "attitude": "5"})
    assert done.status_code == 302
    evaluation = Evaluation.objects.get()
    assert evaluation.channel == "onsite"
    assert evaluation.evaluator == world.citizen
    assert "不能重复录入" in text(client.get(found["Location"]))
    assert logged_in(world.handler).get("/workbench/onsite-evaluation/").status_code == 403


# --- workbench: rectifications ----------------------------------------------------------------


def test_rectification_pages_walk_the_loop(world: World) -> None:
    from shuzheng.evaluation.services import ratings

    evaluation = ratings.evaluation_submit_online(
        actor=world.citizen, case=world.case(), level=2, comment="慢"
    )
    rectification = evaluation.rectification
    late = RectificationFactory.create(
        evaluation__department=world.bureau, due_date=timezone.localdate() - timedelta(days=2)
    )
    handler = logged_in(world.handler)
    listing = text(handler.get("/workbench/rectifications/"))
    rows = re.findall(r"<tr( class=\"overdue\")?>", listing)
    assert ' class="overdue"' in rows
    assert "已超期" in listing
    assert "未分配责任人" in listing  # the factory-made one has no owner
    assert f"/workbench/rectifications/{late.pk}/" in listing
    detail = text(handler.get(f"/workbench/rectifications/{rectification.pk}/"))
    assert "记录回访" in detail
    assert "须先回访评价人" in detail
    assert "137****0001" in detail
    return_visit = f"/workbench/rectifications/{rectification.pk}/return-visit/"
    short = handler.post(return_visit, {"note": "好"})
    assert short.status_code == 422
    assert handler.post(return_visit, {"note": "已电话回访，群众表示理解"}).status_code == 302
    premature = logged_in(world.supervisor).post(
        f"/workbench/rectifications/{rectification.pk}/check/", {"passed": "yes"}
    )
    assert premature.status_code == 409
    assert "不能改为" in text(premature)
    assert (
        handler.post(
            f"/workbench/rectifications/{rectification.pk}/result/", {"result": "优化审批流程，压缩办理时限"}
        ).status_code
        == 302
    )
    supervisor = logged_in(world.supervisor)
    detail = text(supervisor.get(f"/workbench/rectifications/{rectification.pk}/"))
    assert "核查整改" in detail
    failed = supervisor.post(
        f"/workbench/rectifications/{rectification.pk}/check/", {"passed": "no", "note": ""}
    )
    assert failed.status_code == 422
    assert (
        supervisor.post(
            f"/workbench/rectifications/{rectification.pk}/check/", {"passed": "yes", "note": "整改到位"}
        ).status_code
        == 302
    )
    assert Rectification.objects.get(pk=rectification.pk).status == RectificationStatus.VERIFIED
    done = text(supervisor.get("/workbench/rectifications/?state=done"))
    assert "核查通过" in done
    assert (
        logged_in(world.other_handler).get(f"/workbench/rectifications/{rectification.pk}/").status_code
        == 404
    )
    assigned = supervisor.post(
        f"/workbench/rectifications/{late.pk}/assign/", {"owner_id": str(world.handler.pk)}
    )
    assert assigned.status_code == 302
    assert Rectification.objects.get(pk=late.pk).owner == world.handler
    wrong = supervisor.post(f"/workbench/rectifications/{late.pk}/assign/", {"owner_id": "999999"})
    assert wrong.status_code == 422


# --- workbench: dashboard ---------------------------------------------------------------------


def test_dashboard_draws_four_charts_and_exports(world: World) -> None:
    today = timezone.now()
    for level in (5, 5, 4, 3, 2):
        EvaluationFactory.create(department=world.bureau, level=level, evaluated_at=today)
    EvaluationFactory.create(department=world.other_bureau, level=5, evaluated_at=today)
    client = logged_in(world.supervisor)
    response = client.get("/workbench/evaluation-stats/")
    assert response.status_code == 200
    html = text(response)
    for chart in ("chart-levels", "chart-trend", "chart-departments", "chart-rectification"):
        assert f'id="{chart}"' in html  # the option as json_script
        assert f'data-chart-option="{chart}"' in html
    assert 'role="img"' in html
    assert "/static/vendor/echarts/echarts.min.js" in html
    assert "7.83" in html  # (10 + 10 + 8 + 6 + 3 + 10) / 6 = 47 / 6
    assert "评价等级分布：非常满意 3 条" in html
    export = client.get("/workbench/evaluation-stats/export.xlsx", {"group_by": "department"})
    assert export.status_code == 200
    sheet = load_workbook(BytesIO(export.content))["好差评统计"]
    labels = [sheet.cell(row=r, column=1).value for r in range(3, sheet.max_row + 1)]
    assert labels == ["测试局", "另一局", "合计"]
    bad = client.get("/workbench/evaluation-stats/", {"date_from": "2026-05-01", "date_to": "2026-01-01"})
    assert bad.status_code == 400
    assert client.get("/workbench/evaluation-stats/export.xlsx", {"date_from": "x"}).status_code == 422
    grouped = client.get("/workbench/evaluation-stats/", {"group_by": "period", "period": "quarter"})
    assert grouped.status_code == 200
    assert "季度" in text(grouped)
    assert logged_in(world.clerk).get("/workbench/evaluation-stats/").status_code == 403
