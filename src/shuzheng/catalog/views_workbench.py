"""The catalog workbench: items of my scope, drafts, publish/retire, version history, Excel import and
export.

Thin: read through selectors, write through services, render. Application errors become Chinese pages
(web/error.html), or problem+json for JSON clients.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from shuzheng.catalog import rules, selectors, xlsx
from shuzheng.catalog.constants import VersionStatus
from shuzheng.catalog.forms_workbench import ImportForm, ItemCreateForm, VersionForm
from shuzheng.catalog.services import versions
from shuzheng.catalog.views_common import guide_facts
from shuzheng.core import errors
from shuzheng.core.spreadsheets import XLSX_CONTENT_TYPE
from shuzheng.identity.page_access import staff_required

ITEMS_PER_PAGE = 30


@require_GET
@staff_required
def workbench_items(request: HttpRequest) -> HttpResponse:
    """事项管理: items of my scope, by code; filter by status and text."""
    status = request.GET.get("status") or ""
    if status not in ("", "live", "draft", "retired"):
        raise errors.MalformedRequest("状态只能是现行、草稿或已废止。")
    q = (request.GET.get("q") or "").strip()[:64]
    page = selectors.item_list(
        user=request.user,
        status=status or None,
        q=q or None,
        cursor=request.GET.get("cursor") or None,
        limit=ITEMS_PER_PAGE,
    )
    context = {
        "page": page,
        "status": status,
        "q": q,
        "paged": bool(request.GET.get("cursor")),
        "can_create": bool(selectors.editable_departments(request.user)),
        "statuses": [("", "全部"), ("live", "现行"), ("draft", "有草稿"), ("retired", "已废止")],
    }
    return render(request, "catalog/workbench/items.html", context)


@require_http_methods(["GET", "POST"])
@staff_required
def workbench_item_new(request: HttpRequest) -> HttpResponse:
    departments = selectors.editable_departments(request.user)
    if not departments:
        raise errors.PermissionDenied("没有新建事项的权限（catalog.change_serviceitemversion）。")
    form = ItemCreateForm(request.POST or None, departments=departments)
    if request.method == "POST" and form.is_valid():
        try:
            draft = versions.item_create(
                actor=request.user, code=form.cleaned_data["code"], fields=form.service_fields()
            )
        except errors.ValidationFailed as error:
            form.add_service_error(error)
        except errors.Conflict as error:
            form.add_error("code", error.detail)
        else:
            messages.success(request, "事项已创建，请完善草稿后发布。")
            return redirect("catalog:workbench_version_edit", version_id=draft.pk)
    status = 422 if request.method == "POST" else 200
    return render(request, "catalog/workbench/item_new.html", {"form": form}, status=status)


@require_GET
@staff_required
def workbench_item(request: HttpRequest, code: str) -> HttpResponse:
    """One item: its versions, with the actions the user may take."""
    item = selectors.item_get(user=request.user, code=code)
    versions = selectors.version_history(user=request.user, item=item)
    context = {
        "item": item,
        "versions": versions,
        "draft": next((v for v in versions if v.status == VersionStatus.DRAFT), None),
        "can_edit": rules.can_edit(request.user, item),
        "can_publish": rules.can_publish(request.user, item),
    }
    return render(request, "catalog/workbench/item.html", context)


@require_GET
@staff_required
def workbench_version(request: HttpRequest, version_id: int) -> HttpResponse:
    """One version of any status, shown as its guide (a draft previewed before publishing)."""
    version = selectors.version_get(user=request.user, id=version_id)
    problems = rules.publish_problems(version) if version.status == VersionStatus.DRAFT else []
    context = {
        **guide_facts(version),
        "item": version.item,
        "problems": problems,
        "can_edit": rules.can_edit(request.user, version.item),
        "can_publish": rules.can_publish(request.user, version.item),
    }
    return render(request, "catalog/workbench/version.html", context)


@require_http_methods(["GET", "POST"])
@staff_required
def workbench_version_edit(request: HttpRequest, version_id: int) -> HttpResponse:
    version = selectors.version_get(user=request.user, id=version_id)
    if version.status != VersionStatus.DRAFT:
        raise errors.Conflict("已发布或已废止的版本不可修改，请先基于现行版本创建草稿。")
    departments = selectors.editable_departments(request.user)
    if not departments:
        raise errors.PermissionDenied("没有编辑事项的权限（catalog.change_serviceitemversion）。")
    groups = selectors.guide_groups()
    form = VersionForm(
        request.POST or None,
        initial=VersionForm.initial_for(version),
        departments=departments,
        groups=groups,
    )
    if request.method == "POST" and form.is_valid():
        try:
            versions.version_update(actor=request.user, version=version, fields=form.service_fields())
        except errors.ValidationFailed as error:
            form.add_service_error(error)
        else:
            messages.success(request, "草稿已保存。")
            return redirect("catalog:workbench_version", version_id=version.pk)
    context = {"form": form, "version": version, "item": version.item}
    status = 422 if request.method == "POST" else 200
    return render(request, "catalog/workbench/version_edit.html", context, status=status)


@require_POST
@staff_required
def workbench_version_action(request: HttpRequest, version_id: int, action: str) -> HttpResponse:
    """publish / retire / discard a version, or start a draft from it."""
    version = selectors.version_get(user=request.user, id=version_id)
    code = version.code
    try:
        if action == "publish":
            versions.version_publish(actor=request.user, version=version)
            messages.success(request, f"第{version.number}版已发布，办事指南已更新。")
        elif action == "retire":
            versions.version_retire(actor=request.user, version=version)
            messages.success(request, f"第{version.number}版已废止，该事项暂停办理。")
        elif action == "discard":
            versions.version_discard(actor=request.user, version=version)
            messages.success(request, "草稿已删除。")
            if not selectors.item_list(user=request.user, q=code, limit=1).items:
                return redirect("catalog:workbench_items")
        elif action == "draft":
            draft = versions.version_draft_from(actor=request.user, version=version)
            messages.success(request, f"已基于第{version.number}版创建草稿（第{draft.number}版）。")
            return redirect("catalog:workbench_version_edit", version_id=draft.pk)
        else:
            raise errors.NotFound("不支持的操作。")
    except (errors.ValidationFailed, errors.Conflict) as error:
        messages.error(request, error.detail)
    return redirect("catalog:workbench_item", code=code)


@require_GET
@staff_required
def workbench_export(request: HttpRequest) -> HttpResponse:
    content = xlsx.export_items_xlsx(user=request.user)
    response = HttpResponse(content, content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = "attachment; filename*=UTF-8''items.xlsx"
    return response


@require_http_methods(["GET", "POST"])
@staff_required
def workbench_import(request: HttpRequest) -> HttpResponse:
    selectors.item_list(user=request.user, limit=1)  # catalog permissions, else 403
    form = ImportForm(request.POST or None, request.FILES or None)
    report = None
    status = 200
    if request.method == "POST":
        status = 422
        if form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                if not (upload.name or "").lower().endswith(".xlsx"):
                    raise errors.UnsupportedMediaType("只支持 .xlsx 格式的 Excel 文件。")
                report = xlsx.import_items_xlsx(
                    upload, actor=request.user, publish=form.cleaned_data["publish"]
                )
            except (errors.ValidationFailed, errors.UnsupportedMediaType, errors.PayloadTooLarge) as error:
                form.add_error("file", error.detail)
            else:
                status = 200 if report.ok else 422
    context = {"form": form, "report": report}
    return render(request, "catalog/workbench/import.html", context, status=status)
