"""Celery tasks of the indicators context (scheduled in settings.CELERY_BEAT_SCHEDULE)."""

from __future__ import annotations

from celery import shared_task

from shuzheng.core.actors import SystemActor
from shuzheng.indicators.services.snapshots import snapshot_take


@shared_task(name="shuzheng.indicators.tasks.snapshot_indicators")
def snapshot_indicators() -> dict[str, object]:
    """Daily: store today's value of the 22 indicators (idempotent: the day's row is replaced)."""
    run = snapshot_take(actor=SystemActor("indicator snapshots"))
    return {"day": run.day.isoformat(), "stored": len(run.stored)}
