"""Workbench pages of the departments' work orders (部门工单): the department queue, one work order with
every action on it, and the assisting departments' tasks (协办).

Thin like ``views_workbench``: read through selectors, write through services, render; the services'
Chinese errors are shown on the form that caused them and nothing changes.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from shuzheng.appeals import workflow as wf
from shuzheng.appeals.constants import WorkOrderStatus
from shuzheng.appeals.forms_workbench import (
    ACTION_FORMS,
    ACTION_LABELS,
    AssistReplyForm,
    ForwardForm,
    QueueFilterForm,
    read_files,
)
from shuzheng.appeals.models import AppealAttachment, WorkOrder, WorkOrderEvent
from shuzheng.appeals.selectors import appeals as appeal_selectors
from shuzheng.appeals.selectors import work_orders as work_order_selectors
from shuzheng.appeals.services import requests as request_services
from shuzheng.appeals.services import visits as visit_services
from shuzheng.appeals.services import work_orders as work_order_services
from shuzheng.appeals.views_workbench import (
    PER_PAGE,
    Row,
    file_response,
    next_or,
    parse_int,
    require_any,
    work_order_sla,
)
from shuzheng.core import calendar, errors
from shuzheng.core.forms import ServiceErrorsForm
from shuzheng.identity.page_access import staff_required

EVENT_LABELS = {
    **{str(value): str(label) for value, label in wf.WorkOrderAction.choices},
    "dispatch": "派单",
    "merge": "并单",
    "assist_accept": "协办签收",
    "assist_reply": "协办反馈",
}


# --- department queue (部门工单) ------------------------------------------------------------------------


@require_GET
@staff_required
def orders(request: HttpRequest) -> HttpResponse:
    """本部门工单: open work orders of the user's department tree (oldest dispatch first), with their
    deadline state, and the assisting tasks (协办) of the department."""
    require_any(request, (wf.DEPARTMENT_PERM,), "办理本部门工单")
    open_statuses = [(v, label) for v, label in WorkOrderStatus.choices if v != WorkOrderStatus.CLOSED]
    form = QueueFilterForm(request.GET or None, status_choices=[*open_statuses, ("closed", "已办结")])
    status = sla_state = None
    supervised: bool | None = None
    if form.is_valid():
        status = form.cleaned_data.get("status") or None
        sla_state = form.cleaned_data.get("sla") or None
        supervised = True if form.cleaned_data.get("supervised") else None
    cursor = request.GET.get("cursor") or None
    page = work_order_selectors.department_queue(
        user=request.user,
        status=status,
        sla_state=sla_state,
        supervised=supervised,
        cursor=cursor,
        limit=PER_PAGE,
    )
    assists = work_order_selectors.assist_queue(user=request.user, limit=PER_PAGE)
    cal = calendar.current()
    context = {
        "form": form,
        "page": page,
        "rows": [Row(w, work_order_sla(w, cal)) for w in page.items],
        "paged": bool(cursor),
        "assists": assists.items,
    }
    return render(request, "appeals/workbench/orders.html", context)


# --- one work order (工单详情) and its actions ---------------------------------------------------------


def _timeline(events: list[WorkOrderEvent]) -> list[dict[str, Any]]:
    return [
        {
            "at": e.occurred_at,
            "title": EVENT_LABELS.get(e.action, e.action),
            "to": e.get_to_status_display(),
            "actor": (e.actor.full_name or e.actor.username) if e.actor else "系统",
            "department": e.department.name if e.department else "",
            "note": e.note,
        }
        for e in events
    ]


def _form_for(action: str, work_order: WorkOrder, data: Any = None, files: Any = None) -> ServiceErrorsForm:
    cls = ACTION_FORMS[action]
    kwargs: dict[str, Any] = {"prefix": action}
    if cls is ForwardForm:
        kwargs["targets"] = work_order_selectors.forward_targets(work_order=work_order)
    if files is not None:
        return cls(data, files, **kwargs)
    return cls(data, **kwargs)


def _order_context(
    request: HttpRequest,
    work_order: WorkOrder,
    *,
    bound: dict[str, ServiceErrorsForm] | None = None,
    error: str = "",
    assist_form: AssistReplyForm | None = None,
) -> dict[str, Any]:
    bound = bound or {}
    actions = work_order_selectors.work_order_page_actions(user=request.user, work_order=work_order)
    # The errors of an action the page no longer offers (e.g. closing a complaint) go on top.
    hidden = [
        str(message)
        for action, form in bound.items()
        if action not in actions
        for field_errors in form.errors.values()
        for message in field_errors
    ]
    error = "；".join([error, *hidden] if error else hidden)
    appeals = work_order_selectors.work_order_appeals(work_order=work_order)
    reporters = [(a, appeal_selectors.appeal_reporter(a, user=request.user)) for a in appeals]
    my_assists = work_order_selectors.work_order_assists_for(user=request.user, work_order_id=work_order.pk)
    return {
        "wo": work_order,
        "sla": work_order_sla(work_order),
        "appeal": work_order.appeal,
        "reporters": reporters,
        "attachments": list(
            AppealAttachment.objects.filter(appeal__in=[a.pk for a in appeals]).order_by("id")
        ),
        "assists": list(work_order.assists.select_related("department").order_by("id")),
        "my_assists": [a for a in my_assists if a.status != "replied"],
        "assist_form": assist_form or AssistReplyForm(prefix="assist"),
        "returns": list(work_order.return_requests.select_related("department", "reassigned_to")),
        "extensions": list(work_order.extension_requests.select_related("department")),
        "visits": list(work_order.visits.order_by("visited_at", "id")),
        "timeline": _timeline(work_order_selectors.work_order_events(work_order=work_order)),
        "action_forms": [(a, ACTION_LABELS[a], bound.get(a) or _form_for(a, work_order)) for a in actions],
        "reopened": work_order.reopen_count > 0
        and work_order.status in (WorkOrderStatus.HANDLING, WorkOrderStatus.SUPERVISED),
        "action_error": error,
    }


def _render_order(
    request: HttpRequest, work_order_id: int, *, status: int = 200, **extra: Any
) -> HttpResponse:
    work_order = work_order_selectors.work_order_get_for_page(user=request.user, id=work_order_id)
    return render(
        request, "appeals/workbench/order.html", _order_context(request, work_order, **extra), status=status
    )


@require_GET
@staff_required
def order_detail(request: HttpRequest, work_order_id: int) -> HttpResponse:
    return _render_order(request, work_order_id)


@require_GET
@staff_required
def order_attachment(request: HttpRequest, work_order_id: int, attachment_id: int) -> HttpResponseBase:
    work_order = work_order_selectors.work_order_get_for_page(user=request.user, id=work_order_id)
    attachment = AppealAttachment.objects.filter(
        pk=attachment_id, appeal__work_order_id=work_order.pk
    ).first()
    if attachment is None:
        raise errors.NotFound("附件不存在。")
    return file_response(attachment)


def _perform(request: HttpRequest, action: str, work_order: WorkOrder, form: ServiceErrorsForm) -> str:
    """Calls the service of `action`; returns the success message. Raises the service's errors."""
    data = form.cleaned_data
    version = parse_int(request.POST.get("expected_version"))
    pk = work_order.pk
    user = request.user
    if action == "accept":
        work_order_services.work_order_accept(actor=user, work_order=pk, expected_version=version)
        return "已签收，请按期办理并答复诉求人。"
    if action == "reply":
        files, problems = read_files(
            request.FILES.getlist("reply-attachments"), limit_bytes=settings.SHUZHENG_APPEAL_MAX_PHOTO_BYTES
        )
        if problems:
            raise errors.ValidationFailed(
                "；".join(problems), errors=[{"field": "attachments", "message": p} for p in problems]
            )
        work_order_services.work_order_reply_with_files(
            actor=user, work_order=pk, reply_text=data["reply_text"], files=files, expected_version=version
        )
        return "已答复，等待调度中心回访。"
    if action == "forward":
        work_order_services.work_order_forward(
            actor=user,
            work_order=pk,
            department=data["department"],
            note=data.get("note") or "",
            expected_version=version,
        )
        return f"已下转至“{data['department'].name}”。"
    if action == "request_return":
        work_order_services.work_order_request_return(
            actor=user,
            work_order=pk,
            reason=data["reason"],
            suggested_department=data.get("suggested_department"),
            expected_version=version,
        )
        return "已申请退单，等待调度中心审核。"
    if action == "request_extension":
        request_services.extension_request_create(
            actor=user, work_order=pk, working_days=data["working_days"], reason=data["reason"]
        )
        return "已申请延期，等待调度中心审核。"
    if action == "reassign":
        work_order_services.work_order_reassign(
            actor=user,
            work_order=pk,
            department=data["department"],
            note=data.get("note") or "",
            expected_version=version,
        )
        return f"已改派至“{data['department'].name}”。"
    if action == "visit":
        result = visit_services.work_order_visit(
            actor=user,
            work_order=pk,
            result=data["result"],
            note=data.get("note") or "",
            expected_version=version,
        )
        if result.status == WorkOrderStatus.CLOSED:
            return "已记录回访，工单办结。"
        if result.status == WorkOrderStatus.HANDLING:
            return "已记录不满意，工单退回原部门重办。"
        return "已记录再次不满意，工单转督办。"
    if action == "close":
        visit_services.work_order_close(
            actor=user, work_order=pk, note=data.get("note") or "", expected_version=version
        )
        return "工单已办结。"
    if action == "remind":
        work_order_services.work_order_remind(actor=user, work_order=pk, note=data.get("note") or "")
        return "已催办。"
    work_order_services.work_order_supervise(actor=user, work_order=pk, note=data["note"])
    return "已督办。"


