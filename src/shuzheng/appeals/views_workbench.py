"""Workbench pages of 一网统管 appeals: hotline intake (诉求登记), the dispatch centre (派单调度) and the
departments' work orders (部门工单) with every action on them.

Thin: read through selectors, write through services, render. The services decide everything (what a
valid appeal is, who may act, which move the workflow allows); their Chinese errors are shown on the
form that caused them and nothing changes. A work order or appeal outside the user's scope is the
Chinese 404 page; a missing permission the Chinese 403 page; a stale version or a move the workflow
does not allow the conflict notice on the work-order page.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.files.storage import default_storage
from django.http import FileResponse, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from shuzheng.appeals import selectors, services
from shuzheng.appeals import workflow as wf
from shuzheng.appeals.constants import AppealStatus, WorkOrderStatus
from shuzheng.appeals.forms_workbench import (
    ACTION_FORMS,
    ACTION_LABELS,
    AppealSearchForm,
    AssistReplyForm,
    DispatchForm,
    ExtensionReviewForm,
    ForwardForm,
    IntakeForm,
    MergeForm,
    QueueFilterForm,
    ReturnReviewForm,
    read_files,
)
from shuzheng.appeals.models import Appeal, AppealAttachment, WorkOrder, WorkOrderEvent
from shuzheng.core import calendar, errors
from shuzheng.core.forms import ServiceErrorsForm
from shuzheng.core.permissions import missing_permission
from shuzheng.identity.page_access import staff_required

PER_PAGE = 30
INTAKE_PERM = "appeals.intake_appeal"
CENTRE_PERMS = (wf.CENTRE_PERM, wf.VISIT_PERM, wf.SUPERVISE_PERM)
EVENT_LABELS = {
    **{str(value): str(label) for value, label in wf.WorkOrderAction.choices},
    "dispatch": "派单",
    "merge": "并单",
    "assist_accept": "协办签收",
    "assist_reply": "协办反馈",
}


# --- plumbing -----------------------------------------------------------------------------------------


def _require_any(request: HttpRequest, perms: tuple[str, ...], what: str) -> None:
    if not any(request.user.has_perm(p) for p in perms):
        raise errors.PermissionDenied(f"您没有{what}的权限{missing_permission(*perms)}。")


def _int(value: Any) -> int | None:
    try:
        return int(str(value).strip())
    except (TypeError, ValueError):
        return None


def _next_or(request: HttpRequest, default: str) -> HttpResponse:
    """Back to the queue the action was posted from (only our own workbench pages), else `default`."""
    target = request.POST.get("next") or ""
    if target.startswith("/workbench/appeals/") and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}
    ):
        return redirect(target)
    return redirect(default)


@dataclass(frozen=True)
class Row:
    """A queue row: the object and its SLA badge (state for the colour, label for the text)."""

    obj: Any
    sla: selectors.SlaInfo


def _work_order_sla(work_order: WorkOrder, cal: calendar.WorkingCalendar | None = None) -> selectors.SlaInfo:
    done = work_order.closed_at or (
        work_order.replied_at
        if work_order.status in (WorkOrderStatus.REPLIED, WorkOrderStatus.CLOSED)
        else None
    )
    return selectors.sla_info(work_order.due_at, done_at=done, cal=cal or calendar.current())


def _appeal_sla(appeal: Appeal, cal: calendar.WorkingCalendar | None = None) -> selectors.SlaInfo:
    return selectors.sla_info(appeal.due_at, done_at=appeal.concluded_at, cal=cal or calendar.current())


def _file_response(attachment: AppealAttachment) -> FileResponse:
    name = attachment.file.name
    if not name or not default_storage.exists(name):
        raise errors.NotFound("附件文件不存在。")
    response = FileResponse(default_storage.open(name, "rb"), content_type=attachment.content_type)
    suffix = name.rsplit(".", 1)[-1] if "." in name else "bin"
    response["Content-Disposition"] = f"inline; filename*=UTF-8''attachment-{attachment.pk}.{suffix}"
    response["X-Content-Type-Options"] = "nosniff"
    return response


# --- hotline intake (诉求登记) --------------------------------------------------------------------------


def _intake_form(data: Any = None) -> IntakeForm:
    return IntakeForm(data)


def _assist_context(request: HttpRequest, text: str, chosen: int | None = None) -> dict[str, Any]:
    assist = selectors.intake_assist(user=request.user, text=text)
    names = selectors.department_names(codes=[code for code, _ in assist.model_top])
    model_top = [(names.get(code, code), probability) for code, probability in assist.model_top]
    return {
        "assist": assist,
        "model_top": model_top,
        "chosen_article": chosen,
        "has_text": bool(text.strip()),
    }


def _intake_message(appeal: Appeal) -> str:
    if appeal.status == AppealStatus.CONCLUDED:
        return f"诉求 {appeal.number} 已直接答复办结。"
    if appeal.work_order_id and appeal.department is not None:
        kind = appeal.work_order.get_dispatch_kind_display() if appeal.work_order else ""
        return f"已登记诉求 {appeal.number}，{kind}至“{appeal.department.name}”，工单 {appeal.work_order}。"
    if appeal.merge_suggestions:
        return f"已登记诉求 {appeal.number}，发现相似未办结诉求，待调度中心确认并单或派单。"
    return f"已登记诉求 {appeal.number}，已进入调度中心人工派单队列。"


@require_http_methods(["GET", "POST"])
@staff_required
def intake(request: HttpRequest) -> HttpResponse:
    """诉求登记 by a hotline agent: a work order (rules → classifier → queue) or a direct answer."""
    _require_any(request, (INTAKE_PERM,), "登记诉求")
    if request.method != "POST":
        context = {"form": _intake_form(), **_assist_context(request, "")}
        return render(request, "appeals/workbench/intake.html", context)
    form = _intake_form(request.POST)
    conclude = request.POST.get("submit") == "conclude"
    photos, problems = read_files(
        request.FILES.getlist("photos"), limit_bytes=settings.SHUZHENG_APPEAL_MAX_PHOTO_BYTES
    )
    if form.is_valid() and not problems:
        answer = form.cleaned_data.get("direct_answer") or ""
        article_id = form.cleaned_data.get("knowledge_article_id")
        if conclude and not answer.strip() and article_id is None:
            form.add_error("direct_answer", "直接答复办结须选用一条知识库答案或填写答复内容")
        else:
            try:
                appeal = services.appeal_intake_with_photos(
                    actor=request.user,
                    photos=photos,
                    direct_answer=answer if conclude else "",
                    knowledge_article_id=article_id if conclude else None,
                    **form.data_for_service(),
                )
            except errors.ValidationFailed as error:
                form.add_service_error(error)
            except (errors.PayloadTooLarge, errors.UnsupportedMediaType) as error:
                form.add_error("photos", error.detail)
            except (errors.Conflict, errors.PermissionDenied) as error:
                form.add_error(None, error.detail)
            else:
                messages.success(request, _intake_message(appeal))
                return redirect("appeals:workbench_appeal", appeal_id=appeal.pk)
    for problem in problems:
        form.add_error("photos", problem)
    chosen = _int(request.POST.get("knowledge_article_id"))
    context = {"form": form, **_assist_context(request, request.POST.get("text") or "", chosen)}
    return render(request, "appeals/workbench/intake.html", context, status=422)


@require_GET
@staff_required
def intake_assist(request: HttpRequest) -> HttpResponse:
    """The htmx panel beside the intake form: KB answers, similar appeals, the rule and the model's top-3."""
    _require_any(request, (INTAKE_PERM,), "登记诉求")
    text = (request.GET.get("text") or "")[: settings.SHUZHENG_APPEAL_MAX_TEXT]
    context = _assist_context(request, text, _int(request.GET.get("knowledge_article_id")))
    return render(request, "appeals/workbench/includes/assist.html", context)


