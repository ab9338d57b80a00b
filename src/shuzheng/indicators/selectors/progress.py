"""Status against the 2025 target and the snapshot series behind the trend lines.

Status (docs/indicators.md, “Status”): **met** when the value reaches the target; otherwise **on track**
when it is at or above the straight line from the baseline — the earliest stored snapshot with a value,
(d0, v0) — to (2025-12-31, target) on the day judged; otherwise **behind**. From 2026 on the line has
reached the target, so an indicator not met is behind. No value: “no data”.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.utils import timezone

from shuzheng.indicators.constants import TARGET_DATE, Status
from shuzheng.indicators.definitions import Definition
from shuzheng.indicators.models import IndicatorSnapshot
from shuzheng.indicators.selectors.results import Result, quantize


@dataclass(frozen=True)
class Point:
    day: date
    value: Decimal | None
    status: str


def expected_on(definition: Definition, day: date, baseline: tuple[date, Decimal] | None) -> Decimal:
    """The value the straight path from the baseline to the target asks for on ``day``."""
    if baseline is None or day >= TARGET_DATE:
        return definition.target
    start, value = baseline
    if day <= start:
        return value
    share = Decimal((day - start).days) / Decimal((TARGET_DATE - start).days)
    return quantize(value + (definition.target - value) * share)


def status_of(
    definition: Definition, value: Decimal | None, day: date, baseline: tuple[date, Decimal] | None
) -> str:
    if value is None:
        return Status.NO_DATA
    if value >= definition.target:
        return Status.MET
    if day >= TARGET_DATE:
        return Status.BEHIND
    # Without an earlier snapshot today's value is its own baseline: on the path by construction.
    return Status.ON_TRACK if value >= expected_on(definition, day, baseline) else Status.BEHIND


def baselines(before: date | None = None) -> dict[int, tuple[date, Decimal]]:
    """Per indicator, the earliest snapshot with a value (strictly before ``before`` when given)."""
    qs = IndicatorSnapshot.objects.filter(value__isnull=False)
    if before is not None:
        qs = qs.filter(day__lt=before)
    found: dict[int, tuple[date, Decimal]] = {}
    for number, day, value in qs.order_by("number", "day").values_list("number", "day", "value"):
        if number not in found and value is not None:
            found[number] = (day, value)
    return found


def status_for(result: Result, day: date | None = None, baseline: tuple[date, Decimal] | None = None) -> str:
    if not result.available:
        return Status.NO_DATA
    return status_of(result.definition, result.value, day or timezone.localdate(), baseline)


def series(number: int | None = None, *, limit: int = 400) -> dict[int, list[Point]]:
    """Stored snapshots per indicator, oldest first (the last ``limit`` days of each)."""
    qs = IndicatorSnapshot.objects.all()
    if number is not None:
        qs = qs.filter(number=number)
    result: dict[int, list[Point]] = {}
    for n, day, value, status in qs.order_by("number", "day").values_list("number", "day", "value", "status"):
        result.setdefault(n, []).append(Point(day, value, status))
    return {n: points[-limit:] for n, points in result.items()}
