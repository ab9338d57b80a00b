"""Requests beside the lifecycle: extensions (延期) the centre decides, and assisting departments' tasks
(协办), both recorded on the work order's history."""

from __future__ import annotations

from django.db import transaction

from shuzheng.appeals import sla
from shuzheng.appeals import workflow as wf
from shuzheng.appeals.constants import AssistStatus, RequestStatus, WorkOrderStatus
from shuzheng.appeals.models import ExtensionRequest, WorkOrder, WorkOrderAssist
from shuzheng.appeals.services.common import clean_text, now, require_perm, user_of, work_order_event
from shuzheng.appeals.services.work_orders import load_for_action, sync_appeals, work_order_transition
from shuzheng.appeals.workflow import WorkOrderAction
from shuzheng.core import audit
from shuzheng.core.actors import is_system
from shuzheng.core.errors import Conflict, NotFound, ValidationFailed
from shuzheng.core.field_errors import FieldErrors
from shuzheng.identity.actors import Actor
from shuzheng.identity.scopes import data_scope_for

A = WorkOrderAction


@transaction.atomic
def extension_request_create(
    *, actor: Actor, work_order: WorkOrder | int, working_days: int, reason: str
) -> ExtensionRequest:
    """延期申请 by the lead department; the centre decides (``extension_request_review``)."""
    pk = work_order if isinstance(work_order, int) else work_order.pk
    current = load_for_action(actor, pk, A.REPLY)  # same who-may-act rule as handling
    errs = FieldErrors()
    if not 1 <= working_days <= 30:
        errs.add("working_days", "延期天数应为1至30个工作日")
    reason = clean_text(reason)
    if not reason:
        errs.add("reason", "延期须填写理由")
    errs.raise_if_any()
    if current.status not in (WorkOrderStatus.HANDLING, WorkOrderStatus.SUPERVISED):
        raise Conflict(f"工单当前状态为“{current.get_status_display()}”，不能申请延期")
    if current.extension_requests.filter(status=RequestStatus.PENDING).exists():
        raise Conflict("已有待审核的延期申请")
    request = ExtensionRequest.objects.create(
        work_order=current,
        department=current.lead_department,
        working_days=working_days,
        reason=reason,
        requested_by=user_of(actor),
        requested_at=now(),
    )
    audit.record(
        actor=actor,
        action="appeals.extension.request",
        subject=request,
        after={"work_order": current.number, "working_days": working_days},
    )
    return request


@transaction.atomic
def extension_request_review(
    *, actor: Actor, extension_request: ExtensionRequest | int, approve: bool, note: str = ""
) -> ExtensionRequest:
    """Approving moves the work order's (and its appeals') due time by the working days asked for."""
    require_perm(actor, wf.CENTRE_PERM, "审核延期")
    pk = extension_request if isinstance(extension_request, int) else extension_request.pk
    request = ExtensionRequest.objects.select_for_update().filter(pk=pk).first()
    if request is None:
        raise NotFound("延期申请不存在")
    if request.status != RequestStatus.PENDING:
        raise Conflict("该延期申请已审核")
    note = clean_text(note)
    if approve:
        current = WorkOrder.objects.get(pk=request.work_order_id)
        new_due = sla.extend(current.due_at, request.working_days)
        result = work_order_transition(
            actor=actor,
            work_order=current,
            action=A.EXTEND,
            note=note or f"同意延期{request.working_days}个工作日",
            changes={"due_at": new_due},
            data={"extension_request_id": request.pk, "days": request.working_days},
        )
        sync_appeals(result, due_at=new_due)
        request.old_due_at, request.new_due_at = current.due_at, new_due
        request.status = RequestStatus.APPROVED
    else:
        if not note:
            raise ValidationFailed.for_field("note", "驳回延期须填写理由")
        request.status = RequestStatus.REJECTED
    request.reviewed_by = user_of(actor)
    request.reviewed_at = now()
    request.review_note = note
    request.save()
    audit.record(
        actor=actor,
        action="appeals.extension.review",
        subject=request,
        after={"status": request.status, "new_due_at": str(request.new_due_at or "")},
    )
    return request


# --- assisting departments (协办) ------------------------------------------------------------------------


def _assist_for(actor: Actor, assist_id: int) -> WorkOrderAssist:
    qs = (
        WorkOrderAssist.objects.select_for_update(of=("self",))
        .select_related("work_order")
        .filter(pk=assist_id)
    )
    if not is_system(actor):
        qs = data_scope_for(actor, wf.DEPARTMENT_PERM).filter(qs, department="department")
    assist = qs.first()
    if assist is None:
        raise NotFound("协办任务不存在或不在您的数据范围内")
    require_perm(actor, wf.DEPARTMENT_PERM, "办理协办")
    if assist.work_order.status == WorkOrderStatus.CLOSED:
        raise Conflict("工单已办结")
    return assist


@transaction.atomic
def work_order_assist_accept(*, actor: Actor, assist: WorkOrderAssist | int) -> WorkOrderAssist:
    item = _assist_for(actor, assist if isinstance(assist, int) else assist.pk)
    if item.status != AssistStatus.PENDING:
        raise Conflict("协办任务已签收")
    item.status, item.accepted_at = AssistStatus.ACCEPTED, now()
    item.save()
    work_order_event(
        item.work_order,
        actor=actor,
        from_status=item.work_order.status,
        action="assist_accept",
        department=item.department,
    )
    audit.record(actor=actor, action="appeals.assist.accept", subject=item, after={"status": item.status})
    return item


@transaction.atomic
def work_order_assist_reply(
    *, actor: Actor, assist: WorkOrderAssist | int, reply_text: str
) -> WorkOrderAssist:
    item = _assist_for(actor, assist if isinstance(assist, int) else assist.pk)
    reply_text = clean_text(reply_text)
    if not reply_text:
        raise ValidationFailed.for_field("reply_text", "协办意见不能为空")
    if item.status == AssistStatus.PENDING:
        item.accepted_at = now()
    item.status, item.reply_text, item.replied_at = AssistStatus.REPLIED, reply_text, now()
    item.save()
    work_order_event(
        item.work_order,
        actor=actor,
        from_status=item.work_order.status,
        action="assist_reply",
        department=item.department,
        note=reply_text[:200],
    )
    audit.record(actor=actor, action="appeals.assist.reply", subject=item, after={"status": item.status})
    return item
