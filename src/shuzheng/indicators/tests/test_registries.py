"""Registry-based indicators (8–10, 12, 15, 17, 21, 22) and the registry import: row-by-row Chinese errors
and nothing imported half-way."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from shuzheng.core.actors import SYSTEM
from shuzheng.identity.models import AuditEvent
from shuzheng.indicators.constants import App, TerminalStatus
from shuzheng.indicators.models import (
    AppUsage,
    BudgetUnit,
    ProjectSystem,
    Scenario,
    VideoTerminal,
    VillageAssessment,
    VillageCriterion,
)
from shuzheng.indicators.registry_specs import SPECS
from shuzheng.indicators.selectors.compute import compute
from shuzheng.indicators.services.registries import registry_import
from shuzheng.indicators.tests.xlsx import workbook
from shuzheng.orgs.constants import DepartmentKind, DivisionLevel
from shuzheng.orgs.tests.factories import DepartmentFactory, DivisionFactory

pytestmark = pytest.mark.django_db

TERMINAL_HEADER = ["终端编码", "点位名称", "权属部门编码", "所在区划代码", "所属工程", "状态", "接入日期"]


def test_app_usage_rate_is_the_latest_month_active_over_registered():
    AppUsage.objects.create(app=App.YUESHENGSHI, month=date(2026, 9, 1), registered=1000, active=400)
    AppUsage.objects.create(app=App.YUESHENGSHI, month=date(2026, 10, 1), registered=1000, active=550)
    result = compute(8)
    assert (result.numerator, result.denominator, result.value) == (550, 1000, Decimal("55.00"))
    assert compute(8, date(2026, 9, 30)).value == Decimal("40.00")  # recomputed for a past day
    assert compute(9).display == "暂无数据"  # no 粤商通 figures imported


def test_video_terminals_in_wan_lu_leave_out_removed_ones_and_later_connections():
    dept = DepartmentFactory.create()
    today = timezone.localdate()
    for n, status in enumerate([TerminalStatus.ONLINE, TerminalStatus.OFFLINE, TerminalStatus.RETIRED]):
        VideoTerminal.objects.create(
            code=f"V{n}", name="点位", department=dept, status=status, connected_on=today
        )
    VideoTerminal.objects.create(
        code="V9", name="点位", department=dept, connected_on=today - timedelta(days=30)
    )
    assert compute(12).numerator == 3
    assert compute(12).value == Decimal("0.00")  # 3 / 10000 万路, to two decimals
    assert compute(12, today - timedelta(days=1)).numerator == 1


def test_scenarios_budget_units_systems_and_villages():
    gov = DepartmentFactory.create(code="EP200")
    utility = DepartmentFactory.create(code="EP201", kind=DepartmentKind.MEMBER_UNIT)
    Scenario.objects.create(name="场景一", department=gov, in_service_on=date(2024, 1, 1))
    Scenario.objects.create(name="场景二", department=gov, in_service_on=date(2025, 6, 1))
    assert compute(15).value == 2
    assert compute(15, date(2024, 12, 31)).value == 1

    BudgetUnit.objects.create(code="B1", name="甲单位", department=gov, connected_on=date(2020, 1, 1))
    BudgetUnit.objects.create(code="B2", name="乙单位", department=gov)
    result = compute(17)
    assert (result.numerator, result.denominator) == (1, 2)
    assert [r.label for r in result.drilldowns[0].records] == ["乙单位"]

    stack = {
        "cpu_domestic": True,
        "os_domestic": True,
        "database_domestic": True,
        "middleware_domestic": True,
    }
    ProjectSystem.objects.create(name="国产系统", department=gov, is_core=True, **stack)
    ProjectSystem.objects.create(
        name="数据库非国产",
        department=gov,
        is_core=True,
        database="Oracle",
        **{**stack, "database_domestic": False},
    )
    ProjectSystem.objects.create(name="旧系统", department=gov, is_core=True, is_new=False)
    ProjectSystem.objects.create(name="非核心", department=gov, is_core=False)
    ProjectSystem.objects.create(name="成员单位系统", department=utility, is_core=True)
    result = compute(21)
    assert (result.numerator, result.denominator) == (1, 2)
    assert "数据库（Oracle）" in result.drilldowns[0].records[0].detail

    town = DivisionFactory.create(code="440785100", level=DivisionLevel.TOWN)
    full = DivisionFactory.create(code="440785100001", level=DivisionLevel.VILLAGE, parent=town)
    half = DivisionFactory.create(code="440785100002", level=DivisionLevel.VILLAGE, parent=town)
    criteria = [VillageCriterion.objects.create(code=f"C{i}", name=f"标准{i}") for i in range(2)]
    for c in criteria:
        VillageAssessment.objects.create(division=full, criterion=c, met=True, assessed_on=date(2025, 1, 1))
    VillageAssessment.objects.create(
        division=half, criterion=criteria[0], met=True, assessed_on=date(2025, 1, 1)
    )
    VillageAssessment.objects.create(
        division=half, criterion=criteria[1], met=False, assessed_on=date(2025, 1, 1)
    )
    result = compute(22)
    assert result.value == 1
    assert [r.label for r in result.drilldowns[0].records] == [full.name]


def test_empty_registries_show_no_data_rather_than_zero():
    for number in (8, 12, 15, 17, 21, 22):
        assert compute(number).display == "暂无数据", number


def test_import_creates_then_finds_nothing_to_change_and_is_audited():
    DepartmentFactory.create(code="EP004")
    DivisionFactory.create(code="440785100", level=DivisionLevel.TOWN)
    data = workbook(
        [
            TERMINAL_HEADER,
            ["VT1", "路口1", "ep004", "440785100", "雪亮工程", "在线", "2024-05-01"],
            ["VT2", "路口2", "EP004", "", "", "offline", date(2024, 6, 1)],
        ]
    )
    report = registry_import(actor=SYSTEM, spec=SPECS["video-terminals"], file=data, source_document="清单")
    assert report.ok
    assert report.created == 2
    assert VideoTerminal.objects.get(code="VT2").status == TerminalStatus.OFFLINE
    assert AuditEvent.objects.filter(action="indicators.videoterminal.import").count() == 1
    again = registry_import(actor=SYSTEM, spec=SPECS["video-terminals"], file=data)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 2)


def test_bad_rows_are_each_reported_in_chinese_and_nothing_is_imported():
    DepartmentFactory.create(code="EP004")
    future = (timezone.localdate() + timedelta(days=3)).isoformat()
    data = workbook(
        [
            TERMINAL_HEADER,
            ["VT1", "好行", "EP004", "", "", "在线", "2024-05-01"],
            ["VT2", "未知部门", "EP999", "", "", "在线", "2024-05-01"],
            ["VT3", "不可能的日期", "EP004", "", "", "在线", "2024-02-30"],
            ["VT1", "重复编码", "EP004", "", "", "在线", "2024-05-01"],
            ["VT5", "未来日期", "EP004", "", "", "在线", future],
            ["VT6", "未知区划", "EP004", "999", "", "坏掉", "2024-05-01"],
        ]
    )
    report = registry_import(actor=SYSTEM, spec=SPECS["video-terminals"], file=data)
    assert not report.ok
    assert VideoTerminal.objects.count() == 0
    messages = {(e.row, e.field): e.message for e in report.errors}
    assert messages[(3, "权属部门编码")] == "部门编码“EP999”不存在"
    assert "不是有效日期" in messages[(4, "接入日期")]
    assert messages[(5, "终端编码")] == "与第2行重复"
    assert "不能晚于今天" in messages[(6, "接入日期")]
    assert messages[(7, "所在区划代码")] == "区划代码“999”不存在"
    assert "不是可选值" in messages[(7, "状态")]
    assert report.summary().startswith("导入失败，未做任何修改")


def test_missing_columns_and_wrong_division_level_are_refused():
    report = registry_import(
        actor=SYSTEM, spec=SPECS["app-usage"], file=workbook([["应用", "统计月份"], ["粤省事", "2025-01-01"]])
    )
    assert {e.field for e in report.errors} == {"注册用户数", "活跃用户数"}
    town = DivisionFactory.create(code="440785100", level=DivisionLevel.TOWN)
    VillageCriterion.objects.create(code="C1", name="标准")
    report = registry_import(
        actor=SYSTEM,
        spec=SPECS["village-assessments"],
        file=workbook(
            [
                ["村（社区）区划代码", "评定标准编码", "是否达到", "评定日期"],
                [town.code, "C1", "是", "2025-01-01"],
            ]
        ),
    )
    assert [e.message for e in report.errors] == [f"“{town.name}”不是村（社区）"]


def test_active_users_above_registered_and_text_for_numbers_are_refused():
    header = ["应用", "统计月份", "注册用户数", "活跃用户数"]
    report = registry_import(
        actor=SYSTEM,
        spec=SPECS["app-usage"],
        file=workbook([header, ["粤商通", "2025-01-15", 100, 200], ["粤政易", "2025-01-01", "很多", 1]]),
    )
    messages = [e.message for e in report.errors]
    assert "活跃用户数不能大于注册用户数" in messages
    assert "“很多”应为不小于0的整数" in messages
    assert AppUsage.objects.count() == 0
    ok = registry_import(
        actor=SYSTEM, spec=SPECS["app-usage"], file=workbook([header, ["粤商通", "2025-01-15", 100, 50]])
    )
    assert ok.ok
    assert AppUsage.objects.get().month == date(2025, 1, 1)  # a month is stored as its first day


def test_a_file_that_is_not_xlsx_is_refused_in_chinese():
    from shuzheng.core.errors import UnsupportedMediaType

    with pytest.raises(UnsupportedMediaType, match="xlsx"):
        registry_import(actor=SYSTEM, spec=SPECS["scenarios"], file=b"name,department\n")
