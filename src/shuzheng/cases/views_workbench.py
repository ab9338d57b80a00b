"""Staff pages of 办件 (/workbench/cases/...): 一窗受理 intake, my queue, one case with its workflow actions,
claim, the remote reference of a forwarded case, and the case's files.

Thin: read through selectors, write through services, render. The services decide everything (schema,
materials, permissions, data scope, workflow); their Chinese errors are shown on the form that caused
them, another scope's case is the Chinese 404 page, a stale ``expected_version`` the conflict notice.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.contrib import messages
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from shuzheng.cases import api, panels, selectors, selectors_timeline
from shuzheng.cases.constants import CaseChannel, CaseStatus, DeadlineState
from shuzheng.cases.forms_common import ActionForm, SchemaForm, new_idempotency_key
from shuzheng.cases.forms_workbench import (
    ACTION_FORMS,
    AcceptWithDeferralForm,
    IntakeForm,
    QueueFilterForm,
    RemoteReferenceForm,
)
from shuzheng.cases.models import Case
from shuzheng.cases.services.actions import case_act
from shuzheng.cases.services.common import STALE_VERSION, ApplicantData
from shuzheng.cases.services.handling import case_claim, case_record_remote_reference
from shuzheng.cases.services.submission import case_submit
from shuzheng.cases.services.uploads import material_upload
from shuzheng.cases.views_common import (
    case_documents,
    distribute,
    error_summary,
    expected_version,
    form_fields,
    form_only_errors,
    material_response,
    material_rows,
    pdf_response,
    read_materials,
    result_response,
)
from shuzheng.cases.workflow import CaseAction
from shuzheng.catalog import selectors as catalog_selectors
from shuzheng.core import errors
from shuzheng.core.masking import mask_id_number, mask_name
from shuzheng.core.validators import validate_id_number, validate_uscc
from shuzheng.identity import selectors as identity_selectors
from shuzheng.identity.page_access import staff_required
from shuzheng.orgs import selectors as orgs_selectors

if TYPE_CHECKING:
    from shuzheng.catalog.models import ServiceItemVersion

QUEUE_PER_PAGE = 30
ITEM_CHOICES = 20
#: Actions the workbench offers as forms (respond_correction is the applicant's, on the portal).
WORKBENCH_ACTIONS = tuple(a for a in ACTION_FORMS)


def _intake_places(user: Any) -> tuple[list[Any], list[Any]]:
    """Halls of the clerk's department's division (default first) and their active windows."""
    division = getattr(getattr(user, "department", None), "division_id", None)
    halls = orgs_selectors.hall_list(division=division, limit=50).items if division else []
    windows: list[Any] = []
    for hall in halls:
        windows.extend(orgs_selectors.window_list(hall=hall, limit=50).items)
    return halls, windows


def _intake_items(q: str) -> list[ServiceItemVersion]:
    page = catalog_selectors.guide_list(q=q or None, limit=50)
    return [v for v in page.items if "window" in (v.channels or [])][:ITEM_CHOICES]


@require_http_methods(["GET", "POST"])
@staff_required
def intake(request: HttpRequest) -> HttpResponse:
    """一窗受理: pick an item, identify the applicant, fill the item's form, check the materials, file."""
    user: Any = request.user
    if not user.has_perm("cases.intake_case"):
        raise errors.PermissionDenied("没有代为申请（一窗受理）的权限。")
    code = (request.POST.get("item") or request.GET.get("item") or "").strip()[:64]
    if not code:
        q = (request.GET.get("q") or "").strip()[:100]
        return render(request, "cases/workbench/intake_pick.html", {"q": q, "items": _intake_items(q)})
    version = catalog_selectors.version_for_application(code)
    halls, windows = _intake_places(user)
    window_ok = "window" in (version.channels or [])
    post = request.POST if request.method == "POST" else None
    initial = {"idempotency_key": new_idempotency_key()}
    if halls:
        initial["hall"] = halls[0].pk
        first = next(
            (
                w
                for w in windows
                if w.hall_id == halls[0].pk and w.kind == "comprehensive" and not w.department_id
            ),
            None,
        )
        if first is not None:
            initial["window"] = first.pk
    intake_form = IntakeForm(post, initial=initial, halls=halls, windows=windows)
    schema_form = SchemaForm(version.form_schema, post)
    rows = material_rows(version, staff=True)
    lookup = None
    status = 200
    if post is not None:
        intake_form.is_valid()
        schema_form.is_valid()
        if "lookup" in request.POST:
            lookup = _applicant_lookup(
                intake_form.cleaned_data.get("applicant_kind") or "person",
                intake_form.cleaned_data.get("id_number") or "",
                intake_form.cleaned_data.get("uscc") or "",
            )
            read_materials(request, rows, staff=True, upload_files=False)
        else:
            materials, codes = read_materials(request, rows, staff=True, upload_files=True)
            if intake_form.is_valid() and not any(row.errors for row in rows):
                data = intake_form.cleaned_data
                applicant = ApplicantData(
                    kind=data["applicant_kind"],
                    name=data.get("applicant_name") or "",
                    id_number=data.get("id_number") or "",
                    uscc=data.get("uscc") or "",
                    mobile=data.get("mobile") or "",
                )
                cross_region = bool(data.get("cross_region"))
                try:
                    case = case_submit(
                        actor=user,
                        channel=CaseChannel.CROSS_REGION if cross_region else CaseChannel.WINDOW,
                        target_region=data.get("target_region") or None,
                        item_code=version.code,
                        form_data=schema_form.form_data(),
                        materials=materials,
                        idempotency_key=data.get("idempotency_key") or "",
                        applicant=applicant,
                        hall_id=data.get("hall"),
                        window_id=data.get("window"),
                    )
                except errors.ValidationFailed as error:
                    distribute(
                        error, forms_=[schema_form, intake_form], rows=rows, codes=codes, main=intake_form
                    )
                except errors.Conflict as error:
                    intake_form.add_error(None, error.detail)
                else:
                    messages.success(
                        request, f"已收件：办件编号 {case.number}。请打印收件回执交申请人，并及时受理。"
                    )
                    return redirect(f"{reverse('cases:workbench_case', args=[case.pk])}?received=1")
            elif not intake_form.errors:
                form_only_errors(version, schema_form)
            status = 422
    context: dict[str, Any] = {
        "version": version,
        "window_ok": window_ok,
        "intake_form": intake_form,
        "schema_form": schema_form,
        "rows": rows,
        "lookup": lookup,
        "summary": error_summary([intake_form, schema_form], rows) if status != 200 else [],
        "has_halls": bool(halls),
    }
    return render(request, "cases/workbench/intake.html", context, status=status)


