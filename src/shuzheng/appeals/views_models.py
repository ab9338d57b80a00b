"""派单模型: the versions of the dispatch router side by side — how each scored on the independent
evaluation set, the dev set, the synthetic hold-out and the recent dispatchers' corrections, its
calibrated threshold and why it was (not) activated. Linked from the dispatch centre and the rule test
page; same permission as the rule test."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from shuzheng.appeals.selectors import dispatch as dispatch_selectors
from shuzheng.identity.page_access import perm_required

RULES_PERM = "appeals.view_routingrule|appeals.dispatch_appeal"

#: (key in DispatchModel.evaluation, heading)
SETS = (
    ("eval", "独立评估集"),
    ("corrections", "近期人工纠正"),
    ("dev", "开发集"),
    ("holdout", "合成留出集"),
)


def _row(model: Any) -> dict[str, Any]:
    evaluation = model.evaluation or {}
    active = evaluation.get("active") or {}
    return {
        "model": model,
        "sets": [(label, evaluation.get(key), active.get(key)) for key, label in SETS],
        "decision": evaluation.get("decision", ""),
        "compared_with": active.get("version", ""),
        "corrections_used": evaluation.get("corrections_used"),
    }


@require_GET
@perm_required(RULES_PERM, "查看派单模型")
def dispatch_models(request: HttpRequest) -> HttpResponse:
    rows = [_row(m) for m in dispatch_selectors.dispatch_model_list()]
    return render(request, "appeals/workbench/models.html", {"rows": rows})
