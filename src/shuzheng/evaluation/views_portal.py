"""The 好差评 portal pages: the applicant's 办事评价 page, the evaluation form of a concluded case, the public
hall/window QR page and the confirmation. Thin: read through selectors, write through services, render;
bad input re-renders the form with the message next to the field and changes nothing.
"""

from __future__ import annotations

from datetime import date

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods

from shuzheng.core import errors
from shuzheng.core.middleware import client_ip
from shuzheng.evaluation import forms_common, forms_portal, selectors
from shuzheng.evaluation.constants import DIMENSIONS, EvaluationChannel
from shuzheng.evaluation.models import Evaluation
from shuzheng.evaluation.services import ratings
from shuzheng.identity.page_access import person_required, problem_page, renders_application_errors

THANKS_KEY = "evaluation_thanks"


def dimension_labels(channel: str) -> dict[str, str]:
    return dict(DIMENSIONS[EvaluationChannel(channel)])


def _thank(request: HttpRequest, evaluation: Evaluation, *, back: str, back_label: str) -> HttpResponse:
    rectification = getattr(evaluation, "rectification", None) if evaluation.is_bad else None
    request.session[THANKS_KEY] = {
        "level_label": evaluation.get_level_display(),
        "bad": evaluation.is_bad,
        "return_visit": bool(rectification is not None and rectification.return_visit_required),
        "due_date": rectification.due_date.isoformat() if rectification is not None else "",
        "back": back,
        "back_label": back_label,
    }
    return redirect("evaluation:thanks")


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
    form = forms_common.RatingForm(request.POST or None, channel=EvaluationChannel.ONLINE)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                evaluation = ratings.evaluation_submit_online(actor=request.user, case=case, **form.rating())
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
        "labels": dimension_labels(EvaluationChannel.ONLINE),
    }
    return render(request, "evaluation/portal/case_evaluate.html", context, status=status)


@require_http_methods(["GET", "POST"])
@renders_application_errors
def hall_evaluate(request: HttpRequest, code: str) -> HttpResponse:
    """Public: the static QR code of a hall (or, with ?window=N, of one window) opens this page."""
    number = (request.GET.get("window") or request.POST.get("window") or "").strip()[:16]
    hall, window = selectors.hall_for_qr(code=code, window_number=number or None)
    form = forms_portal.QrRatingForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                evaluation = ratings.evaluation_submit_qr(
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
