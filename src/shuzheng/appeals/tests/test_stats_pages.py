"""诉求统计 (/workbench/appeals/stats/) and its Excel export: numbers computed from a known set of appeals,
the data scope and the department filter respected, bad filters refused, the offline map built from the
platform's own data (no tile server), and the workbook readable by openpyxl with the same numbers."""

from __future__ import annotations

import io
import json
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone
from openpyxl import load_workbook

from shuzheng.appeals.constants import AppealStatus, ConclusionKind, VisitResult, WorkOrderStatus
from shuzheng.appeals.models import Appeal, ReturnVisit, WorkOrder
from shuzheng.appeals.selectors import stats as stats_selectors
from shuzheng.appeals.services.dispatch import appeal_dispatch
from shuzheng.appeals.tests.conftest import World, intake, staff_with_role
from shuzheng.identity.models import DataScopeKind

URL = "/workbench/appeals/stats/"
EXPORT = "/workbench/appeals/stats/export.xlsx"


@dataclass
class Known:
    on_time: (
        Appeal  # A1: complaint, hotline, village of 沙湖镇, 城管执法局, closed on time, satisfied, visited
    )
    late: Appeal  # A2: help, web, 牛江镇, 城管执法局, returned once, closed late, unsatisfied, no visit
    kb: Appeal  # A3: consult, concluded from the knowledge base
    open: Appeal  # A4: complaint, 人社局, dispatched and still open (overdue), with coordinates


def _close(appeal: Appeal, *, late: bool, satisfaction: str) -> None:
    due = appeal.due_at
    assert due is not None
    done = due + timedelta(hours=5) if late else due - timedelta(hours=5)
    Appeal.objects.filter(pk=appeal.pk).update(
        status=AppealStatus.CLOSED,
        concluded_at=done,
        satisfaction=satisfaction,
        conclusion=ConclusionKind.WORK_ORDER,
    )
    assert appeal.work_order_id is not None
    WorkOrder.objects.filter(pk=appeal.work_order_id).update(
        status=WorkOrderStatus.CLOSED, closed_at=done, satisfaction=satisfaction
    )


@pytest.fixture
def known(world: World) -> Known:
    a1 = intake(world, category_code="CR01", auto_dispatch=False)
    appeal_dispatch(actor=world.dispatcher, appeal=a1, department=world.cgj)
    a1.refresh_from_db()
    _close(a1, late=False, satisfaction=VisitResult.SATISFIED)
    ReturnVisit.objects.create(
        work_order_id=a1.work_order_id,
        result=VisitResult.SATISFIED,
        visited_by=world.dispatcher,
        visited_at=timezone.now(),
    )
    a2 = intake(
        world,
        channel="web",
        appeal_type="help",
        category_code="DL01",
        division_code=world.other_town.code,
        text="牛江镇大道有坑洼",
        auto_dispatch=False,
    )
    appeal_dispatch(actor=world.dispatcher, appeal=a2, department=world.cgj)
    a2.refresh_from_db()
    WorkOrder.objects.filter(pk=a2.work_order_id).update(return_count=1)
    _close(a2, late=True, satisfaction=VisitResult.UNSATISFIED)
    a3 = intake(world, appeal_type="consult", category_code="ZW01", direct_answer="携带身份证到大厅办理")
    Appeal.objects.filter(pk=a3.pk).update(conclusion=ConclusionKind.KNOWLEDGE_BASE)
    a4 = intake(
        world,
        category_code="LD01",
        text="工厂拖欠三个月工资",
        latitude="22.3301",
        longitude="112.4102",
        auto_dispatch=False,
    )
    appeal_dispatch(actor=world.dispatcher, appeal=a4, department=world.rsj)
    Appeal.objects.filter(pk=a4.pk).update(due_at=timezone.now() - timedelta(hours=1))
    return Known(on_time=a1, late=a2, kb=a3, open=a4)


