"""The data-hub workbench's sharing pages (/workbench/datahub/sharing/, grants/, credentials/,
access-log/): requests, the provider's inbox, grants and API credentials, indicator 13, and the access
logs (per entry, per providing department, per person)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from shuzheng.core import errors
from shuzheng.datahub import services
from shuzheng.datahub.forms_sharing import (
    ApproveForm,
    CredentialForm,
    PersonLookupForm,
    RefuseForm,
    RequestFilterForm,
    SharingRequestForm,
)
from shuzheng.datahub.models import (
    ApiCredential,
    SharingRequest,
)
from shuzheng.datahub.selectors import access_logs as access_log_selectors
from shuzheng.datahub.selectors import scope as scope_selectors
from shuzheng.datahub.selectors import sharing as sharing_selectors
from shuzheng.datahub.services import sharing as sharing_services
from shuzheng.datahub.views_catalog import (
    PER_PAGE,
    entry_in_scope,
)
from shuzheng.identity.page_access import staff_required
from shuzheng.identity.scopes import data_scope_for

ISSUED_KEY = "datahub_issued_credential"


# --- sharing -------------------------------------------------------------------------------------------


@require_GET
@staff_required
def sharing(request: HttpRequest) -> HttpResponse:
    """共享申请: the provider's inbox and my department's requests, timeouts flagged; indicator 13."""
    form = RequestFilterForm(request.GET or None)
    valid = form.is_valid() if request.GET else True
    data = form.cleaned_data if request.GET and valid else {}
    cursor = (request.GET.get("cursor") or None) if valid else None
    page = sharing_selectors.request_list(
        user=request.user,
        role=data.get("role") or None,
        status=data.get("status") or None,
        timed_out={"1": True, "0": False}.get(data.get("timed_out") or ""),
        cursor=cursor,
        limit=PER_PAGE,
    )
    flagged = {r.pk for r in page.items if sharing_selectors.is_timed_out(r)}
    context = {
        "form": form,
        "page": page,
        "paged": bool(cursor),
        "timed_out_ids": flagged,
        "indicator": sharing_selectors.sharing_indicator(),
        "timeouts": sharing_selectors.timeouts_by_provider()[:10],
        "own_department_id": getattr(request.user, "department_id", None),
    }
    return render(request, "datahub/workbench/sharing.html", context, status=200 if valid else 400)


@require_http_methods(["GET", "POST"])
@staff_required
def sharing_new(request: HttpRequest, entry_id: int) -> HttpResponse:
    """Request an entry of another department: purpose, fields, period, legal basis."""
    entry = entry_in_scope(request, entry_id)
    department = getattr(request.user, "department", None)
    if department is None or not scope_selectors.can(request.user, services.PERM_REQUEST, department):
        raise errors.PermissionDenied("只有有申请权限的部门工作人员可以申请共享。")
    if entry.department_id == department.pk:
        raise errors.Conflict("不能申请本部门自己的资源。")
    form = SharingRequestForm(request.POST or None, entry=entry)
    status = 200
    if request.method == "POST":
        status = 422
        if form.is_valid():
            try:
                created = sharing_services.sharing_request_create(
                    actor=request.user, entry=entry, requester_department=department, **form.request_fields()
                )
            except errors.ValidationFailed as error:
                form.add_service_error(error)
            except errors.Conflict as error:
                form.add_error(None, error.detail)
            else:
                if created.auto_granted:
                    messages.success(request, "该资源为无条件共享，已自动授权，可以签发接口凭证。")
                else:
                    messages.success(
                        request, f"已提交共享申请，提供部门应在 {created.due_on:%Y-%m-%d} 前审批。"
                    )
                return redirect("datahub:wb_request", request_id=created.pk)
    return render(
        request, "datahub/workbench/request_new.html", {"entry": entry, "form": form}, status=status
    )


def _request_page(
    request: HttpRequest,
    found: SharingRequest,
    *,
    status: int = 200,
    approve_form: ApproveForm | None = None,
    refuse_form: RefuseForm | None = None,
) -> HttpResponse:
    can_decide = found.status == SharingRequest.Status.PENDING and scope_selectors.can(
        request.user, services.PERM_DECIDE, found.provider_department
    )
    grant = getattr(found, "grant", None) if found.status == SharingRequest.Status.APPROVED else None
    labels = {i.name: i.label for i in found.entry.items.all()}
    context = {
        "req": found,
        "grant": grant,
        "timed_out": sharing_selectors.is_timed_out(found),
        "field_labels": [labels.get(f, f) for f in found.fields],
        "approved_labels": [labels.get(f, f) for f in found.approved_fields],
        "can_decide": can_decide,
        "approve_form": approve_form or (ApproveForm(request=found) if can_decide else None),
        "refuse_form": refuse_form or (RefuseForm() if can_decide else None),
    }
    return render(request, "datahub/workbench/request.html", context, status=status)


@require_GET
@staff_required
def request_detail(request: HttpRequest, request_id: int) -> HttpResponse:
    return _request_page(request, sharing_selectors.request_get(user=request.user, id=request_id))


def _still_pending(found: SharingRequest) -> None:
    if found.status != SharingRequest.Status.PENDING:
        raise errors.Conflict(f"该申请已{found.get_status_display()}，不能重复审批。")


@require_POST
@staff_required
def request_approve(request: HttpRequest, request_id: int) -> HttpResponse:
    found = sharing_selectors.request_get(user=request.user, id=request_id)
    if not scope_selectors.can(request.user, services.PERM_DECIDE, found.provider_department):
        raise errors.NotFound("共享申请不存在或不在您的数据范围内")
    _still_pending(found)
    form = ApproveForm(request.POST, request=found)
    if form.is_valid():
        try:
            grant = sharing_services.sharing_request_approve(
                actor=request.user,
                request=found,
                fields=form.cleaned_data["granted"],
                allow_clear_text=form.cleaned_data["allow_clear_text"],
                period_end=form.cleaned_data["period_end"],
            )
        except errors.ValidationFailed as error:
            form.add_service_error(error)
        except errors.Conflict as error:
            form.add_error(None, error.detail)
        else:
            messages.success(
                request, f"已同意，授权 {len(grant.fields)} 个字段，有效期至 {grant.valid_until:%Y-%m-%d}。"
            )
            return redirect("datahub:wb_request", request_id=found.pk)
    return _request_page(request, found, status=422, approve_form=form)


@require_POST
@staff_required
def request_refuse(request: HttpRequest, request_id: int) -> HttpResponse:
    found = sharing_selectors.request_get(user=request.user, id=request_id)
    if not scope_selectors.can(request.user, services.PERM_DECIDE, found.provider_department):
        raise errors.NotFound("共享申请不存在或不在您的数据范围内")
    _still_pending(found)
    form = RefuseForm(request.POST)
    if form.is_valid():
        try:
            sharing_services.sharing_request_refuse(
                actor=request.user, request=found, reason=form.cleaned_data["reason"]
            )
        except errors.ValidationFailed as error:
            form.add_service_error(error)
        except errors.Conflict as error:
            form.add_error(None, error.detail)
        else:
            messages.success(request, "已拒绝该申请。")
            return redirect("datahub:wb_request", request_id=found.pk)
    return _request_page(request, found, status=422, refuse_form=form)


@require_GET
@staff_required
def grants(request: HttpRequest) -> HttpResponse:
    """Grants my department holds (issue credentials) or gave (revoke)."""
    cursor = request.GET.get("cursor") or None
    page = sharing_selectors.grant_list(user=request.user, cursor=cursor, limit=PER_PAGE)
    context = {
        "page": page,
        "paged": bool(cursor),
        "own_department_id": getattr(request.user, "department_id", None),
    }
    return render(request, "datahub/workbench/grants.html", context)


def _grant_page(
    request: HttpRequest,
    grant_id: int,
    *,
    status: int = 200,
    form: CredentialForm | None = None,
    issued: tuple[ApiCredential, str] | None = None,
) -> HttpResponse:
    grant = sharing_selectors.grant_get(user=request.user, id=grant_id)
    labels = {i.name: i.label for i in grant.entry.items.all()}
    holder = scope_selectors.can(request.user, services.PERM_CREDENTIAL, grant.department)
    context = {
        "grant": grant,
        "field_labels": [labels.get(f, f) for f in grant.fields],
        "credentials": list(grant.credentials.order_by("-id")),
        "can_issue": holder and grant.revoked_at is None,
        "can_revoke_grant": grant.revoked_at is None
        and scope_selectors.can(request.user, services.PERM_DECIDE, grant.entry.department),
        "form": form or CredentialForm(),
        "issued": issued,
        "data_url": f"/api/v1/datahub/data/{grant.entry.code}/rows",
    }
    return render(request, "datahub/workbench/grant.html", context, status=status)


@require_GET
@staff_required
def grant_detail(request: HttpRequest, grant_id: int) -> HttpResponse:
    """A grant, its credentials and, once after issuing, the new credential's secret."""
    pending = request.session.get(ISSUED_KEY)
    issued = None
    if isinstance(pending, dict) and pending.get("grant") == grant_id:
        del request.session[ISSUED_KEY]
        credential = ApiCredential.objects.filter(
            pk=int(pending.get("credential") or 0), grant_id=grant_id
        ).first()
        if credential is not None:
            issued = (credential, str(pending.get("secret") or ""))
    response = _grant_page(request, grant_id, issued=issued)
    if issued is not None:
        response["Cache-Control"] = "no-store"
    return response


