"""HTML pages of 好差评. Thin: read through selectors, write through services, render.

Portal: the applicant's 办事评价 page, the evaluation form of a concluded case, the public hall/window
QR page, the confirmation. Workbench: evaluations of my scope, on-site evaluation entry, rectifications
(with call-back, result, check, assignment), appeals (file, review) and the dashboard with its Excel
export. Application errors become Chinese pages (never a 500); bad input re-renders the form with the
message next to the field and changes nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any, TypeVar

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from shuzheng.core import errors
from shuzheng.core.middleware import client_ip
from shuzheng.core.permissions import missing_permission
from shuzheng.evaluation import charts, forms, selectors, services, stats
from shuzheng.evaluation.constants import DIMENSIONS, EvaluationChannel
from shuzheng.evaluation.models import Evaluation, EvaluationAppeal, Rectification
from shuzheng.identity.page_access import (
    person_required,
    problem_page,
    renders_application_errors,
    staff_required,
)

V = TypeVar("V", bound=Callable[..., HttpResponse])

EVALUATIONS_PER_PAGE = 30
RECTIFICATIONS_PER_PAGE = 30
APPEALS_PER_PAGE = 30
THANKS_KEY = "evaluation_thanks"


# --- plumbing -----------------------------------------------------------------------------------


def _thank(request: HttpRequest, evaluation: Evaluation, *, back: str, back_label: str) -> HttpResponse:
    rectification = getattr(evaluation, "rectification", None) if evaluation.is_bad else None
    request.session[THANKS_KEY] = {
        "level_label": evaluation.get_level_display(),
        "bad": evaluation.is_bad,
        "callback": bool(rectification is not None and rectification.callback_required),
        "due_date": rectification.due_date.isoformat() if rectification is not None else "",
        "back": back,
        "back_label": back_label,
    }
    return redirect("evaluation:thanks")


def _dimension_labels(channel: str) -> dict[str, str]:
    return dict(DIMENSIONS[EvaluationChannel(channel)])


# --- portal -------------------------------------------------------------------------------------


@require_GET
@person_required
def my_evaluations(request: HttpRequest) -> HttpResponse:
    """办事评价: my concluded cases waiting for an evaluation, and the evaluations I made."""
    waiting = selectors.cases_awaiting_evaluation(user=request.user, limit=50)
    done = selectors.my_evaluations(user=request.user, cursor=request.GET.get("cursor") or None, limit=20)
    context = {"waiting": waiting, "done": done, "paged": bool(request.GET.get("cursor"))}
    return render(request, "evaluation/portal/mine.html", context)


@require_http_methods(["GET", "POST"])
@person_required
def case_evaluate(request: HttpRequest, case_id: int) -> HttpResponse:
    """评价 one of my concluded cases online (一事一评). Somebody else's case is a 404."""
    case = selectors.case_for_applicant(user=request.user, case_id=case_id)
    existing = selectors.evaluation_for_case(case=case, channel=EvaluationChannel.ONLINE)
    concluded = selectors.case_is_concluded(case)
    form = forms.RatingForm(request.POST or None, channel=EvaluationChannel.ONLINE)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                evaluation = services.evaluation_submit_online(actor=request.user, case=case, **form.rating())
            except errors.ValidationFailed as error:
                form.add_service_error(error)
            except errors.Conflict as error:
                return problem_page(request, error)
            else:
                return _thank(request, evaluation, back=reverse("evaluation:mine"), back_label="返回办事评价")
        status = 422
    elif existing is not None or not concluded:
        status = 200 if existing is not None else 409
    context = {
        "case": case,
        "form": form,
        "existing": existing,
        "concluded": concluded,
        "labels": _dimension_labels(EvaluationChannel.ONLINE),
    }
    return render(request, "evaluation/portal/case_evaluate.html", context, status=status)


@require_http_methods(["GET", "POST"])
@renders_application_errors
def hall_evaluate(request: HttpRequest, code: str) -> HttpResponse:
    """Public: the static QR code of a hall (or, with ?window=N, of one window) opens this page."""
    number = (request.GET.get("window") or request.POST.get("window") or "").strip()[:16]
    hall, window = selectors.hall_for_qr(code=code, window_number=number or None)
    form = forms.QrRatingForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                evaluation = services.evaluation_submit_qr(
                    actor=request.user,
                    hall=hall,
                    window=window,
                    phone=form.cleaned_data.get("phone") or "",
                    client_ip=client_ip(request),
                    **form.rating(),
                )
            except errors.ValidationFailed as error:
                form.add_service_error(error)
            else:
                back = reverse("evaluation:hall_evaluate", args=[hall.code])
                return _thank(request, evaluation, back=back, back_label=f"返回{hall.name}")
        status = 422
    context = {"hall": hall, "window": window, "form": form, "number": number}
    return render(request, "evaluation/portal/hall_evaluate.html", context, status=status)