@require_GET
@staff_required
def intake_history(request: HttpRequest) -> HttpResponse:
    """The htmx panel under the phone field: the caller's earlier appeals (blind index, user's scope)."""
    _require_any(request, (INTAKE_PERM,), "登记诉求")
    digits = "".join(ch for ch in request.GET.get("reporter_phone") or "" if ch.isdigit())
    cal = calendar.current()
    earlier = selectors.appeals_by_phone(user=request.user, phone=digits) if len(digits) == 11 else []
    context = {"earlier": [Row(a, _appeal_sla(a, cal)) for a in earlier], "complete": len(digits) == 11}
    return render(request, "appeals/workbench/includes/caller_history.html", context)


# --- the operators' list of appeals (诉求列表) -----------------------------------------------------------


@require_GET
@staff_required
def appeal_list(request: HttpRequest) -> HttpResponse:
    """诉求列表: search by number, words, the caller's phone and status, newest first, in the user's scope."""
    _require_any(request, (selectors.VIEW_PERM,), "查看诉求")
    form = AppealSearchForm(request.GET or None)
    valid = form.is_valid() or not form.is_bound
    data = form.cleaned_data if form.is_bound and valid else {}
    cursor = request.GET.get("cursor") or None
    page = selectors.appeal_search(
        user=request.user,
        q=data.get("q") or "",
        phone=data.get("phone") or "",
        status=data.get("status") or None,
        cursor=cursor,
        limit=PER_PAGE,
    )
    cal = calendar.current()
    context = {
        "form": form,
        "page": page,
        "rows": [Row(a, _appeal_sla(a, cal)) for a in page.items] if valid else [],
        "paged": bool(cursor),
    }
    return render(request, "appeals/workbench/appeals.html", context, status=200 if valid else 422)


