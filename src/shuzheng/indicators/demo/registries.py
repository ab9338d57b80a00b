"""Demo registries: government sectors (11), budget units (17), video terminals (12), scenarios (15),
粤系 app usage (8–10), digital-village criteria and assessments (22). Plausible figures for a county-level
city, written through the registry services (one audited import per registry, and none when every row
the demo would write is already stored: a second load changes nothing)."""

from __future__ import annotations

import random
from datetime import date, timedelta
from typing import Any, Final

from shuzheng.core.actors import SYSTEM
from shuzheng.indicators.constants import App, TerminalStatus
from shuzheng.indicators.models import GovernmentSector, VillageCriterion
from shuzheng.indicators.registry_specs import SPECS, Spec
from shuzheng.indicators.services.registries import registry_apply
from shuzheng.orgs import selectors as orgs_selectors
from shuzheng.orgs.constants import DivisionLevel

SOURCE: Final = "演示数据（非真实统计）"

#: (code, name, department codes): the sectors 一网统管 should reach (plan 二、“社会治理能力”).
SECTORS: Final = (
    ("SC01", "市场监管", ("EP020",)),
    ("SC02", "应急管理", ("EP018",)),
    ("SC03", "消防", ("EP032",)),
    ("SC04", "水利", ("EP012",)),
    ("SC05", "城市管理", ("EP022",)),
    ("SC06", "交通运输", ("EP011", "EP004-01")),
    ("SC07", "生态环境", ("EP009",)),
    ("SC08", "治安", ("EP004",)),
    ("SC09", "住房城乡建设", ("EP010",)),
    ("SC10", "卫生健康", ("EP016",)),
    ("SC11", "教育", ("EP003",)),
    ("SC12", "自然资源", ("EP023",)),
    ("SC13", "农业农村", ("EP013",)),
    ("SC14", "民政", ("EP005",)),
    ("SC15", "人力资源社会保障", ("EP008",)),
    ("SC16", "文化旅游体育", ("EP015",)),
    ("SC17", "林业", ("EP024",)),
    ("SC18", "医疗保障", ("EP021",)),
)

SCENARIOS: Final = (
    ("12345热线智能派单", "EP001", date(2022, 11, 1), "KP01"),
    ("粤智助政务服务自助机", "EP001", date(2022, 9, 1), ""),
    ("“微信+智能化”企业开办秒批", "EP020", date(2023, 5, 8), "KP02"),
    ("智慧招商项目地图", "EP014", date(2023, 10, 9), "KP03"),
    ("温泉旅游客流监测", "EP015", date(2024, 3, 1), "KP05"),
    ("智慧文旅一码游恩平", "EP015", date(2024, 5, 1), "KP05"),
    ("重点区域视频巡查", "EP004", date(2023, 3, 15), "KP07"),
    ("电动自行车违停识别", "EP004-01", date(2024, 7, 1), "KP06"),
    ("应急指挥一张图", "EP018", date(2024, 1, 18), "KP08"),
    ("三防视频会商", "EP018", date(2024, 6, 3), "KP08"),
    ("占道经营智能识别", "EP022", date(2023, 8, 1), "KP09"),
    ("路内停车无感支付", "EP011", date(2024, 9, 10), "KP10"),
    ("河湖“四乱”航拍比对", "EP023", date(2024, 4, 22), "KP11"),
    ("水库水位智能预警", "EP012", date(2024, 5, 20), "KP12"),
    ("山塘雨量站联动", "EP012", date(2025, 3, 3), "KP12"),
    ("森林防火烟火识别", "EP024", date(2024, 11, 1), "KP13"),
    ("松材线虫病监测", "EP024", date(2025, 6, 1), "KP13"),
    ("工业园区能耗监测", "EP002", date(2025, 8, 18), "KP04"),
    ("智慧园区企业服务", "EP014", date(2025, 9, 1), "KP04"),
    ("学校食堂明厨亮灶", "EP020", date(2025, 10, 15), ""),
    ("独居老人智能水表关爱", "EP005", date(2026, 3, 1), ""),
    ("政务外网终端准入", "EP001", date(2026, 5, 6), "KP15"),
)

CRITERIA: Final = (
    ("DV1", "设有村（社区）党群服务中心政务服务站", "可代办、帮办高频事项，配备政务服务一体机或帮办人员"),
    ("DV2", "高频事项可在村（社区）网上办理", "“粤智助”或网上办事大厅可办村级事项"),
    ("DV3", "网格化管理全覆盖", "全部区域划入网格，网格员在岗并通过平台上报事件"),
    ("DV4", "千兆光网和5G覆盖", "行政村（社区）通千兆光网、5G信号覆盖主要居住区"),
)

#: (app, registered at the start, monthly growth, active share at the start, active share two years on)
APPS: Final = (
    (App.YUESHENGSHI, 262_000, 0.006, 0.41, 0.56),
    (App.YUESHANGTONG, 38_500, 0.009, 0.33, 0.47),
    (App.YUEZHENGYI, 5_200, 0.002, 0.72, 0.84),
)
TERMINALS: Final = 12_600


