"""The dispatch classifier: training on closed appeals and choosing the active model."""

from __future__ import annotations

import time

from django.db import transaction
from django.utils import timezone

from shuzheng.appeals import classifier, routing
from shuzheng.appeals.models import DispatchModel
from shuzheng.appeals.services.common import require_perm
from shuzheng.core import audit
from shuzheng.core.errors import ValidationFailed
from shuzheng.identity.actors import Actor


def dispatch_model_train(
    *,
    actor: Actor,
    limit: int | None = None,
    activate: bool = True,
    progress: classifier.Progress | None = None,
) -> DispatchModel:
    """Train on closed appeals, store the file and metrics as a DispatchModel, activate it."""
    started = time.perf_counter()
    texts, departments, categories = routing.training_data(limit)
    keywords = routing.category_keywords()
    version = timezone.now().strftime("%Y%m%d%H%M%S") + f"-{len(texts)}"
    try:
        result = classifier.train(
            texts, departments, categories, version=version, keywords=keywords, progress=progress
        )
    except ValueError as exc:
        raise ValidationFailed(str(exc), code="not_enough_training_data") from exc
    path = classifier.save(result.bundle)
    with transaction.atomic():
        if activate:
            DispatchModel.objects.filter(is_active=True).update(is_active=False)
        row = DispatchModel.objects.create(
            version=version,
            trained_at=timezone.now(),
            sample_count=result.sample_count,
            test_count=result.test_count,
            accuracy=result.accuracy,
            macro_f1=result.macro_f1,
            category_accuracy=result.category_accuracy,
            category_macro_f1=result.category_macro_f1,
            baseline_accuracy=result.baseline_accuracy,
            baseline_macro_f1=result.baseline_macro_f1,
            training_seconds=round(time.perf_counter() - started, 2),
            report=result.report,
            file_path=str(path),
            is_active=activate,
        )
        audit.record(
            actor=actor,
            action="appeals.model.train",
            subject=row,
            after={
                "version": version,
                "accuracy": round(result.accuracy, 4),
                "macro_f1": round(result.macro_f1, 4),
                "baseline_accuracy": round(result.baseline_accuracy, 4),
                "samples": result.sample_count,
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