@require_POST
@staff_required
def order_act(request: HttpRequest, work_order_id: int, action: str) -> HttpResponse:
    """One action on a work order; another department's work order is the Chinese 404 page."""
    work_order = work_order_selectors.work_order_get_for_page(user=request.user, id=work_order_id)
    if action not in ACTION_FORMS:
        raise errors.NotFound("没有这种工单操作。")
    perm = {"request_extension": wf.DEPARTMENT_PERM, "visit": wf.VISIT_PERM}.get(action) or wf.ACTION_PERMS[
        action
    ]
    require_any(request, (perm,), ACTION_LABELS[action])
    form = _form_for(action, work_order, request.POST, request.FILES)
    if form.is_valid():
        try:
            message = _perform(request, action, work_order, form)
        except errors.ValidationFailed as error:
            form.add_service_error(error)
        except (errors.PayloadTooLarge, errors.UnsupportedMediaType) as error:
            form.add_error("attachments" if "attachments" in form.fields else None, error.detail)
        except (errors.Conflict, errors.PermissionDenied) as error:
            return _render_order(request, work_order_id, status=error.status, error=error.detail)
        else:
            messages.success(request, message)
            return next_or(request, reverse("appeals:workbench_order", args=[work_order_id]))
    return _render_order(request, work_order_id, status=422, bound={action: form})