# --- one appeal (诉求详情), manual dispatch and merging ---------------------------------------------------


def _appeal_context(
    request: HttpRequest, appeal: Appeal, *, dispatch_form: DispatchForm | None = None, error: str = ""
) -> dict[str, Any]:
    is_centre = request.user.has_perm(wf.CENTRE_PERM)
    pending = appeal.status == AppealStatus.PENDING_DISPATCH and not appeal.merged_into_id
    return {
        "appeal": appeal,
        "sla": _appeal_sla(appeal),
        "reporter": selectors.appeal_reporter(appeal, user=request.user),
        "attachments": list(appeal.attachments.all()),
        "decisions": list(appeal.dispatch_decisions.select_related("rule", "department").order_by("id")),
        "merged": list(appeal.merged_appeals.order_by("received_at")),
        "can_dispatch": is_centre and pending,
        "dispatch_form": dispatch_form
        or DispatchForm(initial={"expected_version": appeal.version}, prefix="dispatch"),
        "action_error": error,
    }


@require_GET
@staff_required
def appeal_detail(request: HttpRequest, appeal_id: int) -> HttpResponse:
    appeal = selectors.appeal_get(user=request.user, id=appeal_id)
    return render(request, "appeals/workbench/appeal.html", _appeal_context(request, appeal))


@require_GET
@staff_required
def appeal_attachment(request: HttpRequest, appeal_id: int, attachment_id: int) -> HttpResponseBase:
    appeal = selectors.appeal_get(user=request.user, id=appeal_id)
    attachment = appeal.attachments.filter(pk=attachment_id).first()
    if attachment is None:
        raise errors.NotFound("附件不存在。")
    return _file_response(attachment)


def _centre_appeal(request: HttpRequest, appeal_id: int) -> Appeal:
    _require_any(request, (wf.CENTRE_PERM,), "派单、并单")
    return selectors.appeal_get(user=request.user, id=appeal_id, perm=wf.CENTRE_PERM)


def _confirm_page(request: HttpRequest, appeal: Appeal, form: DispatchForm) -> HttpResponse:
    """派单确认: the appeal and the chosen department once more; nothing is created before 确认派单."""
    data = form.cleaned_data
    department = data["department"]
    suggested = next(
        (s for s in appeal.dispatch_suggestions if s.get("department_id") == department.pk), None
    )
    context = {
        "appeal": appeal,
        "sla": _appeal_sla(appeal),
        "department": department,
        "assists": list(data.get("assists") or []),
        "category_code": data.get("category_code") or "",
        "suggested": suggested,
        "version": appeal.version if data.get("expected_version") is None else data["expected_version"],
        "next": request.POST.get("next") or request.GET.get("next") or "",
    }
    return render(request, "appeals/workbench/dispatch_confirm.html", context)


