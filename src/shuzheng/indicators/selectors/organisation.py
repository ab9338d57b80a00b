"""Indicators about the organisation: 5 (kiosks in towns), 11 (一网统管 sectors), 14 (government
digitisation) — and the department list 14 and 19 share: active government departments at the top of the
department tree (a sub-unit counts for its department; member units such as utilities are not
government departments)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from shuzheng.appeals.selectors import indicators as hub
from shuzheng.catalog import selectors as catalog_selectors
from shuzheng.core.pagination import MAX_LIMIT
from shuzheng.datahub.selectors import indicators as datahub_indicators
from shuzheng.indicators.definitions import definition
from shuzheng.indicators.models import GovernmentSector
from shuzheng.indicators.selectors.results import DrillDown, Record, Result, Row, rate
from shuzheng.orgs import selectors as orgs_selectors
from shuzheng.orgs.constants import DepartmentKind, DivisionLevel, KioskKind


@dataclass(frozen=True)
class Unit:
    """A government department at the top of the tree, and the ids of it and its sub-units."""

    id: int
    code: str
    name: str
    member_ids: frozenset[int]


def government_departments() -> list[Unit]:
    """Active government departments without a parent, each with its active sub-units, by code."""
    rows = list(
        orgs_selectors.department_queryset()
        .filter(kind=DepartmentKind.GOVERNMENT)
        .order_by("path")
        .values_list("pk", "code", "name", "path")
    )
    tops = {path: (pk, code, name) for pk, code, name, path in rows if path.count("/") == 2}
    members: dict[str, set[int]] = {path: set() for path in tops}
    for pk, _code, _name, path in rows:
        top = "/" + path.strip("/").split("/")[0] + "/"
        if top in members:
            members[top].add(pk)
    return [Unit(pk, code, name, frozenset(members[path])) for path, (pk, code, name) in tops.items()]


def top_of(units: list[Unit]) -> dict[int, Unit]:
    """Department id (a unit or a sub-unit) → its government department."""
    return {member: unit for unit in units for member in unit.member_ids}


def kiosk_towns(as_of: date | None = None) -> Result:
    """5: towns and streets (镇街) with at least one active 侨都之窗 kiosk in the town or one of its
    villages."""
    towns = list(orgs_selectors.division_queryset(level=DivisionLevel.TOWN).order_by("code"))
    count: dict[int, int] = {t.pk: 0 for t in towns}
    by_path = {t.path: t for t in towns}
    cursor: str | None = None
    while True:
        page = orgs_selectors.kiosk_list(kind=KioskKind.KIOSK, cursor=cursor, limit=MAX_LIMIT)
        for kiosk in page.items:
            path = kiosk.division.path
            town = next((t for p, t in by_path.items() if path.startswith(p)), None)
            if town is not None:
                count[town.pk] += 1
        cursor = page.next_cursor
        if not cursor:
            break
    rows = [Row(t.name, count[t.pk], None, None, key=t.code, division_id=t.pk) for t in towns]
    covered = sum(1 for t in towns if count[t.pk])
    missing = [Record(t.name, t.code, division_id=t.pk) for t in towns if not count[t.pk]]
    return Result(
        definition(5),
        rate(covered, len(towns)),
        covered,
        len(towns),
        numerator_label="已投放一体机的镇街",
        denominator_label="全市镇街",
        breakdown_title="各镇街的一体机台数",
        breakdown=rows,
        drilldowns=[DrillDown.of("尚未投放一体机的镇街", missing)],
        historical=False,
    )


def sectors(as_of: date | None = None) -> Result:
    """11: sectors of the maintained list whose departments are in the dispatch catalogue and have received
    work orders (up to ``as_of``) — configured in the hub and actually worked through it."""
    departments = hub.hub_departments(until=as_of)
    rows, missing = [], []
    covered = 0
    all_sectors = list(GovernmentSector.objects.prefetch_related("departments"))
    for sector in all_sectors:
        ids = [d.pk for d in sector.departments.all()]
        entries = sum(departments[i].catalogue_entries for i in ids if i in departments)
        orders = sum(departments[i].work_orders for i in ids if i in departments)
        ok = bool(entries and orders)
        covered += ok
        names = "、".join(d.name for d in sector.departments.all()) or "未指定责任部门"
        rows.append(Row(sector.name, orders, entries, None, key=sector.code))
        if not ok:
            why = "派单目录中没有其部门" if not entries else "尚未接收工单"
            missing.append(Record(sector.name, f"{names}：{why}"))
    return Result(
        definition(11),
        rate(covered, len(all_sectors)),
        covered,
        len(all_sectors),
        numerator_label="已纳入“一网统管”的行业",
        denominator_label="政府行业（行业清单）",
        breakdown_title="各行业：工单数（分子列）/ 派单目录条目（分母列）",
        breakdown=rows,
        drilldowns=[DrillDown.of("尚未纳入“一网统管”的行业", missing)],
    )


def digitisation(as_of: date | None = None) -> Result:
    """14: government departments that do business on the platform — a live service item, a work order led
    through the hub, or an open dataset — over all government departments."""
    units = government_departments()
    tops = top_of(units)
    reasons: dict[int, set[str]] = {u.id: set() for u in units}
    for department_id in (
        catalog_selectors.guide_queryset().values_list("department_id", flat=True).distinct()
    ):
        if department_id in tops:
            reasons[tops[department_id].id].add("政务服务事项")
    for department_id, row in hub.hub_departments(until=as_of).items():
        if row.work_orders and department_id in tops:
            reasons[tops[department_id].id].add("一网统管工单")
    for department_id in datahub_indicators.open_datasets_by_department():
        if department_id in tops:
            reasons[tops[department_id].id].add("开放数据")
    rows = [Row(u.name, len(reasons[u.id]), 3, None, key=u.code, department_id=u.id) for u in units]
    missing = [Record(u.name, u.code, department_id=u.id) for u in units if not reasons[u.id]]
    covered = sum(1 for u in units if reasons[u.id])
    return Result(
        definition(14),
        rate(covered, len(units)),
        covered,
        len(units),
        numerator_label="在平台开展数字化业务的政府部门",
        denominator_label="政府部门（不含成员单位，下属单位计入上级）",
        breakdown_title="各部门已上平台的业务类别数（共3类：事项、工单、开放数据）",
        breakdown=rows,
        drilldowns=[DrillDown.of("尚无数字化业务的政府部门", missing)],
        historical=False,
    )
