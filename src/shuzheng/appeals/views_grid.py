"""Workbench pages of grid workers (网格事件: report with photos, handle a minor event on the spot with
before/after photos, or escalate it to dispatch; the list of their own reports) and the routing-rule test
page (规则测试: which rule an example would hit, first match wins, and what the classifier suggests).

Thin: selectors to read, one service per write. A grid worker sees only the events they reported —
anybody else's is the Chinese 404 page; bad input re-renders the form with the services' Chinese
messages and changes nothing.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from shuzheng.appeals.constants import AppealChannel, AppealStatus, AttachmentKind
from shuzheng.appeals.forms_grid import GridReportForm, RuleTestForm, SelfHandleForm
from shuzheng.appeals.models import Appeal
from shuzheng.appeals.selectors import appeals as appeal_selectors
from shuzheng.appeals.selectors import dispatch as dispatch_selectors
from shuzheng.appeals.selectors import grid as grid_selectors
from shuzheng.appeals.selectors import public as public_selectors
from shuzheng.appeals.services.grid import appeal_escalate, appeal_self_handle_with_photos
from shuzheng.appeals.services.intake import IntakeInput, appeal_intake_with_photos
from shuzheng.appeals.views_portal import attachment_response
from shuzheng.core import errors
from shuzheng.identity.page_access import perm_required
from shuzheng.orgs import selectors as orgs_selectors

GRID_PERM = "appeals.report_grid_event"
RULES_PERM = "appeals.view_routingrule|appeals.dispatch_appeal"
EVENTS_PER_PAGE = 30


def _grid_context(request: HttpRequest, appeal: Appeal, **extra: Any) -> dict[str, Any]:
    photos = appeal_selectors.appeal_photos(appeal=appeal)
    context = {
        "appeal": appeal,
        "photos": [p for p in photos if p.kind == AttachmentKind.PHOTO],
        "before": [p for p in photos if p.kind == AttachmentKind.BEFORE],
        "after": [p for p in photos if p.kind == AttachmentKind.AFTER],
        "pending": appeal.status == AppealStatus.REPORTED,
        "timeline": public_selectors.citizen_timeline(appeal=appeal),
        "form": extra.pop("form", None) or SelfHandleForm(),
    }
    context.update(extra)
    return context


@require_GET
@perm_required(GRID_PERM, "上报网格事件")
def grid_list(request: HttpRequest) -> HttpResponse:
    status = request.GET.get("status") or None
    if status not in (None, *AppealStatus.values):
        status = None
    page = grid_selectors.my_grid_events(
        user=request.user, status=status, cursor=request.GET.get("cursor") or None, limit=EVENTS_PER_PAGE
    )
    context = {
        "page": page,
        "paged": bool(request.GET.get("cursor")),
        "status": status or "",
        "statuses": AppealStatus.choices,
    }
    return render(request, "appeals/grid/list.html", context)


@require_http_methods(["GET", "POST"])
@perm_required(GRID_PERM, "上报网格事件")
def grid_new(request: HttpRequest) -> HttpResponse:
    """上报事件: type, category, description, village and grid, place, photos (at least one)."""
    worker = getattr(request.user, "grid_worker", None)
    initial: dict[str, Any] = {}
    if worker is not None:
        initial = {"division_code": worker.grid.division.code}
    form = GridReportForm(request.POST or None, request.FILES or None, initial=initial, user=request.user)
    status = 200
    if request.method == "POST":
        status = 422
        if form.is_valid():
            try:
                appeal = appeal_intake_with_photos(
                    actor=request.user,
                    data=IntakeInput(channel=AppealChannel.GRID, **form.data_for_service()),
                    photos=form.photos_for_service(),
                )
            except errors.ValidationFailed as error:
                form.add_service_error(error)
            except (errors.PayloadTooLarge, errors.UnsupportedMediaType) as error:
                form.add_error("photos", error.detail)
            else:
                messages.success(
                    request, f"事件已上报，编号 {appeal.number}。轻微事件可现场自行处置，否则请上报派单。"
                )
                return redirect("appeals:grid_event", appeal_id=appeal.pk)
    return render(request, "appeals/grid/new.html", {"form": form}, status=status)


@require_GET
@perm_required(GRID_PERM, "查看网格事件")
def grid_event(request: HttpRequest, appeal_id: int) -> HttpResponse:
    appeal = grid_selectors.my_grid_event_get(user=request.user, id=appeal_id)
    return render(request, "appeals/grid/event.html", _grid_context(request, appeal))


@require_POST
@perm_required(GRID_PERM, "处置网格事件")
def grid_self_handle(request: HttpRequest, appeal_id: int) -> HttpResponse:
    """自行处置 with the note and the before/after photos, all in one transaction."""
    appeal = grid_selectors.my_grid_event_get(user=request.user, id=appeal_id)
    form = SelfHandleForm(request.POST, request.FILES)
    status = 422
    if form.is_valid():
        try:
            appeal_self_handle_with_photos(actor=request.user, appeal=appeal, **form.for_service())
        except errors.ValidationFailed as error:
            form.add_service_error(error)
        except (errors.PayloadTooLarge, errors.UnsupportedMediaType) as error:
            form.add_error(None, error.detail)
        except errors.Conflict as error:
            form.add_error(None, error.detail)
            status = error.status
        else:
            messages.success(request, f"事件 {appeal.number} 已自行处置办结。")
            return redirect("appeals:grid_event", appeal_id=appeal.pk)
    appeal = grid_selectors.my_grid_event_get(user=request.user, id=appeal_id)
    return render(
        request, "appeals/grid/event.html", _grid_context(request, appeal, form=form), status=status
    )


@require_POST
@perm_required(GRID_PERM, "上报网格事件")
def grid_escalate(request: HttpRequest, appeal_id: int) -> HttpResponseBase:
    """上报派单: the event goes through the routing rules and the classifier like any appeal."""
    appeal = grid_selectors.my_grid_event_get(user=request.user, id=appeal_id)
    try:
        appeal = appeal_escalate(actor=request.user, appeal=appeal)
    except errors.Conflict as error:
        messages.error(request, error.detail)
    else:
        if appeal.department_id:
            messages.success(request, f"事件已派单至{appeal.department.name}办理。")  # type: ignore[union-attr]
        else:
            messages.success(request, "事件已上报调度中心，等待派单。")
    return redirect("appeals:grid_event", appeal_id=appeal.pk)


@require_GET
@perm_required(GRID_PERM, "查看网格事件")
def grid_photo(request: HttpRequest, appeal_id: int, attachment_id: int) -> HttpResponseBase:
    appeal = grid_selectors.my_grid_event_get(user=request.user, id=appeal_id)
    return attachment_response(appeal_selectors.appeal_attachment_get(appeal=appeal, id=attachment_id))


# --- rule test ------------------------------------------------------------------------------------------


def _threshold() -> float:
    """The active model's calibrated threshold (the configured one for a model without)."""
    model = dispatch_selectors.dispatch_model_active()
    if model is not None and model.threshold is not None:
        return model.threshold
    return float(settings.SHUZHENG_DISPATCH_CONFIDENCE)