@require_http_methods(["GET", "POST"])
@staff_required
def appeal_dispatch(request: HttpRequest, appeal_id: int) -> HttpResponse:
    """人工派单 in two steps: a suggestion (GET ``?department=``) or the appeal page's form shows the
    confirmation page; only its 确认派单 (``dispatch-confirmed``) creates the work order."""
    appeal = _centre_appeal(request, appeal_id)
    if appeal.status != AppealStatus.PENDING_DISPATCH or appeal.merged_into_id:
        error = f"诉求当前状态为“{appeal.get_status_display()}”，不能派单。"
        return render(
            request,
            "appeals/workbench/appeal.html",
            _appeal_context(request, appeal, error=error),
            status=409,
        )
    if request.method == "GET":
        form = DispatchForm({"dispatch-department": request.GET.get("department") or ""}, prefix="dispatch")
        if not form.is_valid():
            context = _appeal_context(request, appeal, dispatch_form=form)
            return render(request, "appeals/workbench/appeal.html", context, status=422)
        return _confirm_page(request, appeal, form)
    form = DispatchForm(request.POST, prefix="dispatch")
    if form.is_valid() and not form.cleaned_data.get("confirmed"):
        return _confirm_page(request, appeal, form)
    if form.is_valid():
        try:
            work_order = services.appeal_dispatch(
                actor=request.user,
                appeal=appeal,
                department=form.cleaned_data["department"],
                assist_departments=list(form.cleaned_data.get("assists") or []),
                category_code=form.cleaned_data.get("category_code") or None,
                expected_version=form.cleaned_data.get("expected_version"),
            )
        except errors.ValidationFailed as error:
            form.add_service_error(error)
        except errors.Conflict as error:
            appeal.refresh_from_db()
            context = _appeal_context(request, appeal, error=error.detail)
            return render(request, "appeals/workbench/appeal.html", context, status=409)
        else:
            messages.success(
                request,
                f"诉求 {appeal.number} 已派至“{work_order.lead_department.name}”（工单 {work_order}）。",
            )
            return _next_or(request, reverse("appeals:workbench_appeal", args=[appeal.pk]))
    context = _appeal_context(request, appeal, dispatch_form=form)
    return render(request, "appeals/workbench/appeal.html", context, status=422)


@require_POST
@staff_required
def appeal_merge(request: HttpRequest, appeal_id: int) -> HttpResponse:
    """并单: the appeal joins a proposed similar open appeal (and its work order, if any)."""
    appeal = _centre_appeal(request, appeal_id)
    form = MergeForm(request.POST)
    if not form.is_valid():
        return render(
            request,
            "appeals/workbench/appeal.html",
            _appeal_context(request, appeal, error="请选择要并入的诉求。"),
            status=422,
        )
    target = selectors.appeal_get(user=request.user, id=form.cleaned_data["into"], perm=wf.CENTRE_PERM)
    try:
        services.appeal_merge(actor=request.user, appeal=appeal, into=target)
    except (errors.ValidationFailed, errors.Conflict) as error:
        appeal.refresh_from_db()
        context = _appeal_context(request, appeal, error=error.detail)
        return render(request, "appeals/workbench/appeal.html", context, status=error.status)
    messages.success(request, f"诉求 {appeal.number} 已并入 {target.number}，答复将同时送达各诉求人。")
    return _next_or(request, reverse("appeals:workbench_appeal", args=[appeal.pk]))


# --- dispatch centre (派单调度) -------------------------------------------------------------------------

CENTRE_TABS = (
    ("dispatch", "待派单", wf.CENTRE_PERM),
    ("returns", "退单审核", wf.CENTRE_PERM),
    ("extensions", "延期审核", wf.CENTRE_PERM),
    ("visits", "待回访", wf.VISIT_PERM),
    ("monitor", "督办催办", wf.SUPERVISE_PERM),
)


