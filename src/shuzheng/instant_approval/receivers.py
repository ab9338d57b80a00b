"""Reaction to the cases context's ``case_status_changed`` (cases may not import this context): a new
case of an item version with active 秒批 rules is decided once its submission has committed — by a Celery
task when a broker is configured, else in-process right after the commit (``CELERY_TASK_ALWAYS_EAGER``,
the same switch that makes the audit sealer run after commit without a broker). A failure there never
touches the submission: the case simply stays with the clerks."""

from __future__ import annotations

import logging
from typing import Any

from django.db import transaction

from shuzheng.instant_approval.constants import RuleSetStatus
from shuzheng.instant_approval.models import RuleSet

logger = logging.getLogger(__name__)


def on_case_status_changed(sender: Any, *, case_id: int, action: str, **kwargs: Any) -> None:
    if action != "submit":
        return
    if not RuleSet.objects.filter(status=RuleSetStatus.ACTIVE, version__cases=case_id).exists():
        return
    transaction.on_commit(lambda: schedule(case_id))


def schedule(case_id: int) -> None:
    from shuzheng.instant_approval.tasks import decide_case

    try:
        decide_case.delay(case_id)
    except Exception:  # a broker outage must not turn a filed application into an error
        logger.exception("instant_approval.schedule_failed", extra={"case": case_id})