@require_POST
@staff_required
def assist_act(request: HttpRequest, work_order_id: int, assist_id: int, action: str) -> HttpResponse:
    """协办: the assisting department signs for its task (accept) or gives its feedback (reply)."""
    work_order_selectors.work_order_get_for_page(user=request.user, id=work_order_id)
    mine = {
        a.pk
        for a in work_order_selectors.work_order_assists_for(user=request.user, work_order_id=work_order_id)
    }
    if assist_id not in mine or action not in ("accept", "reply"):
        raise errors.NotFound("协办任务不存在或不在您的数据范围内。")
    form = AssistReplyForm(request.POST, prefix="assist")
    try:
        if action == "accept":
            request_services.work_order_assist_accept(actor=request.user, assist=assist_id)
            message = "已签收协办任务。"
        elif form.is_valid():
            request_services.work_order_assist_reply(
                actor=request.user, assist=assist_id, reply_text=form.cleaned_data["reply_text"]
            )
            message = "已反馈协办意见。"
        else:
            return _render_order(request, work_order_id, status=422, assist_form=form)
    except errors.ValidationFailed as error:
        form.add_service_error(error)
        return _render_order(request, work_order_id, status=422, assist_form=form)
    except (errors.Conflict, errors.PermissionDenied) as error:
        return _render_order(request, work_order_id, status=error.status, error=error.detail)
    messages.success(request, message)
    return redirect("appeals:workbench_order", work_order_id=work_order_id)