@dataclass(frozen=True)
class Lookup:
    ok: bool
    message: str


def _applicant_lookup(kind: str, id_number: str, uscc: str) -> Lookup:
    """Check the identifier and say (masked) whether the applicant has a real-name account."""
    if kind == "enterprise":
        try:
            validate_uscc(uscc, field="uscc")
        except errors.ValidationFailed as error:
            return Lookup(False, f"统一社会信用代码有误：{error.detail}")
        message = f"统一社会信用代码 {uscc} 校验通过。"
        if id_number:
            person = _person_lookup(id_number)
            message += person.message
            return Lookup(person.ok, message)
        return Lookup(True, message)
    return _person_lookup(id_number)


def _person_lookup(id_number: str) -> Lookup:
    try:
        number = validate_id_number(id_number, field="id_number")
    except errors.ValidationFailed as error:
        return Lookup(False, f"身份证号码有误：{error.detail}")
    account = identity_selectors.citizen_get_by_id_number(number)
    if account is None:
        return Lookup(
            True, f"身份证号码 {mask_id_number(number)} 校验通过；未找到实名账号，将按录入信息登记。"
        )
    return Lookup(
        True,
        f"身份证号码 {mask_id_number(number)} 校验通过；已找到实名账号：{mask_name(account.full_name)}"
        "，办件将同步到其“我的办件”。",
    )


