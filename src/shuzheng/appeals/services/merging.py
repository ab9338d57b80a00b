"""并单: an appeal about the same problem as another joins it (and its work order, if it has one)."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from shuzheng.appeals import workflow as wf
from shuzheng.appeals.constants import AppealStatus, WorkOrderStatus
from shuzheng.appeals.models import Appeal, WorkOrder
from shuzheng.appeals.routing import MERGE_TARGET_STATUSES
from shuzheng.appeals.services.appeal_status import appeal_transition
from shuzheng.appeals.services.common import appeal_snapshot, require_perm, work_order_event
from shuzheng.appeals.services.dispatch import appeal_for_centre
from shuzheng.core import audit
from shuzheng.core.errors import Conflict, ValidationFailed
from shuzheng.identity.actors import Actor


@transaction.atomic
def appeal_merge(*, actor: Actor, appeal: Appeal, into: Appeal) -> Appeal:
    """并单: ``appeal`` joins ``into`` — its work order if it has one, else it follows at dispatch."""
    require_perm(actor, wf.CENTRE_PERM, "并单")
    appeal = appeal_for_centre(actor, appeal.pk)
    target = appeal_for_centre(actor, into.pk)
    if target.merged_into_id:
        target = appeal_for_centre(actor, target.merged_into_id)
    if appeal.pk == target.pk:
        raise ValidationFailed.for_field("into_id", "不能与自身并单")
    if appeal.status != AppealStatus.PENDING_DISPATCH or appeal.merged_into_id:
        raise Conflict(f"诉求当前状态为“{appeal.get_status_display()}”，不能并单")
    if target.status not in MERGE_TARGET_STATUSES:
        raise Conflict(f"目标诉求当前状态为“{target.get_status_display()}”，不能并入")
    if Appeal.objects.filter(merged_into=appeal).exists():
        raise Conflict("该诉求已有其他诉求并入，请将其他诉求并入它")
    before = appeal_snapshot(appeal)
    changes: dict[str, Any] = {"merged_into": target, "category": appeal.category or target.category}
    if target.work_order_id:
        work_order = WorkOrder.objects.select_for_update().get(pk=target.work_order_id)
        if work_order.status == WorkOrderStatus.CLOSED:
            raise Conflict("目标工单已办结，不能并入")
        note = f"诉求 {appeal.number} 并入本工单"
        changes |= {"work_order": work_order, "department": work_order.lead_department}
        appeal_transition(
            actor=actor, appeal=appeal, action=wf.AppealAction.MERGE, note=note, changes=changes
        )
        work_order_event(work_order, actor=actor, from_status=work_order.status, action="merge", note=note)
    else:
        for name, value in changes.items():
            setattr(appeal, name, value)
        appeal.version += 1
        appeal.save()
    audit.record(
        actor=actor,
        action="appeals.appeal.merge",
        subject=appeal,
        before=before,
        after=appeal_snapshot(appeal),
    )
    return appeal
