"""The 好差评 workbench pages: evaluations of my scope, on-site evaluation entry, rectifications (return
visit, result, check, assignment) and disputes (file, review). Thin: read through selectors, write through
services, render. Application errors become Chinese pages (never a 500); bad input re-renders the form with
the message next to the field and changes nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from shuzheng.core import errors
from shuzheng.core.permissions import missing_permission
from shuzheng.evaluation import forms_common, forms_workbench, selectors
from shuzheng.evaluation.constants import DisputeStatus, EvaluationChannel
from shuzheng.evaluation.models import Evaluation, RatingDispute, Rectification
from shuzheng.evaluation.services import disputes, ratings, rectifications
from shuzheng.evaluation.views_portal import dimension_labels
from shuzheng.evaluation.workflow import RECTIFICATION, RectificationAction
from shuzheng.identity.page_access import problem_page, staff_required

EVALUATIONS_PER_PAGE = 30
RECTIFICATIONS_PER_PAGE = 30
DISPUTES_PER_PAGE = 30


# --- workbench: evaluations ---------------------------------------------------------------------


@require_GET
@staff_required
def evaluation_list(request: HttpRequest) -> HttpResponse:
    """好差评: evaluations of the departments in my scope, newest first; evaluators masked."""
    form = forms_workbench.EvaluationFilterForm(request.GET)
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
    pending = selectors.pending_dispute(evaluation)
    return {
        "evaluation": evaluation,
        "evaluator": selectors.evaluator_name(evaluation, clear=clear),
        "contact": selectors.evaluator_contact(evaluation, clear=clear),
        "item": selectors.item_name(evaluation),
        "dimensions": [
            (label, evaluation.dimensions.get(key))
            for key, label in dimension_labels(evaluation.channel).items()
            if key in evaluation.dimensions
        ],
        "disputes": selectors.evaluation_disputes(evaluation),
        "pending": pending,
        "can_dispute": (
            not evaluation.voided
            and pending is None
            and selectors.covers(user, selectors.ADD_DISPUTE, evaluation.department)
        ),
        "rectification": getattr(evaluation, "rectification", None) if evaluation.is_bad else None,
    }


@require_GET
@staff_required
def evaluation_detail(request: HttpRequest, evaluation_id: int) -> HttpResponse:
    evaluation = selectors.evaluation_get(user=request.user, evaluation_id=evaluation_id)
    context = {**_evaluation_context(request, evaluation), "dispute_form": forms_workbench.DisputeForm()}
    return render(request, "evaluation/workbench/evaluation_detail.html", context)


@require_POST
@staff_required
def dispute_file(request: HttpRequest, evaluation_id: int) -> HttpResponse:
    evaluation = selectors.evaluation_get(user=request.user, evaluation_id=evaluation_id)
    form = forms_workbench.DisputeForm(request.POST)
    if form.is_valid():
        try:
            disputes.dispute_file(
                actor=request.user, evaluation=evaluation, reason=form.cleaned_data["reason"]
            )
        except errors.ValidationFailed as error:
            form.add_service_error(error)
        else:
            messages.success(request, "申诉已提交，等待复核。")
            return redirect("evaluation:evaluation_detail", evaluation_id=evaluation.pk)
    context = {**_evaluation_context(request, evaluation), "dispute_form": form}
    return render(request, "evaluation/workbench/evaluation_detail.html", context, status=422)


@require_GET
@staff_required
def onsite_lookup(request: HttpRequest) -> HttpResponse:
    """现场评价录入: find the case by its number, then record the applicant's rating."""
    if not request.user.has_perm(selectors.ADD_EVALUATION):
        raise errors.PermissionDenied(f"没有录入现场评价的权限{missing_permission(selectors.ADD_EVALUATION)}")
    form = forms_workbench.CaseLookupForm(request.GET or None)
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
    form = forms_common.RatingForm(request.POST or None, channel=EvaluationChannel.ONSITE)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                ratings.evaluation_record_onsite(actor=request.user, case=case, **form.rating())
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
        "labels": dimension_labels(EvaluationChannel.ONSITE),
    }
    return render(request, "evaluation/workbench/onsite.html", context, status=status)


# --- workbench: rectifications ------------------------------------------------------------------


