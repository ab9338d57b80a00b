"""Workbench pages of 一网统管 appeals: hotline intake (诉求登记), the operators' list and one appeal with
manual dispatch and merging, and the dispatch centre (派单调度); the departments' work orders are in
``views_orders``.

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

from shuzheng.appeals import workflow as wf
from shuzheng.appeals.constants import AppealStatus, WorkOrderStatus
from shuzheng.appeals.forms_workbench import (
    AppealSearchForm,
    DispatchForm,
    ExtensionReviewForm,
    IntakeForm,
    MergeForm,
    ReturnReviewForm,
    read_files,
)
from shuzheng.appeals.models import Appeal, AppealAttachment, WorkOrder
from shuzheng.appeals.selectors import appeals as appeal_selectors
from shuzheng.appeals.selectors import common as common_selectors
from shuzheng.appeals.selectors import dispatch as dispatch_selectors
from shuzheng.appeals.selectors import work_orders as work_order_selectors
from shuzheng.appeals.services import dispatch as dispatch_services
from shuzheng.appeals.services import intake as intake_services
from shuzheng.appeals.services import merging as merging_services
from shuzheng.appeals.services import requests as request_services
from shuzheng.appeals.services import work_orders as work_order_services
from shuzheng.core import calendar, errors
from shuzheng.core.forms import ServiceErrorsForm
from shuzheng.core.permissions import missing_permission
from shuzheng.identity.page_access import staff_required
from shuzheng.orgs import selectors as orgs_selectors

PER_PAGE = 30
INTAKE_PERM = "appeals.intake_appeal"
CENTRE_PERMS = (wf.CENTRE_PERM, wf.VISIT_PERM, wf.SUPERVISE_PERM)


# --- plumbing -----------------------------------------------------------------------------------------


def require_any(request: HttpRequest, perms: tuple[str, ...], what: str) -> None:
    if not any(request.user.has_perm(p) for p in perms):
        raise errors.PermissionDenied(f"您没有{what}的权限{missing_permission(*perms)}。")


def parse_int(value: Any) -> int | None:
    try:
        return int(str(value).strip())
    except (TypeError, ValueError):
        return None


def next_or(request: HttpRequest, default: str) -> HttpResponse:
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
    sla: common_selectors.SlaInfo


def work_order_sla(
    work_order: WorkOrder, cal: calendar.WorkingCalendar | None = None
) -> common_selectors.SlaInfo:
    done = work_order.closed_at or (
        work_order.replied_at
        if work_order.status in (WorkOrderStatus.REPLIED, WorkOrderStatus.CLOSED)
        else None
    )
    return common_selectors.sla_info(work_order.due_at, done_at=done, cal=cal or calendar.current())


def _appeal_sla(appeal: Appeal, cal: calendar.WorkingCalendar | None = None) -> common_selectors.SlaInfo:
    return common_selectors.sla_info(
        appeal.due_at, done_at=appeal.concluded_at, cal=cal or calendar.current()
    )


def file_response(attachment: AppealAttachment) -> FileResponse:
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
    assist = appeal_selectors.intake_assist(user=request.user, text=text)
    names = orgs_selectors.department_names([code for code, _ in assist.model_top])
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
    require_any(request, (INTAKE_PERM,), "登记诉求")
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
                data = intake_services.IntakeInput(
                    direct_answer=answer if conclude else "",
                    knowledge_article_id=article_id if conclude else None,
                    **form.data_for_service(),
                )
                appeal = intake_services.appeal_intake_with_photos(
                    actor=request.user, data=data, photos=photos
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
    chosen = parse_int(request.POST.get("knowledge_article_id"))
    context = {"form": form, **_assist_context(request, request.POST.get("text") or "", chosen)}
    return render(request, "appeals/workbench/intake.html", context, status=422)


@require_GET
@staff_required
def intake_assist(request: HttpRequest) -> HttpResponse:
    """The htmx panel beside the intake form: KB answers, similar appeals, the rule and the model's top-3."""
    require_any(request, (INTAKE_PERM,), "登记诉求")
    text = (request.GET.get("text") or "")[: settings.SHUZHENG_APPEAL_MAX_TEXT]
    context = _assist_context(request, text, parse_int(request.GET.get("knowledge_article_id")))
    return render(request, "appeals/workbench/includes/assist.html", context)


@require_GET
@staff_required
def intake_history(request: HttpRequest) -> HttpResponse:
    """The htmx panel under the phone field: the caller's earlier appeals (blind index, user's scope)."""
    require_any(request, (INTAKE_PERM,), "登记诉求")
    digits = "".join(ch for ch in request.GET.get("reporter_phone") or "" if ch.isdigit())
    cal = calendar.current()
    earlier = appeal_selectors.appeals_by_phone(user=request.user, phone=digits) if len(digits) == 11 else []
    context = {"earlier": [Row(a, _appeal_sla(a, cal)) for a in earlier], "complete": len(digits) == 11}
    return render(request, "appeals/workbench/includes/caller_history.html", context)


# --- the operators' list of appeals (诉求列表) -----------------------------------------------------------


