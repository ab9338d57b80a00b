"""回访 and closing: the visit decides whether a replied work order closes, is reopened or supervised;
closing closes its appeals."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models import F

from shuzheng.appeals import workflow as wf
from shuzheng.appeals.constants import (
    SATISFIED_RESULTS,
    VISIT_REQUIRED_TYPES,
    ConclusionKind,
    VisitResult,
    WorkOrderStatus,
)
from shuzheng.appeals.models import Appeal, ReturnVisit, WorkOrder
from shuzheng.appeals.services.appeal_status import appeals_transition
from shuzheng.appeals.services.common import clean_text, notify_department, now, user_of
from shuzheng.appeals.services.work_orders import load_for_action, sync_appeals, work_order_transition
from shuzheng.appeals.workflow import WorkOrderAction
from shuzheng.core.errors import ValidationFailed
from shuzheng.identity.actors import Actor

A = WorkOrderAction


def _close_appeals(actor: Actor, work_order: WorkOrder, *, note: str, **values: Any) -> None:
    appeals_transition(
        actor=actor,
        appeals=Appeal.objects.filter(work_order=work_order),
        action=wf.AppealAction.CLOSE,
        note=note,
        conclusion=ConclusionKind.WORK_ORDER,
        **values,
    )


@transaction.atomic
def work_order_visit(
    *,
    actor: Actor,
    work_order: WorkOrder | int,
    result: str,
    note: str = "",
    expected_version: int | None = None,
) -> WorkOrder:
    """回访 after the reply. Satisfied / basically satisfied → closed; a failed visit (reason required)
    → closed; unsatisfied (the reporter's reason required) → reopened once to the same department, a
    second time → supervision (督办), after supervision → closed as unsatisfied."""
    if result not in VisitResult.values:
        raise ValidationFailed.for_field("result", f"回访结果“{result}”无效")
    note = clean_text(note)
    if result == VisitResult.FAILED and not note:
        raise ValidationFailed.for_field("note", "回访未成功须说明原因（如多次致电无人接听）")
    if result == VisitResult.UNSATISFIED and not note:
        raise ValidationFailed.for_field("note", "不满意须记录诉求人的理由")
    pk = work_order if isinstance(work_order, int) else work_order.pk
    current = load_for_action(actor, pk, A.VISIT_SATISFIED)
    at = now()
    changes: dict[str, Any] = {}
    if result in SATISFIED_RESULTS:
        action = A.VISIT_SATISFIED
        changes = {"satisfaction": result, "closed_at": at}
    elif result == VisitResult.FAILED:
        action = A.VISIT_FAILED
        changes = {"closed_at": at}
    elif current.reopen_count == 0:
        action = A.REOPEN
        changes = {
            "reopen_count": 1,
            "unsatisfied_count": F("unsatisfied_count") + 1,
            "reopen_reason": note,
            "reply_text": "",
            "replied_at": None,
        }
    elif not current.is_supervised:
        action = A.ESCALATE
        changes = {
            "unsatisfied_count": F("unsatisfied_count") + 1,
            "is_supervised": True,
            "supervise_count": F("supervise_count") + 1,
            "reopen_reason": note,
        }
    else:
        action = A.CLOSE_UNSATISFIED
        changes = {"unsatisfied_count": F("unsatisfied_count") + 1, "satisfaction": result, "closed_at": at}
    ReturnVisit.objects.create(
        work_order=current,
        result=result,
        note=note,
        visited_by=user_of(actor),
        visited_at=at,
    )
    updated = work_order_transition(
        actor=actor,
        work_order=current,
        action=action,
        expected_version=expected_version,
        note=note,
        changes=changes,
        data={"result": result},
    )
    updated.refresh_from_db()
    if updated.status == WorkOrderStatus.CLOSED:
        _close_appeals(actor, updated, note=note, concluded_at=at, satisfaction=result)
    else:
        sync_appeals(updated, satisfaction=result)
        notify_department(
            updated, updated.lead_department, "群众不满意，工单重办" if action == A.REOPEN else "工单转督办"
        )
    return updated


@transaction.atomic
def work_order_close(
    *, actor: Actor, work_order: WorkOrder | int, note: str = "", expected_version: int | None = None
) -> WorkOrder:
    """办结 without a visit — only for types that need none; 投诉/举报 need a reply and a visit."""
    pk = work_order if isinstance(work_order, int) else work_order.pk
    current = load_for_action(actor, pk, A.CLOSE)
    if current.appeal_type in VISIT_REQUIRED_TYPES:
        raise ValidationFailed.for_field(
            "result",
            "投诉、举报类工单须答复并回访（或记录回访未成功的原因）后方可办结",
            code="visit_required",
        )
    at = now()
    updated = work_order_transition(
        actor=actor,
        work_order=current,
        action=A.CLOSE,
        expected_version=expected_version,
        note=clean_text(note),
        changes={"closed_at": at},
    )
    _close_appeals(actor, updated, note=clean_text(note), concluded_at=at)
    return updated
