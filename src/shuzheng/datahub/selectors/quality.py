"""Quality runs and, per entry, the history of runs and the sampled failing rows (masked)."""

from __future__ import annotations

from typing import Any

from shuzheng.core.errors import NotFound
from shuzheng.datahub import access
from shuzheng.datahub.models import (
    CatalogEntry,
    QualityRun,
)

# --- quality -------------------------------------------------------------------------------------------


def quality_run_get(*, id: int) -> QualityRun:
    run = QualityRun.objects.filter(pk=id).first()
    if run is None:
        raise NotFound("质量检测不存在")
    return run


def quality_run_latest() -> QualityRun | None:
    return QualityRun.objects.filter(finished_at__isnull=False).order_by("-id").first()


def quality_history(*, entry: CatalogEntry, limit: int = 10) -> list[dict[str, Any]]:
    """The entry's latest quality runs, newest first: per run its score, per-dimension scores and the
    results of the entry's rules."""
    from shuzheng.datahub.models import QualityResult

    run_ids = list(
        QualityResult.objects.filter(entry=entry)
        .order_by("-run_id")
        .values_list("run_id", flat=True)
        .distinct()[:limit]
    )
    runs = {r.pk: r for r in QualityRun.objects.filter(pk__in=run_ids).select_related("triggered_by")}
    results: dict[int, list[Any]] = {}
    for result in QualityResult.objects.filter(entry=entry, run_id__in=run_ids).select_related("rule"):
        results.setdefault(result.run_id, []).append(result)
    history = []
    for run_id in sorted(run_ids, reverse=True):
        run = runs[run_id]
        scores = (run.scores or {}).get(str(entry.pk)) or {}
        history.append(
            {
                "run": run,
                "score": scores.get("score"),
                "dimensions": scores.get("dimensions") or {},
                "results": results.get(run_id, []),
            }
        )
    return history


def quality_sample_rows(*, entry: CatalogEntry, row_ids: list[int]) -> list[dict[str, Any]]:
    """The sampled failing rows of a quality result as the steward sees them: every personal field masked
    (the quality page never shows clear personal data)."""
    from shuzheng.datahub import tables

    if not entry.is_mounted_table or not row_ids:
        return []
    items = [i for i in entry.items.all() if i.mounted]
    model = tables.build_model(entry, items)
    rows = model.objects.filter(**{f"{tables.ROW_ID}__in": row_ids[:20]}).order_by(tables.ROW_ID)
    result = []
    for row in rows.values(tables.ROW_ID, *[i.name for i in items]):
        shown = {i.name: _shown(i, row[i.name]) for i in items}
        result.append({"row_id": row[tables.ROW_ID], "values": [shown[i.name] for i in items]})
    return result


def _shown(item: Any, value: Any) -> Any:
    from shuzheng.datahub import tables

    if not item.is_personal or value is None:
        return tables.json_value(value)
    return access.mask_value(item, tables.json_value(value))