def _centre_page(
    request: HttpRequest, *, tab: str | None, error: str = "", status: int = 200
) -> HttpResponse:
    tabs = [(key, label) for key, label, perm in CENTRE_TABS if request.user.has_perm(perm)]
    keys = [key for key, _ in tabs]
    tab = tab if tab in keys else keys[0]
    cursor = request.GET.get("cursor") or None
    cal = calendar.current()
    sla_state = request.GET.get("sla") if request.GET.get("sla") in ("warning", "overdue") else None
    status_filter = request.GET.get("status") if request.GET.get("status") in WorkOrderStatus.values else None
    page: Any
    if tab == "dispatch":
        page = selectors.dispatch_queue(user=request.user, sla_state=sla_state, cursor=cursor, limit=PER_PAGE)
        rows = [Row(a, _appeal_sla(a, cal)) for a in page.items]
    elif tab == "returns":
        page = selectors.return_request_queue(user=request.user, cursor=cursor, limit=PER_PAGE)
        rows = [Row(r, _work_order_sla(r.work_order, cal)) for r in page.items]
    elif tab == "extensions":
        page = selectors.extension_request_queue(user=request.user, cursor=cursor, limit=PER_PAGE)
        rows = [Row(r, _work_order_sla(r.work_order, cal)) for r in page.items]
    elif tab == "visits":
        page = selectors.visit_queue(user=request.user, cursor=cursor, limit=PER_PAGE)
        for work_order in page.items:
            work_order.visit_due = selectors.visit_due(work_order)
        rows = [Row(w, _work_order_sla(w, cal)) for w in page.items]
    else:
        page = selectors.work_order_list(
            user=request.user, status=status_filter, sla_state=sla_state, cursor=cursor, limit=PER_PAGE
        )
        rows = [Row(w, _work_order_sla(w, cal)) for w in page.items]
    context = {
        "tabs": tabs,
        "tab": tab,
        "rows": rows,
        "page": page,
        "paged": bool(cursor),
        "sla_state": sla_state or "",
        "status_filter": status_filter or "",
        "statuses": WorkOrderStatus.choices,
        "here": f"{reverse('appeals:workbench_dispatch')}?tab={tab}",
        "department_options": selectors.department_picker_labels() if tab == "returns" else [],
        "action_error": error,
    }
    return render(request, "appeals/workbench/dispatch.html", context, status=status)


@require_GET
@staff_required
def dispatch_centre(request: HttpRequest) -> HttpResponse:
    """调度中心: one tab per queue, oldest first; each row carries the actions it needs."""
    _require_any(request, CENTRE_PERMS, "使用调度中心")
    return _centre_page(request, tab=request.GET.get("tab"))


@require_POST
@staff_required
def return_review(request: HttpRequest, request_id: int) -> HttpResponse:
    """退单审核: approve and reassign (改派) to a department, or reject back to the department."""
    _require_any(request, (wf.CENTRE_PERM,), "审核退单")
    form = ReturnReviewForm(request.POST)
    error: errors.ApplicationError | None = None
    if form.is_valid():
        try:
            services.return_request_review(
                actor=request.user,
                return_request=request_id,
                approve=form.cleaned_data["decision"] == "approve",
                department=form.cleaned_data.get("department"),
                note=form.cleaned_data.get("note") or "",
            )
        except errors.NotFound:
            raise
        except errors.ApplicationError as exc:
            error = exc
        else:
            messages.success(request, "退单审核已完成。")
            return _next_or(request, reverse("appeals:workbench_dispatch") + "?tab=returns")
    return _review_failed(request, form, error, tab="returns")