@require_GET
@perm_required(RULES_PERM, "查看派单规则")
def rule_test(request: HttpRequest) -> HttpResponse:
    """规则测试: enter an example; the page shows the rule it would hit and the classifier's view.

    With htmx only the result panel is swapped in; without it the whole page renders."""
    form = RuleTestForm(request.GET or None)
    result = None
    status = 200
    if request.GET:
        if form.is_valid():
            data = form.cleaned_data
            test = dispatch_selectors.rule_test(
                text=data["text"],
                category=data.get("category_code"),
                division=data.get("division_code"),
                channel=data.get("channel") or "",
                appeal_type=data.get("appeal_type") or "",
                is_enterprise=bool(data.get("is_enterprise")),
            )
            codes = [code for code, _ in test.model_top]
            names = orgs_selectors.department_names([*codes, test.model_department or ""])
            category_names = dispatch_selectors.category_names([test.model_category or ""])
            result = {
                "test": test,
                "top": [(names.get(code, code), round(p * 100, 1)) for code, p in test.model_top],
                "model_department": names.get(test.model_department or "", test.model_department),
                "model_category": category_names.get(test.model_category or "", test.model_category),
                "probability": round((test.model_probability or 0) * 100, 1),
            }
        else:
            status = 422
    context = {
        "form": form,
        "result": result,
        "rules": dispatch_selectors.routing_rules(),
        "threshold": round(_threshold() * 100),
    }
    if request.headers.get("HX-Request"):  # htmx swaps 2xx answers only: errors are shown in the panel
        return render(request, "appeals/grid/rule_result.html", context)
    return render(request, "appeals/grid/rules.html", context, status=status)
