"""The one writer of ``Appeal.status``: every move is checked against ``workflow.APPEAL_TRANSITIONS`` and
leaves an ``AppealEvent``. A work order moves all of its appeals (a merged group) at once."""

from __future__ import annotations

from typing import Any

from django.db.models import F, QuerySet

from shuzheng.appeals.constants import AppealChannel, AppealStatus
from shuzheng.appeals.models import Appeal, AppealEvent
from shuzheng.appeals.services.common import now, user_of
from shuzheng.appeals.workflow import APPEAL_TRANSITIONS, AppealAction
from shuzheng.core.errors import Conflict
from shuzheng.identity.actors import Actor


def _target(status: str, action: str, *, what: str, status_label: str) -> str:
    to_status = APPEAL_TRANSITIONS.target(status, action)
    if to_status is None:
        label = AppealAction(action).label if action in AppealAction.values else "该操作"
        raise Conflict(f"{what}当前状态为“{status_label}”，不能{label}")
    return to_status


def appeal_transition(
    *, actor: Actor, appeal: Appeal, action: str, note: str = "", changes: dict[str, Any] | None = None
) -> Appeal:
    """Moves one appeal (locked by the caller, inside its transaction): checks the move, applies
    ``changes``, saves and writes the ``AppealEvent``."""
    what = "事件" if appeal.channel == AppealChannel.GRID else "诉求"
    to_status = _target(appeal.status, action, what=what, status_label=appeal.get_status_display())
    from_status = appeal.status
    for name, value in (changes or {}).items():
        setattr(appeal, name, value)
    appeal.status = to_status
    appeal.version += 1
    appeal.save(update_fields=[*(changes or {}), "status", "version", "updated_at"])
    AppealEvent.objects.create(
        appeal=appeal,
        from_status=from_status,
        to_status=to_status,
        action=action,
        actor=user_of(actor),
        note=note,
        occurred_at=now(),
    )
    return appeal


def appeals_transition(
    *, actor: Actor, appeals: QuerySet[Appeal], action: str, note: str = "", **values: Any
) -> None:
    """Moves every appeal of ``appeals`` (a work order's group) and sets ``values`` on them; one refused
    move refuses them all. Instances the caller holds are stale afterwards (refresh them)."""
    at = now()
    rows = list(appeals.select_for_update().order_by("pk").values_list("pk", "status"))
    events = [
        AppealEvent(
            appeal_id=pk,
            from_status=status,
            to_status=_target(status, action, what="诉求", status_label=str(AppealStatus(status).label)),
            action=action,
            actor=user_of(actor),
            note=note,
            occurred_at=at,
        )
        for pk, status in rows
    ]
    for to_status in {e.to_status for e in events}:
        Appeal.objects.filter(pk__in=[e.appeal_id for e in events if e.to_status == to_status]).update(
            status=to_status, updated_at=at, version=F("version") + 1, **values
        )
    AppealEvent.objects.bulk_create(events)