def _options(response: Any) -> dict[str, Any]:
    html = response.content.decode()
    found = {}
    for key in (
        "chart-volume",
        "chart-rates",
        "chart-channels",
        "chart-towns",
        "chart-map",
        "chart-hot-spots",
    ):
        start = html.index(f'id="{key}"')
        body = html[html.index(">", start) + 1 : html.index("</script>", start)]
        found[key] = json.loads(body)
    return found


def test_numbers_from_known_appeals(world: World, known: Known) -> None:
    stats = stats_selectors.appeal_stats(user=world.dispatcher)
    assert stats["total"] == 4
    assert stats["finished"] == 3
    assert stats["open"] == 1
    assert stats["overdue_open"] == 1
    assert stats["closure_rate"] == 0.75
    assert stats["on_time_rate"] == round(2 / 3, 4)  # A1 and A3 by their due time, A2 late
    assert stats["satisfaction_rate"] == 0.5  # satisfied A1 / rated A1, A2
    assert stats["visit_rate"] == 0.5  # closed work orders A1 (visited), A2 (not)
    assert stats["first_dispatch_accuracy"] == round(2 / 3, 4)  # A2 was returned
    assert stats["kb_answered_rate"] == 0.25
    assert {r["key"]: r["count"] for r in stats["by_channel"]} == {"hotline": 3, "web": 1}
    assert {r["label"]: r["count"] for r in stats["by_town"]} == {"沙湖镇": 3, "牛江镇": 1}


def test_dashboard_page_shows_numbers_and_charts(client: Client, world: World, known: Known) -> None:
    client.force_login(world.dispatcher)
    response = client.get(URL)
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-kpi="total">4<' in html
    assert 'data-kpi="办结率">75.0%<' in html
    assert 'data-kpi="按时办结率">66.7%<' in html
    assert 'data-kpi="满意率">50.0%<' in html
    assert 'data-kpi="回访率">50.0%<' in html
    assert 'data-kpi="首次派单准确率">66.7%<' in html
    assert 'data-kpi="知识库答复率">25.0%<' in html
    assert "垃圾清运" in html
    assert "诉求统计" in html
    options = _options(response)
    volume = options["chart-volume"]
    assert sum(sum(s["data"]) for s in volume["series"]) == 4
    assert {s["name"] for s in volume["series"]} == {"12345热线电话", "网站"}
    assert [s["data"] for s in options["chart-rates"]["series"]] == [[75.0, 66.7, 50.0, 50.0, 66.7, 25.0]]
    # the map: plain value axes, no tiles or online map services anywhere in the page
    map_option = options["chart-map"]
    assert map_option["xAxis"]["type"] == "value"
    assert "geo" not in map_option
    assert "bmap" not in html.lower()
    assert "tile" not in html.lower()
    series = {s["name"]: s["data"] for s in map_option["series"]}
    assert [d["value"] for d in series["未办结诉求（有坐标）"]] == [[112.4102, 22.3301]]
    assert {d["name"] for d in series["镇街"]} == {"沙湖镇", "牛江镇"}
    assert "vendor/echarts/echarts.min.js" in html


def test_group_by_town_and_category(client: Client, world: World, known: Known) -> None:
    client.force_login(world.dispatcher)
    volume = _options(client.get(URL, {"period": "30", "group_by": "town"}))["chart-volume"]
    assert {s["name"]: sum(s["data"]) for s in volume["series"]} == {"沙湖镇": 3, "牛江镇": 1}
    volume = _options(client.get(URL, {"period": "30", "group_by": "category"}))["chart-volume"]
    assert {s["name"]: sum(s["data"]) for s in volume["series"]} == {
        "垃圾清运": 1,
        "道路破损": 1,
        "政务服务办事": 1,
        "拖欠工资": 1,
    }
    long = _options(client.get(URL, {"period": "365"}))["chart-volume"]
    assert len(long["xAxis"]["data"]) in (12, 13)  # monthly buckets over a year


