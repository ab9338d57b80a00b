"""Department scorecards (plan 四(五) 绩效考评): each government department's share of the indicators it
drives, and one composite score to rank them by.

Components (the rates only where the department has something to count): its live items' 最多跑一次
rate (target 95), its high-frequency items' 四免 rate (100), its 好差评 score (9.9), its sharing requests
satisfied as provider (80), its work orders closed on time (100); and always its open datasets (the
city's 600 spread evenly over the government departments: every department is expected to open data).
Composite = mean over the components it has of
min(value ÷ target, 1) × 100, rounded to 2 decimals; with no component it is “—” and ranks last.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from shuzheng.appeals.selectors import indicators as hub
from shuzheng.catalog import selectors as catalog_selectors
from shuzheng.catalog.constants import Exemption
from shuzheng.datahub.selectors import indicators as datahub_indicators
from shuzheng.evaluation import selectors as evaluation_selectors
from shuzheng.evaluation.stats import score_of
from shuzheng.identity.scopes import data_scope_for
from shuzheng.indicators.constants import VIEW_PERM
from shuzheng.indicators.selectors.organisation import government_departments
from shuzheng.indicators.selectors.results import quantize, rate
from shuzheng.orgs import selectors as orgs_selectors

_FOUR = frozenset(Exemption.values)

#: (key, label, target)
COMPONENTS: tuple[tuple[str, str, Decimal], ...] = (
    ("one_visit", "最多跑一次率（%）", Decimal(95)),
    ("four_exemptions", "高频事项四免率（%）", Decimal(100)),
    ("score", "好差评得分", Decimal("9.9")),
    ("sharing", "共享需求满足率（%）", Decimal(80)),
    ("on_time", "工单按时办结率（%）", Decimal(100)),
    ("datasets", "开放数据集（个）", Decimal(0)),  # target set per run: 600 ÷ departments
)


@dataclass
class Scorecard:
    department_id: int
    code: str
    name: str
    values: dict[str, Decimal | None] = field(default_factory=dict)
    details: dict[str, str] = field(default_factory=dict)
    composite: Decimal | None = None
    rank: int | None = None

    @property
    def cells(self) -> list[tuple[str, Decimal | None, str]]:
        return [(key, self.values.get(key), self.details.get(key, "")) for key, _label, _target in COMPONENTS]


def scorecards(*, user: Any = None, as_of: date | None = None) -> tuple[list[Scorecard], dict[str, Decimal]]:
    """Ranked scorecards (best first) of the government departments in the user's scope (all when no user
    is given: the platform), and the targets used."""
    units = government_departments()
    tops = {member: unit.id for unit in units for member in unit.member_ids}
    cards = {u.id: Scorecard(u.id, u.code, u.name) for u in units}
    items: dict[int, list[int]] = {}
    for dept, visits, exemptions, high in catalog_selectors.guide_queryset().values_list(
        "department_id", "onsite_visits", "exemptions", "high_frequency"
    ):
        if dept not in tops:
            continue
        counts = items.setdefault(tops[dept], [0, 0, 0, 0])
        counts[0] += visits <= 1
        counts[1] += 1
        counts[2] += bool(high) and set(exemptions or []) >= _FOUR
        counts[3] += bool(high)
    levels: dict[int, dict[int, int]] = {}
    for dept, by_level in evaluation_selectors.level_counts_by_department(until=as_of).items():
        if dept in tops:
            merged = levels.setdefault(tops[dept], {})
            for level, n in by_level.items():
                merged[level] = merged.get(level, 0) + n
    sharing: dict[int, list[int]] = {}
    for row in datahub_indicators.sharing_by_provider(until=as_of):
        if row["department_id"] in tops:
            s = sharing.setdefault(tops[row["department_id"]], [0, 0])
            s[0] += row["satisfied"]
            s[1] += row["total"]
    orders: dict[int, list[int]] = {}
    for dept, h in hub.hub_departments(until=as_of).items():
        if dept in tops:
            o = orders.setdefault(tops[dept], [0, 0])
            o[0] += h.closed_on_time
            o[1] += h.closed_with_due
    datasets: dict[int, int] = {}
    for dept, n in datahub_indicators.open_datasets_by_department().items():
        if dept in tops:
            datasets[tops[dept]] = datasets.get(tops[dept], 0) + n
    targets = {key: target for key, _label, target in COMPONENTS}
    targets["datasets"] = quantize(Decimal(600) / Decimal(max(len(units), 1)))
    for unit_id, card in cards.items():
        c = items.get(unit_id, [0, 0, 0, 0])
        card.values["one_visit"] = rate(c[0], c[1])
        card.details["one_visit"] = f"{c[0]}/{c[1]}"
        card.values["four_exemptions"] = rate(c[2], c[3])
        card.details["four_exemptions"] = f"{c[2]}/{c[3]}"
        card.values["score"] = score_of(levels.get(unit_id, {}))
        card.details["score"] = f"{sum(levels.get(unit_id, {}).values())}条评价"
        s = sharing.get(unit_id, [0, 0])
        card.values["sharing"] = rate(s[0], s[1])
        card.details["sharing"] = f"{s[0]}/{s[1]}"
        o = orders.get(unit_id, [0, 0])
        card.values["on_time"] = rate(o[0], o[1])
        card.details["on_time"] = f"{o[0]}/{o[1]}"
        card.values["datasets"] = Decimal(datasets.get(unit_id, 0))
        card.details["datasets"] = f"{datasets.get(unit_id, 0)}个"
        shares = [
            min(value / targets[key], Decimal(1))
            for key, value in card.values.items()
            if value is not None and targets[key] > 0
        ]
        card.composite = quantize(sum(shares, Decimal(0)) * 100 / len(shares)) if shares else None
    ranked = sorted(cards.values(), key=lambda c: (c.composite is None, -(c.composite or 0), c.code))
    for position, card in enumerate(ranked, start=1):
        card.rank = position if card.composite is not None else None
    if user is not None:
        scope = data_scope_for(user, VIEW_PERM)
        if not scope.is_all:
            visible = {
                d.pk
                for d in orgs_selectors.departments_by_ids(list(cards)).select_related("division")
                if scope.covers_department(d)
            }
            ranked = [c for c in ranked if c.department_id in visible]
    return ranked, targets
