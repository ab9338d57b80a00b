"""Citizen and enterprise pages of 办件 (/cases/...): apply online, my cases, one case with its correction
request, withdrawal, and the case's documents and result.

Thin, as the workbench pages: the services decide and their Chinese errors are shown on the form.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from shuzheng.cases import deadlines, selectors, selectors_timeline
from shuzheng.cases.access import OUT_OF_SCOPE, signed_in
from shuzheng.cases.constants import CaseChannel, CaseStatus, DeadlineState, DeliveryMethod
from shuzheng.cases.forms_common import SchemaForm, WithdrawForm, new_idempotency_key
from shuzheng.cases.forms_portal import ApplyForm, CorrectionResponseForm
from shuzheng.cases.models import Case
from shuzheng.cases.services.acceptance import case_respond_correction
from shuzheng.cases.services.applicant import account_identity
from shuzheng.cases.services.closing import case_withdraw
from shuzheng.cases.services.common import STALE_VERSION, MaterialData
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
    place_material_errors,
    read_materials,
    result_response,
    url_or_none,
)
from shuzheng.cases.workflow import TRANSITIONS, CaseAction
from shuzheng.catalog import selectors as catalog_selectors
from shuzheng.core import errors
from shuzheng.identity.page_access import person_required

MY_CASES_PER_PAGE = 20


@require_http_methods(["GET", "POST"])
@person_required
def apply(request: HttpRequest, code: str) -> HttpResponse:
    """网上申请: the item's form from its JSON Schema, the material uploads, an idempotency key."""
    version = catalog_selectors.version_for_application(code)
    if "portal" not in (version.channels or []):
        raise errors.Conflict(
            "本事项暂不支持网上申请，请到政务服务大厅窗口办理。", code="channel_not_allowed"
        )
    post = request.POST if request.method == "POST" else None
    apply_form = ApplyForm(post, initial={"idempotency_key": new_idempotency_key()})
    schema_form = SchemaForm(version.form_schema, post, identity=account_identity(signed_in(request.user)))
    rows = material_rows(version, staff=False)
    status = 200
    if post is not None:
        apply_form.is_valid()
        schema_form.is_valid()
        materials, codes = read_materials(request, rows, staff=False, upload_files=True)
        if not any(row.errors for row in rows):
            try:
                case = case_submit(
                    actor=request.user,
                    channel=CaseChannel.PORTAL,
                    item_code=version.code,
                    form_data=schema_form.form_data(),
                    materials=materials,
                    idempotency_key=apply_form.cleaned_data.get("idempotency_key") or "",
                )
            except errors.ValidationFailed as error:
                distribute(error, forms_=[schema_form, apply_form], rows=rows, codes=codes, main=apply_form)
            except errors.Conflict as error:
                apply_form.add_error(None, error.detail)
            else:
                return redirect("cases:submitted", case_id=case.pk)
        else:
            form_only_errors(version, schema_form)
        status = 422
    context = {
        "version": version,
        "apply_form": apply_form,
        "schema_form": schema_form,
        "rows": rows,
        "summary": error_summary([apply_form, schema_form], rows) if status != 200 else [],
    }
    return render(request, "cases/portal/apply.html", context, status=status)


def _my_case(request: HttpRequest, case_id: int) -> Case:
    """The applicant's own case (staff in scope use the workbench); anybody else's case is a 404."""
    case = selectors.case_get(user=request.user, case_id=case_id)
    if not selectors.is_applicant(request.user, case):
        raise errors.NotFound(OUT_OF_SCOPE)
    return case


@require_GET
@person_required
def submitted(request: HttpRequest, case_id: int) -> HttpResponse:
    case = _my_case(request, case_id)
    return render(request, "cases/portal/submitted.html", {"case": case})


@require_GET
@person_required
def my_cases(request: HttpRequest) -> HttpResponse:
    page = selectors.my_cases(
        applicant=request.user, cursor=request.GET.get("cursor") or None, limit=MY_CASES_PER_PAGE
    )
    context = {"page": page, "paged": bool(request.GET.get("cursor"))}
    return render(request, "cases/portal/my_cases.html", context)


