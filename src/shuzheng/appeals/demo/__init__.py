"""Demo data of the appeals hub: categories, dispatch catalogue, routing rules, roles and staff, a
knowledge base, 20,000 SYNTHETIC closed appeals (``appeals.demo.synthetic``) to train the classifier, the
trained model, and a few open appeals in every work-order state.

Needs the orgs and identity demo data first. ``load()`` is idempotent: categories, rules and articles
are keyed by code or name; historical appeals, the model and the open examples are only created when
missing.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any, Final

from django.db import transaction

from shuzheng.appeals.constants import WorkOrderStatus
from shuzheng.appeals.demo.articles import ensure_articles
from shuzheng.appeals.demo.examples import ensure_examples, ensure_grid_events
from shuzheng.appeals.demo.history import ensure_historical
from shuzheng.appeals.demo.reference import (
    CITY,
    ensure_catalogue,
    ensure_categories,
    ensure_handlers_for_open_work,
    ensure_roles_and_staff,
    ensure_rules,
)
from shuzheng.appeals.models import (
    Appeal,
    Category,
    DispatchCatalogueEntry,
    DispatchModel,
    KnowledgeArticle,
    RoutingRule,
    WorkOrder,
)
from shuzheng.appeals.services.training import dispatch_model_train
from shuzheng.core import audit
from shuzheng.core.actors import SystemActor
from shuzheng.orgs import selectors as orgs_selectors

Progress = Callable[[str, int, int], None]

HISTORICAL_COUNT: Final = 20_000


def load(progress: Progress | None = None) -> dict[str, Any]:
    """Load the appeals demo (idempotent). Returns counts and the demo ``accounts``."""
    steps = ("诉求分类与派单目录", "角色与账号", "知识库", "历史诉求（合成）", "训练派单模型", "示例工单")
    total = len(steps)
    timings: dict[str, float] = {}

    def step(done: int) -> None:
        if progress is not None:
            progress(steps[done - 1], done, total)

    started = time.perf_counter()
    before = _row_counts()
    city = orgs_selectors.division_queryset(under=f"/440000/440700/{CITY}/", include_inactive=True)
    divisions = {d.code: d for d in city}
    departments = {d.code: d for d in orgs_selectors.department_queryset()}
    if CITY not in divisions or "EP001-01" not in departments:
        raise RuntimeError("请先加载组织机构与账号演示数据")
    with transaction.atomic():
        categories = ensure_categories()
        catalogue = ensure_catalogue(categories, departments, divisions)
        ensure_rules(categories, departments)
        step(1)
        accounts = ensure_roles_and_staff(departments)
        step(2)
        articles = ensure_articles(categories, departments)
        step(3)

        def rows(done: int) -> None:
            if progress is not None:
                progress(f"{steps[3]} {done}/{HISTORICAL_COUNT}", 3, total)

        t0 = time.perf_counter()
        historical = ensure_historical(HISTORICAL_COUNT, categories, departments, divisions, rows)
        timings["historical_seconds"] = round(time.perf_counter() - t0, 1)
        step(4)
    t0 = time.perf_counter()
    model = DispatchModel.objects.filter(is_active=True).first()
    if model is None:
        model = dispatch_model_train(actor=SystemActor("demo"))
    timings["training_seconds"] = round(time.perf_counter() - t0, 1)
    step(5)
    with transaction.atomic():
        examples = ensure_examples(divisions, departments) + ensure_grid_events()
        accounts += ensure_handlers_for_open_work()
        step(6)
        result = {
            "categories": len(categories),
            "catalogue_entries": catalogue,
            "routing_rules": RoutingRule.objects.count(),
            "kb_articles": articles,
            "historical_appeals": historical,
            "open_appeals": examples,
            "work_orders": WorkOrder.objects.count(),
            "model_version": model.version,
            "model_accuracy": round(model.accuracy, 4),
            "model_macro_f1": round(model.macro_f1, 4),
            "baseline_accuracy": round(model.baseline_accuracy or 0, 4),
            "baseline_macro_f1": round(model.baseline_macro_f1 or 0, 4),
            # Beside the self-measured hold-out: the hand-written set the model never trained on.
            "eval_accuracy": (model.evaluation.get("eval") or {}).get("accuracy"),
            "eval_macro_f1": (model.evaluation.get("eval") or {}).get("macro_f1"),
            **timings,
            "seconds": round(time.perf_counter() - started, 1),
        }
        if _row_counts() != before:  # a second run changes nothing, not even the audit chain
            audit.record(
                actor=SystemActor("demo"),
                action="appeals.demo.load",
                subject_type="appeals.demo",
                subject_id="enping",
                after=dict(result),
            )
    return {**result, "accounts": accounts, "states": _state_counts()}


def _row_counts() -> tuple[int, ...]:
    return (
        Category.objects.count(),
        DispatchCatalogueEntry.objects.count(),
        RoutingRule.objects.count(),
        KnowledgeArticle.objects.count(),
        Appeal.objects.count(),
        DispatchModel.objects.count(),
    )


def _state_counts() -> dict[str, int]:
    return {status: WorkOrder.objects.filter(status=status).count() for status in WorkOrderStatus.values}
