"""The work-order lifecycle (``workflow.WORK_ORDER_TRANSITIONS``): its one status writer and the
department's and centre's actions — accept, forward, return, reassign, reply, remind, supervise."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.db.models import F
from django.urls import reverse

from shuzheng.appeals import workflow as wf
from shuzheng.appeals.constants import AttachmentKind, RequestStatus
from shuzheng.appeals.models import Appeal, ReturnRequest, WorkOrder
from shuzheng.appeals.services.common import (
    clean_text,
    notify_department,
    now,
    require_perm,
    user_of,
    work_order_event,
    work_order_snapshot,
)
from shuzheng.appeals.services.intake import appeal_attach
from shuzheng.appeals.workflow import WorkOrderAction
from shuzheng.core import audit
from shuzheng.core.actors import is_system
from shuzheng.core.errors import Conflict, NotFound, ValidationFailed
from shuzheng.core.notifications import notify
from shuzheng.identity.actors import Actor
from shuzheng.identity.scopes import data_scope_for

if TYPE_CHECKING:
    from shuzheng.orgs.models import Department

A = WorkOrderAction


def load_for_action(actor: Actor, work_order_id: int, action: str) -> WorkOrder:
    """The work order, locked, when the actor may do `action` on it: out of scope is NotFound."""
    perm = wf.ACTION_PERMS[action]
    label = WorkOrderAction(action).label
    qs = WorkOrder.objects.select_for_update(of=("self",)).select_related("lead_department", "appeal")
    qs = qs.filter(pk=work_order_id)
    if not is_system(actor):
        scope = data_scope_for(actor, perm)
        if action in wf.DEPARTMENT_ACTIONS:
            qs = scope.filter(qs, department="lead_department")
        else:
            qs = scope.filter(qs, department="lead_department", division="appeal__division")
    work_order = qs.first()
    if work_order is None:
        raise NotFound("工单不存在或不在您的数据范围内")
    require_perm(actor, perm, label)
    return work_order


def work_order_transition(
    *,
    actor: Actor,
    work_order: WorkOrder | int,
    action: str,
    expected_version: int | None = None,
    note: str = "",
    data: dict[str, Any] | None = None,
    changes: dict[str, Any] | None = None,
    department: Department | None = None,
) -> WorkOrder:
    """The one writer of WorkOrder.status: checks the table, the actor's scope and the version, applies
    ``changes``, writes the event row and the audit event. Call inside a transaction."""
    if action not in WorkOrderAction.values:
        raise ValidationFailed.for_field("action", f"操作“{action}”无效")
    pk = work_order if isinstance(work_order, int) else work_order.pk
    locked = load_for_action(actor, pk, action)
    if expected_version is not None and locked.version != expected_version:
        raise Conflict("工单已被他人处理（版本已变化），请刷新后重试", code="stale_version")
    to_status = wf.WORK_ORDER_TRANSITIONS.target(locked.status, action)
    if to_status is None:
        raise Conflict(
            f"工单当前状态为“{locked.get_status_display()}”，不能执行“{WorkOrderAction(action).label}”",
            code="transition_not_allowed",
        )
    before = work_order_snapshot(locked)
    from_status = locked.status
    for name, value in (changes or {}).items():
        setattr(locked, name, value)
    locked.status = to_status
    locked.version += 1
    locked.save()
    if any(hasattr(value, "resolve_expression") for value in (changes or {}).values()):
        locked.refresh_from_db()
    work_order_event(
        locked,
        actor=actor,
        from_status=from_status,
        action=action,
        note=note,
        department=department or locked.lead_department,
        data=data,
    )
    audit.record(
        actor=actor,
        action=f"appeals.workorder.{action}",
        subject=locked,
        before=before,
        after=work_order_snapshot(locked),
    )
    return locked


def sync_appeals(work_order: WorkOrder, **values: Any) -> None:
    """Copies the work order's department, answer or due time onto its appeals (not their status)."""
    Appeal.objects.filter(work_order=work_order).update(updated_at=now(), version=F("version") + 1, **values)


@transaction.atomic
def work_order_accept(
    *, actor: Actor, work_order: WorkOrder | int, expected_version: int | None = None
) -> WorkOrder:
    return work_order_transition(
        actor=actor,
        work_order=work_order,
        action=A.ACCEPT,
        expected_version=expected_version,
        changes={"accepted_at": now()},
    )