@require_GET
def thanks(request: HttpRequest) -> HttpResponse:
    summary = request.session.pop(THANKS_KEY, None)
    if summary and summary.get("due_date"):
        summary["due_date"] = date.fromisoformat(summary["due_date"])
    return render(request, "evaluation/portal/thanks.html", {"summary": summary})


# --- workbench: evaluations ---------------------------------------------------------------------


@require_GET
@staff_required
def evaluation_list(request: HttpRequest) -> HttpResponse:
    """好差评: evaluations of the departments in my scope, newest first; evaluators masked."""
    form = forms.EvaluationFilterForm(request.GET)
    valid = form.is_valid()
    data = form.cleaned_data if valid else {}
    validity = data.get("validity") or ""
    filters = selectors.EvaluationFilters(
        channel=data.get("channel") or None,
        level=data.get("level"),
        bad_only=bool(data.get("bad_only")),
        voided={"valid": False, "voided": True}.get(validity),
        date_from=data.get("date_from"),
        date_to=data.get("date_to"),
    )
    page = selectors.evaluation_list(
        user=request.user,
        filters=filters,
        cursor=request.GET.get("cursor") or None,
        limit=EVALUATIONS_PER_PAGE,
    )
    clear = selectors.can_see_clear_personal_data(request.user)
    rows = [
        {
            "evaluation": e,
            "evaluator": selectors.evaluator_name(e, clear=clear),
            "item": selectors.item_name(e),
        }
        for e in page.items
    ]
    context = {"form": form, "page": page, "rows": rows, "paged": bool(request.GET.get("cursor"))}
    return render(request, "evaluation/workbench/evaluation_list.html", context, status=200 if valid else 400)


def _evaluation_context(request: HttpRequest, evaluation: Evaluation) -> dict[str, Any]:
    clear = selectors.can_see_clear_personal_data(request.user)
    user = request.user
    pending = selectors.pending_appeal(evaluation)
    return {
        "evaluation": evaluation,
        "evaluator": selectors.evaluator_name(evaluation, clear=clear),
        "contact": selectors.evaluator_contact(evaluation, clear=clear),
        "item": selectors.item_name(evaluation),
        "dimensions": [
            (label, evaluation.dimensions.get(key))
            for key, label in _dimension_labels(evaluation.channel).items()
            if key in evaluation.dimensions
        ],
        "appeals": selectors.evaluation_appeals(evaluation),
        "pending": pending,
        "can_appeal": (
            not evaluation.voided
            and pending is None
            and selectors.covers(user, selectors.ADD_APPEAL, evaluation.department)
        ),
        "rectification": getattr(evaluation, "rectification", None) if evaluation.is_bad else None,
    }


@require_GET
@staff_required
def evaluation_detail(request: HttpRequest, evaluation_id: int) -> HttpResponse:
    evaluation = selectors.evaluation_get(user=request.user, evaluation_id=evaluation_id)
    context = {**_evaluation_context(request, evaluation), "appeal_form": forms.AppealForm()}
    return render(request, "evaluation/workbench/evaluation_detail.html", context)


@require_POST
@staff_required
def appeal_file(request: HttpRequest, evaluation_id: int) -> HttpResponse:
    evaluation = selectors.evaluation_get(user=request.user, evaluation_id=evaluation_id)
    form = forms.AppealForm(request.POST)
    if form.is_valid():
        try:
            services.evaluation_appeal_file(
                actor=request.user, evaluation=evaluation, reason=form.cleaned_data["reason"]
            )
        except errors.ValidationFailed as error:
            form.add_service_error(error)
        else:
            messages.success(request, "申诉已提交，等待复核。")
            return redirect("evaluation:evaluation_detail", evaluation_id=evaluation.pk)
    context = {**_evaluation_context(request, evaluation), "appeal_form": form}
    return render(request, "evaluation/workbench/evaluation_detail.html", context, status=422)


