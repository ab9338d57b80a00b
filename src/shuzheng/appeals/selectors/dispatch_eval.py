"""Scoring the active dispatch model on a labelled set (``shuzheng evaluate-dispatch``): the keyword
baseline, each component alone at its own calibrated threshold, the combined router, the relevance of
intake help (precision@3 of KB answers and similar appeals) and the classifier's latency."""

from __future__ import annotations

import copy
import statistics
import time
from collections.abc import Callable, Sequence
from typing import Any

from shuzheng.appeals import routing
from shuzheng.appeals.dispatching import duties, evaluation
from shuzheng.appeals.dispatching import training as pipeline
from shuzheng.appeals.dispatching.evaluation import Example, Score
from shuzheng.appeals.dispatching.router import Router
from shuzheng.appeals.selectors.appeals import intake_help
from shuzheng.core.errors import NotFound
from shuzheng.orgs import selectors as orgs_selectors

Progress = Callable[[str], None]


def _component(router: Router, examples: Sequence[Example], component: str, dev: Sequence[Example]) -> Score:
    """One component scored at the threshold that gives it ≥ 95 % precision on the dev set."""
    alone = copy.copy(router)  # the cached model keeps its own threshold
    if dev:
        pipeline.calibrate_on(alone, dev, component)
    return evaluation.score_router(alone, examples, component)[0]


def score_bundle(bundle: Any, examples: Sequence[Example], name: str) -> Score:
    """Any stored model (a router, or a classifier from before the router) scored on ``examples``."""
    if isinstance(bundle, Router):
        return evaluation.score_router(bundle, examples, name=name)[0]
    routes = [routing.route(bundle, e.text, e.town) for e in examples]
    return evaluation.score(
        name,
        examples,
        [r.department for r in routes],
        [[d for d, _ in r.top] for r in routes],
        [r.automatic for r in routes],
        reasons=[r.reason for r in routes],
    )


def help_precision(examples: Sequence[Example], *, user: Any, progress: Progress) -> dict[str, Any]:
    """Precision@3 of the KB answers and similar appeals intake shows (relevant: same department as the
    gold label), over the examples where something is shown, and how often something is shown."""
    kb_hits = kb_shown = sim_hits = sim_shown = kb_any = sim_any = 0
    for i, example in enumerate(examples, start=1):
        found = intake_help(user=user, text=example.text, town=example.town)
        kb = [a.department.code if a.department else "" for a in found.articles[:3]]
        sim = [a.department.code if a.department else "" for a in found.similar[:3]]
        kb_hits += sum(1 for code in kb if code == example.department)
        sim_hits += sum(1 for code in sim if code == example.department)
        kb_shown += len(kb)
        sim_shown += len(sim)
        kb_any += bool(kb)
        sim_any += bool(sim)
        if i % 100 == 0:
            progress(f"知识库与相似诉求 {i}/{len(examples)}")
    n = len(examples)
    return {
        "kb_precision_at_3": round(kb_hits / kb_shown, 4) if kb_shown else None,
        "kb_shown_share": round(kb_any / n, 4),
        "similar_precision_at_3": round(sim_hits / sim_shown, 4) if sim_shown else None,
        "similar_shown_share": round(sim_any / n, 4),
    }


def latency_ms(bundle: Any, examples: Sequence[Example], runs: int = 300) -> dict[str, float]:
    """Single-text routing time (p50, p95) over the set's texts, after one warm-up call."""
    texts = [e.text for e in examples][:runs]
    routing.route(bundle, texts[0])
    times = []
    for text in texts:
        started = time.perf_counter()
        routing.route(bundle, text)
        times.append((time.perf_counter() - started) * 1000)
    times.sort()
    return {"p50": round(statistics.median(times), 3), "p95": round(times[int(len(times) * 0.95) - 1], 3)}


def evaluate_active(
    examples: Sequence[Example], *, user: Any = None, progress: Progress | None = None
) -> dict[str, Any]:
    """Every score of the active model on ``examples`` (see the module docstring)."""
    say = progress or (lambda _message: None)
    active = routing.active_dispatch_model()
    if active is None:
        raise NotFound("没有启用中的派单模型，请先运行 shuzheng train-dispatch")
    row, bundle = active
    try:
        dev = evaluation.read_set(pipeline.DEV_SET)
    except evaluation.SetError:
        dev = []
    say("关键词基线")
    local = routing.local_categories()
    predicted, tops = evaluation.keyword_baseline(
        examples, keywords=routing.category_keywords(), category_label=routing.category_labels(local)
    )
    scores = {
        "keywords": evaluation.score(
            "keywords", examples, predicted, tops, [p is not None for p in predicted]
        )
    }
    if isinstance(bundle, Router):
        for component in ("classifier", "retrieval"):
            say(f"单独评估：{component}")
            scores[component] = _component(bundle, examples, component, dev)
        say("组合路由")
        scores["combined"] = evaluation.score_router(bundle, examples, "combined")[0]
    else:
        scores["combined"] = score_bundle(bundle, examples, "combined")
    say("测量单条派单耗时")
    result: dict[str, Any] = {
        "model_version": row.version,
        "threshold": getattr(bundle, "threshold", None),
        "count": len(examples),
        "components": {name: score.summary() for name, score in scores.items()},
        "latency_ms": latency_ms(bundle, examples),
    }
    combined = scores["combined"]
    codes = sorted({*combined.per_department, *(p for _g, p, _c in combined.confusions)})
    names = {**duties.target_names(), **orgs_selectors.department_names(codes)}
    result["per_department"] = [
        {"code": code, "department": names.get(code, code), **values}
        for code, values in sorted(combined.per_department.items(), key=lambda kv: kv[1]["accuracy"])
    ]
    result["confusions"] = [
        {"gold": names.get(g, g), "predicted": names.get(p, p), "count": c} for g, p, c in combined.confusions
    ]
    result["reasons"] = combined.reasons
    if user is not None:
        say("知识库与相似诉求")
        result["help"] = help_precision(examples, user=user, progress=say)
    return result