@transaction.atomic
def work_order_forward(
    *,
    actor: Actor,
    work_order: WorkOrder | int,
    department: Department,
    note: str = "",
    expected_version: int | None = None,
) -> WorkOrder:
    """下转: the lead department passes the work order to one of its own subordinate units."""
    pk = work_order if isinstance(work_order, int) else work_order.pk
    current = load_for_action(actor, pk, A.FORWARD)
    lead = current.lead_department
    if department.pk == lead.pk or not department.path.startswith(lead.path):
        raise ValidationFailed.for_field("department_id", f"只能下转到“{lead.name}”的下级单位")
    if not department.is_active:
        raise ValidationFailed.for_field("department_id", f"部门“{department.name}”已停用")
    result = work_order_transition(
        actor=actor,
        work_order=current,
        action=A.FORWARD,
        expected_version=expected_version,
        note=clean_text(note),
        changes={"lead_department": department, "accepted_at": None},
        data={"from_department_id": lead.pk, "to_department_id": department.pk},
        department=lead,
    )
    sync_appeals(result, department=department)
    notify_department(result, department, "上级单位下转工单待签收")
    return result


@transaction.atomic
def work_order_request_return(
    *,
    actor: Actor,
    work_order: WorkOrder | int,
    reason: str,
    suggested_department: Department | None = None,
    expected_version: int | None = None,
) -> ReturnRequest:
    """退单: the department sends it back to the dispatch centre; a reason is required."""
    reason = clean_text(reason)
    if not reason:
        raise ValidationFailed.for_field("reason", "退单须填写理由")
    if len(reason) > 1000:
        raise ValidationFailed.for_field("reason", "退单理由不能超过1000个字")
    result = work_order_transition(
        actor=actor,
        work_order=work_order,
        action=A.REQUEST_RETURN,
        expected_version=expected_version,
        note=reason,
        changes={"return_count": F("return_count") + 1},
    )
    result.refresh_from_db()
    return ReturnRequest.objects.create(
        work_order=result,
        department=result.lead_department,
        reason=reason,
        suggested_department=suggested_department,
        requested_by=user_of(actor),
        requested_at=now(),
    )


@transaction.atomic
def return_request_review(
    *,
    actor: Actor,
    return_request: ReturnRequest | int,
    approve: bool,
    department: Department | None = None,
    note: str = "",
) -> ReturnRequest:
    """The centre approves a return and reassigns (改派) to ``department``, or rejects it back."""
    require_perm(actor, wf.CENTRE_PERM, "审核退单")
    pk = return_request if isinstance(return_request, int) else return_request.pk
    request = ReturnRequest.objects.select_for_update().filter(pk=pk).first()
    if request is None:
        raise NotFound("退单申请不存在")
    if request.status != RequestStatus.PENDING:
        raise Conflict("该退单申请已审核")
    note = clean_text(note)
    if approve:
        if department is None:
            raise ValidationFailed.for_field("department_id", "同意退单须指定改派部门")
        if department.pk == request.department_id:
            raise ValidationFailed.for_field("department_id", "改派部门不能是退单部门")
        if not department.is_active:
            raise ValidationFailed.for_field("department_id", f"部门“{department.name}”已停用")
        work_order = work_order_transition(
            actor=actor,
            work_order=request.work_order_id,
            action=A.APPROVE_RETURN,
            note=note,
            changes={
                "lead_department": department,
                "accepted_at": None,
                "reassign_count": F("reassign_count") + 1,
            },
            data={"return_request_id": request.pk, "to_department_id": department.pk},
        )
        work_order.refresh_from_db()
        sync_appeals(work_order, department=department)
        notify_department(work_order, department, "改派工单待签收")
        request.status, request.reassigned_to = RequestStatus.APPROVED, department
    else:
        if not note:
            raise ValidationFailed.for_field("note", "驳回退单须填写理由")
        work_order_transition(
            actor=actor,
            work_order=request.work_order_id,
            action=A.REJECT_RETURN,
            note=note,
            data={"return_request_id": request.pk},
        )
        request.status = RequestStatus.REJECTED
    request.reviewed_by = user_of(actor)
    request.reviewed_at = now()
    request.review_note = note
    request.save()
    return request


