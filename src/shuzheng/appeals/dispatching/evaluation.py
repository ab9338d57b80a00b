"""Scoring a router on a labelled set: accuracy, macro-F1, top-3, automatic-dispatch precision and share,
per-department accuracy and the most frequent confusions; and the threshold that keeps automatic
dispatches ≥ 95 % correct.

A labelled set is JSON lines with at least ``text`` and ``department_code`` (``town`` optional); the
independent evaluation set lives in ``appeals/tests/data/dispatch_eval/`` and is never trained on.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

from sklearn.metrics import f1_score

from shuzheng.appeals.dispatching import duties
from shuzheng.appeals.dispatching.router import Route, Router

TARGET_PRECISION: Final = 0.95


@dataclass(frozen=True)
class Example:
    text: str
    department: str
    town: str | None = None
    appeal_type: str = ""
    assisting: tuple[str, ...] = ()


class SetError(ValueError):
    """A labelled set that cannot be read (message in Chinese, for the command)."""


def read_set(path: Path) -> list[Example]:
    if not path.is_file():
        raise SetError(f"评估集不存在：{path}")
    examples = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            examples.append(
                Example(
                    text=str(row["text"]),
                    department=str(row["department_code"]),
                    town=(str(row["town"]) if row.get("town") else None),
                    appeal_type=str(row.get("appeal_type") or ""),
                    assisting=tuple(str(a) for a in row.get("assisting") or ()),
                )
            )
        except (ValueError, KeyError, TypeError) as exc:
            raise SetError(f"评估集第 {number} 行格式错误：{exc}") from exc
    if not examples:
        raise SetError(f"评估集为空：{path}")
    return examples


@dataclass
class Score:
    name: str
    count: int
    accuracy: float
    macro_f1: float
    top3: float
    auto_precision: float | None
    auto_share: float
    threshold: float | None
    per_department: dict[str, dict[str, float]] = field(default_factory=dict)
    confusions: list[tuple[str, str, int]] = field(default_factory=list)
    reasons: dict[str, int] = field(default_factory=dict)

    def summary(self) -> dict[str, Any]:
        return {
            "count": self.count,
            "accuracy": round(self.accuracy, 4),
            "macro_f1": round(self.macro_f1, 4),
            "top3": round(self.top3, 4),
            "auto_precision": None if self.auto_precision is None else round(self.auto_precision, 4),
            "auto_share": round(self.auto_share, 4),
            "threshold": self.threshold,
        }


def score(
    name: str,
    examples: Sequence[Example],
    predicted: Sequence[str | None],
    top: Sequence[Sequence[str]],
    automatic: Sequence[bool],
    *,
    threshold: float | None = None,
    reasons: Sequence[str] = (),
) -> Score:
    gold = [e.department for e in examples]
    guess = [p or "—" for p in predicted]
    n = len(gold)
    hits = [g == p for g, p in zip(gold, guess, strict=True)]
    auto = [h for h, a in zip(hits, automatic, strict=True) if a]
    per: dict[str, dict[str, float]] = {}
    for department in sorted(set(gold)):
        rows = [h for g, h in zip(gold, hits, strict=True) if g == department]
        per[department] = {"count": len(rows), "accuracy": sum(rows) / len(rows)}
    confusions = Counter((g, p) for g, p in zip(gold, guess, strict=True) if g != p)
    return Score(
        name=name,
        count=n,
        accuracy=sum(hits) / n,
        macro_f1=float(f1_score(gold, guess, average="macro", labels=sorted(set(gold)), zero_division=0)),
        top3=sum(1 for g, t in zip(gold, top, strict=True) if g in list(t)[:3]) / n,
        auto_precision=(sum(auto) / len(auto)) if auto else None,
        auto_share=len(auto) / n,
        threshold=threshold,
        per_department=per,
        confusions=[(g, p, c) for (g, p), c in confusions.most_common(15)],
        reasons=dict(Counter(r for r in reasons if r)),
    )


def score_router(
    router: Router, examples: Sequence[Example], component: str = "combined", name: str | None = None
) -> tuple[Score, list[Route]]:
    routes = router.route_many([e.text for e in examples], [e.town for e in examples], component)
    # Components other than the combined router are scored at their own calibrated threshold.
    return (
        score(
            name or component,
            examples,
            [r.department for r in routes],
            [[d for d, _ in r.top] for r in routes],
            [r.automatic for r in routes],
            threshold=router.threshold,
            reasons=[r.reason for r in routes],
        ),
        routes,
    )


def calibrate(
    probabilities: Sequence[float],
    correct: Sequence[bool],
    eligible: Sequence[bool],
    *,
    target: float = TARGET_PRECISION,
    floor: float = 0.2,
) -> float:
    """The lowest score at which the automatic dispatches (eligible rows scoring at least it) are still at
    least ``target`` correct, not below ``floor``; 1.0 when no score gets there."""
    rows = sorted(
        ((p, c) for p, c, e in zip(probabilities, correct, eligible, strict=True) if e), key=lambda r: -r[0]
    )
    best = 1.0
    hits = 0
    for i, (p, c) in enumerate(rows, start=1):
        hits += c
        if p < floor:
            break
        if hits / i >= target:
            best = p
    return round(max(best, floor), 4)


def keyword_baseline(
    examples: Sequence[Example],
    *,
    keywords: dict[str, list[str]],
    category_label: dict[str, str],
) -> tuple[list[str | None], list[list[str]]]:
    """What keyword rules would do: the category with most keyword hits, its catalogue department in the
    appeal's town; no hit, no department (the appeal would wait for a dispatcher)."""
    predicted: list[str | None] = []
    tops: list[list[str]] = []
    for example in examples:
        hits = Counter({c: sum(1 for w in words if w and w in example.text) for c, words in keywords.items()})
        ranked = [c for c, n in hits.most_common(3) if n > 0]
        town = duties.town_code(example.town)
        departments = [duties.resolve(category_label[c], town) for c in ranked if c in category_label]
        predicted.append(departments[0] if departments else None)
        tops.append([d for d in departments if d])
    return predicted, tops