def _apply(spec: Spec, rows: list[dict[str, Any]]) -> None:
    """Import the demo rows unless every one's key is already stored (then the import would only audit)."""
    attnames = [getattr(spec.model._meta.get_field(k), "attname", k) for k in spec.key]
    stored = set(spec.model._default_manager.values_list(*attnames))
    if any(tuple(getattr(row[k], "pk", row[k]) for k in spec.key) not in stored for row in rows):
        registry_apply(actor=SYSTEM, spec=spec, rows=rows, source_document=SOURCE)


def _months(today: date, count: int) -> list[date]:
    first = today.replace(day=1)
    months = []
    for _ in range(count):
        first = (first - timedelta(days=1)).replace(day=1)
        months.append(first)
    return sorted(months)


def ensure_sectors(departments: dict[str, Any]) -> int:
    for position, (code, name, codes) in enumerate(SECTORS):
        sector, _ = GovernmentSector.objects.get_or_create(
            code=code, defaults={"name": name, "position": position, "source_document": SOURCE}
        )
        sector.departments.set([departments[c] for c in codes if c in departments])
    return len(SECTORS)


def ensure_budget_units(departments: dict[str, Any], rng: random.Random) -> int:
    rows = []
    for n, (code, department) in enumerate(sorted(departments.items())):
        if department.kind != "government":
            continue
        for suffix, label in (("", ""), ("-S", "机关服务中心")):
            if suffix and n % 3:
                continue
            unconnected = rng.random() < 0.05
            rows.append(
                {
                    "code": f"YS{code}{suffix}",
                    "name": f"{department.name}{label}",
                    "department": department,
                    "connected_on": None
                    if unconnected
                    else date(2019, 1, 1) + timedelta(days=rng.randrange(0, 1800)),
                }
            )
    _apply(SPECS["budget-units"], rows)
    return len(rows)


def ensure_terminals(departments: dict[str, Any], towns: list[Any], rng: random.Random) -> int:
    owners = [
        departments[c] for c in ("EP004", "EP004-01", "EP022", "EP018", "EP012", "EP024") if c in departments
    ]
    if not owners or not towns:
        return 0
    rows = []
    for n in range(TERMINALS):
        town = towns[n % len(towns)]
        owner = owners[0] if n % 10 < 7 else owners[n % len(owners)]
        roll = rng.random()
        status = (
            TerminalStatus.RETIRED
            if roll < 0.02
            else TerminalStatus.OFFLINE
            if roll < 0.06
            else TerminalStatus.ONLINE
        )
        rows.append(
            {
                "code": f"VT{n + 1:06d}",
                "name": f"{town.name}{'路口' if n % 3 else '村口'}{n % 97 + 1}号点位",
                "department": owner,
                "division": town,
                "project": "雪亮工程" if owner == owners[0] else "",
                "status": status,
                "connected_on": date(2020, 1, 1) + timedelta(days=int((n / TERMINALS) ** 0.7 * 2500)),
            }
        )
    _apply(SPECS["video-terminals"], rows)
    return len(rows)


def ensure_scenarios(departments: dict[str, Any], projects: dict[str, Any]) -> int:
    rows = [
        {"name": name, "department": departments[code], "in_service_on": day, "description": ""}
        for name, code, day, _ in SCENARIOS
        if code in departments
    ]
    _apply(SPECS["scenarios"], rows)
    from shuzheng.indicators.models import Scenario

    for name, _code, _day, project in SCENARIOS:
        if project in projects:
            Scenario.objects.filter(name=name, project__isnull=True).update(project=projects[project])
    return len(rows)


def ensure_app_usage(today: date) -> int:
    rows = []
    months = _months(today, 24)
    for app, registered, growth, start, end in APPS:
        for i, month in enumerate(months):
            users = int(registered * (1 + growth) ** i)
            share = start + (end - start) * i / (len(months) - 1)
            rows.append({"app": app, "month": month, "registered": users, "active": int(users * share)})
    _apply(SPECS["app-usage"], rows)
    return len(rows)


def ensure_villages(rng: random.Random) -> int:
    criteria = []
    for position, (code, name, description) in enumerate(CRITERIA):
        criterion, _ = VillageCriterion.objects.get_or_create(
            code=code,
            defaults={
                "name": name,
                "description": description,
                "position": position,
                "source_document": SOURCE,
            },
        )
        criteria.append(criterion)
    villages = list(orgs_selectors.division_queryset(level=DivisionLevel.VILLAGE).order_by("code"))
    rows = []
    for n, village in enumerate(villages):
        # About one in five villages meets every criterion; the others meet some.
        level = 4 if n % 5 == 0 else rng.randrange(1, 4)
        for i, criterion in enumerate(criteria):
            rows.append(
                {
                    "division": village,
                    "criterion": criterion,
                    "met": i < level,
                    "assessed_on": date(2023, 3, 1) + timedelta(days=(n * 37 + i * 90) % 1200),
                }
            )
    _apply(SPECS["village-assessments"], rows)
    return len(villages)