@require_POST
@staff_required
def extension_review(request: HttpRequest, request_id: int) -> HttpResponse:
    """延期审核: approving moves the due time by the working days asked for."""
    _require_any(request, (wf.CENTRE_PERM,), "审核延期")
    form = ExtensionReviewForm(request.POST)
    error: errors.ApplicationError | None = None
    if form.is_valid():
        try:
            services.extension_request_review(
                actor=request.user,
                extension_request=request_id,
                approve=form.cleaned_data["decision"] == "approve",
                note=form.cleaned_data.get("note") or "",
            )
        except errors.NotFound:
            raise
        except errors.ApplicationError as exc:
            error = exc
        else:
            messages.success(request, "延期审核已完成。")
            return _next_or(request, reverse("appeals:workbench_dispatch") + "?tab=extensions")
    return _review_failed(request, form, error, tab="extensions")


def _review_failed(
    request: HttpRequest, form: ServiceErrorsForm, error: errors.ApplicationError | None, *, tab: str
) -> HttpResponse:
    """A refused review: the queue again with the reason on top (nothing was changed)."""
    if error is not None and isinstance(error, errors.ValidationFailed):
        form.add_service_error(error)
    elif error is not None:
        form.add_error(None, error.detail)
    texts = [str(m) for field_errors in form.errors.values() for m in field_errors]
    detail = "审核未完成：" + "；".join(texts or ["请检查输入"])
    return _centre_page(request, tab=tab, error=detail, status=error.status if error is not None else 422)


# --- department queue (部门工单) ------------------------------------------------------------------------


