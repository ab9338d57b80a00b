"""Celery tasks of the 秒批 context; idempotent (a case is decided once)."""

from __future__ import annotations

import logging

from celery import shared_task

from shuzheng.instant_approval.services import decisions

logger = logging.getLogger(__name__)


@shared_task(name="shuzheng.instant_approval.tasks.decide_case", ignore_result=True)
def decide_case(case_id: int) -> str:
    """Decide a submitted case by its item's active rules; any failure leaves it with the clerks."""
    try:
        decision = decisions.decide_submitted_case(case_id)
    except Exception:
        logger.exception("instant_approval.decide_failed", extra={"case": case_id})
        return "error"
    return decision.outcome if decision is not None else "none"
