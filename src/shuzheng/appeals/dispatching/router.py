"""The dispatch router: the text classifier combined with retrieval over the departments' duties and the
knowledge base, then the decision (automatic, or the manual queue with top-3 and a reason).

- Every text is normalised first (Cantonese and colloquial forms, ``normalise``).
- One character n-gram TF-IDF (1–3) feeds both components. The **classifier** (logistic regression by
  SGD, balanced classes) is trained on handled appeals (history and dispatchers' corrections) *and* on the
  duty phrases, objects and KB questions, so departments without history are still labels. The
  **retriever** compares the appeal with each target's duty document (duties, objects, places, laws,
  phrases, its KB questions, its categories' names and keywords) by cosine similarity, turned into a
  distribution by a softmax with temperature; it is what lets a phrasing never seen in history land
  by duty.
- The combined score is ``weight · classifier + (1 − weight) · retrieval``; labels are resolved against
  the appeal's town (``duties.resolve``), so 属地 matters reach the town government.
- Automatic only when the best resolved department's score reaches the model's calibrated threshold
  (chosen for ≥ 95 % precision, ``calibrate``) and the input is a usable Chinese text; otherwise the
  manual queue gets the top-3 and the reason, and a close second is proposed as assisting department.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Final

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import SGDClassifier
from sklearn.naive_bayes import ComplementNB

from shuzheng.appeals import classifier
from shuzheng.appeals.dispatching import duties
from shuzheng.appeals.dispatching.normalise import normalise

#: Texts longer than this are routed on their beginning and never dispatched automatically.
MAX_CHARS: Final = 2000
MIN_CHINESE: Final = 4

REASON_LOW: Final = "置信度低"
REASON_MULTI: Final = "多部门职责"
REASON_EMPTY: Final = "内容为空"
REASON_SHORT: Final = "内容过短，无法判断"
REASON_LONG: Final = "内容过长，请人工核实"
REASON_SCRIPT: Final = "非中文内容较多，请人工核实"
REASON_TOWN: Final = "属地事项，未确定镇街"
REASON_UNKNOWN: Final = "建议部门不在派单目录中"

COMPONENTS: Final = ("classifier", "retrieval", "combined")


@dataclass(frozen=True)
class Route:
    """What the router decides for one appeal (department codes resolved for the appeal's town)."""

    department: str | None
    probability: float
    top: list[tuple[str, float]]
    automatic: bool
    reason: str
    assisting: list[str] = field(default_factory=list)
    label: str = ""
    category: str | None = None
    category_probability: float | None = None


def input_problem(text: str) -> str:
    """Why a text cannot be dispatched automatically whatever the model says ("" when it can)."""
    stripped = (text or "").strip()
    if not stripped:
        return REASON_EMPTY
    if len(stripped) > MAX_CHARS:
        return REASON_LONG
    chinese = sum(1 for ch in stripped if "\u4e00" <= ch <= "\u9fff")
    letters = sum(1 for ch in stripped if unicodedata.category(ch).startswith("L"))
    if chinese < MIN_CHINESE:
        return REASON_SHORT
    if letters and chinese / letters < 0.6:
        return REASON_SCRIPT
    return ""


@dataclass
class Router(classifier.Bundle):
    """A dispatch model: the classifier bundle plus the duty retriever and the decision parameters."""

    labels: list[str] = field(default_factory=list)
    target_matrix: Any = None  # L2-normalised TF-IDF rows of the duty documents, one per retrieval label
    target_labels: list[str] = field(default_factory=list)
    weight: float = 0.5
    temperature: float = 0.05
    threshold: float = 0.6
    assist_share: float = 0.3

    # --- scores ---------------------------------------------------------------------------------------

    def component_scores(self, texts: Sequence[str]) -> dict[str, Any]:
        """Per component, an (n × labels) matrix of scores over ``self.labels``."""
        features = self.vectorizer.transform([normalise(t)[:MAX_CHARS] for t in texts])
        clf = np.zeros((len(texts), len(self.labels)))
        head_labels = [str(c) for c in self.department_head.classes_]
        index = {label: i for i, label in enumerate(self.labels)}
        clf[:, [index[c] for c in head_labels]] = self.department_proba(features)
        sims = (
            np.asarray((features @ self.target_matrix.T).todense())
            if self.target_matrix is not None
            else None
        )
        ret = np.zeros_like(clf)
        if sims is not None:
            logits = sims / self.temperature
            logits -= logits.max(axis=1, keepdims=True)
            soft = np.exp(logits)
            soft /= soft.sum(axis=1, keepdims=True)
            ret[:, [index[c] for c in self.target_labels]] = soft
        combined = self.weight * clf + (1 - self.weight) * ret
        return {"classifier": clf, "retrieval": ret, "combined": combined, "features": features}

    def _resolved(self, row: Any, town: str | None) -> list[tuple[str | None, str, float]]:
        """(department, label, score) summed over labels resolving to the same department, best first."""
        totals: dict[str | None, float] = {}
        first_label: dict[str | None, str] = {}
        for j in np.argsort(row)[::-1][:8]:
            label = self.labels[j]
            department = duties.resolve(label, town)
            key = department if department is not None else f"?{label}"
            totals[key] = totals.get(key, 0.0) + float(row[j])
            first_label.setdefault(key, label)
        ordered = sorted(totals.items(), key=lambda kv: -kv[1])
        return [(None if (k or "").startswith("?") else k, first_label[k], p) for k, p in ordered]

    def decide(self, row: Any, town: str | None, problem: str = "") -> Route:
        ranked = self._resolved(row, town)
        top = [(d or label, round(p, 4)) for d, label, p in ranked[:3]]
        department, label, probability = ranked[0]
        second = ranked[1][2] if len(ranked) > 1 else 0.0
        multi = second >= self.assist_share and second >= 0.5 * probability
        assisting = [d for d, _, _ in ranked[1:2] if d] if multi else []
        if problem:
            reason = problem
        elif department is None:
            reason = REASON_TOWN
        elif probability < self.threshold:
            reason = REASON_MULTI if multi else REASON_LOW
        else:
            reason = ""
        return Route(
            department=department,
            probability=round(probability, 4),
            top=top,
            automatic=not reason,
            reason=reason,
            assisting=assisting,
            label=label,
        )

    def route_many(
        self, texts: Sequence[str], towns: Sequence[str | None], component: str = "combined"
    ) -> list[Route]:
        scores = self.component_scores(texts)
        matrix = scores[component]
        cat_probs = self.category_proba(scores["features"]) if self.category_head is not None else None
        routes = []
        for i, text in enumerate(texts):
            route = self.decide(matrix[i], duties.town_code(towns[i]), input_problem(text))
            if cat_probs is not None and self.category_head is not None:
                best = int(cat_probs[i].argmax())
                route = Route(
                    **{
                        **route.__dict__,
                        "category": str(self.category_head.classes_[best]),
                        "category_probability": float(cat_probs[i][best]),
                    }
                )
            routes.append(route)
        return routes

    def route(self, text: str, town: str | None = None) -> Route:
        return self.route_many([text], [town])[0]

    def predict_many(self, texts: Sequence[str]) -> list[classifier.Prediction]:
        """The classifier interface (no town: local matters resolve to the city department or 属地)."""
        return [
            classifier.Prediction(
                department=r.department or r.label,
                probability=r.probability,
                top=r.top,
                category=r.category,
                category_probability=r.category_probability,
            )
            for r in self.route_many(texts, [None] * len(texts))
        ]


# --- training ------------------------------------------------------------------------------------------


@dataclass
class Knowledge:
    """What the router knows besides history: extra (text, label) examples and per-label documents."""

    examples: list[tuple[str, str]]
    documents: dict[str, list[str]]


def knowledge(
    *,
    kb: Sequence[tuple[str, str]] = (),
    categories: Sequence[tuple[str, str]] = (),
) -> Knowledge:
    """Duties plus the knowledge base (``kb``: text, label) and category descriptions (text, label)."""
    examples: list[tuple[str, str]] = []
    documents: dict[str, list[str]] = {}
    for target in duties.targets():
        documents.setdefault(target.label, []).append(target.document)
        for text in target.examples():
            examples.append((text, target.label))
    for text, label in [*kb, *categories]:
        documents.setdefault(label, []).append(text)
        examples.append((text, label))
    return Knowledge(examples=examples, documents=documents)


def fit(
    *,
    version: str,
    texts: Sequence[str],
    labels: Sequence[str],
    categories: Sequence[str | None],
    know: Knowledge,
    corrections: Sequence[tuple[str, str]] = (),
    knowledge_repeat: int = 6,
    correction_repeat: int = 5,
    weight: float = 0.5,
    temperature: float = 0.05,
    alpha: float = 2e-5,
    seed: int = 0,
) -> Router:
    """Fit the vectorizer, the classifier (history + knowledge + corrections) and the retriever."""
    extra = [*(e for e in know.examples for _ in range(knowledge_repeat))]
    extra += [c for c in corrections for _ in range(correction_repeat)]
    train_texts = [normalise(t) for t in texts] + [normalise(t) for t, _ in extra]
    train_labels = list(labels) + [label for _, label in extra]
    docs_labels = sorted(know.documents)
    documents = [normalise("。".join(know.documents[label])) for label in docs_labels]
    vectorizer = TfidfVectorizer(analyzer="char", ngram_range=(1, 3), min_df=1, sublinear_tf=True)
    vectorizer.fit([*train_texts, *documents])
    features = vectorizer.transform(train_texts)
    head = SGDClassifier(
        loss="log_loss", alpha=alpha, max_iter=40, tol=1e-3, random_state=seed, class_weight="balanced"
    ).fit(features, train_labels)
    cat_rows = [i for i, c in enumerate(categories) if c]
    cat_head = None
    if len({categories[i] for i in cat_rows}) >= 2:
        cat_head = ComplementNB(alpha=0.3).fit(features[cat_rows], [categories[i] for i in cat_rows])
    all_labels = sorted({*(str(c) for c in head.classes_), *docs_labels})
    return Router(
        version=version,
        vectorizer=vectorizer,
        department_head=head,
        category_head=cat_head,
        labels=all_labels,
        target_matrix=vectorizer.transform(documents),
        target_labels=docs_labels,
        weight=weight,
        temperature=temperature,
    )