@require_POST
@staff_required
def credential_issue(request: HttpRequest, grant_id: int) -> HttpResponse:
    """Issue an API credential: the secret is shown on this response only (it is stored hashed)."""
    grant = sharing_selectors.grant_get(user=request.user, id=grant_id)
    if not scope_selectors.can(request.user, services.PERM_CREDENTIAL, grant.department):
        raise errors.NotFound("授权不存在或不在您的数据范围内")
    form = CredentialForm(request.POST)
    if form.is_valid():
        try:
            issued = sharing_services.credential_issue(
                actor=request.user,
                grant=grant,
                label=form.cleaned_data["label"],
                rate_limit_per_minute=form.cleaned_data["rate_limit_per_minute"],
            )
        except errors.ValidationFailed as error:
            form.add_service_error(error)
        except errors.Conflict as error:
            form.add_error(None, error.detail)
        else:
            credential, secret = issued
            # Post/redirect/get: the secret waits in the session for the next page only (a reload of
            # this POST would otherwise issue a second credential).
            request.session[ISSUED_KEY] = {"grant": grant.pk, "credential": credential.pk, "secret": secret}
            return redirect("datahub:wb_grant", grant_id=grant.pk)
    return _grant_page(request, grant.pk, status=422, form=form)


@require_POST
@staff_required
def credential_revoke(request: HttpRequest, credential_id: int) -> HttpResponse:
    credential = sharing_selectors.credential_get(user=request.user, id=credential_id)
    try:
        sharing_services.credential_revoke(actor=request.user, credential=credential)
    except errors.PermissionDenied as error:
        raise errors.NotFound("凭证不存在或不在您的数据范围内") from error
    messages.success(request, f"凭证 {credential.client_id} 已撤销。")
    return redirect("datahub:wb_grant", grant_id=credential.grant_id)


