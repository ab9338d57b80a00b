"""The data-hub workbench (/workbench/datahub/...): the resource catalog (browse by class tree and
department, Chinese search, entry pages, edit with review, Excel import/export, mount statistics),
mounting and row uploads, sharing (requests, the provider's inbox, grants and API credentials,
indicator 13), access logs (per entry, per providing department, per person) and quality rules and runs.

Thin: read through selectors, write through services (and datahub.quality / datahub.xlsx), render.
Application errors become Chinese pages (web/error.html), or problem+json for JSON clients. Pages that
manage an entry (edit, mount, quality, access log) answer 404 to users whose data scope does not cover
the providing department, as the selectors do for requests and grants of other departments.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django.views.generic import RedirectView

from shuzheng.core import errors
from shuzheng.datahub import loading, quality, selectors, services, xlsx
from shuzheng.datahub.forms_workbench import (
    NEW_ENTRY_INITIAL,
    ApproveForm,
    CommentForm,
    CredentialForm,
    EntryFilterForm,
    EntryForm,
    ItemFormSet,
    MountApiForm,
    NewItemFormSet,
    PersonLookupForm,
    QualityRuleForm,
    RefuseForm,
    RequestFilterForm,
    RowsUploadForm,
    SharingRequestForm,
    UploadForm,
    item_initial,
)
from shuzheng.datahub.models import (
    ApiCredential,
    CatalogEntry,
    DataItem,
    Dimension,
    EntryStatus,
    QualityRule,
    SharingRequest,
    SharingType,
)
from shuzheng.datahub.workflow import ACTION_LABELS, ACTION_TARGET, REVIEW_ACTIONS
from shuzheng.identity.page_access import staff_required
from shuzheng.identity.scopes import data_scope_for
from shuzheng.orgs.models import Department

PER_PAGE = 30
MAX_UPLOAD_NAME = 200
NOT_IN_SCOPE = "数据资源不存在或不在您的数据范围内"
ISSUED_KEY = "datahub_issued_credential"

V = TypeVar("V", bound=Callable[..., HttpResponse])


def _entry(request: HttpRequest, entry_id: int, *perms: str) -> CatalogEntry:
    """An entry the user may see; with ``perms``, one the user may manage under one of them (else 404)."""
    entry = selectors.entry_get(user=request.user, id=entry_id)
    if perms and not any(selectors.can(request.user, p, entry.department) for p in perms):
        raise errors.NotFound(NOT_IN_SCOPE)
    return entry


def _read(upload: Any) -> bytes:
    return b"".join(upload.chunks())


def _editable_departments(user: Any) -> list[Department]:
    departments = Department.objects.filter(is_active=True).select_related("division").order_by("code")
    return [d for d in departments if selectors.can(user, services.PERM_ADD, d)]


# --- catalog -------------------------------------------------------------------------------------------


@require_GET
@staff_required
def catalog(request: HttpRequest) -> HttpResponse:
    """数据资源目录: browse by class tree and department, Chinese search, keyset pages."""
    stats = selectors.mount_stats()
    departments = Department.objects.filter(pk__in=[s["department_id"] for s in stats]).order_by("code")
    form = EntryFilterForm(request.GET or None, departments=list(departments))
    valid = form.is_valid() if request.GET else True
    filters = form.filters() if request.GET and valid else {}
    cursor = (request.GET.get("cursor") or None) if valid else None
    page = selectors.entry_list(user=request.user, **filters, cursor=cursor, limit=PER_PAGE)
    context = {
        "form": form,
        "page": page,
        "filters": filters,
        "paged": bool(cursor),
        "tree": selectors.entry_class_tree(user=request.user),
        "stats": stats,
        "can_create": bool(_editable_departments(request.user)),
    }
    return render(request, "datahub/workbench/catalog.html", context, status=200 if valid else 400)


@require_GET
@staff_required
def catalog_stats(request: HttpRequest) -> HttpResponse:
    """Mounted resources and rows per providing department, and the city's totals."""
    selectors.entry_list(user=request.user, limit=1)  # staff only
    context = {"stats": selectors.mount_stats(), "totals": selectors.catalog_totals()}
    return render(request, "datahub/workbench/stats.html", context)


