"""The dispatch router: training on closed appeals, knowledge and dispatchers' corrections; activation
only when the new version is not worse than the active one; switching models by hand."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Sequence
from typing import Any

from django.db import transaction
from django.utils import timezone

from shuzheng.appeals import classifier, routing
from shuzheng.appeals.dispatching import evaluation, router
from shuzheng.appeals.dispatching import training as pipeline
from shuzheng.appeals.dispatching.evaluation import Example, Score
from shuzheng.appeals.models import DispatchModel
from shuzheng.appeals.selectors.dispatch_eval import score_bundle
from shuzheng.appeals.services.common import require_perm
from shuzheng.core import audit
from shuzheng.core.errors import ValidationFailed
from shuzheng.identity.actors import Actor

#: The newest corrections kept out of training to judge the new version against the active one.
RECENT_CORRECTIONS = 200


def judging_sets(recent: Sequence[tuple[str, str, str | None, str]]) -> dict[str, list[Example]]:
    """The independent evaluation set (when installed) and the recent corrections."""
    sets: dict[str, list[Example]] = {}
    with contextlib.suppress(evaluation.SetError):
        sets["eval"] = evaluation.read_set(pipeline.EVAL_SET)
    if recent:
        sets["corrections"] = [Example(text=t, department=d, town=town) for t, d, town, _at in recent]
    return sets


def _decide(new: dict[str, Score], old: dict[str, Score] | None) -> tuple[bool, str]:
    if old is None:
        return True, "无启用中的模型，直接启用"
    worse = [name for name, score in new.items() if name in old and score.accuracy < old[name].accuracy]
    if worse:
        labels = {"eval": "独立评估集", "corrections": "近期人工纠正"}
        return False, "在" + "、".join(labels.get(w, w) for w in worse) + "上准确率低于当前模型，未启用"
    return True, "不劣于当前模型，已启用"


def dispatch_model_train(
    *,
    actor: Actor,
    limit: int | None = None,
    activate: bool = True,
    progress: classifier.Progress | None = None,
) -> DispatchModel:
    """Train a router, compare it with the active model on the evaluation set and the recent
    corrections, store it; activate it (``activate``) only when it is not worse on either."""
    started = time.perf_counter()
    texts, departments, categories, towns = routing.training_data(limit)
    local = routing.local_categories()
    labels = routing.category_labels(local)
    kb, cats = routing.knowledge_texts(labels)
    corrections = routing.dispatch_corrections()
    recent = corrections[: min(RECENT_CORRECTIONS, len(corrections) // 5)]
    older = [(t, d, town) for t, d, town, _at in corrections[len(recent) :]]
    version = timezone.now().strftime("%Y%m%d%H%M%S") + f"-{len(texts)}"
    try:
        dev = evaluation.read_set(pipeline.DEV_SET)
    except evaluation.SetError:
        dev = []
    try:
        outcome = pipeline.train(
            version=version,
            texts=texts,
            departments=departments,
            categories=categories,
            towns=towns,
            local=local,
            know=router.knowledge(kb=kb, categories=cats),
            category_labels=labels,
            keywords=routing.category_keywords(),
            corrections=older,
            dev=dev,
            progress=progress,
        )
    except ValueError as exc:
        raise ValidationFailed(str(exc), code="not_enough_training_data") from exc
    sets = judging_sets(corrections[: len(recent)])
    new_scores = {name: score_bundle(outcome.router, examples, name) for name, examples in sets.items()}
    active = routing.active_dispatch_model()
    old_scores = (
        {name: score_bundle(active[1], examples, name) for name, examples in sets.items()} if active else None
    )
    go, note = _decide(new_scores, old_scores) if activate else (False, "仅训练登记，未启用")
    evaluation_json: dict[str, Any] = {
        "holdout": outcome.holdout.summary(),
        "dev": outcome.dev.summary() if outcome.dev else None,
        "baseline": outcome.baseline.summary(),
        **{name: score.summary() for name, score in new_scores.items()},
        "active": (
            {"version": active[0].version, **{n: s.summary() for n, s in (old_scores or {}).items()}}
            if active
            else None
        ),
        "corrections_used": len(older),
        "decision": note,
    }
    path = classifier.save(outcome.router)
    with transaction.atomic():
        if go:
            DispatchModel.objects.filter(is_active=True).update(is_active=False)
        row = DispatchModel.objects.create(
            version=version,
            trained_at=timezone.now(),
            sample_count=outcome.sample_count,
            test_count=outcome.test_count,
            accuracy=outcome.holdout.accuracy,
            macro_f1=outcome.holdout.macro_f1,
            category_accuracy=outcome.category_accuracy,
            baseline_accuracy=outcome.baseline.accuracy,
            baseline_macro_f1=outcome.baseline.macro_f1,
            training_seconds=round(time.perf_counter() - started, 2),
            report=outcome.holdout.per_department,
            threshold=outcome.router.threshold,
            evaluation=evaluation_json,
            file_path=str(path),
            is_active=go,
        )
        audit.record(
            actor=actor,
            action="appeals.model.train",
            subject=row,
            after={
                "version": version,
                "accuracy": round(outcome.holdout.accuracy, 4),
                "macro_f1": round(outcome.holdout.macro_f1, 4),
                "threshold": outcome.router.threshold,
                "samples": outcome.sample_count,
                "activated": go,
                "decision": note,
            },
        )
    return row


@transaction.atomic
def dispatch_model_activate(*, actor: Actor, model: DispatchModel) -> DispatchModel:
    require_perm(actor, "appeals.change_dispatchmodel", "切换派单模型")
    if classifier.load(model.version, model.file_path) is None:
        raise ValidationFailed.for_field("model", f"模型文件不可读：{model.file_path}")
    DispatchModel.objects.filter(is_active=True).update(is_active=False)
    model.is_active = True
    model.save(update_fields=["is_active"])
    audit.record(
        actor=actor, action="appeals.model.activate", subject=model, after={"version": model.version}
    )
    return model