@require_GET
@staff_required
def onsite_lookup(request: HttpRequest) -> HttpResponse:
    """现场评价录入: find the case by its number, then record the applicant's rating."""
    if not request.user.has_perm(selectors.ADD_EVALUATION):
        raise errors.PermissionDenied(f"没有录入现场评价的权限{missing_permission(selectors.ADD_EVALUATION)}")
    form = forms.CaseLookupForm(request.GET or None)
    status = 200
    if request.GET:
        status = 400
        if form.is_valid():
            try:
                case = selectors.case_for_onsite_by_number(
                    user=request.user, number=form.cleaned_data["number"]
                )
            except errors.NotFound as error:
                form.add_error("number", error.detail)
                status = 404
            else:
                return redirect("evaluation:onsite", case_id=case.pk)
    return render(request, "evaluation/workbench/onsite_lookup.html", {"form": form}, status=status)


@require_http_methods(["GET", "POST"])
@staff_required
def onsite(request: HttpRequest, case_id: int) -> HttpResponse:
    case = selectors.case_for_onsite(user=request.user, case_id=case_id)
    existing = selectors.evaluation_for_case(case=case, channel=EvaluationChannel.ONSITE)
    form = forms.RatingForm(request.POST or None, channel=EvaluationChannel.ONSITE)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                services.evaluation_record_onsite(actor=request.user, case=case, **form.rating())
            except errors.ValidationFailed as error:
                form.add_service_error(error)
            except errors.Conflict as error:
                return problem_page(request, error)
            else:
                messages.success(request, f"已记录办件 {case.number} 的现场评价，谢谢。")
                return redirect("evaluation:onsite_lookup")
        status = 422
    context = {
        "case": case,
        "form": form,
        "existing": existing,
        "concluded": selectors.case_is_concluded(case),
        "labels": _dimension_labels(EvaluationChannel.ONSITE),
    }
    return render(request, "evaluation/workbench/onsite.html", context, status=status)


# --- workbench: rectifications ------------------------------------------------------------------


@require_GET
@staff_required
def rectification_list(request: HttpRequest) -> HttpResponse:
    """差评整改: open ones first by due date; overdue in red with the word 超期."""
    form = forms.RectificationFilterForm(request.GET)
    valid = form.is_valid()
    data = form.cleaned_data if valid else {}
    state = data.get("state") or "open"
    filters = selectors.RectificationFilters(
        state=None if state == "all" else state,
        overdue=True if data.get("overdue") else None,
        unassigned=bool(data.get("unassigned")),
        mine=bool(data.get("mine")),
    )
    page = selectors.rectification_list(
        user=request.user,
        filters=filters,
        cursor=request.GET.get("cursor") or None,
        limit=RECTIFICATIONS_PER_PAGE,
    )
    context = {
        "form": form,
        "page": page,
        "state": state,
        "states": [*selectors.RECTIFICATION_STATE_LABELS.items(), ("all", "全部")],
        "paged": bool(request.GET.get("cursor")),
        "today": timezone.localdate(),
    }
    return render(
        request, "evaluation/workbench/rectification_list.html", context, status=200 if valid else 400
    )


def _rectification_context(
    request: HttpRequest, rectification: Rectification, **forms_: Any
) -> dict[str, Any]:
    user = request.user
    evaluation = rectification.evaluation
    clear = selectors.can_see_clear_personal_data(user)
    can_handle = selectors.covers(user, selectors.CHANGE_RECTIFICATION, rectification.department)
    can_check = selectors.covers(user, selectors.CHECK_RECTIFICATION, rectification.department)
    handlers = list(selectors.rectification_handlers(department=rectification.department))
    status = rectification.status
    context = {
        "rectification": rectification,
        "evaluation": evaluation,
        "evaluator": selectors.evaluator_name(evaluation, clear=clear),
        "contact": selectors.evaluator_contact(evaluation, clear=clear),
        "item": selectors.item_name(evaluation),
        "overdue": selectors.is_overdue(rectification),
        "history": selectors.rectification_history(rectification),
        "can_callback": can_handle and status == "open" and rectification.callback_required,
        "can_result": can_handle
        and status in ("open", "called_back", "rejected")
        and (not rectification.callback_required or rectification.called_back_at is not None),
        "needs_callback_first": can_handle
        and rectification.callback_required
        and rectification.called_back_at is None,
        "can_check": can_check and status == "rectified" and rectification.owner_id != user.pk,
        "can_assign": (can_handle or can_check) and status not in ("verified", "closed") and bool(handlers),
        "callback_form": forms_.get("callback_form") or forms.CallbackForm(),
        "result_form": forms_.get("result_form") or forms.ResultForm(),
        "check_form": forms_.get("check_form") or forms.CheckForm(),
        "assign_form": forms_.get("assign_form")
        or forms.AssignForm(initial={"owner_id": rectification.owner_id}, handlers=handlers),
    }
    return context