def test_department_filter(client: Client, world: World, known: Known) -> None:
    client.force_login(world.dispatcher)
    response = client.get(URL, {"period": "30", "department": str(world.cgj.pk)})
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-kpi="total">2<' in html
    assert 'data-kpi="办结率">100.0%<' in html
    stats = stats_selectors.appeal_stats(user=world.dispatcher, department=world.cgj)
    assert stats["total"] == 2
    assert stats["first_dispatch_accuracy"] == 0.5


def test_scope_respected(client: Client, world: World, known: Known) -> None:
    analyst = staff_with_role("rsj_analyst", world.rsj, "dispatcher", DataScopeKind.DEPARTMENT_TREE)
    client.force_login(analyst)
    response = client.get(URL)
    html = response.content.decode()
    assert 'data-kpi="total">1<' in html  # only 人社局's appeal
    assert "垃圾清运" not in html
    # another department than one's own is not offered, and asking for it is refused
    response = client.get(URL, {"period": "30", "department": str(world.cgj.pk)})
    assert response.status_code == 400
    workbook = load_workbook(io.BytesIO(client.get(EXPORT).content))
    assert workbook["主要指标"]["B3"].value == 1


def test_without_permission(client: Client, world: World, known: Known) -> None:
    client.force_login(world.cgj_handler)
    assert client.get(URL).status_code == 403
    assert client.get(EXPORT).status_code == 403
    client.force_login(world.citizen)
    assert client.get(URL).status_code == 403
    anonymous = Client().get(URL)
    assert anonymous.status_code == 302


@pytest.mark.parametrize(
    "params",
    [
        {"period": "custom"},
        {"period": "custom", "date_from": "2026-05-01", "date_to": "2026-01-01"},
        {"period": "custom", "date_from": "2010-01-01", "date_to": "2026-01-01"},
        {"period": "forever"},
        {"period": "30", "date_from": "not-a-date"},
        {"period": "30", "group_by": "colour"},
        {"period": "30", "department": "999999"},
    ],
)
def test_bad_filters(client: Client, world: World, params: dict[str, str]) -> None:
    client.force_login(world.dispatcher)
    response = client.get(URL, params)
    assert response.status_code == 400
    assert "统计条件" in response.content.decode()
    export = client.get(EXPORT, params)
    assert export.status_code == 422


def test_export_opens_with_the_same_numbers(client: Client, world: World, known: Known) -> None:
    client.force_login(world.dispatcher)
    response = client.get(EXPORT, {"period": "30", "group_by": "channel"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats-officedocument.spreadsheetml")
    assert "attachment" in response["Content-Disposition"]
    workbook = load_workbook(io.BytesIO(response.content))
    assert workbook.sheetnames == [
        "主要指标",
        "按渠道",
        "按类型",
        "按分类",
        "按镇街",
        "热点村居",
        "每日受理量",
        "口径说明",
    ]
    main = {row[0]: row[1:] for row in workbook["主要指标"].iter_rows(min_row=3, values_only=True)}
    assert main["受理诉求"][0] == 4
    assert main["办结率"][:4] == (0.75, 75.0, 3, 4)
    assert main["按时办结率"][:4] == (round(2 / 3, 4), 66.7, 2, 3)
    assert main["满意率"][2:4] == (1, 2)
    assert main["回访率"][2:4] == (1, 2)
    assert main["首次派单准确率"][2:4] == (2, 3)
    assert main["知识库答复率"][2:4] == (1, 4)
    channels = {r[0]: r[1] for r in workbook["按渠道"].iter_rows(min_row=2, values_only=True)}
    assert channels == {"12345热线电话": 3, "网站": 1}
    towns = {r[0]: r[1] for r in workbook["按镇街"].iter_rows(min_row=2, values_only=True)}
    assert towns == {"沙湖镇": 3, "牛江镇": 1}
    daily = list(workbook["每日受理量"].iter_rows(min_row=2, values_only=True))
    assert sum(int(str(r[2])) for r in daily) == 4
    definitions = {r[0] for r in workbook["口径说明"].iter_rows(min_row=2, values_only=True)}
    assert {"办结率", "按时办结率", "首次派单准确率"} <= definitions
