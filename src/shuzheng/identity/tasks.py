"""Celery tasks of the identity context (scheduled in settings.CELERY_BEAT_SCHEDULE)."""

from __future__ import annotations

from celery import shared_task

from shuzheng.identity.audit_seal import seal


@shared_task(name="shuzheng.identity.tasks.seal_audit_log", ignore_result=True)
def seal_audit_log(full: bool = False) -> int:
    """Every AUDIT_SEAL_SECONDS: seal committed audit events; skips when another sealer is running."""
    return seal(wait=False, full=full).sealed