@require_GET
@staff_required
def rectification_detail(request: HttpRequest, rectification_id: int) -> HttpResponse:
    rectification = selectors.rectification_get(user=request.user, rectification_id=rectification_id)
    return render(
        request,
        "evaluation/workbench/rectification_detail.html",
        _rectification_context(request, rectification),
    )


def _rectification_action(
    request: HttpRequest,
    rectification_id: int,
    *,
    form_class: type[forms.ServiceErrorsMixin],
    form_name: str,
    act: Callable[[Rectification, dict[str, Any]], Any],
    done: str,
    form_kwargs: Callable[[Rectification], dict[str, Any]] | None = None,
) -> HttpResponse:
    rectification = selectors.rectification_get(user=request.user, rectification_id=rectification_id)
    extra = form_kwargs(rectification) if form_kwargs else {}
    form = form_class(request.POST, **extra)
    status = 422
    if form.is_valid():
        try:
            act(rectification, form.cleaned_data)
        except errors.ValidationFailed as error:
            form.add_service_error(error)
        except errors.Conflict as error:  # e.g. the state moved on: say so above the page
            messages.error(request, error.detail)
            status = 409
        else:
            messages.success(request, done)
            return redirect("evaluation:rectification_detail", rectification_id=rectification.pk)
    rectification = selectors.rectification_get(user=request.user, rectification_id=rectification_id)
    context = _rectification_context(request, rectification, **{form_name: form})
    return render(request, "evaluation/workbench/rectification_detail.html", context, status=status)


@require_POST
@staff_required
def rectification_callback(request: HttpRequest, rectification_id: int) -> HttpResponse:
    return _rectification_action(
        request,
        rectification_id,
        form_class=forms.CallbackForm,
        form_name="callback_form",
        act=lambda r, data: services.rectification_record_callback(
            actor=request.user, rectification=r, note=data["note"]
        ),
        done="回访已记录。",
    )


@require_POST
@staff_required
def rectification_result(request: HttpRequest, rectification_id: int) -> HttpResponse:
    return _rectification_action(
        request,
        rectification_id,
        form_class=forms.ResultForm,
        form_name="result_form",
        act=lambda r, data: services.rectification_submit_result(
            actor=request.user, rectification=r, result=data["result"]
        ),
        done="整改结果已提交，等待督查核查。",
    )


@require_POST
@staff_required
def rectification_check(request: HttpRequest, rectification_id: int) -> HttpResponse:
    return _rectification_action(
        request,
        rectification_id,
        form_class=forms.CheckForm,
        form_name="check_form",
        act=lambda r, data: services.rectification_check(
            actor=request.user, rectification=r, passed=data["passed"], note=data.get("note") or ""
        ),
        done="核查结论已记录。",
    )


@require_POST
@staff_required
def rectification_assign(request: HttpRequest, rectification_id: int) -> HttpResponse:
    def assign(rectification: Rectification, data: dict[str, Any]) -> Any:
        owner = selectors.rectification_handlers(department=rectification.department).filter(
            pk=data["owner_id"]
        )
        return services.rectification_assign(
            actor=request.user, rectification=rectification, owner=owner.first()
        )

    return _rectification_action(
        request,
        rectification_id,
        form_class=forms.AssignForm,
        form_name="assign_form",
        act=assign,
        done="已分派整改责任人。",
        form_kwargs=lambda r: {"handlers": list(selectors.rectification_handlers(department=r.department))},
    )


# --- workbench: appeals -------------------------------------------------------------------------


@require_GET
@staff_required
def appeal_list(request: HttpRequest) -> HttpResponse:
    """评价申诉: pending ones first (the review queue), then decided ones."""
    status = request.GET.get("status") or "pending"
    if status not in ("pending", "upheld", "dismissed", "all"):
        status = "pending"
    page = selectors.appeal_list(
        user=request.user,
        status=None if status == "all" else status,
        cursor=request.GET.get("cursor") or None,
        limit=APPEALS_PER_PAGE,
    )
    reviewable = {
        appeal.pk
        for appeal in page.items
        if appeal.status == "pending"
        and appeal.filed_by_id != request.user.pk
        and selectors.covers(request.user, selectors.REVIEW_APPEAL, appeal.evaluation.department)
    }
    context = {
        "page": page,
        "status": status,
        "statuses": [
            ("pending", "待复核"),
            ("upheld", "申诉成立"),
            ("dismissed", "申诉不成立"),
            ("all", "全部"),
        ],
        "reviewable": reviewable,
        "review_form": forms.AppealReviewForm(),
        "paged": bool(request.GET.get("cursor")),
    }
    return render(request, "evaluation/workbench/appeal_list.html", context)