@require_POST
@staff_required
def grant_revoke(request: HttpRequest, grant_id: int) -> HttpResponse:
    grant = sharing_selectors.grant_get(user=request.user, id=grant_id)
    if not scope_selectors.can(request.user, services.PERM_DECIDE, grant.entry.department):
        raise errors.NotFound("授权不存在或不在您的数据范围内")
    sharing_services.grant_revoke(actor=request.user, grant=grant)
    messages.success(request, "授权已撤销，其接口凭证随之失效。")
    return redirect("datahub:wb_grant", grant_id=grant.pk)


# --- access logs ---------------------------------------------------------------------------------------


def _log_page(request: HttpRequest, page: Any, **context: Any) -> HttpResponse:
    context.update(page=page, paged=bool(request.GET.get("cursor")))
    return render(request, "datahub/workbench/access_log.html", context)


@require_GET
@staff_required
def entry_access_log(request: HttpRequest, entry_id: int) -> HttpResponse:
    """Who accessed my data: the reads of one entry, for the providing department."""
    entry = entry_in_scope(request, entry_id, access_log_selectors.PERM_VIEW_LOG)
    page = access_log_selectors.access_log_for_entry(
        user=request.user, entry=entry, cursor=request.GET.get("cursor") or None, limit=PER_PAGE
    )
    labels = {i.name: i.label for i in entry.items.all()}
    return _log_page(request, page, entry=entry, field_labels=labels)


