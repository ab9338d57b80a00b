"""The data-hub workbench's catalog (/workbench/datahub/catalog/...): browse by class tree and department,
Chinese search, entry pages, edit with review, Excel import/export, mount statistics, mounting and row
uploads; and the page helpers the sharing and quality pages share (an entry in the user's data scope).

Thin: read through selectors, write through services (and datahub.quality / datahub.xlsx), render.
Application errors become Chinese pages (web/error.html), or problem+json for JSON clients. Pages that
manage an entry (edit, mount, quality, access log) answer 404 to users whose data scope does not cover
the providing department, as the selectors do for requests and grants of other departments.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django.views.generic import RedirectView

from shuzheng.core import errors
from shuzheng.core.spreadsheets import XLSX_CONTENT_TYPE
from shuzheng.datahub import loading, quality, services, xlsx
from shuzheng.datahub.forms_catalog import (
    NEW_ENTRY_INITIAL,
    CommentForm,
    EntryFilterForm,
    EntryForm,
    ItemFormSet,
    MountApiForm,
    NewItemFormSet,
    RowsUploadForm,
    UploadForm,
    item_initial,
)
from shuzheng.datahub.models import (
    CatalogEntry,
    Dimension,
    EntryStatus,
    SharingType,
)
from shuzheng.datahub.selectors import access_logs as access_log_selectors
from shuzheng.datahub.selectors import catalog as catalog_selectors
from shuzheng.datahub.selectors import quality as quality_selectors
from shuzheng.datahub.selectors import scope as scope_selectors
from shuzheng.datahub.services import catalog as catalog_services
from shuzheng.datahub.services import mounts as mount_services
from shuzheng.datahub.services import rows as row_services
from shuzheng.datahub.workflow import ACTION_LABELS, ENTRY_WORKFLOW, REVIEW_ACTIONS
from shuzheng.identity.page_access import staff_required
from shuzheng.orgs import selectors as org_selectors

if TYPE_CHECKING:
    from shuzheng.orgs.models import Department

PER_PAGE = 30
MAX_UPLOAD_NAME = 200
NOT_IN_SCOPE = "数据资源不存在或不在您的数据范围内"


def entry_in_scope(request: HttpRequest, entry_id: int, *perms: str) -> CatalogEntry:
    """An entry the user may see; with ``perms``, one the user may manage under one of them (else 404)."""
    entry = catalog_selectors.entry_get(user=request.user, id=entry_id)
    if perms and not any(scope_selectors.can(request.user, p, entry.department) for p in perms):
        raise errors.NotFound(NOT_IN_SCOPE)
    return entry


def read_upload(upload: Any) -> bytes:
    return b"".join(upload.chunks())


def _editable_departments(user: Any) -> list[Department]:
    departments = org_selectors.department_queryset().order_by("code")
    return [d for d in departments if scope_selectors.can(user, services.PERM_ADD, d)]


def can_see_quality(user: Any, entry: CatalogEntry) -> bool:
    return scope_selectors.can(user, quality.PERM_RULE, entry.department) or scope_selectors.can(
        user, "datahub.view_qualityrun", entry.department
    )


# --- catalog -------------------------------------------------------------------------------------------


@require_GET
@staff_required
def catalog(request: HttpRequest) -> HttpResponse:
    """数据资源目录: browse by class tree and department, Chinese search, keyset pages."""
    stats = catalog_selectors.mount_stats()
    departments = org_selectors.departments_by_ids([s["department_id"] for s in stats])
    form = EntryFilterForm(request.GET or None, departments=list(departments))
    valid = form.is_valid() if request.GET else True
    filters = form.filters() if request.GET and valid else {}
    cursor = (request.GET.get("cursor") or None) if valid else None
    page = catalog_selectors.entry_list(user=request.user, **filters, cursor=cursor, limit=PER_PAGE)
    context = {
        "form": form,
        "page": page,
        "filters": filters,
        "paged": bool(cursor),
        "tree": catalog_selectors.entry_class_tree(user=request.user),
        "stats": stats,
        "can_create": bool(_editable_departments(request.user)),
    }
    return render(request, "datahub/workbench/catalog.html", context, status=200 if valid else 400)


@require_GET
@staff_required
def catalog_stats(request: HttpRequest) -> HttpResponse:
    """Mounted resources and rows per providing department, and the city's totals."""
    catalog_selectors.entry_list(user=request.user, limit=1)  # staff only
    context = {"stats": catalog_selectors.mount_stats(), "totals": catalog_selectors.catalog_totals()}
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
                    saved = catalog_services.entry_create(
                        actor=request.user,
                        department=form.cleaned_data["department"],
                        metadata=catalog_services.EntryMetadata(**form.metadata()),
                        items=items.items(),
                    )
                    messages.success(request, f"资源“{saved.name}”已创建（编辑中），请核对后提交审核。")
                else:
                    saved = catalog_services.entry_update(
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
    entry = entry_in_scope(request, entry_id, services.PERM_EDIT)
    if entry.status != EntryStatus.DRAFT:
        raise errors.Conflict("只有“编辑中”的资源可以修改；已发布的资源请先撤回修订。")
    return _entry_form_page(request, entry=entry, departments=None)


def _entry_actions(user: Any, entry: CatalogEntry) -> list[tuple[str, str, bool]]:
    """(action, label, needs a comment) the user may take from the entry's current status."""
    result = []
    for action in ENTRY_WORKFLOW.actions_from(entry.status):
        perm = services.PERM_REVIEW if action in REVIEW_ACTIONS else services.PERM_EDIT
        if scope_selectors.can(user, perm, entry.department):
            result.append((action, ACTION_LABELS[action], action == "reject"))
    return result


@require_GET
@staff_required
def entry_detail(request: HttpRequest, entry_id: int) -> HttpResponse:
    """One entry: metadata, data items (personal data, sensitivity, masking), mount and rows, quality,
    status history and the actions the user may take."""
    entry = entry_in_scope(request, entry_id)
    user = request.user
    department = entry.department
    latest = quality_selectors.quality_history(entry=entry, limit=1)
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
        "can_edit": entry.status == EntryStatus.DRAFT
        and scope_selectors.can(user, services.PERM_EDIT, department),
        "can_load": scope_selectors.can(user, services.PERM_LOAD, department),
        "can_log": scope_selectors.can(user, access_log_selectors.PERM_VIEW_LOG, department),
        "can_quality": can_see_quality(user, entry),
        "can_request": (
            entry.status == EntryStatus.PUBLISHED
            and entry.sharing_type != SharingType.NONE
            and not own
            and getattr(user, "department_id", None) is not None
            and scope_selectors.can(user, services.PERM_REQUEST, getattr(user, "department", None))
        ),
    }
    return render(request, "datahub/workbench/entry.html", context)


