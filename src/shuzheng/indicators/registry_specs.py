"""The registries kept for the indicators, as data: for each, its model, the columns of its xlsx file
(Chinese headers), the key a row is matched by, and the checks of a row. The importer and the workbench
pages read these; nothing else names the columns."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Final

from django.db.models import Model

from shuzheng.indicators.constants import App, TerminalStatus
from shuzheng.indicators.models import AppUsage, BudgetUnit, Scenario, VideoTerminal, VillageAssessment


@dataclass(frozen=True)
class Column:
    header: str
    field: str
    #: text, date, int, bool, choice, department (a department code), division (a division code)
    kind: str = "text"
    required: bool = True
    choices: tuple[tuple[str, str], ...] = ()
    max_length: int = 128


Check = Callable[[dict[str, Any]], list[tuple[str, str]]]


@dataclass(frozen=True)
class Spec:
    slug: str
    label: str
    model: type[Model]
    columns: tuple[Column, ...]
    key: tuple[str, ...]
    #: Which indicators the registry feeds.
    indicators: str
    checks: tuple[Check, ...] = field(default=())
    #: The division level a division column must have ("" for any).
    division_level: str = ""

    def column(self, name: str) -> Column:
        return next(c for c in self.columns if c.field == name)


def _not_future(name: str, label: str) -> Check:
    def check(row: dict[str, Any]) -> list[tuple[str, str]]:
        value = row.get(name)
        if isinstance(value, date) and value > date.today():
            return [(label, f"{label}不能晚于今天（{value:%Y-%m-%d}）")]
        return []

    return check


def _active_within_registered(row: dict[str, Any]) -> list[tuple[str, str]]:
    if (
        row.get("active") is not None
        and row.get("registered") is not None
        and row["active"] > row["registered"]
    ):
        return [("活跃用户数", "活跃用户数不能大于注册用户数")]
    return []


def _first_of_month(row: dict[str, Any]) -> list[tuple[str, str]]:
    if isinstance(row.get("month"), date):
        row["month"] = row["month"].replace(day=1)
    return []


SPECS: Final[dict[str, Spec]] = {
    s.slug: s
    for s in (
        Spec(
            "budget-units",
            "财政预算单位",
            BudgetUnit,
            (
                Column("预算单位编码", "code", max_length=32),
                Column("预算单位名称", "name"),
                Column("主管部门编码", "department", "department", required=False),
                Column("接入政务外网日期", "connected_on", "date", required=False),
            ),
            ("code",),
            "17 政务外网接入率",
            checks=(_not_future("connected_on", "接入政务外网日期"),),
        ),
        Spec(
            "video-terminals",
            "视频终端",
            VideoTerminal,
            (
                Column("终端编码", "code", max_length=32),
                Column("点位名称", "name"),
                Column("权属部门编码", "department", "department"),
                Column("所在区划代码", "division", "division", required=False),
                Column("所属工程", "project", required=False, max_length=64),
                Column("状态", "status", "choice", choices=tuple(TerminalStatus.choices)),
                Column("接入日期", "connected_on", "date"),
            ),
            ("code",),
            "12 视频终端接入数量",
            checks=(_not_future("connected_on", "接入日期"),),
        ),
        Spec(
            "scenarios",
            "数字化智能化应用场景",
            Scenario,
            (
                Column("场景名称", "name"),
                Column("责任部门编码", "department", "department"),
                Column("投入使用日期", "in_service_on", "date"),
                Column("说明", "description", required=False, max_length=2000),
            ),
            ("name",),
            "15 数字化智能化应用场景",
            checks=(_not_future("in_service_on", "投入使用日期"),),
        ),
        Spec(
            "app-usage",
            "粤省事/粤商通/粤政易使用情况",
            AppUsage,
            (
                Column("应用", "app", "choice", choices=tuple(App.choices)),
                Column("统计月份", "month", "date"),
                Column("注册用户数", "registered", "int"),
                Column("活跃用户数", "active", "int"),
            ),
            ("app", "month"),
            "8 粤省事、9 粤商通、10 粤政易日活跃用户率",
            checks=(_first_of_month, _active_within_registered, _not_future("month", "统计月份")),
        ),
        Spec(
            "village-assessments",
            "数字乡村（社区）评定",
            VillageAssessment,
            (
                Column("村（社区）区划代码", "division", "division"),
                Column("评定标准编码", "criterion", "criterion"),
                Column("是否达到", "met", "bool"),
                Column("评定日期", "assessed_on", "date"),
            ),
            ("division", "criterion"),
            "22 数字乡村（社区）数量",
            checks=(_not_future("assessed_on", "评定日期"),),
            division_level="village",
        ),
    )
}