@require_GET
@staff_required
def appeal_list(request: HttpRequest) -> HttpResponse:
    """诉求列表: search by number, words, the caller's phone and status, newest first, in the user's scope."""
    require_any(request, (common_selectors.VIEW_PERM,), "查看诉求")
    form = AppealSearchForm(request.GET or None)
    valid = form.is_valid() or not form.is_bound
    data = form.cleaned_data if form.is_bound and valid else {}
    cursor = request.GET.get("cursor") or None
    page = appeal_selectors.appeal_search(
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
        "reporter": appeal_selectors.appeal_reporter(appeal, user=request.user),
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
    appeal = appeal_selectors.appeal_get(user=request.user, id=appeal_id)
    return render(request, "appeals/workbench/appeal.html", _appeal_context(request, appeal))


@require_GET
@staff_required
def appeal_attachment(request: HttpRequest, appeal_id: int, attachment_id: int) -> HttpResponseBase:
    appeal = appeal_selectors.appeal_get(user=request.user, id=appeal_id)
    attachment = appeal.attachments.filter(pk=attachment_id).first()
    if attachment is None:
        raise errors.NotFound("附件不存在。")
    return file_response(attachment)


def _centre_appeal(request: HttpRequest, appeal_id: int) -> Appeal:
    require_any(request, (wf.CENTRE_PERM,), "派单、并单")
    return appeal_selectors.appeal_get(user=request.user, id=appeal_id, perm=wf.CENTRE_PERM)


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
            work_order = dispatch_services.appeal_dispatch(
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
            return next_or(request, reverse("appeals:workbench_appeal", args=[appeal.pk]))
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
    target = appeal_selectors.appeal_get(user=request.user, id=form.cleaned_data["into"], perm=wf.CENTRE_PERM)
    try:
        merging_services.appeal_merge(actor=request.user, appeal=appeal, into=target)
    except (errors.ValidationFailed, errors.Conflict) as error:
        appeal.refresh_from_db()
        context = _appeal_context(request, appeal, error=error.detail)
        return render(request, "appeals/workbench/appeal.html", context, status=error.status)
    messages.success(request, f"诉求 {appeal.number} 已并入 {target.number}，答复将同时送达各诉求人。")
    return next_or(request, reverse("appeals:workbench_appeal", args=[appeal.pk]))


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
        page = work_order_selectors.dispatch_queue(
            user=request.user, sla_state=sla_state, cursor=cursor, limit=PER_PAGE
        )
        rows = [Row(a, _appeal_sla(a, cal)) for a in page.items]
    elif tab == "returns":
        page = work_order_selectors.return_request_queue(user=request.user, cursor=cursor, limit=PER_PAGE)
        rows = [Row(r, work_order_sla(r.work_order, cal)) for r in page.items]
    elif tab == "extensions":
        page = work_order_selectors.extension_request_queue(user=request.user, cursor=cursor, limit=PER_PAGE)
        rows = [Row(r, work_order_sla(r.work_order, cal)) for r in page.items]
    elif tab == "visits":
        page = work_order_selectors.visit_queue(user=request.user, cursor=cursor, limit=PER_PAGE)
        for work_order in page.items:
            work_order.visit_due = work_order_selectors.visit_due(work_order)
        rows = [Row(w, work_order_sla(w, cal)) for w in page.items]
    else:
        page = work_order_selectors.work_order_list(
            user=request.user, status=status_filter, sla_state=sla_state, cursor=cursor, limit=PER_PAGE
        )
        rows = [Row(w, work_order_sla(w, cal)) for w in page.items]
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
        "department_options": dispatch_selectors.department_picker_labels() if tab == "returns" else [],
        "action_error": error,
    }
    return render(request, "appeals/workbench/dispatch.html", context, status=status)


@require_GET
@staff_required
def dispatch_centre(request: HttpRequest) -> HttpResponse:
    """调度中心: one tab per queue, oldest first; each row carries the actions it needs."""
    require_any(request, CENTRE_PERMS, "使用调度中心")
    return _centre_page(request, tab=request.GET.get("tab"))


@require_POST
@staff_required
def return_review(request: HttpRequest, request_id: int) -> HttpResponse:
    """退单审核: approve and reassign (改派) to a department, or reject back to the department."""
    require_any(request, (wf.CENTRE_PERM,), "审核退单")
    form = ReturnReviewForm(request.POST)
    error: errors.ApplicationError | None = None
    if form.is_valid():
        try:
            work_order_services.return_request_review(
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
            return next_or(request, reverse("appeals:workbench_dispatch") + "?tab=returns")
    return _review_failed(request, form, error, tab="returns")


@require_POST
@staff_required
def extension_review(request: HttpRequest, request_id: int) -> HttpResponse:
    """延期审核: approving moves the due time by the working days asked for."""
    require_any(request, (wf.CENTRE_PERM,), "审核延期")
    form = ExtensionReviewForm(request.POST)
    error: errors.ApplicationError | None = None
    if form.is_valid():
        try:
            request_services.extension_request_review(
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
            return next_or(request, reverse("appeals:workbench_dispatch") + "?tab=extensions")
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