def _portal_context(request: HttpRequest, case: Case, **extra: Any) -> dict[str, Any]:
    allowed = TRANSITIONS.actions_from(case.status)
    concluded = case.status == CaseStatus.CONCLUDED
    correction = selectors.open_correction(case) if case.status == CaseStatus.CORRECTION_REQUESTED else None
    context = {
        "case": case,
        "state_label": DeadlineState(case.deadline_state).label,  # type: ignore[attr-defined]
        "remaining": deadlines.remaining_working_days(case),
        "form_fields": form_fields(case, request.user),
        "materials": selectors.case_materials(case),
        "timeline": selectors_timeline.case_timeline(case),
        "correction": correction,
        "correction_form": extra.pop("correction_form", None) or CorrectionResponseForm(),
        "correction_rows": extra.pop("correction_rows", None) or material_rows(case.version, staff=False),
        "can_withdraw": CaseAction.WITHDRAW in allowed,
        "result_available": bool(case.result_file) and case.delivery_method == DeliveryMethod.ELECTRONIC,
        "evaluate_url": url_or_none("evaluation:case_evaluate", case.pk) if concluded else None,
        "documents": case_documents(case),
    }
    context.update(extra)
    return context


@require_GET
@person_required
def portal_case(request: HttpRequest, case_id: int) -> HttpResponse:
    case = _my_case(request, case_id)
    return render(request, "cases/portal/case.html", _portal_context(request, case))


@require_POST
@person_required
def respond_correction(request: HttpRequest, case_id: int) -> HttpResponse:
    """补正: the corrected materials (one file per material, or an extra file) and a note."""
    case = _my_case(request, case_id)
    form = CorrectionResponseForm(request.POST)
    rows = material_rows(case.version, staff=False)
    for row in rows:
        row.way = "upload"
    materials, codes = read_materials(request, rows, staff=False, upload_files=True)
    extra = request.FILES.get("extra-file")
    status = 422
    if extra is not None:
        try:
            upload = material_upload(actor=request.user, file=extra, name=extra.name or "")
        except errors.ApplicationError as error:
            form.add_error(None, f"其他材料：{error.detail}")
        else:
            materials.append(MaterialData(code="", upload_id=upload.pk))
            codes.append("")
    if form.is_valid() and not form.errors and not any(row.errors for row in rows):
        try:
            case_respond_correction(
                actor=request.user,
                case=case,
                expected_version=expected_version(request),  # type: ignore[arg-type]
                note=form.cleaned_data.get("note") or "",
                materials=materials,
            )
        except errors.ValidationFailed as error:
            if any(str(i.get("field")) == "expected_version" for i in error.errors):
                form.add_error(None, STALE_VERSION)
                status = 409
            elif not place_material_errors(error, rows, codes):
                form.add_service_error(error)
        except (errors.Conflict, errors.PermissionDenied) as error:
            form.add_error(None, error.detail)
            status = error.status
        else:
            messages.success(request, "补正材料已提交，我们将尽快重新审核。")
            return redirect("cases:portal_case", case_id=case.pk)
    case = _my_case(request, case_id)
    context = _portal_context(request, case, correction_form=form, correction_rows=rows)
    return render(request, "cases/portal/case.html", context, status=status)


@require_http_methods(["GET", "POST"])
@person_required
def withdraw(request: HttpRequest, case_id: int) -> HttpResponse:
    """撤回申请, before the decision, after a confirmation page."""
    case = _my_case(request, case_id)
    form = WithdrawForm(request.POST or None, prefix="withdraw")
    status = 200
    if request.method == "POST":
        status = 422
        if form.is_valid():
            try:
                case_withdraw(
                    actor=request.user,
                    case=case,
                    expected_version=expected_version(request),  # type: ignore[arg-type]
                    **form.data_for_service(),
                )
            except errors.ValidationFailed as error:
                if any(str(i.get("field")) == "expected_version" for i in error.errors):
                    form.add_error(None, STALE_VERSION)
                    status = 409
                else:
                    form.add_service_error(error)
            except (errors.Conflict, errors.PermissionDenied) as error:
                form.add_error(None, error.detail)
                status = error.status
            else:
                messages.success(request, f"已撤回申请（办件编号 {case.number}）。")
                return redirect("cases:portal_case", case_id=case.pk)
    context = {
        "case": case,
        "form": form,
        "can_withdraw": CaseAction.WITHDRAW in TRANSITIONS.actions_from(case.status),
    }
    return render(request, "cases/portal/withdraw.html", context, status=status)


@require_GET
@person_required
def portal_result(request: HttpRequest, case_id: int) -> HttpResponseBase:
    return result_response(_my_case(request, case_id))


@require_GET
@person_required
def portal_document(request: HttpRequest, case_id: int, kind: str) -> HttpResponse:
    return pdf_response(_my_case(request, case_id), kind)


@require_GET
@person_required
def portal_material(request: HttpRequest, case_id: int, material_id: int) -> HttpResponseBase:
    return material_response(_my_case(request, case_id), material_id)
