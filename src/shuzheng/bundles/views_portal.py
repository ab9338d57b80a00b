"""The public 一件事 pages (/bundles/...): browse by life event and by enterprise life cycle, search (bundles
and items), one bundle's guide and its printable version, the combined application form, and the
applicant's status view of the parent with its children, where one answer covers several corrections.

Thin: read through selectors, write through services; their Chinese errors are shown on the page.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from shuzheng.bundles import selectors
from shuzheng.bundles.constants import ENTERPRISE_STAGES, LIFE_EVENTS, Theme
from shuzheng.bundles.forms_portal import BrowseForm, CombinedForm, CorrectionAnswerForm, EvaluationForm
from shuzheng.bundles.prefill import prefill_for
from shuzheng.bundles.services import applications, evaluation
from shuzheng.cases.access import signed_in
from shuzheng.cases.services.applicant import account_identity
from shuzheng.cases.services.uploads import material_upload
from shuzheng.catalog import selectors as catalog_selectors
from shuzheng.core import errors
from shuzheng.identity.page_access import person_required, renders_application_errors

PER_PAGE = 30


@require_GET
@renders_application_errors
def bundle_list(request: HttpRequest) -> HttpResponse:
    """Public: bundles by life event (citizens) and enterprise life-cycle stage; ?q= searches bundles and
    items alike."""
    form = BrowseForm(request.GET)
    valid = form.is_valid()
    theme = form.cleaned_data.get("theme") if valid else None
    q = (form.cleaned_data.get("q") or "").strip() if valid else ""
    page = selectors.bundle_list(theme=theme or None, q=q or None, limit=PER_PAGE if q else 100)
    context = {
        "form": form,
        "q": q,
        "theme": theme,
        "theme_label": Theme(theme).label if theme else "",
        "bundles": page.items,
        "life_events": LIFE_EVENTS,
        "enterprise_stages": ENTERPRISE_STAGES,
        "items": catalog_selectors.guide_search(q, limit=20) if q else [],
    }
    return render(request, "bundles/portal/list.html", context, status=200 if valid else 400)


def _guide_context(code: str) -> dict[str, Any]:
    version = selectors.live_version(code)
    return {"version": version, "guide": selectors.guide(version)}


@require_GET
@renders_application_errors
def bundle_detail(request: HttpRequest, code: str) -> HttpResponse:
    """Public: the bundle's guide: its items and order, one materials list, what the applicant types."""
    return render(request, "bundles/portal/detail.html", _guide_context(code))


@require_GET
@renders_application_errors
def bundle_print(request: HttpRequest, code: str) -> HttpResponse:
    return render(request, "bundles/portal/print.html", _guide_context(code))


def _uploads(request: HttpRequest, rows: list[tuple[Any, Any]], summary: list[str]) -> list[dict[str, Any]]:
    """Materials uploaded on the page (exempt ones and those a held licence covers are not asked)."""
    answers = []
    for index, (entry, licence) in enumerate(rows):
        if entry.exempt or licence is not None:
            continue
        file = request.FILES.get(f"material-{index}")
        if file is not None:
            try:
                upload = material_upload(actor=request.user, file=file, name=file.name or "")
            except errors.ValidationFailed as error:
                summary.append(f"{entry.name}：{error}")
                continue
            answers.append({"key": entry.key, "upload_id": upload.pk})
        elif request.POST.get(f"defer-{index}") and not entry.is_key:
            answers.append({"key": entry.key, "deferred": True})
    return answers


@require_http_methods(["GET", "POST"])
@person_required
def bundle_apply(request: HttpRequest, code: str) -> HttpResponse:
    """The combined form: shared fields once, each item's own fields, one materials list."""
    context = _guide_context(code)
    guide = context["guide"]
    if not guide.available:
        raise errors.Conflict("本主题包含已停止办理的事项，暂不能申请，请联系牵头部门。", code="item_retired")
    post = request.POST if request.method == "POST" else None
    user = signed_in(request.user)
    prefill = prefill_for(user=user, version=guide.version)
    form = CombinedForm(guide, post, identity=account_identity(user), prefill=prefill)
    rows = [(e, prefill.licences.get(e.licence_type) if e.licence_type else None) for e in guide.materials]
    summary: list[str] = []
    status = 200
    if post is not None:
        form.is_valid()
        answers = _uploads(request, rows, summary)
        if not summary:
            try:
                application = applications.bundle_apply(
                    actor=request.user,
                    code=code,
                    shared=form.shared_data(),
                    own=form.own_data(),
                    materials=answers,
                    idempotency_key=form.apply.cleaned_data.get("idempotency_key") or "",
                )
            except errors.ValidationFailed as error:
                for item in error.errors:
                    if not form.place(str(item.get("field", "")), str(item.get("message", ""))):
                        summary.append(str(item.get("message", "")))
            else:
                messages.success(request, f"一件事申请已提交，编号 {application.number}。")
                return redirect("bundles:application", application.number)
        status = 422
    context.update(form=form, summary=summary, material_rows=rows)
    return render(request, "bundles/portal/apply.html", context, status=status)


@require_GET
@person_required
def my_applications(request: HttpRequest) -> HttpResponse:
    page = selectors.my_applications(user=request.user, cursor=request.GET.get("cursor") or None)
    return render(request, "bundles/portal/mine.html", {"page": page})


@require_GET
@person_required
def application_detail(request: HttpRequest, number: str) -> HttpResponse:
    """The applicant's one status view: the parent and each child's state, open corrections together."""
    application = selectors.application_get(user=request.user, number=number)
    children = selectors.children_of(application)
    context = {
        "application": application,
        "children": children,
        "history": selectors.history_of(application),
        "corrections": [c for c in children if c.correction is not None],
        "correction_form": CorrectionAnswerForm(),
        "evaluation_form": EvaluationForm() if application.status == "concluded" else None,
    }
    return render(request, "bundles/portal/application.html", context)


@require_POST
@person_required
def application_correct(request: HttpRequest, number: str) -> HttpResponse:
    application = selectors.application_get(user=request.user, number=number)
    form = CorrectionAnswerForm(request.POST)
    note = form.cleaned_data.get("note") if form.is_valid() else None
    applications.bundle_respond_corrections(actor=request.user, application=application, note=note)
    messages.success(request, "补正已提交，各部门将重新审核。")
    return redirect("bundles:application", application.number)


@require_POST
@person_required
def application_evaluate(request: HttpRequest, number: str) -> HttpResponse:
    """One 好差评 for the whole bundle, recorded for each concluded child case."""
    application = selectors.application_get(user=request.user, number=number)
    form = EvaluationForm(request.POST)
    if not form.is_valid():
        raise errors.ValidationFailed.for_field("level", "请选择整体满意度")
    rated = evaluation.bundle_evaluate(
        actor=request.user,
        application=application,
        level=form.cleaned_data["level"],
        comment=form.cleaned_data.get("comment") or "",
    )
    messages.success(request, f"感谢评价，已计入{rated}个事项的办理部门。")
    return redirect("bundles:application", application.number)