def _entry_form_page(
    request: HttpRequest, *, entry: CatalogEntry | None, departments: list[Department] | None
) -> HttpResponse:
    if entry is None:
        own = getattr(request.user, "department_id", None)
        initial: dict[str, Any] = {**NEW_ENTRY_INITIAL, "department": own}
        items: Any = NewItemFormSet(request.POST or None, prefix="items")
    else:
        initial = {f: getattr(entry, f) for f in EntryForm.METADATA}
        items = ItemFormSet(request.POST or None, initial=item_initial(entry), prefix="items")
    form = EntryForm(request.POST or None, initial=initial, departments=departments)
    status = 200
    if request.method == "POST":
        status = 422
        if form.is_valid() and items.is_valid():
            try:
                if entry is None:
                    saved = services.entry_create(
                        actor=request.user,
                        department=form.cleaned_data["department"],
                        items=items.items(),
                        **form.metadata(),
                    )
                    messages.success(request, f"资源“{saved.name}”已创建（编辑中），请核对后提交审核。")
                else:
                    saved = services.entry_update(
                        actor=request.user, entry=entry, items=items.items(), **form.metadata()
                    )
                    messages.success(request, "资源已保存。")
            except errors.ValidationFailed as error:
                if not items.place(error):
                    form.add_service_error(error)
            except errors.Conflict as error:
                form.add_error(None, error.detail)
            else:
                return redirect("datahub:wb_entry", entry_id=saved.pk)
    context = {"form": form, "items": items, "entry": entry}
    return render(request, "datahub/workbench/entry_form.html", context, status=status)


@require_http_methods(["GET", "POST"])
@staff_required
def entry_new(request: HttpRequest) -> HttpResponse:
    departments = _editable_departments(request.user)
    if not departments:
        raise errors.PermissionDenied("没有编目数据资源的权限（datahub.add_catalogentry）。")
    return _entry_form_page(request, entry=None, departments=departments)


@require_http_methods(["GET", "POST"])
@staff_required
def entry_edit(request: HttpRequest, entry_id: int) -> HttpResponse:
    entry = _entry(request, entry_id, services.PERM_EDIT)
    if entry.status != EntryStatus.DRAFT:
        raise errors.Conflict("只有“编辑中”的资源可以修改；已发布的资源请先撤回修订。")
    return _entry_form_page(request, entry=entry, departments=None)


def _entry_actions(user: Any, entry: CatalogEntry) -> list[tuple[str, str, bool]]:
    """(action, label, needs a comment) the user may take from the entry's current status."""
    result = []
    for action, (source, _target) in ACTION_TARGET.items():
        if entry.status != source:
            continue
        perm = services.PERM_REVIEW if action in REVIEW_ACTIONS else services.PERM_EDIT
        if selectors.can(user, perm, entry.department):
            result.append((action, ACTION_LABELS[action], action == "reject"))
    return result


@require_GET
@staff_required
def entry_detail(request: HttpRequest, entry_id: int) -> HttpResponse:
    """One entry: metadata, data items (personal data, sensitivity, masking), mount and rows, quality,
    status history and the actions the user may take."""
    entry = _entry(request, entry_id)
    user = request.user
    department = entry.department
    latest = selectors.quality_history(entry=entry, limit=1)
    own = getattr(user, "department_id", None) == entry.department_id
    context = {
        "entry": entry,
        "items": list(entry.items.all()),
        "related": list(entry.related.all()),
        "transitions": list(entry.transitions.select_related("actor").order_by("-id")[:20]),
        "actions": _entry_actions(user, entry),
        "comment_form": CommentForm(),
        "quality": latest[0] if latest else None,
        "dimension_labels": dict(Dimension.choices),
        "can_edit": entry.status == EntryStatus.DRAFT and selectors.can(user, services.PERM_EDIT, department),
        "can_load": selectors.can(user, services.PERM_LOAD, department),
        "can_log": selectors.can(user, selectors.PERM_VIEW_LOG, department),
        "can_quality": _can_see_quality(user, entry),
        "can_request": (
            entry.status == EntryStatus.PUBLISHED
            and entry.sharing_type != SharingType.NONE
            and not own
            and getattr(user, "department_id", None) is not None
            and selectors.can(user, services.PERM_REQUEST, getattr(user, "department", None))
        ),
    }
    return render(request, "datahub/workbench/entry.html", context)