@transaction.atomic
def work_order_reassign(
    *,
    actor: Actor,
    work_order: WorkOrder | int,
    department: Department,
    note: str = "",
    expected_version: int | None = None,
) -> WorkOrder:
    """改派 by the centre before the department signed for it."""
    if not department.is_active:
        raise ValidationFailed.for_field("department_id", f"部门“{department.name}”已停用")
    pk = work_order if isinstance(work_order, int) else work_order.pk
    current = load_for_action(actor, pk, A.REASSIGN)
    if current.lead_department_id == department.pk:
        raise ValidationFailed.for_field("department_id", "改派部门与当前主办部门相同")
    result = work_order_transition(
        actor=actor,
        work_order=current,
        action=A.REASSIGN,
        expected_version=expected_version,
        note=clean_text(note),
        changes={"lead_department": department, "reassign_count": F("reassign_count") + 1},
        data={"from_department_id": current.lead_department_id, "to_department_id": department.pk},
    )
    result.refresh_from_db()
    sync_appeals(result, department=department)
    notify_department(result, department, "改派工单待签收")
    return result


@transaction.atomic
def work_order_reply(
    *, actor: Actor, work_order: WorkOrder | int, reply_text: str, expected_version: int | None = None
) -> WorkOrder:
    """答复: the lead department's answer goes to every reporter of the (merged) appeals."""
    reply_text = clean_text(reply_text)
    if not reply_text:
        raise ValidationFailed.for_field("reply_text", "答复内容不能为空")
    if len(reply_text) > 5000:
        raise ValidationFailed.for_field("reply_text", "答复内容不能超过5000个字")
    at = now()
    result = work_order_transition(
        actor=actor,
        work_order=work_order,
        action=A.REPLY,
        expected_version=expected_version,
        note=reply_text[:200],
        changes={
            "reply_text": reply_text,
            "replied_at": at,
            "replied_by": user_of(actor),
        },
    )
    sync_appeals(result, answer_text=reply_text, replied_at=at)
    for appeal in Appeal.objects.filter(work_order=result, reporter_user__isnull=False).select_related(
        "reporter_user"
    ):
        notify(
            recipient=appeal.reporter_user,
            kind="appeals.reply",
            title=f"您的诉求 {appeal.number} 已答复",
            body=reply_text[:500],
            link=reverse("appeals:portal_appeal", kwargs={"appeal_id": appeal.pk}),
            dedupe_key=f"appeal-reply-{appeal.pk}-{result.version}",
        )
    return result


@transaction.atomic
def work_order_remind(*, actor: Actor, work_order: WorkOrder | int, note: str = "") -> WorkOrder:
    """催办: recorded on the work order (count + event), status unchanged."""
    result = work_order_transition(
        actor=actor,
        work_order=work_order,
        action=A.REMIND,
        note=clean_text(note),
        changes={"remind_count": F("remind_count") + 1},
    )
    result.refresh_from_db()
    notify_department(result, result.lead_department, "工单催办")
    return result


@transaction.atomic
def work_order_supervise(*, actor: Actor, work_order: WorkOrder | int, note: str) -> WorkOrder:
    """督办: the work order is flagged and handled under supervision."""
    note = clean_text(note)
    if not note:
        raise ValidationFailed.for_field("note", "督办须填写督办意见")
    result = work_order_transition(
        actor=actor,
        work_order=work_order,
        action=A.SUPERVISE,
        note=note,
        changes={"supervise_count": F("supervise_count") + 1, "is_supervised": True},
    )
    result.refresh_from_db()
    notify_department(result, result.lead_department, "工单督办")
    return result


@transaction.atomic
def work_order_reply_with_files(
    *,
    actor: Actor,
    work_order: WorkOrder | int,
    reply_text: str,
    files: Sequence[tuple[str, bytes]] = (),
    expected_version: int | None = None,
) -> WorkOrder:
    """答复 with attachments (photos of the result) stored on the primary appeal of the work order; a
    refused file leaves the work order as it was."""
    result = work_order_reply(
        actor=actor, work_order=work_order, reply_text=reply_text, expected_version=expected_version
    )
    appeal = Appeal.objects.get(pk=result.appeal_id)
    for name, content in files:
        appeal_attach(actor=actor, appeal=appeal, content=content, name=name, kind=AttachmentKind.REPLY)
    return result