@require_POST
@staff_required
def appeal_review(request: HttpRequest, appeal_id: int) -> HttpResponse:
    appeal: EvaluationAppeal = selectors.appeal_get(user=request.user, appeal_id=appeal_id)
    form = forms.AppealReviewForm(request.POST)
    if form.is_valid():
        try:
            services.evaluation_appeal_review(
                actor=request.user,
                appeal=appeal,
                decision=form.cleaned_data["decision"],
                note=form.cleaned_data["note"],
            )
        except errors.ValidationFailed as error:
            form.add_service_error(error)
        except errors.Conflict as error:
            form.add_error(None, error.detail)
        else:
            messages.success(request, "复核结论已记录。")
            return redirect("evaluation:appeal_list")
    context = {"appeal": appeal, "form": form}
    return render(request, "evaluation/workbench/appeal_review.html", context, status=422)


# --- workbench: dashboard -----------------------------------------------------------------------


def _twelve_months_before(day: date) -> date:
    """The first day of the month eleven months before `day`'s month: a twelve-month window."""
    month = day.month - 11
    year = day.year
    if month <= 0:
        month += 12
        year -= 1
    return date(year, month, 1)


def _stats_params(request: HttpRequest) -> tuple[forms.StatsFilterForm, dict[str, Any]]:
    """The dashboard's filters; an empty field takes its default (by department, by month, the last twelve
    months), and the form shows the defaults it used."""
    query = request.GET.copy()
    for name, default in (("group_by", "department"), ("period", "month")):
        if not query.get(name):
            query[name] = default
    today = timezone.localdate()
    if not query.get("date_to"):
        query["date_to"] = today.isoformat()
    if not query.get("date_from"):
        query["date_from"] = _twelve_months_before(today).isoformat()
    form = forms.StatsFilterForm(query)
    valid = form.is_valid()
    data = form.cleaned_data if valid else {}
    date_to = data.get("date_to") or today
    date_from = data.get("date_from") or _twelve_months_before(date_to)
    params = {
        "valid": valid,
        "group_by": data.get("group_by") or "department",
        "period": data.get("period") or "month",
        "filters": stats.StatsFilters(
            date_from=date_from, date_to=date_to, channel=data.get("channel") or None
        ),
    }
    return form, params


@require_GET
@staff_required
def dashboard(request: HttpRequest) -> HttpResponse:
    """好差评统计: level distribution, monthly satisfaction trend, score by department, rectification rate,
    and the statistics table (grouped as chosen) with an Excel export of the same table."""
    form, params = _stats_params(request)
    user = request.user
    filters = params["filters"]
    table = stats.evaluation_stats(
        user=user, group_by=params["group_by"], period=params["period"], filters=filters
    )
    trend = stats.evaluation_stats(user=user, group_by="period", period="month", filters=filters)
    by_department = (
        table
        if params["group_by"] == "department"
        else stats.evaluation_stats(user=user, group_by="department", filters=filters)
    )
    total = table.total
    chart_specs = {
        "levels": charts.level_distribution(total),
        "trend": charts.satisfaction_trend(trend),
        "departments": charts.score_by_department(by_department),
        "rectification": charts.rectification_status(total),
    }
    context = {
        "form": form,
        "table": table,
        "total": total,
        "filters": filters,
        "options": {key: spec[0] for key, spec in chart_specs.items()},
        "summaries": {key: spec[1] for key, spec in chart_specs.items()},
        "departments_height": max(320, 28 * len(by_department.rows) + 80),
        "definitions": stats.DEFINITIONS,
        "export_query": request.GET.urlencode(),
        "target": "9.9",
    }
    status = 200 if params["valid"] else 400
    return render(request, "evaluation/workbench/dashboard.html", context, status=status)


@require_GET
@staff_required
def dashboard_export(request: HttpRequest) -> HttpResponse:
    form, params = _stats_params(request)
    if not params["valid"]:
        first = next(iter(form.errors.values()))[0]
        raise errors.ValidationFailed(str(first))
    table = stats.evaluation_stats(
        user=request.user, group_by=params["group_by"], period=params["period"], filters=params["filters"]
    )
    response = HttpResponse(stats.stats_xlsx(table), content_type=stats.XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = "attachment; filename*=UTF-8''evaluation-stats.xlsx"
    return response
