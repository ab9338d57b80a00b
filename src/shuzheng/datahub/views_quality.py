"""The data-hub workbench's quality pages (/workbench/datahub/catalog/<id>/quality/...): an entry's rules,
adding one, running them, the history of runs and sample rows that failed."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.views.decorators.http import require_GET, require_POST

from shuzheng.core import errors
from shuzheng.datahub import quality
from shuzheng.datahub.forms_quality import (
    QualityRuleForm,
)
from shuzheng.datahub.models import (
    CatalogEntry,
    DataItem,
    Dimension,
    QualityRule,
)
from shuzheng.datahub.selectors import quality as quality_selectors
from shuzheng.datahub.selectors import scope as scope_selectors
from shuzheng.datahub.views_catalog import (
    NOT_IN_SCOPE,
    can_see_quality,
    entry_in_scope,
)
from shuzheng.identity.page_access import staff_required

# --- quality -------------------------------------------------------------------------------------------


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
    history = quality_selectors.quality_history(entry=entry, limit=10)
    latest = history[0] if history else None
    samples: dict[int, list[dict[str, Any]]] = {}
    if latest:
        for result in latest["results"]:
            if result.sample:
                samples[result.pk] = quality_selectors.quality_sample_rows(
                    entry=entry, row_ids=list(result.sample)
                )
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
        "can_rule": scope_selectors.can(request.user, quality.PERM_RULE, entry.department)
        and entry.is_mounted_table,
        "can_run": (
            scope_selectors.can(request.user, quality.PERM_RUN, None)
            or scope_selectors.can(request.user, quality.PERM_RULE, entry.department)
        )
        and entry.is_mounted_table,
    }
    return render(request, "datahub/workbench/quality.html", context, status=status)


@require_GET
@staff_required
def entry_quality(request: HttpRequest, entry_id: int) -> HttpResponse:
    """Quality rules of an entry, run now, results history with per-dimension scores and failing rows."""
    entry = entry_in_scope(request, entry_id)
    if not can_see_quality(request.user, entry):
        raise errors.NotFound(NOT_IN_SCOPE)
    return _quality_page(request, entry)


@require_POST
@staff_required
def quality_rule_add(request: HttpRequest, entry_id: int) -> HttpResponse:
    entry = entry_in_scope(request, entry_id, quality.PERM_RULE)
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
    entry = entry_in_scope(request, entry_id)
    if not can_see_quality(request.user, entry):
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


# --- URLs --------------------------------------------------------------------------------------------

_P = "workbench/datahub/"

urlpatterns = [
    path(f"{_P}catalog/<int:entry_id>/quality/", entry_quality, name="wb_quality"),
    path(f"{_P}catalog/<int:entry_id>/quality/rules/", quality_rule_add, name="wb_quality_rule"),
    path(f"{_P}catalog/<int:entry_id>/quality/run/", quality_run, name="wb_quality_run"),
]
