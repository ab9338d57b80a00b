"""Celery tasks of the licences context; idempotent (scheduled in settings.CELERY_BEAT_SCHEDULE)."""

from __future__ import annotations

from celery import shared_task

from shuzheng.licences.services import licences, seals


@shared_task(name="shuzheng.licences.tasks.expire_seals_and_licences")
def expire_seals_and_licences() -> dict[str, int]:
    """Daily: seals and licences past their validity become expired (history rows and audit events)."""
    return {"seals": seals.seals_expire(), "licences": licences.licences_expire()}
