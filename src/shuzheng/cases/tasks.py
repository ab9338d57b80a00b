"""Celery tasks of the cases context; each is idempotent (scheduled in settings.CELERY_BEAT_SCHEDULE)."""

from __future__ import annotations

from celery import shared_task

from shuzheng.cases import reminders
from shuzheng.cases.services import uploads


@shared_task(name="shuzheng.cases.tasks.send_case_reminders")
def send_case_reminders() -> dict[str, int]:
    """Hourly: remind the acting clerks of cases in warning or overdue (once per case, state and day)."""
    run = reminders.send_reminders()
    return {"cases": run.cases, "notifications": run.notifications}


@shared_task(name="shuzheng.cases.tasks.purge_stale_uploads")
def purge_stale_uploads() -> int:
    """Daily: delete uploads never attached to a case within a day."""
    return uploads.purge_stale_uploads()
