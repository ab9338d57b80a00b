"""Training a router: history split for a hold-out, knowledge and dispatchers' corrections added, the
threshold calibrated on the hand-written dev set, and scores on every set the model is judged by.

No database here: ``appeals.services.training`` reads the appeals, catalogue, KB and corrections and
stores the result.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

from shuzheng.appeals.dispatching import duties, evaluation
from shuzheng.appeals.dispatching.evaluation import Example, Score
from shuzheng.appeals.dispatching.normalise import DATA
from shuzheng.appeals.dispatching.router import Knowledge, Router, fit, input_problem

DEV_SET: Final = DATA / "dev.jsonl"
EVAL_SET: Final = (
    Path(__file__).resolve().parent.parent / "tests" / "data" / "dispatch_eval" / "appeals.jsonl"
)
MIN_SAMPLES: Final = 20

Progress = Callable[[str, int, int], None]


@dataclass
class Outcome:
    router: Router
    sample_count: int
    test_count: int
    holdout: Score
    dev: Score | None
    category_accuracy: float | None
    baseline: Score
    seconds: float
    extra: dict[str, Any] = field(default_factory=dict)


def calibrate_on(router: Router, examples: Sequence[Example], component: str = "combined") -> float:
    """Set and return the router's threshold: the lowest at which its automatic dispatches on
    ``examples`` (by ``component``'s scores) are ≥ 95 % correct."""
    router.threshold = 0.0
    routes = router.route_many([e.text for e in examples], [e.town for e in examples], component)
    router.threshold = evaluation.calibrate(
        [r.probability for r in routes],
        [r.department == e.department for r, e in zip(routes, examples, strict=True)],
        [
            not input_problem(e.text) and r.department is not None
            for r, e in zip(routes, examples, strict=True)
        ],
    )
    return router.threshold


def train(
    *,
    version: str,
    texts: Sequence[str],
    departments: Sequence[str],
    categories: Sequence[str | None],
    towns: Sequence[str | None],
    local: dict[str, str],
    know: Knowledge,
    category_labels: dict[str, str],
    keywords: dict[str, list[str]],
    corrections: Sequence[tuple[str, str, str | None]] = (),
    dev: Sequence[Example] = (),
    holdout_share: float = 0.1,
    seed: int = 0,
    progress: Progress | None = None,
) -> Outcome:
    """Fit on history (less a seeded hold-out), knowledge and corrections; calibrate on ``dev`` and half
    the hold-out."""
    started = time.perf_counter()
    steps = 4

    def step(label: str, done: int) -> None:
        if progress is not None:
            progress(label, done, steps)

    if len(texts) + len(corrections) < MIN_SAMPLES:
        raise ValueError(f"训练样本不足：至少需要 {MIN_SAMPLES} 条已办结诉求或人工派单记录")
    order = list(range(len(texts)))
    random.Random(seed).shuffle(order)  # noqa: S311 - a reproducible split, not security
    cut = int(len(order) * holdout_share) if len(order) >= 2 * MIN_SAMPLES else 0
    test, train_rows = sorted(order[:cut]), sorted(order[cut:])
    labels = [duties.training_label(d, c, local) for d, c in zip(departments, categories, strict=True)]
    step("切分历史诉求", 1)
    correction_pairs = [(text, duties.training_label(d, None, {})) for text, d, _town in corrections]
    router = fit(
        version=version,
        texts=[texts[i] for i in train_rows],
        labels=[labels[i] for i in train_rows],
        categories=[categories[i] for i in train_rows],
        know=know,
        corrections=correction_pairs,
        seed=seed,
    )
    step("训练分类器与职责检索", 2)
    # The hold-out's first half calibrates with the dev set (the stricter threshold wins), its second
    # half is what the hold-out numbers report.
    half = len(test) // 2
    calibration = [Example(text=texts[i], department=departments[i], town=towns[i]) for i in test[:half]]
    test = test[half:]
    holdout_set = [Example(text=texts[i], department=departments[i], town=towns[i]) for i in test]
    thresholds = [calibrate_on(router, rows) for rows in (dev, calibration) if rows]
    router.threshold = max(thresholds, default=router.threshold)
    dev_score = evaluation.score_router(router, dev, name="dev")[0] if dev else None
    step("在开发集与留出集上校准阈值", 3)
    holdout, routes = _empty_or(router, holdout_set, "holdout")
    category_accuracy = None
    with_category = [(r, categories[i]) for r, i in zip(routes, test, strict=True) if categories[i]]
    if with_category:
        category_accuracy = sum(1 for r, c in with_category if r.category == c) / len(with_category)
    judged = holdout_set or list(dev)
    baseline = _empty_or(router, [], "keywords")[0]
    if judged:
        predicted, tops = evaluation.keyword_baseline(
            judged, keywords=keywords, category_label=category_labels
        )
        baseline = evaluation.score("keywords", judged, predicted, tops, [p is not None for p in predicted])
    step("评估留出集与关键词基线", 4)
    return Outcome(
        router=router,
        sample_count=len(train_rows) + len(correction_pairs),
        test_count=len(test),
        holdout=holdout,
        dev=dev_score,
        category_accuracy=category_accuracy,
        baseline=baseline,
        seconds=time.perf_counter() - started,
    )


def _empty_or(router: Router, examples: Sequence[Example], name: str) -> tuple[Score, list[Any]]:
    """The router's score on ``examples``, or an empty score when there are none (tiny histories)."""
    if examples:
        return evaluation.score_router(router, examples, name=name)
    return Score(name, 0, 0.0, 0.0, 0.0, None, 0.0, router.threshold), []
