"""Indicators from the registries kept in the platform: 8–10 (粤系 apps), 12 (video terminals), 15
(scenarios), 17 (budget units on the 政务外网), 21 (domestic new core systems), 22 (digital villages).
Each row carries its date, so every one of them can be recomputed for a past day."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone

from shuzheng.indicators.constants import App, TerminalStatus
from shuzheng.indicators.definitions import definition
from shuzheng.indicators.models import (
    AppUsage,
    BudgetUnit,
    ProjectSystem,
    Scenario,
    VideoTerminal,
    VillageAssessment,
    VillageCriterion,
)
from shuzheng.indicators.selectors.organisation import government_departments, top_of
from shuzheng.indicators.selectors.results import (
    DRILL_LIMIT,
    DrillDown,
    Record,
    Result,
    Row,
    no_data,
    quantize,
    rate,
)
from shuzheng.orgs import selectors as orgs_selectors
from shuzheng.orgs.constants import DivisionLevel

APP_INDICATORS = {8: App.YUESHENGSHI, 9: App.YUESHANGTONG, 10: App.YUEZHENGYI}


def _day(as_of: date | None) -> date:
    return as_of or timezone.localdate()


def app_usage(number: int, as_of: date | None = None) -> Result:
    """8, 9, 10: active users of the latest reported month (up to ``as_of``) ÷ registered users at its end."""
    app = APP_INDICATORS[number]
    months = list(AppUsage.objects.filter(app=app, month__lte=_day(as_of)).order_by("-month")[:12])
    if not months:
        return no_data(definition(number), f"尚未导入{app.label}的月度使用统计。")
    latest = months[0]
    rows = [Row(f"{m.month:%Y年%m月}", m.active, m.registered, rate(m.active, m.registered)) for m in months]
    return Result(
        definition(number),
        rate(latest.active, latest.registered),
        latest.active,
        latest.registered,
        numerator_label=f"{latest.month:%Y年%m月}活跃用户",
        denominator_label="月末本地注册用户",
        breakdown_title="最近12个统计月",
        breakdown=rows,
        note=f"{app.label}：省平台统计导出，最近统计月 {latest.month:%Y年%m月}。",
    )


def video_terminals(as_of: date | None = None) -> Result:
    """12: terminals connected by ``as_of`` and not removed, in 万路 (10,000 terminals)."""
    qs = VideoTerminal.objects.filter(connected_on__lte=_day(as_of)).exclude(status=TerminalStatus.RETIRED)
    total = qs.count()
    if not total and not VideoTerminal.objects.exists():
        return no_data(definition(12), "尚未登记视频终端。")
    by_department = (
        qs.values("department_id", "department__name")
        .annotate(n=Count("id"))
        .order_by("-n", "department__name")
    )
    offline = qs.filter(status=TerminalStatus.OFFLINE)
    shown = offline.order_by("code").values("code", "name", "department_id", "department__name")[:DRILL_LIMIT]
    return Result(
        definition(12),
        quantize(Decimal(total) / Decimal(10000)),
        total,
        None,
        numerator_label="已接入视频终端（路）",
        breakdown_title="按权属部门（路）",
        breakdown=[
            Row(r["department__name"], r["n"], None, None, department_id=r["department_id"])
            for r in by_department
        ],
        drilldowns=[
            DrillDown(
                "已接入但当前离线的终端",
                [
                    Record(
                        f"{t['code']} {t['name']}", t["department__name"], department_id=t["department_id"]
                    )
                    for t in shown
                ],
                offline.count(),
            )
        ],
    )


def scenarios(as_of: date | None = None) -> Result:
    """15: scenarios in service by ``as_of``."""
    qs = Scenario.objects.filter(in_service_on__lte=_day(as_of)).select_related("department")
    items = list(qs.order_by("in_service_on", "name"))
    if not items and not Scenario.objects.exists():
        return no_data(definition(15), "尚未登记应用场景。")
    counts: dict[str, int] = {}
    for s in items:
        counts[s.department.name] = counts.get(s.department.name, 0) + 1
    return Result(
        definition(15),
        Decimal(len(items)),
        len(items),
        None,
        numerator_label="已投入使用的应用场景",
        breakdown_title="按责任部门",
        breakdown=[Row(name, n, None, None) for name, n in sorted(counts.items(), key=lambda kv: -kv[1])],
        drilldowns=[
            DrillDown.of(
                "已投入使用的应用场景",
                [
                    Record(
                        s.name,
                        f"{s.department.name} · {s.in_service_on:%Y-%m-%d}起",
                        reverse("indicators:registry", args=["scenarios"]),
                        department_id=s.department_id,
                    )
                    for s in items
                ],
            )
        ],
    )


def budget_units(as_of: date | None = None) -> Result:
    """17: budget units connected to the 政务外网 by ``as_of`` ÷ the budget units on the list (the list is
    the current one: for a past day, the same units with the connections made by then)."""
    day = _day(as_of)
    units = list(BudgetUnit.objects.select_related("department"))
    if not units:
        return no_data(definition(17), "尚未登记财政预算单位。")
    connected = [u for u in units if u.connected_on and u.connected_on <= day]
    per: dict[str, list[int]] = {}
    for u in units:
        name = u.department.name if u.department else "未指定主管部门"
        per.setdefault(name, [0, 0])
        per[name][0] += u in connected
        per[name][1] += 1
    return Result(
        definition(17),
        rate(len(connected), len(units)),
        len(connected),
        len(units),
        numerator_label="已接入政务外网的预算单位",
        denominator_label="财政预算单位",
        breakdown_title="按主管部门",
        breakdown=[Row(k, a, b, rate(a, b)) for k, (a, b) in sorted(per.items())],
        drilldowns=[
            DrillDown.of(
                "尚未接入政务外网的预算单位",
                [
                    Record(
                        u.name,
                        u.code,
                        reverse("indicators:registry", args=["budget-units"]),
                        department_id=u.department_id,
                    )
                    for u in units
                    if u not in connected
                ],
            )
        ],
    )


def domestic_core_systems(as_of: date | None = None) -> Result:
    """21: new core systems of Party and government bodies whose whole stack is domestic ÷ all of them."""
    tops = top_of(government_departments())
    day = _day(as_of)
    systems = [
        s
        for s in ProjectSystem.objects.filter(is_new=True, is_core=True)
        .filter(Q(in_service_on__lte=day) | Q(in_service_on__isnull=True, created_at__date__lte=day))
        .select_related("department", "project")
        .order_by("name")
        if s.department_id in tops
    ]
    if not systems and not ProjectSystem.objects.exists():
        return no_data(definition(21), "尚未登记信息系统。")
    domestic = [s for s in systems if s.domestic]
    return Result(
        definition(21),
        rate(len(domestic), len(systems)),
        len(domestic),
        len(systems),
        numerator_label="全栈国产化的新建核心系统",
        denominator_label="党政机关新建核心系统",
        breakdown_title="各系统（1 = 国产化）",
        breakdown=[Row(s.name, int(s.domestic), 1, None, department_id=s.department_id) for s in systems],
        drilldowns=[
            DrillDown.of(
                "尚未全栈国产化的新建核心系统",
                [
                    Record(
                        s.name,
                        _stack_gaps(s),
                        reverse("indicators:project", args=[s.project.code]) if s.project else "",
                        department_id=s.department_id,
                    )
                    for s in systems
                    if not s.domestic
                ],
            )
        ],
    )


def _stack_gaps(system: ProjectSystem) -> str:
    parts = [
        ("CPU", system.cpu, system.cpu_domestic),
        ("操作系统", system.os, system.os_domestic),
        ("数据库", system.database, system.database_domestic),
        ("中间件", system.middleware, system.middleware_domestic),
    ]
    return "非国产：" + "、".join(f"{label}（{value or '未登记'}）" for label, value, ok in parts if not ok)


def digital_villages(as_of: date | None = None) -> Result:
    """22: villages/communities that met every active criterion by ``as_of``."""
    criteria = list(VillageCriterion.objects.filter(is_active=True))
    if not criteria:
        return no_data(definition(22), "尚未设定数字乡村（社区）评定标准。")
    day = _day(as_of)
    met: dict[int, int] = {}
    for division_id in VillageAssessment.objects.filter(
        criterion__in=criteria, met=True, assessed_on__lte=day
    ).values_list("division_id", flat=True):
        met[division_id] = met.get(division_id, 0) + 1
    villages = {
        d.pk: d
        for d in orgs_selectors.divisions_by_id(list(met)).values()
        if d.level == DivisionLevel.VILLAGE
    }
    full = [villages[i] for i, n in met.items() if i in villages and n == len(criteria)]
    partial = [villages[i] for i, n in met.items() if i in villages and n < len(criteria)]
    total_villages = orgs_selectors.division_queryset(level=DivisionLevel.VILLAGE).count()
    return Result(
        definition(22),
        Decimal(len(full)),
        len(full),
        total_villages,
        numerator_label="达到全部评定标准的村（社区）",
        denominator_label="全市村（社区）",
        breakdown_title="评定标准：达到的村（社区）数",
        breakdown=[
            Row(
                c.name,
                VillageAssessment.objects.filter(criterion=c, met=True, assessed_on__lte=day).count(),
                total_villages,
                None,
                key=c.code,
            )
            for c in criteria
        ],
        drilldowns=[
            DrillDown.of(
                "已评定的数字乡村（社区）",
                [Record(d.name, d.code, division_id=d.pk) for d in sorted(full, key=lambda d: d.code)],
            ),
            DrillDown.of(
                "部分达标的村（社区）",
                [
                    Record(d.name, f"{d.code} · 达到 {met[d.pk]}/{len(criteria)} 项", division_id=d.pk)
                    for d in sorted(partial, key=lambda d: d.code)
                ],
            ),
        ],
    )
