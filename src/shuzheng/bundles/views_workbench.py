"""Staff pages of 一件事 (/workbench/bundles/...): the bundles in scope, one bundle's versions with what
stands in the way of publishing (per child), create and edit a draft, publish, retire, new draft.

Thin: selectors read with the data scope of the bundle permissions; services decide and audit."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from shuzheng.bundles import selectors
from shuzheng.bundles.constants import EDIT_PERM, PUBLISH_PERM, VIEW_PERM
from shuzheng.bundles.forms_workbench import BundleForm, CorrectionRequestForm
from shuzheng.bundles.services import applications, versions
from shuzheng.catalog.constants import VersionStatus
from shuzheng.core import errors
from shuzheng.identity.page_access import perm_required

ANY_PERM = f"{VIEW_PERM}|{EDIT_PERM}|{PUBLISH_PERM}"


@require_GET
@perm_required(ANY_PERM, "查看一件事主题")
def workbench_list(request: HttpRequest) -> HttpResponse:
    page = selectors.staff_bundle_list(user=request.user, cursor=request.GET.get("cursor") or None, limit=50)
    return render(request, "bundles/workbench/list.html", {"page": page})


@require_GET
@perm_required(ANY_PERM, "查看一件事主题")
def workbench_bundle(request: HttpRequest, code: str) -> HttpResponse:
    history = selectors.staff_versions(user=request.user, code=code)
    draft = next((v for v in history if v.status == VersionStatus.DRAFT), None)
    context = {
        "code": code,
        "history": history,
        "draft": draft,
        "problems": versions.publish_problems(draft) if draft is not None else [],
        "live": next((v for v in history if v.status == VersionStatus.PUBLISHED), None),
        "can_edit": request.user.has_perm(EDIT_PERM),
        "can_publish": request.user.has_perm(PUBLISH_PERM),
    }
    return render(request, "bundles/workbench/bundle.html", context)


def _place(form: BundleForm, error: errors.ValidationFailed) -> None:
    for item in error.errors:
        name = str(item.get("field", "")).split("[")[0].split(".")[0]
        form.add_error(name if name in form.fields else None, str(item.get("message", "")))


@require_http_methods(["GET", "POST"])
@perm_required(EDIT_PERM, "编辑一件事主题")
def workbench_new(request: HttpRequest) -> HttpResponse:
    form = BundleForm(request.POST or None, creating=True)
    if request.method == "POST" and form.is_valid():
        try:
            draft = versions.bundle_create(
                actor=request.user, code=form.cleaned_data["code"], fields=form.fields_for_service()
            )
        except errors.ValidationFailed as error:
            _place(form, error)
        else:
            messages.success(request, "已创建草稿。")
            return redirect("bundles:workbench_bundle", draft.code)
    return render(request, "bundles/workbench/edit.html", {"form": form, "version": None}, status=200)


@require_http_methods(["GET", "POST"])
@perm_required(EDIT_PERM, "编辑一件事主题")
def workbench_edit(request: HttpRequest, version_id: int) -> HttpResponse:
    version = selectors.staff_version_get(user=request.user, id=version_id)
    form = BundleForm(request.POST or None, initial=BundleForm.initial_for(version))
    if request.method == "POST" and form.is_valid():
        try:
            versions.version_update(actor=request.user, version=version, fields=form.fields_for_service())
        except errors.ValidationFailed as error:
            _place(form, error)
        else:
            messages.success(request, "草稿已保存。")
            return redirect("bundles:workbench_bundle", version.code)
    return render(request, "bundles/workbench/edit.html", {"form": form, "version": version})


ACTIONS = {
    "publish": (versions.version_publish, "已发布。"),
    "retire": (versions.version_retire, "已废止。"),
    "draft": (versions.version_draft_from, "已创建草稿。"),
}


@require_POST
@perm_required(ANY_PERM, "管理一件事主题")
def workbench_action(request: HttpRequest, version_id: int, action: str) -> HttpResponse:
    if action not in ACTIONS:
        raise errors.NotFound("没有这个操作。")
    version = selectors.staff_version_get(user=request.user, id=version_id)
    service, done = ACTIONS[action]
    try:
        service(actor=request.user, version=version)
    except errors.ValidationFailed as error:
        for item in error.errors:
            messages.error(request, str(item.get("message", "")))
    else:
        messages.success(request, done)
    return redirect("bundles:workbench_bundle", version.code)


@require_http_methods(["GET", "POST"])
@perm_required("cases.view_case", "查看办件")
def workbench_application(request: HttpRequest) -> HttpResponse:
    """A clerk finds a 一件事 by its number or a child case's number, sees every child's state, and asks one
    补正 covering the children in their scope (each through the cases service, all or none)."""
    number = (request.GET.get("q") or "").strip()
    if not number:
        return render(request, "bundles/workbench/application.html", {"q": ""})
    application, rows = selectors.staff_application_get(user=request.user, number=number)
    in_scope = [(r.child.item_code, r.child.item_name) for r in rows if r.case is not None]
    form = CorrectionRequestForm(request.POST if request.method == "POST" else None, codes=in_scope)
    if request.method == "POST" and form.is_valid():
        wanted = form.requests()
        if not wanted:
            form.add_error(None, "请至少为一个事项填写需补正的内容。")
        else:
            try:
                applications.bundle_request_corrections(
                    actor=request.user, application=application, requests=wanted
                )
            except errors.ApplicationError as error:
                form.add_error(None, str(error))
            else:
                messages.success(request, f"已一次性告知{len(wanted)}个事项的补正内容。")
                return redirect(f"{request.path}?q={application.number}")
    context = {"q": number, "application": application, "rows": rows, "form": form}
    return render(request, "bundles/workbench/application.html", context)
