"""Background work of the data hub: the scheduled quality run (Celery beat, see CELERY_BEAT_SCHEDULE)."""

from __future__ import annotations

from celery import shared_task

from shuzheng.core.actors import SYSTEM
from shuzheng.datahub import quality


@shared_task(name="shuzheng.datahub.tasks.run_quality")
def run_quality() -> int:
    """Run every active quality rule; returns the run's id. Safe to repeat: each run is a new record."""
    return quality.run(actor=SYSTEM).pk