@require_GET
@staff_required
def intake_applicant(request: HttpRequest) -> HttpResponse:
    """htmx: check the applicant's identifier as it is typed (the no-JS form has a 核验 button)."""
    if not request.user.has_perm("cases.intake_case"):
        raise errors.PermissionDenied("没有代为申请（一窗受理）的权限。")
    lookup = _applicant_lookup(
        (request.GET.get("applicant_kind") or "person")[:16],
        (request.GET.get("id_number") or "").strip()[:18],
        (request.GET.get("uscc") or "").strip()[:18],
    )
    return render(request, "cases/includes/lookup.html", {"lookup": lookup})


@require_GET
@staff_required
def queue(request: HttpRequest) -> HttpResponse:
    """My queue: cases in my scope, earliest deadline first, deadline state in colour and text."""
    form = QueueFilterForm(request.GET)
    page = None
    status = 200
    if form.is_valid():
        data = form.cleaned_data
        page = selectors.case_queue(
            user=request.user,
            status=data["status"] or None,
            item=data["item"] or None,
            channel=data["channel"] or None,
            state=data["state"] or None,
            mine=bool(data["mine"]),
            q=data["q"] or None,
            cursor=request.GET.get("cursor") or None,
            limit=QUEUE_PER_PAGE,
        )
        for case in page.items:  # labels for the template: state in text, the name masked as in the API
            case.deadline_label = DeadlineState(case.deadline_state).label  # type: ignore[attr-defined]
            case.display_name = api.case_out(case, user=request.user)["applicant_name"]  # type: ignore[attr-defined]
    else:
        status = 400
    context = {
        "form": form,
        "page": page,
        "paged": bool(request.GET.get("cursor")),
        "can_intake": request.user.has_perm("cases.intake_case"),
    }
    return render(request, "cases/workbench/queue.html", context, status=status)


def _deferral_choices(case: Case) -> list[tuple[str, str]]:
    have = {m.requirement_id for m in selectors.case_materials(case) if not m.deferred}
    return [
        (r.code, r.name)
        for r in case.version.materials.all()
        if not r.is_key and r.pk not in have and not r.exempt
    ]


def _action_form(action: str, case: Case, data: Any = None, files: Any = None) -> ActionForm:
    cls = ACTION_FORMS[action]
    if cls is AcceptWithDeferralForm:
        return AcceptWithDeferralForm(data, files, prefix=action, choices=_deferral_choices(case))
    return cls(data, files, prefix=action)


def _workbench_context(
    request: HttpRequest, case: Case, bound: dict[str, Any] | None = None
) -> dict[str, Any]:
    user: Any = request.user
    detail = api.case_detail_out(case, user=user)
    bound = bound or {}
    # Forwarding is for 跨省通办 cases only, which are never accepted here (the services refuse both).
    hidden = {"accept", "accept_with_deferral"} if case.target_region else {"forward"}
    actions = [a for a in detail["actions"] if a in WORKBENCH_ACTIONS and a not in hidden]
    forms_ = [(a, CaseAction(a).label, bound.get(a) or _action_form(a, case)) for a in actions]
    remote_form = None
    if case.status == CaseStatus.FORWARDED and user.has_perm("cases.accept_case"):
        remote_form = bound.get("remote_reference") or RemoteReferenceForm(prefix="remote")
    return {
        "case": case,
        "detail": detail,
        "state_label": DeadlineState(detail["deadline_state"]).label,
        "form_fields": form_fields(case, request.user),
        "materials": selectors.case_materials(case),
        "timeline": selectors_timeline.case_timeline(case),
        "correction": selectors.open_correction(case),
        "action_forms": forms_,
        "remote_form": remote_form,
        "documents": case_documents(case),
        "received": request.GET.get("received") == "1",
        "panels": panels.panels_for(case, user),
    }


@require_GET
@staff_required
def workbench_case(request: HttpRequest, case_id: int) -> HttpResponse:
    case = selectors.case_get(user=request.user, case_id=case_id)
    return render(request, "cases/workbench/case.html", _workbench_context(request, case))