@require_GET
@staff_required
def provider_access_log(request: HttpRequest) -> HttpResponse:
    """Who accessed my department's data, across its entries."""
    department = getattr(request.user, "department", None)
    if department is None or not scope_selectors.can(
        request.user, access_log_selectors.PERM_VIEW_LOG, department
    ):
        raise errors.PermissionDenied("只有提供部门和数据管理员可以查看访问日志。")
    page = access_log_selectors.access_log_for_provider(
        user=request.user, department=department, cursor=request.GET.get("cursor") or None, limit=PER_PAGE
    )
    return _log_page(request, page, department=department, field_labels={})


@require_http_methods(["GET", "POST"])
@staff_required
def person_access_log(request: HttpRequest) -> HttpResponse:
    """Which departments read the record of an ID number (privacy requests). The number travels in the
    POST body, never in the address."""
    user = request.user
    if not (
        user.has_perm(access_log_selectors.PERM_VIEW_LOG)
        and data_scope_for(user, access_log_selectors.PERM_VIEW_LOG).is_all
    ):
        raise errors.PermissionDenied("只有数据管理员（全部数据范围）可以按身份证号查询访问记录。")
    form = PersonLookupForm(request.POST or None)
    page = None
    status = 200
    if request.method == "POST":
        if form.is_valid():
            page = access_log_selectors.access_log_for_person(
                user=user, id_number=form.cleaned_data["id_number"], cursor=request.POST.get("cursor") or None
            )
        else:
            status = 422
    return render(request, "datahub/workbench/person_log.html", {"form": form, "page": page}, status=status)


# --- URLs --------------------------------------------------------------------------------------------

_P = "workbench/datahub/"

urlpatterns = [
    path(f"{_P}catalog/<int:entry_id>/request/", sharing_new, name="wb_request_new"),
    path(f"{_P}catalog/<int:entry_id>/access-log/", entry_access_log, name="wb_entry_log"),
    path(f"{_P}sharing/", sharing, name="wb_sharing"),
    path(f"{_P}sharing/<int:request_id>/", request_detail, name="wb_request"),
    path(f"{_P}sharing/<int:request_id>/approve/", request_approve, name="wb_request_approve"),
    path(f"{_P}sharing/<int:request_id>/refuse/", request_refuse, name="wb_request_refuse"),
    path(f"{_P}grants/", grants, name="wb_grants"),
    path(f"{_P}grants/<int:grant_id>/", grant_detail, name="wb_grant"),
    path(f"{_P}grants/<int:grant_id>/credentials/", credential_issue, name="wb_credential_issue"),
    path(f"{_P}grants/<int:grant_id>/revoke/", grant_revoke, name="wb_grant_revoke"),
    path(f"{_P}credentials/<int:credential_id>/revoke/", credential_revoke, name="wb_credential_revoke"),
    path(f"{_P}access-log/", provider_access_log, name="wb_access_log"),
    path(f"{_P}access-log/person/", person_access_log, name="wb_person_log"),
]
