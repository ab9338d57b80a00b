"""Celery tasks of the appeals context (scheduled in settings.CELERY_BEAT_SCHEDULE)."""

from __future__ import annotations

from celery import shared_task

from shuzheng.appeals.services.training import dispatch_model_train
from shuzheng.core.actors import SystemActor


@shared_task(name="shuzheng.appeals.tasks.retrain_dispatch")
def retrain_dispatch() -> dict[str, object]:
    """Weekly: retrain the dispatch router on history and the dispatchers' corrections; the new version
    is activated only when it is not worse on the evaluation set and the recent corrections."""
    model = dispatch_model_train(actor=SystemActor("dispatch-retrain"))
    return {"version": model.version, "active": model.is_active, "decision": model.evaluation.get("decision")}