def _rerender(
    request: HttpRequest, case_id: int, *, bound: dict[str, Any] | None = None, error: str = "", status: int
) -> HttpResponse:
    case = selectors.case_get(user=request.user, case_id=case_id)
    context = _workbench_context(request, case, bound)
    context["action_error"] = error
    return render(request, "cases/workbench/case.html", context, status=status)


@require_POST
@staff_required
def act(request: HttpRequest, case_id: int, action: str) -> HttpResponse:
    """One workflow action from the case page; posts ``expected_version`` (optimistic lock)."""
    case = selectors.case_get(user=request.user, case_id=case_id)  # another scope: 404
    if action not in WORKBENCH_ACTIONS:
        raise errors.NotFound("没有这种办理操作。")
    form = _action_form(action, case, request.POST, request.FILES)
    if form.is_valid():
        data = form.data_for_service()
        try:
            with transaction.atomic():
                file = form.cleaned_data.get("result_file")
                if file:
                    upload = material_upload(actor=request.user, file=file, name=file.name or "")
                    data["result_upload_id"] = upload.pk
                case_act(
                    actor=request.user,
                    case=case,
                    action=action,
                    expected_version=expected_version(request),  # type: ignore[arg-type]
                    **data,
                )
        except errors.ValidationFailed as error:
            if any(str(i.get("field")) == "expected_version" for i in error.errors):
                return _rerender(request, case_id, error=STALE_VERSION, status=409)
            form.add_service_error(error)
        except (errors.PayloadTooLarge, errors.UnsupportedMediaType) as error:
            form.add_error("result_file" if "result_file" in form.fields else None, error.detail)
        except (errors.Conflict, errors.PermissionDenied) as error:
            return _rerender(request, case_id, error=error.detail, status=error.status)
        else:
            messages.success(request, f"已{CaseAction(action).label}。")
            return redirect("cases:workbench_case", case_id=case.pk)
    return _rerender(request, case_id, bound={action: form}, status=422)


@require_POST
@staff_required
def remote_reference(request: HttpRequest, case_id: int) -> HttpResponse:
    case = selectors.case_get(user=request.user, case_id=case_id)
    form = RemoteReferenceForm(request.POST, prefix="remote")
    if form.is_valid():
        try:
            case_record_remote_reference(
                actor=request.user,
                case=case,
                reference=form.cleaned_data["reference"],
                expected_version=expected_version(request),  # type: ignore[arg-type]
            )
        except errors.ValidationFailed as error:
            form.add_service_error(error)
        except (errors.Conflict, errors.PermissionDenied) as error:
            return _rerender(request, case_id, error=error.detail, status=error.status)
        else:
            messages.success(request, "已登记对方受理编号。")
            return redirect("cases:workbench_case", case_id=case.pk)
    return _rerender(request, case_id, bound={"remote_reference": form}, status=422)


@require_POST
@staff_required
def claim(request: HttpRequest, case_id: int) -> HttpResponse:
    case = selectors.case_get(user=request.user, case_id=case_id)
    try:
        case_claim(
            actor=request.user,
            case=case,
            expected_version=expected_version(request),  # type: ignore[arg-type]
        )
    except (errors.Conflict, errors.PermissionDenied, errors.ValidationFailed) as error:
        detail = STALE_VERSION if isinstance(error, errors.ValidationFailed) else error.detail
        return _rerender(request, case_id, error=detail, status=409 if error.status == 422 else error.status)
    messages.success(request, "已认领，您现在是该办件的经办人。")
    return redirect("cases:workbench_case", case_id=case.pk)


@require_GET
@staff_required
def workbench_document(request: HttpRequest, case_id: int, kind: str) -> HttpResponse:
    return pdf_response(selectors.case_get(user=request.user, case_id=case_id), kind)


@require_GET
@staff_required
def workbench_material(request: HttpRequest, case_id: int, material_id: int) -> HttpResponseBase:
    case = selectors.case_get(user=request.user, case_id=case_id)
    return material_response(case, material_id)


@require_GET
@staff_required
def workbench_result(request: HttpRequest, case_id: int) -> HttpResponseBase:
    return result_response(selectors.case_get(user=request.user, case_id=case_id))