@require_POST
@staff_required
def entry_transition(request: HttpRequest, entry_id: int, action: str) -> HttpResponse:
    if action not in ACTION_TARGET:
        raise errors.NotFound("不支持的操作。")
    perm = services.PERM_REVIEW if action in REVIEW_ACTIONS else services.PERM_EDIT
    entry = _entry(request, entry_id, perm)
    form = CommentForm(request.POST)
    if not form.is_valid():
        messages.error(request, "；".join(str(e) for e in form.errors.get("comment", [])))
        return redirect("datahub:wb_entry", entry_id=entry.pk)
    try:
        services.entry_transition(
            actor=request.user, entry=entry, action=action, comment=form.cleaned_data["comment"]
        )
    except (errors.ValidationFailed, errors.Conflict, errors.PermissionDenied) as error:
        messages.error(request, error.detail)
    else:
        messages.success(request, f"已{ACTION_LABELS[action]}。")
    return redirect("datahub:wb_entry", entry_id=entry.pk)


@require_GET
@staff_required
def catalog_export(request: HttpRequest) -> HttpResponse:
    qs = selectors.entry_queryset(user=request.user).prefetch_related("items").order_by("code")
    code = (request.GET.get("department") or "").strip().upper()[:32]
    if code:
        qs = qs.filter(department__code=code)
    response = HttpResponse(xlsx.export_catalog(list(qs[:10000])), content_type=xlsx.XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = "attachment; filename*=UTF-8''data-catalog.xlsx"
    return response


@require_http_methods(["GET", "POST"])
@staff_required
def catalog_import(request: HttpRequest) -> HttpResponse:
    if not request.user.has_perm(services.PERM_ADD):
        raise errors.PermissionDenied("没有编目数据资源的权限（datahub.add_catalogentry）。")
    form = UploadForm(request.POST or None, request.FILES or None)
    result: dict[str, int] | None = None
    row_errors: list[dict[str, Any]] = []
    status = 200
    if request.method == "POST":
        status = 422
        if form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                if not (upload.name or "").lower().endswith(".xlsx"):
                    raise errors.UnsupportedMediaType("只支持 .xlsx 格式的 Excel 文件。")
                result = xlsx.import_catalog(actor=request.user, content=_read(upload))
            except (errors.ValidationFailed, errors.UnsupportedMediaType, errors.PermissionDenied) as error:
                form.add_error("file", error.detail)
                row_errors = [e for e in error.errors if "row" in e]
            else:
                status = 200
                messages.success(
                    request, f"导入完成：新建 {result['created']} 条，跳过已存在的 {result['skipped']} 条。"
                )
    context = {"form": form, "result": result, "row_errors": row_errors}
    return render(request, "datahub/workbench/import.html", context, status=status)


# --- mounting ------------------------------------------------------------------------------------------


def _mount_page(
    request: HttpRequest,
    entry: CatalogEntry,
    *,
    status: int = 200,
    upload_form: RowsUploadForm | None = None,
    api_form: MountApiForm | None = None,
    file_form: UploadForm | None = None,
    row_errors: list[dict[str, Any]] | None = None,
    result: dict[str, Any] | None = None,
) -> HttpResponse:
    context = {
        "entry": entry,
        "items": [i for i in entry.items.all()],
        "upload_form": upload_form or RowsUploadForm(),
        "api_form": api_form
        or MountApiForm(initial={"url": entry.api_url, "description": entry.api_description}),
        "file_form": file_form or UploadForm(),
        "row_errors": row_errors or [],
        "result": result,
        "max_rows": loading.MAX_ERRORS,
    }
    return render(request, "datahub/workbench/mount.html", context, status=status)


@require_GET
@staff_required
def entry_mount(request: HttpRequest, entry_id: int) -> HttpResponse:
    """挂接: create the table from the data items, register a file or an external API; upload rows."""
    return _mount_page(request, _entry(request, entry_id, services.PERM_LOAD))


@require_POST
@staff_required
def entry_mount_table(request: HttpRequest, entry_id: int) -> HttpResponse:
    entry = _entry(request, entry_id, services.PERM_LOAD)
    try:
        services.entry_mount_table(actor=request.user, entry=entry)
    except (errors.ValidationFailed, errors.Conflict) as error:
        messages.error(request, error.detail)
    else:
        messages.success(request, "已按信息项建表，可以上传数据。")
    return redirect("datahub:wb_mount", entry_id=entry.pk)


@require_POST
@staff_required
def entry_mount_api(request: HttpRequest, entry_id: int) -> HttpResponse:
    entry = _entry(request, entry_id, services.PERM_LOAD)
    form = MountApiForm(request.POST)
    if form.is_valid():
        try:
            services.entry_mount_api(
                actor=request.user,
                entry=entry,
                url=form.cleaned_data["url"],
                description=form.cleaned_data["description"],
            )
        except errors.ValidationFailed as error:
            form.add_service_error(error)
        except errors.Conflict as error:
            form.add_error(None, error.detail)
        else:
            messages.success(request, "已登记外部接口。")
            return redirect("datahub:wb_mount", entry_id=entry.pk)
    return _mount_page(request, entry, status=422, api_form=form)


@require_POST
@staff_required
def entry_mount_file(request: HttpRequest, entry_id: int) -> HttpResponse:
    entry = _entry(request, entry_id, services.PERM_LOAD)
    form = UploadForm(request.POST, request.FILES)
    if form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            services.entry_mount_file(
                actor=request.user,
                entry=entry,
                filename=(upload.name or "")[:MAX_UPLOAD_NAME],
                content=_read(upload),
            )
        except (errors.ValidationFailed, errors.Conflict) as error:
            form.add_error("file", error.detail)
        else:
            messages.success(request, "文件已挂接。")
            return redirect("datahub:wb_mount", entry_id=entry.pk)
    return _mount_page(request, entry, status=422, file_form=form)


@require_POST
@staff_required
def entry_upload_rows(request: HttpRequest, entry_id: int) -> HttpResponse:
    """Load a CSV/xlsx into the mounted table: all rows or none, with a per-row error report."""
    entry = _entry(request, entry_id, services.PERM_LOAD)
    form = RowsUploadForm(request.POST, request.FILES)
    row_errors: list[dict[str, Any]] = []
    if form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            result = services.rows_load_file(
                actor=request.user,
                entry=entry,
                filename=(upload.name or "")[:MAX_UPLOAD_NAME],
                content=_read(upload),
                replace=form.cleaned_data["replace"],
            )
        except (errors.ValidationFailed, errors.UnsupportedMediaType, errors.Conflict) as error:
            form.add_error("file", error.detail)
            row_errors = [e for e in error.errors if "row" in e]
        else:
            messages.success(
                request,
                f"已写入 {result['inserted']} 行"
                + (f"（先删除 {result['deleted']} 行）" if result["deleted"] else "")
                + f"，现有 {result['row_count']} 行。",
            )
            return redirect("datahub:wb_mount", entry_id=entry.pk)
    entry.refresh_from_db()
    return _mount_page(request, entry, status=422, upload_form=form, row_errors=row_errors)


# --- sharing -------------------------------------------------------------------------------------------


@require_GET
@staff_required
def sharing(request: HttpRequest) -> HttpResponse:
    """共享申请: the provider's inbox and my department's requests, timeouts flagged; indicator 13."""
    form = RequestFilterForm(request.GET or None)
    valid = form.is_valid() if request.GET else True
    data = form.cleaned_data if request.GET and valid else {}
    cursor = (request.GET.get("cursor") or None) if valid else None
    page = selectors.request_list(
        user=request.user,
        role=data.get("role") or None,
        status=data.get("status") or None,
        timed_out={"1": True, "0": False}.get(data.get("timed_out") or ""),
        cursor=cursor,
        limit=PER_PAGE,
    )
    flagged = {r.pk for r in page.items if selectors.is_timed_out(r)}
    context = {
        "form": form,
        "page": page,
        "paged": bool(cursor),
        "timed_out_ids": flagged,
        "indicator": selectors.sharing_indicator(),
        "timeouts": selectors.timeouts_by_provider()[:10],
        "own_department_id": getattr(request.user, "department_id", None),
    }
    return render(request, "datahub/workbench/sharing.html", context, status=200 if valid else 400)


@require_http_methods(["GET", "POST"])
@staff_required
def sharing_new(request: HttpRequest, entry_id: int) -> HttpResponse:
    """Request an entry of another department: purpose, fields, period, legal basis."""
    entry = _entry(request, entry_id)
    department = getattr(request.user, "department", None)
    if department is None or not selectors.can(request.user, services.PERM_REQUEST, department):
        raise errors.PermissionDenied("只有有申请权限的部门工作人员可以申请共享。")
    if entry.department_id == department.pk:
        raise errors.Conflict("不能申请本部门自己的资源。")
    form = SharingRequestForm(request.POST or None, entry=entry)
    status = 200
    if request.method == "POST":
        status = 422
        if form.is_valid():
            try:
                created = services.sharing_request_create(
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
    can_decide = found.status == SharingRequest.Status.PENDING and selectors.can(
        request.user, services.PERM_DECIDE, found.provider_department
    )
    grant = getattr(found, "grant", None) if found.status == SharingRequest.Status.APPROVED else None
    labels = {i.name: i.label for i in found.entry.items.all()}
    context = {
        "req": found,
        "grant": grant,
        "timed_out": selectors.is_timed_out(found),
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
    return _request_page(request, selectors.request_get(user=request.user, id=request_id))


def _still_pending(found: SharingRequest) -> None:
    if found.status != SharingRequest.Status.PENDING:
        raise errors.Conflict(f"该申请已{found.get_status_display()}，不能重复审批。")


@require_POST
@staff_required
def request_approve(request: HttpRequest, request_id: int) -> HttpResponse:
    found = selectors.request_get(user=request.user, id=request_id)
    if not selectors.can(request.user, services.PERM_DECIDE, found.provider_department):
        raise errors.NotFound("共享申请不存在或不在您的数据范围内")
    _still_pending(found)
    form = ApproveForm(request.POST, request=found)
    if form.is_valid():
        try:
            grant = services.sharing_request_approve(
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
    found = selectors.request_get(user=request.user, id=request_id)
    if not selectors.can(request.user, services.PERM_DECIDE, found.provider_department):
        raise errors.NotFound("共享申请不存在或不在您的数据范围内")
    _still_pending(found)
    form = RefuseForm(request.POST)
    if form.is_valid():
        try:
            services.sharing_request_refuse(
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
    page = selectors.grant_list(user=request.user, cursor=cursor, limit=PER_PAGE)
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
    grant = selectors.grant_get(user=request.user, id=grant_id)
    labels = {i.name: i.label for i in grant.entry.items.all()}
    holder = selectors.can(request.user, services.PERM_CREDENTIAL, grant.department)
    context = {
        "grant": grant,
        "field_labels": [labels.get(f, f) for f in grant.fields],
        "credentials": list(grant.credentials.order_by("-id")),
        "can_issue": holder and grant.revoked_at is None,
        "can_revoke_grant": grant.revoked_at is None
        and selectors.can(request.user, services.PERM_DECIDE, grant.entry.department),
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
    grant = selectors.grant_get(user=request.user, id=grant_id)
    if not selectors.can(request.user, services.PERM_CREDENTIAL, grant.department):
        raise errors.NotFound("授权不存在或不在您的数据范围内")
    form = CredentialForm(request.POST)
    if form.is_valid():
        try:
            issued = services.credential_issue(
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
    credential = selectors.credential_get(user=request.user, id=credential_id)
    try:
        services.credential_revoke(actor=request.user, credential=credential)
    except errors.PermissionDenied as error:
        raise errors.NotFound("凭证不存在或不在您的数据范围内") from error
    messages.success(request, f"凭证 {credential.client_id} 已撤销。")
    return redirect("datahub:wb_grant", grant_id=credential.grant_id)


@require_POST
@staff_required
def grant_revoke(request: HttpRequest, grant_id: int) -> HttpResponse:
    grant = selectors.grant_get(user=request.user, id=grant_id)
    if not selectors.can(request.user, services.PERM_DECIDE, grant.entry.department):
        raise errors.NotFound("授权不存在或不在您的数据范围内")
    services.grant_revoke(actor=request.user, grant=grant)
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
    entry = _entry(request, entry_id, selectors.PERM_VIEW_LOG)
    page = selectors.access_log_for_entry(
        user=request.user, entry=entry, cursor=request.GET.get("cursor") or None, limit=PER_PAGE
    )
    labels = {i.name: i.label for i in entry.items.all()}
    return _log_page(request, page, entry=entry, field_labels=labels)


@require_GET
@staff_required
def provider_access_log(request: HttpRequest) -> HttpResponse:
    """Who accessed my department's data, across its entries."""
    department = getattr(request.user, "department", None)
    if department is None or not selectors.can(request.user, selectors.PERM_VIEW_LOG, department):
        raise errors.PermissionDenied("只有提供部门和数据管理员可以查看访问日志。")
    page = selectors.access_log_for_provider(
        user=request.user, department=department, cursor=request.GET.get("cursor") or None, limit=PER_PAGE
    )
    return _log_page(request, page, department=department, field_labels={})


@require_http_methods(["GET", "POST"])
@staff_required
def person_access_log(request: HttpRequest) -> HttpResponse:
    """Which departments read the record of an ID number (privacy requests). The number travels in the
    POST body, never in the address."""
    user = request.user
    if not (user.has_perm(selectors.PERM_VIEW_LOG) and data_scope_for(user, selectors.PERM_VIEW_LOG).is_all):
        raise errors.PermissionDenied("只有数据管理员（全部数据范围）可以按身份证号查询访问记录。")
    form = PersonLookupForm(request.POST or None)
    page = None
    status = 200
    if request.method == "POST":
        if form.is_valid():
            page = selectors.access_log_for_person(
                user=user, id_number=form.cleaned_data["id_number"], cursor=request.POST.get("cursor") or None
            )
        else:
            status = 422
    return render(request, "datahub/workbench/person_log.html", {"form": form, "page": page}, status=status)


# --- quality -------------------------------------------------------------------------------------------


def _can_see_quality(user: Any, entry: CatalogEntry) -> bool:
    return selectors.can(user, quality.PERM_RULE, entry.department) or selectors.can(
        user, "datahub.view_qualityrun", entry.department
    )


def _params_text(params: dict[str, Any]) -> str:
    """A rule's parameters as the form names them (正则表达式、类型 …), never by their keys."""
    parts = []
    for key, value in (params or {}).items():
        shown = "、".join(str(v) for v in value) if isinstance(value, list) else str(value)
        if key == "type":
            shown = quality.TYPE_LABELS.get(shown, shown)
        field = QualityRuleForm.base_fields.get(key)
        parts.append(f"{field.label if field is not None else key}：{shown}")
    return "；".join(parts) or "—"


def _quality_page(
    request: HttpRequest, entry: CatalogEntry, *, status: int = 200, form: QualityRuleForm | None = None
) -> HttpResponse:
    mounted = [i for i in entry.items.all() if i.mounted]
    history = selectors.quality_history(entry=entry, limit=10)
    latest = history[0] if history else None
    samples: dict[int, list[dict[str, Any]]] = {}
    if latest:
        for result in latest["results"]:
            if result.sample:
                samples[result.pk] = selectors.quality_sample_rows(entry=entry, row_ids=list(result.sample))
    context = {
        "entry": entry,
        "rules": [
            (rule, _params_text(rule.params))
            for rule in QualityRule.objects.filter(entry=entry).select_related("item").order_by("id")
        ],
        "form": form or QualityRuleForm(items=mounted),
        "history": history,
        "latest": latest,
        "samples": samples,
        "columns": mounted,
        "dimension_labels": dict(Dimension.choices),
        "can_rule": selectors.can(request.user, quality.PERM_RULE, entry.department)
        and entry.is_mounted_table,
        "can_run": (
            selectors.can(request.user, quality.PERM_RUN, None)
            or selectors.can(request.user, quality.PERM_RULE, entry.department)
        )
        and entry.is_mounted_table,
    }
    return render(request, "datahub/workbench/quality.html", context, status=status)


@require_GET
@staff_required
def entry_quality(request: HttpRequest, entry_id: int) -> HttpResponse:
    """Quality rules of an entry, run now, results history with per-dimension scores and failing rows."""
    entry = _entry(request, entry_id)
    if not _can_see_quality(request.user, entry):
        raise errors.NotFound(NOT_IN_SCOPE)
    return _quality_page(request, entry)


@require_POST
@staff_required
def quality_rule_add(request: HttpRequest, entry_id: int) -> HttpResponse:
    entry = _entry(request, entry_id, quality.PERM_RULE)
    mounted = [i for i in entry.items.all() if i.mounted]
    form = QualityRuleForm(request.POST, items=mounted)
    if form.is_valid():
        item = (
            DataItem.objects.filter(entry=entry, name=form.cleaned_data["item"]).first()
            if form.cleaned_data["item"]
            else None
        )
        try:
            params = form.params()
            rule = quality.rule_create(
                actor=request.user,
                entry=entry,
                kind=form.cleaned_data["kind"],
                item=item,
                params=params,
                name=form.cleaned_data["name"],
            )
        except errors.ValidationFailed as error:
            form.add_service_error(error)
        else:
            messages.success(request, f"已新增规则“{rule.name}”。")
            return redirect("datahub:wb_quality", entry_id=entry.pk)
    return _quality_page(request, entry, status=422, form=form)


@require_POST
@staff_required
def quality_run(request: HttpRequest, entry_id: int) -> HttpResponse:
    entry = _entry(request, entry_id)
    if not _can_see_quality(request.user, entry):
        raise errors.NotFound(NOT_IN_SCOPE)
    if not entry.quality_rules.filter(is_active=True).exists():
        messages.error(request, "该资源没有启用的质量规则，请先新增规则。")
        return redirect("datahub:wb_quality", entry_id=entry.pk)
    run = quality.run(actor=request.user, entries=[entry])
    score = (run.scores or {}).get(str(entry.pk), {}).get("score")
    messages.success(
        request,
        f"质量检测完成（{run.rule_count} 条规则）" + (f"，得分 {score}。" if score is not None else "。"),
    )
    return redirect("datahub:wb_quality", entry_id=entry.pk)


# --- URLs ----------------------------------------------------------------------------------------------

_P = "workbench/datahub/"

urlpatterns = [
    path(_P, RedirectView.as_view(pattern_name="datahub:wb_catalog"), name="wb_home"),
    path(f"{_P}catalog/", catalog, name="wb_catalog"),
    path(f"{_P}catalog/stats/", catalog_stats, name="wb_stats"),
    path(f"{_P}catalog/new/", entry_new, name="wb_entry_new"),
    path(f"{_P}catalog/import/", catalog_import, name="wb_import"),
    path(f"{_P}catalog/export.xlsx", catalog_export, name="wb_export"),
    path(f"{_P}catalog/<int:entry_id>/", entry_detail, name="wb_entry"),
    path(f"{_P}catalog/<int:entry_id>/edit/", entry_edit, name="wb_entry_edit"),
    path(
        f"{_P}catalog/<int:entry_id>/transition/<slug:action>/", entry_transition, name="wb_entry_transition"
    ),
    path(f"{_P}catalog/<int:entry_id>/mount/", entry_mount, name="wb_mount"),
    path(f"{_P}catalog/<int:entry_id>/mount/table/", entry_mount_table, name="wb_mount_table"),
    path(f"{_P}catalog/<int:entry_id>/mount/api/", entry_mount_api, name="wb_mount_api"),
    path(f"{_P}catalog/<int:entry_id>/mount/file/", entry_mount_file, name="wb_mount_file"),
    path(f"{_P}catalog/<int:entry_id>/upload/", entry_upload_rows, name="wb_upload"),
    path(f"{_P}catalog/<int:entry_id>/request/", sharing_new, name="wb_request_new"),
    path(f"{_P}catalog/<int:entry_id>/access-log/", entry_access_log, name="wb_entry_log"),
    path(f"{_P}catalog/<int:entry_id>/quality/", entry_quality, name="wb_quality"),
    path(f"{_P}catalog/<int:entry_id>/quality/rules/", quality_rule_add, name="wb_quality_rule"),
    path(f"{_P}catalog/<int:entry_id>/quality/run/", quality_run, name="wb_quality_run"),
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
