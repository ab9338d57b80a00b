"""规划指标 demo data for the demo city (idempotent): the registries behind indicators 8–12, 15, 17, 21
and 22, the 16 key projects of 附件2, the leaders' role and account, and snapshots — monthly back to the
start of 2024 for the indicators whose records carry dates, and today's for all 22 (taken only when none is
stored for today, so that a second load writes nothing)."""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import date
from typing import Any, Final

from django.utils import timezone

from shuzheng.core.actors import SYSTEM
from shuzheng.indicators.constants import PROJECT_PERM, REGISTRY_PERM, VIEW_PERM
from shuzheng.indicators.demo import projects, registries
from shuzheng.indicators.models import IndicatorSnapshot
from shuzheng.indicators.services.snapshots import snapshot_take
from shuzheng.orgs import selectors as orgs_selectors
from shuzheng.orgs.constants import DivisionLevel

Progress = Callable[[str, int, int], None]

#: (role code, name, description, permissions)
ROLES: Final = (
    ("city_leader", "市领导", "查看规划指标驾驶舱、部门考评和年度报告（全市）。", (VIEW_PERM,)),
    (
        "plan_officer",
        "规划指标管理员",
        "维护指标登记数据和政务信息化项目，查看驾驶舱。",
        (VIEW_PERM, REGISTRY_PERM, PROJECT_PERM),
    ),
)
#: (username, name, department, role)
ACCOUNTS: Final = (
    ("leader", "冯志明", "EP029", "city_leader"),
    ("plan01", "梁秀英", "EP001", "plan_officer"),
)
SNAPSHOTS_SINCE: Final = date(2024, 1, 1)


def _ensure_accounts(departments: dict[str, Any]) -> None:
    from shuzheng.identity.constants import DataScopeKind
    from shuzheng.identity.demo import ensure_staff_account
    from shuzheng.identity.services import roles as role_services

    roles = {
        code: role_services.role_ensure(
            actor=SYSTEM, code=code, name=name, description=description, permissions=list(perms)
        )
        for code, name, description, perms in ROLES
    }
    for username, full_name, department, role in ACCOUNTS:
        if department in departments:
            ensure_staff_account(
                username=username,
                full_name=full_name,
                department=departments[department],
                role=roles[role],
                scope=DataScopeKind.ALL,
            )


def _month_starts(since: date, today: date) -> list[date]:
    days, day = [], since
    while day < today:
        days.append(day)
        day = date(day.year + (day.month == 12), day.month % 12 + 1, 1)
    return days


def load(progress: Progress | None = None) -> dict[str, int]:
    """Create the 规划指标 demo data; returns counts of what exists."""
    steps = 9

    def step(label: str, done: int) -> None:
        if progress:
            progress(label, done, steps)

    rng = random.Random(440785)  # noqa: S311 - demo data, not security
    today = timezone.localdate()
    departments = {d.code: d for d in orgs_selectors.department_queryset(include_inactive=True)}
    towns = list(orgs_selectors.division_queryset(level=DivisionLevel.TOWN).order_by("code"))
    step("角色与账号", 0)
    _ensure_accounts(departments)
    step("政务信息化项目", 1)
    register = projects.ensure_projects(departments)
    step("政府行业清单", 2)
    counts = {"sectors": registries.ensure_sectors(departments)}
    step("财政预算单位", 3)
    counts["budget_units"] = registries.ensure_budget_units(departments, rng)
    step("视频终端", 4)
    counts["video_terminals"] = registries.ensure_terminals(departments, towns, rng)
    step("应用场景", 5)
    counts["scenarios"] = registries.ensure_scenarios(departments, register)
    step("粤系应用使用情况", 6)
    counts["app_usage_months"] = registries.ensure_app_usage(today)
    step("数字乡村评定", 7)
    counts["assessed_villages"] = registries.ensure_villages(rng)
    step("指标快照", 8)
    if not IndicatorSnapshot.objects.filter(day__lt=today).exists():
        for day in _month_starts(SNAPSHOTS_SINCE, today):
            snapshot_take(actor=SYSTEM, day=day)
    # Today's snapshot only once: taking it again would audit (and a second load changes nothing).
    if not IndicatorSnapshot.objects.filter(day=today).exists():
        snapshot_take(actor=SYSTEM)
    step("指标快照", 9)
    counts["projects"] = len(register)
    counts["indicators_with_value"] = IndicatorSnapshot.objects.filter(day=today, value__isnull=False).count()
    return counts
