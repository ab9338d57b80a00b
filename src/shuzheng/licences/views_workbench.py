"""Workbench pages: seals (list, issue, detail with history, certificate and use log, suspend / resume /
revoke) for seal administrators; licences issued in scope (list, detail, issue, change, revoke)."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from shuzheng.core import errors
from shuzheng.identity.page_access import perm_required, problem_page
from shuzheng.identity.scopes import data_scope_for
from shuzheng.licences import pki, selectors
from shuzheng.licences import seal_image as impressions
from shuzheng.licences.constants import (
    ISSUE_LICENCES,
    MANAGE_SEALS,
    REVOKE_LICENCES,
    VIEW_LICENCES,
    VIEW_SEALS,
    SealKind,
)
from shuzheng.licences.forms_workbench import LicenceIssueForm, ReasonForm, SealIssueForm, data_by_label
from shuzheng.licences.services import licences, seals
from shuzheng.licences.workflow import SEAL_TRANSITIONS
from shuzheng.orgs import selectors as orgs_selectors

SEAL_PERMS = f"{VIEW_SEALS}|{MANAGE_SEALS}"
LICENCE_PERMS = f"{VIEW_LICENCES}|{ISSUE_LICENCES}|{REVOKE_LICENCES}"


def _manageable_departments(request: HttpRequest) -> list[object]:
    if not request.user.has_perm(MANAGE_SEALS):
        return []
    scope = data_scope_for(request.user, MANAGE_SEALS)
    return [d for d in selectors.government_departments().order_by("code") if scope.covers_department(d)]


@require_http_methods(["GET", "POST"])
@perm_required(SEAL_PERMS, "查看电子印章")
def seal_list(request: HttpRequest) -> HttpResponse:
    page = selectors.seal_list(user=request.user, cursor=request.GET.get("cursor") or None, limit=50)
    departments = _manageable_departments(request)
    form = SealIssueForm(request.POST or None, departments=departments) if departments else None
    status = 200
    if request.method == "POST":
        if form is None:
            raise errors.PermissionDenied("没有制发电子印章的权限。")
        if form.is_valid():
            data = form.cleaned_data
            department = orgs_selectors.department_by_id(data["department"])
            try:
                hall = orgs_selectors.hall_get(code=data["hall_code"]) if data["hall_code"] else None
                seal = seals.seal_issue(
                    actor=request.user,
                    department=department,  # type: ignore[arg-type]
                    kind=data["kind"],
                    hall=hall,
                    organisation_code=data["organisation_code"] or None,
                    years=data["years"],
                )
            except errors.ValidationFailed as error:
                for item in error.errors:
                    field = item["field"] if item["field"] in form.fields else None
                    form.add_error(field, item["message"])
            except errors.NotFound:
                form.add_error("hall_code", "没有这个编码的受理大厅")
            except errors.Conflict as error:
                form.add_error(None, error.detail)
            else:
                messages.success(request, f"已制发电子印章：{seal.name}（{seal.code}）")
                return redirect("licences:seal_detail", seal_id=seal.pk)
        status = 422
    covered, total = selectors.seal_coverage()
    context = {"page": page, "form": form, "covered": covered, "total": total}
    return render(request, "licences/workbench/seal_list.html", context, status=status)


@require_GET
@perm_required(SEAL_PERMS, "查看电子印章")
def seal_detail(request: HttpRequest, seal_id: int) -> HttpResponse:
    seal = selectors.seal_get(user=request.user, seal_id=seal_id)
    certificate = pki.load_certificate(seal.certificate_pem)
    context = {
        "seal": seal,
        "subject": certificate.subject.rfc4514_string(),
        "issuer": certificate.issuer.rfc4514_string(),
        "history": selectors.seal_history(seal),
        "uses": selectors.seal_uses(seal),
        "actions": SEAL_TRANSITIONS.actions_from(seal.status) if request.user.has_perm(MANAGE_SEALS) else [],
        "form": ReasonForm(),
    }
    return render(request, "licences/workbench/seal_detail.html", context)


@require_GET
@perm_required(SEAL_PERMS, "查看电子印章")
def seal_image(request: HttpRequest, seal_id: int) -> HttpResponse:
    seal = selectors.seal_get(user=request.user, seal_id=seal_id)
    return HttpResponse(seal.image_svg, content_type="image/svg+xml")


@require_GET
@perm_required(SEAL_PERMS, "查看电子印章")
def seal_png(request: HttpRequest, seal_id: int) -> HttpResponse:
    seal = selectors.seal_get(user=request.user, seal_id=seal_id)
    purpose = "受理专用章" if seal.kind == SealKind.ACCEPTANCE else ""
    content = impressions.png(seal.department.name, purpose=purpose)
    if content is None:
        raise errors.NotFound("服务器没有中文字体，无法生成PNG印模，请使用SVG印模。")
    response = HttpResponse(content, content_type="image/png")
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{seal.code}.png"
    return response


@require_POST
@perm_required(MANAGE_SEALS, "管理电子印章")
def seal_action(request: HttpRequest, seal_id: int, action: str) -> HttpResponse:
    seal = selectors.seal_get(user=request.user, seal_id=seal_id)
    form = ReasonForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    try:
        if action == "suspend":
            seals.seal_suspend(actor=request.user, seal=seal, reason=reason)
        elif action == "resume":
            seals.seal_resume(actor=request.user, seal=seal, reason=reason)
        elif action == "revoke":
            seals.seal_revoke(actor=request.user, seal=seal, reason=reason)
        else:
            raise errors.NotFound("没有这个印章操作。")
    except errors.ValidationFailed as error:
        messages.error(request, error.detail)
    except errors.Conflict as error:
        return problem_page(request, error)
    else:
        messages.success(request, "已更新印章状态。")
    return redirect("licences:seal_detail", seal_id=seal.pk)


@require_GET
@perm_required(LICENCE_PERMS, "查看电子证照")
def licence_list(request: HttpRequest) -> HttpResponse:
    status = request.GET.get("status") or None
    page = selectors.licence_list(
        user=request.user, status=status, cursor=request.GET.get("cursor") or None, limit=50
    )
    can_issue = bool(selectors.issuable_types(request.user))
    return render(request, "licences/workbench/licence_list.html", {"page": page, "can_issue": can_issue})


@require_http_methods(["GET", "POST"])
@perm_required(ISSUE_LICENCES, "颁发电子证照")
def licence_issue(request: HttpRequest) -> HttpResponse:
    types = selectors.issuable_types(request.user)
    form = LicenceIssueForm(request.POST or None, types=types)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            licence_type = next(t for t in types if t.pk == data["licence_type"])
            try:
                licence = licences.licence_issue(
                    actor=request.user,
                    licence_type=licence_type,
                    holder_name=data["holder_name"],
                    holder_code=data["holder_code"],
                    data=data_by_label(data["face"], licence_type.fields),
                )
            except errors.ValidationFailed as error:
                for item in error.errors:
                    field = item["field"] if item["field"] in form.fields else None
                    form.add_error(field, item["message"])
            except errors.Conflict as error:
                form.add_error(None, error.detail)
            else:
                messages.success(request, f"已颁发：{licence.licence_type.name} {licence.number}")
                return redirect("licences:workbench_licence", licence_id=licence.pk)
        status = 422
    return render(
        request, "licences/workbench/licence_issue.html", {"form": form, "types": types}, status=status
    )


@require_http_methods(["GET", "POST"])
@perm_required(LICENCE_PERMS, "查看电子证照")
def licence_detail(request: HttpRequest, licence_id: int) -> HttpResponse:
    licence = selectors.licence_get(user=request.user, licence_id=licence_id)
    status = 200
    if request.method == "POST":
        form = ReasonForm(request.POST)
        reason = form.cleaned_data["reason"] if form.is_valid() else ""
        try:
            if request.POST.get("action") == "change":
                changed = licences.licence_change(
                    actor=request.user,
                    licence=licence,
                    data=data_by_label(request.POST.get("data", ""), licence.licence_type.fields),
                    reason=reason,
                )
                messages.success(request, f"已变更，新版本：{changed.identifier}")
                return redirect("licences:workbench_licence", licence_id=changed.pk)
            licences.licence_revoke(actor=request.user, licence=licence, reason=reason)
            messages.success(request, "已注销该电子证照。")
            return redirect("licences:workbench_licence", licence_id=licence.pk)
        except errors.ValidationFailed as error:
            messages.error(request, error.detail)
            status = 422
        except errors.Conflict as error:
            return problem_page(request, error)
    context = {
        "licence": licence,
        "uses": selectors.licence_uses(licence),
        "history": selectors.licence_history(licence),
        "can_revoke": request.user.has_perm(REVOKE_LICENCES),
        "can_change": request.user.has_perm(ISSUE_LICENCES),
        "data_text": "\n".join(
            f"{f['label']}：{licence.data.get(f['key'], '')}" for f in licence.licence_type.fields
        ),
    }
    return render(request, "licences/workbench/licence_detail.html", context, status=status)
