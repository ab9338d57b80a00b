"""The dashboard, detail, scorecards and report pages and the API: who may open them, what they show."""

from __future__ import annotations

import io

import pytest
from django.test import Client
from openpyxl import load_workbook

from shuzheng.catalog.tests.factories import ServiceItemVersionFactory
from shuzheng.identity.constants import DataScopeKind
from shuzheng.indicators.constants import VIEW_PERM
from shuzheng.indicators.tests.conftest import client_with
from shuzheng.orgs.tests.factories import DepartmentFactory

pytestmark = pytest.mark.django_db


def test_staff_without_the_permission_get_a_chinese_403_everywhere():
    client, _ = client_with("catalog.view_serviceitemversion")
    for url in (
        "/workbench/indicators/",
        "/workbench/indicators/3/",
        "/workbench/indicators/scorecards/",
        "/workbench/indicators/report.xlsx",
    ):
        response = client.get(url)
        assert response.status_code == 403, url
        assert "indicators.view_indicator" in response.content.decode()
    api = client.get("/api/v1/indicators")
    assert api.status_code == 403
    assert api.json()["detail"].startswith("没有查看规划指标的权限")
    assert Client().get("/api/v1/indicators").status_code == 401


def test_dashboard_shows_all_22_grouped_with_no_data_where_there_is_none(leader):
    page = leader.get("/workbench/indicators/").content.decode()
    assert page.count('class="ind ') == 22
    assert "数字化履职能力" in page
    assert "数字化驱动能力" in page
    assert "暂无数据" in page  # the 粤系 apps and other registries are empty
    assert 'href="/workbench/indicators/22/"' in page


def test_api_lists_22_and_details_one_with_breakdown_and_drilldown(leader):
    ServiceItemVersionFactory.create(onsite_visits=2, name="要跑两次的事项")
    items = leader.get("/api/v1/indicators").json()
    assert [i["number"] for i in items] == list(range(1, 23))
    first = items[0]
    assert {"number", "name", "unit", "value", "target", "status", "source"} <= set(first)
    assert (first["value"], first["target"], first["status"]) == (0.0, 95.0, "behind")
    detail = leader.get("/api/v1/indicators/1").json()
    assert (detail["numerator"], detail["denominator"]) == (0, 1)
    assert detail["drilldowns"][0]["records"][0]["label"].startswith("要跑两次的事项")
    assert detail["snapshots"] == []
    missing = leader.get("/api/v1/indicators/0")
    assert missing.status_code == 404
    assert "1 到 22" in missing.json()["detail"]
    assert leader.get("/workbench/indicators/23/").status_code == 404


def test_a_department_scoped_viewer_sees_the_city_figure_but_only_its_own_records():
    mine, other = DepartmentFactory.create(name="本部门"), DepartmentFactory.create(name="别的部门")
    ServiceItemVersionFactory.create(item__department=mine, onsite_visits=2, name="本部门事项")
    ServiceItemVersionFactory.create(item__department=other, onsite_visits=2, name="别部门事项")
    client, _ = client_with(VIEW_PERM, scope=DataScopeKind.DEPARTMENT, department=mine)
    detail = client.get("/api/v1/indicators/1").json()
    assert detail["denominator"] == 2  # the city's figure
    assert [r["label"].split("（")[0] for r in detail["drilldowns"][0]["records"]] == ["本部门事项"]
    assert [r["label"] for r in detail["breakdown"]] == ["本部门"]


def test_scorecards_rank_departments_and_export_the_same_table(leader):
    good, poor = DepartmentFactory.create(name="好部门"), DepartmentFactory.create(name="差部门")
    ServiceItemVersionFactory.create(item__department=good, onsite_visits=0)
    ServiceItemVersionFactory.create(item__department=poor, onsite_visits=2)
    page = leader.get("/workbench/indicators/scorecards/").content.decode()
    assert page.index("好部门") < page.index("差部门")
    sheet = load_workbook(io.BytesIO(leader.get("/workbench/indicators/scorecards.xlsx").content)).worksheets[
        0
    ]
    rows = list(sheet.iter_rows(values_only=True))
    # 最多跑一次 100 % of 95 → 1; no open dataset of a fair share → 0; nothing else to count: (1 + 0) / 2
    assert rows[1][:4] == (1, good.code, "好部门", 50.0)
    poor_row = next(r for r in rows if r[2] == "差部门")
    assert poor_row[3] == 0.0


def test_annual_report_has_all_22_with_targets_and_definitions(leader):
    page = leader.get("/workbench/indicators/report/").content.decode()
    assert "党政机关新建核心系统国产化率" in page
    sheet = load_workbook(io.BytesIO(leader.get("/workbench/indicators/report.xlsx").content)).worksheets[0]
    rows = list(sheet.iter_rows(values_only=True))
    assert len(rows) == 23
    assert rows[7][:5] == (7, "数字化履职能力", "政务服务“好差评”", "分", 9.9)
    assert rows[4][5] == 0  # indicator 4: no bundle published yet


def test_a_town_scoped_viewer_sees_only_its_towns_in_the_kiosk_breakdown():
    from shuzheng.orgs.constants import DivisionLevel
    from shuzheng.orgs.tests.factories import DivisionFactory, KioskFactory

    city = DivisionFactory.create(code="440785", name="恩平市", level=DivisionLevel.CITY)
    mine = DivisionFactory.create(code="440785100", name="本镇", level=DivisionLevel.TOWN, parent=city)
    DivisionFactory.create(code="440785101", name="他镇", level=DivisionLevel.TOWN, parent=city)
    KioskFactory.create(division=mine)
    client, _ = client_with(VIEW_PERM, scope=DataScopeKind.DIVISION_TREE, division=mine)
    detail = client.get("/api/v1/indicators/5").json()
    assert (detail["numerator"], detail["denominator"]) == (1, 2)
    assert [r["label"] for r in detail["breakdown"]] == ["本镇"]
    assert detail["drilldowns"][0]["records"] == []  # 他镇 lacks a kiosk but is outside the scope