@require_GET
@staff_required
def rectification_list(request: HttpRequest) -> HttpResponse:
    """差评整改: open ones first by due date; overdue in red with the word 超期."""
    form = forms_workbench.RectificationFilterForm(request.GET)
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
    allowed = RECTIFICATION.actions_from(rectification.status)  # the buttons follow the transition table
    context = {
        "rectification": rectification,
        "evaluation": evaluation,
        "evaluator": selectors.evaluator_name(evaluation, clear=clear),
        "contact": selectors.evaluator_contact(evaluation, clear=clear),
        "item": selectors.item_name(evaluation),
        "overdue": selectors.is_overdue(rectification),
        "history": selectors.rectification_history(rectification),
        "can_return_visit": can_handle
        and RectificationAction.RETURN_VISIT in allowed
        and rectification.return_visit_required,
        "can_result": can_handle
        and RectificationAction.RESULT in allowed
        and (not rectification.return_visit_required or rectification.return_visited_at is not None),
        "needs_return_visit_first": can_handle
        and rectification.return_visit_required
        and rectification.return_visited_at is None,
        "can_check": can_check
        and RectificationAction.CHECK_PASS in allowed
        and rectification.owner_id != user.pk,
        "can_assign": (can_handle or can_check) and bool(allowed) and bool(handlers),
        "return_visit_form": forms_.get("return_visit_form") or forms_workbench.ReturnVisitForm(),
        "result_form": forms_.get("result_form") or forms_workbench.ResultForm(),
        "check_form": forms_.get("check_form") or forms_workbench.CheckForm(),
        "assign_form": forms_.get("assign_form")
        or forms_workbench.AssignForm(initial={"owner_id": rectification.owner_id}, handlers=handlers),
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
    form_class: type[forms_common.ServiceErrorsMixin],
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
def rectification_return_visit(request: HttpRequest, rectification_id: int) -> HttpResponse:
    return _rectification_action(
        request,
        rectification_id,
        form_class=forms_workbench.ReturnVisitForm,
        form_name="return_visit_form",
        act=lambda r, data: rectifications.rectification_record_return_visit(
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
        form_class=forms_workbench.ResultForm,
        form_name="result_form",
        act=lambda r, data: rectifications.rectification_submit_result(
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
        form_class=forms_workbench.CheckForm,
        form_name="check_form",
        act=lambda r, data: rectifications.rectification_check(
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
        return rectifications.rectification_assign(
            actor=request.user, rectification=rectification, owner=owner.first()
        )

    return _rectification_action(
        request,
        rectification_id,
        form_class=forms_workbench.AssignForm,
        form_name="assign_form",
        act=assign,
        done="已分派整改责任人。",
        form_kwargs=lambda r: {"handlers": list(selectors.rectification_handlers(department=r.department))},
    )


# --- workbench: disputes -------------------------------------------------------------------------


@require_GET
@staff_required
def dispute_list(request: HttpRequest) -> HttpResponse:
    """评价申诉: pending ones first (the review queue), then decided ones."""
    status = request.GET.get("status") or "pending"
    if status not in (*DisputeStatus.values, "all"):
        status = "pending"
    page = selectors.dispute_list(
        user=request.user,
        status=None if status == "all" else status,
        cursor=request.GET.get("cursor") or None,
        limit=DISPUTES_PER_PAGE,
    )
    reviewable = {
        dispute.pk
        for dispute in page.items
        if dispute.status == DisputeStatus.PENDING
        and dispute.filed_by_id != request.user.pk
        and selectors.covers(request.user, selectors.REVIEW_DISPUTE, dispute.evaluation.department)
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
        "review_form": forms_workbench.DisputeReviewForm(),
        "paged": bool(request.GET.get("cursor")),
    }
    return render(request, "evaluation/workbench/dispute_list.html", context)


@require_POST
@staff_required
def dispute_review(request: HttpRequest, dispute_id: int) -> HttpResponse:
    dispute: RatingDispute = selectors.dispute_get(user=request.user, dispute_id=dispute_id)
    form = forms_workbench.DisputeReviewForm(request.POST)
    if form.is_valid():
        try:
            disputes.dispute_review(
                actor=request.user,
                dispute=dispute,
                decision=form.cleaned_data["decision"],
                note=form.cleaned_data["note"],
            )
        except errors.ValidationFailed as error:
            form.add_service_error(error)
        except errors.Conflict as error:
            form.add_error(None, error.detail)
        else:
            messages.success(request, "复核结论已记录。")
            return redirect("evaluation:dispute_list")
    context = {"dispute": dispute, "form": form}
    return render(request, "evaluation/workbench/dispute_review.html", context, status=422)