@require_POST
@staff_required
def entry_transition(request: HttpRequest, entry_id: int, action: str) -> HttpResponse:
    if action not in ENTRY_WORKFLOW.actions():
        raise errors.NotFound("不支持的操作。")
    perm = services.PERM_REVIEW if action in REVIEW_ACTIONS else services.PERM_EDIT
    entry = entry_in_scope(request, entry_id, perm)
    form = CommentForm(request.POST)
    if not form.is_valid():
        messages.error(request, "；".join(str(e) for e in form.errors.get("comment", [])))
        return redirect("datahub:wb_entry", entry_id=entry.pk)
    try:
        catalog_services.entry_transition(
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
    qs = catalog_selectors.entry_queryset(user=request.user).prefetch_related("items").order_by("code")
    code = (request.GET.get("department") or "").strip().upper()[:32]
    if code:
        qs = qs.filter(department__code=code)
    response = HttpResponse(xlsx.export_catalog(list(qs[:10000])), content_type=XLSX_CONTENT_TYPE)
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
                result = xlsx.import_catalog(actor=request.user, file=upload)
            except errors.ApplicationError as error:
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
    return _mount_page(request, entry_in_scope(request, entry_id, services.PERM_LOAD))


@require_POST
@staff_required
def entry_mount_table(request: HttpRequest, entry_id: int) -> HttpResponse:
    entry = entry_in_scope(request, entry_id, services.PERM_LOAD)
    try:
        mount_services.entry_mount_table(actor=request.user, entry=entry)
    except (errors.ValidationFailed, errors.Conflict) as error:
        messages.error(request, error.detail)
    else:
        messages.success(request, "已按信息项建表，可以上传数据。")
    return redirect("datahub:wb_mount", entry_id=entry.pk)


@require_POST
@staff_required
def entry_mount_api(request: HttpRequest, entry_id: int) -> HttpResponse:
    entry = entry_in_scope(request, entry_id, services.PERM_LOAD)
    form = MountApiForm(request.POST)
    if form.is_valid():
        try:
            mount_services.entry_mount_api(
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
    entry = entry_in_scope(request, entry_id, services.PERM_LOAD)
    form = UploadForm(request.POST, request.FILES)
    if form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            mount_services.entry_mount_file(
                actor=request.user,
                entry=entry,
                filename=(upload.name or "")[:MAX_UPLOAD_NAME],
                content=read_upload(upload),
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
    entry = entry_in_scope(request, entry_id, services.PERM_LOAD)
    form = RowsUploadForm(request.POST, request.FILES)
    row_errors: list[dict[str, Any]] = []
    if form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            result = row_services.rows_load_file(
                actor=request.user,
                entry=entry,
                filename=(upload.name or "")[:MAX_UPLOAD_NAME],
                content=read_upload(upload),
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


# --- URLs --------------------------------------------------------------------------------------------

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
]
