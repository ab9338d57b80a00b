"""Store the day's value of every indicator (the daily task and `shuzheng snapshot-indicators`)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

from django.db import transaction
from django.utils import timezone

from shuzheng.core import audit
from shuzheng.core.errors import ValidationFailed
from shuzheng.identity.actors import Actor
from shuzheng.indicators.definitions import DEFINITIONS
from shuzheng.indicators.models import IndicatorSnapshot
from shuzheng.indicators.selectors.compute import compute
from shuzheng.indicators.selectors.progress import baselines, status_for

Progress = Callable[[int, int, str], None]


@dataclass
class SnapshotRun:
    day: date
    stored: list[int] = field(default_factory=list)
    #: Indicators whose records do not allow recomputing a past day (only today's value can be stored).
    skipped: list[int] = field(default_factory=list)


def snapshot_take(*, actor: Actor, day: date | None = None, progress: Progress | None = None) -> SnapshotRun:
    """Compute every indicator as of the end of ``day`` (today by default) and store it, replacing that
    day's earlier snapshot. A past day stores only the indicators whose records carry their dates."""
    today = timezone.localdate()
    day = day or today
    if day > today:
        raise ValidationFailed.for_field("date", "不能为未来的日期生成指标快照。")
    past = day < today
    run = SnapshotRun(day)
    starts = baselines(before=day)
    with transaction.atomic():
        for index, d in enumerate(DEFINITIONS, start=1):
            result = compute(d.number, day if past else None)
            if past and not result.historical:
                run.skipped.append(d.number)
                if progress:
                    progress(index, len(DEFINITIONS), f"指标{d.number} 不能按历史日期重算，跳过")
                continue
            IndicatorSnapshot.objects.update_or_create(
                number=d.number,
                day=day,
                defaults={
                    "value": result.value if result.available else None,
                    "numerator": result.numerator if result.available else None,
                    "denominator": result.denominator if result.available else None,
                    "status": status_for(result, day, starts.get(d.number)),
                },
            )
            run.stored.append(d.number)
            if progress:
                progress(index, len(DEFINITIONS), f"指标{d.number} {d.name}：{result.display}")
        audit.record(
            actor=actor,
            action="indicators.snapshot.take",
            subject_type="indicators.indicatorsnapshot",
            subject_id=day.isoformat(),
            after={"day": day.isoformat(), "stored": run.stored, "skipped": run.skipped},
        )
    return run