@require_GET
@staff_required
def orders(request: HttpRequest) -> HttpResponse:
    """本部门工单: open work orders of the user's department tree (oldest dispatch first), with their
    deadline state, and the assisting tasks (协办) of the department."""
    _require_any(request, (wf.DEPARTMENT_PERM,), "办理本部门工单")
    open_statuses = [(v, label) for v, label in WorkOrderStatus.choices if v != WorkOrderStatus.CLOSED]
    form = QueueFilterForm(request.GET or None, status_choices=[*open_statuses, ("closed", "已办结")])
    status = sla_state = None
    supervised: bool | None = None
    if form.is_valid():
        status = form.cleaned_data.get("status") or None
        sla_state = form.cleaned_data.get("sla") or None
        supervised = True if form.cleaned_data.get("supervised") else None
    cursor = request.GET.get("cursor") or None
    page = selectors.department_queue(
        user=request.user,
        status=status,
        sla_state=sla_state,
        supervised=supervised,
        cursor=cursor,
        limit=PER_PAGE,
    )
    assists = selectors.assist_queue(user=request.user, limit=PER_PAGE)
    cal = calendar.current()
    context = {
        "form": form,
        "page": page,
        "rows": [Row(w, _work_order_sla(w, cal)) for w in page.items],
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
        kwargs["targets"] = selectors.forward_targets(work_order=work_order)
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
    actions = selectors.work_order_page_actions(user=request.user, work_order=work_order)
    # The errors of an action the page no longer offers (e.g. closing a complaint) go on top.
    hidden = [
        str(message)
        for action, form in bound.items()
        if action not in actions
        for field_errors in form.errors.values()
        for message in field_errors
    ]
    error = "；".join([error, *hidden] if error else hidden)
    appeals = selectors.work_order_appeals(work_order=work_order)
    reporters = [(a, selectors.appeal_reporter(a, user=request.user)) for a in appeals]
    my_assists = selectors.work_order_assists_for(user=request.user, work_order_id=work_order.pk)
    return {
        "wo": work_order,
        "sla": _work_order_sla(work_order),
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
        "timeline": _timeline(selectors.work_order_events(work_order=work_order)),
        "action_forms": [(a, ACTION_LABELS[a], bound.get(a) or _form_for(a, work_order)) for a in actions],
        "reopened": work_order.reopen_count > 0
        and work_order.status in (WorkOrderStatus.HANDLING, WorkOrderStatus.SUPERVISED),
        "action_error": error,
    }


def _render_order(
    request: HttpRequest, work_order_id: int, *, status: int = 200, **extra: Any
) -> HttpResponse:
    work_order = selectors.work_order_get_for_page(user=request.user, id=work_order_id)
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
    work_order = selectors.work_order_get_for_page(user=request.user, id=work_order_id)
    attachment = AppealAttachment.objects.filter(
        pk=attachment_id, appeal__work_order_id=work_order.pk
    ).first()
    if attachment is None:
        raise errors.NotFound("附件不存在。")
    return _file_response(attachment)


def _perform(request: HttpRequest, action: str, work_order: WorkOrder, form: ServiceErrorsForm) -> str:
    """Calls the service of `action`; returns the success message. Raises the service's errors."""
    data = form.cleaned_data
    version = _int(request.POST.get("expected_version"))
    pk = work_order.pk
    user = request.user
    if action == "accept":
        services.work_order_accept(actor=user, work_order=pk, expected_version=version)
        return "已签收，请按期办理并答复诉求人。"
    if action == "reply":
        files, problems = read_files(
            request.FILES.getlist("reply-attachments"), limit_bytes=settings.SHUZHENG_APPEAL_MAX_PHOTO_BYTES
        )
        if problems:
            raise errors.ValidationFailed(
                "；".join(problems), errors=[{"field": "attachments", "message": p} for p in problems]
            )
        services.work_order_reply_with_files(
            actor=user, work_order=pk, reply_text=data["reply_text"], files=files, expected_version=version
        )
        return "已答复，等待调度中心回访。"
    if action == "forward":
        services.work_order_forward(
            actor=user,
            work_order=pk,
            department=data["department"],
            note=data.get("note") or "",
            expected_version=version,
        )
        return f"已下转至“{data['department'].name}”。"
    if action == "request_return":
        services.work_order_request_return(
            actor=user,
            work_order=pk,
            reason=data["reason"],
            suggested_department=data.get("suggested_department"),
            expected_version=version,
        )
        return "已申请退单，等待调度中心审核。"
    if action == "request_extension":
        services.extension_request_create(
            actor=user, work_order=pk, working_days=data["working_days"], reason=data["reason"]
        )
        return "已申请延期，等待调度中心审核。"
    if action == "reassign":
        services.work_order_reassign(
            actor=user,
            work_order=pk,
            department=data["department"],
            note=data.get("note") or "",
            expected_version=version,
        )
        return f"已改派至“{data['department'].name}”。"
    if action == "visit":
        result = services.work_order_visit(
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
        services.work_order_close(
            actor=user, work_order=pk, note=data.get("note") or "", expected_version=version
        )
        return "工单已办结。"
    if action == "remind":
        services.work_order_remind(actor=user, work_order=pk, note=data.get("note") or "")
        return "已催办。"
    services.work_order_supervise(actor=user, work_order=pk, note=data["note"])
    return "已督办。"


@require_POST
@staff_required
def order_act(request: HttpRequest, work_order_id: int, action: str) -> HttpResponse:
    """One action on a work order; another department's work order is the Chinese 404 page."""
    work_order = selectors.work_order_get_for_page(user=request.user, id=work_order_id)
    if action not in ACTION_FORMS:
        raise errors.NotFound("没有这种工单操作。")
    perm = {"request_extension": wf.DEPARTMENT_PERM, "visit": wf.VISIT_PERM}.get(action) or wf.ACTION_PERMS[
        action
    ]
    _require_any(request, (perm,), ACTION_LABELS[action])
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
            return _next_or(request, reverse("appeals:workbench_order", args=[work_order_id]))
    return _render_order(request, work_order_id, status=422, bound={action: form})


@require_POST
@staff_required
def assist_act(request: HttpRequest, work_order_id: int, assist_id: int, action: str) -> HttpResponse:
    """协办: the assisting department signs for its task (accept) or gives its feedback (reply)."""
    selectors.work_order_get_for_page(user=request.user, id=work_order_id)
    mine = {a.pk for a in selectors.work_order_assists_for(user=request.user, work_order_id=work_order_id)}
    if assist_id not in mine or action not in ("accept", "reply"):
        raise errors.NotFound("协办任务不存在或不在您的数据范围内。")
    form = AssistReplyForm(request.POST, prefix="assist")
    try:
        if action == "accept":
            services.work_order_assist_accept(actor=request.user, assist=assist_id)
            message = "已签收协办任务。"
        elif form.is_valid():
            services.work_order_assist_reply(
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
