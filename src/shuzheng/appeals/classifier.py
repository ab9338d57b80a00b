"""The dispatch classifier bundle: a character n-gram TF-IDF feeding a department head (logistic
regression fitted by SGD, real probabilities) and a category head (ComplementNB, fills in a missing
category; its probabilities are only shown), with fast probability paths, files and the per-process
cache.

``dispatching.router.Router`` extends the bundle with duty retrieval, town resolution and the calibrated
decision; it is what training stores now (``dispatching.training``). A bundle stored before the router
still loads and is used through ``routing.route``. Models are saved with joblib under
``settings.DATA_DIR/models/`` and registered as ``DispatchModel`` rows; loading is cached per process by
version.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import joblib
import numpy as np
from django.conf import settings
from scipy.special import expit
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import SGDClassifier

Progress = Callable[[str, int, int], None]


@dataclass(frozen=True)
class Prediction:
    department: str
    probability: float
    top: list[tuple[str, float]]
    category: str | None = None
    category_probability: float | None = None


@dataclass
class Bundle:
    version: str
    vectorizer: TfidfVectorizer
    department_head: SGDClassifier
    category_head: Any

    def predict(self, text: str) -> Prediction:
        return self.predict_many([text])[0]

    def _matrix(self, name: str, weights: Any) -> Any:
        """The transposed weights as a C-contiguous array, made once per loaded model (a sparse row times
        a Fortran-ordered view would copy the whole matrix on every call)."""
        cache: dict[str, Any] = self.__dict__.setdefault("_transposed", {})
        if name not in cache:
            cache[name] = np.ascontiguousarray(weights.T)
        return cache[name]

    def department_proba(self, features: Any) -> Any:
        """``department_head.predict_proba`` without scikit-learn's per-call input checks (they cost about
        a millisecond for one text): one-vs-rest logistic scores, normalised as scikit-learn does."""
        head = self.department_head
        if head.coef_.shape[0] == 1:  # two classes: scikit-learn's own path
            return head.predict_proba(features)
        scores = np.asarray(features @ self._matrix("department", head.coef_)) + head.intercept_
        probs = expit(scores)
        return probs / probs.sum(axis=1, keepdims=True)

    def category_proba(self, features: Any) -> Any:
        """``ComplementNB.predict_proba`` computed directly (same numbers, without the input checks)."""
        head = self.category_head
        if len(head.classes_) == 1:
            return head.predict_proba(features)
        joint = np.asarray(features @ self._matrix("category", head.feature_log_prob_))
        joint = np.exp(joint - joint.max(axis=1, keepdims=True))
        return joint / joint.sum(axis=1, keepdims=True)

    def predict_many(self, texts: Sequence[str]) -> list[Prediction]:
        features = self.vectorizer.transform(list(texts))
        dept_probs = self.department_proba(features)
        dept_labels = self.department_head.classes_
        cat_probs = self.category_proba(features) if self.category_head is not None else None
        results = []
        for i in range(len(texts)):
            order = dept_probs[i].argsort()[::-1][:3]
            top = [(str(dept_labels[j]), float(dept_probs[i][j])) for j in order]
            category = category_probability = None
            if cat_probs is not None and self.category_head is not None:
                best = int(cat_probs[i].argmax())
                category = str(self.category_head.classes_[best])
                category_probability = float(cat_probs[i][best])
            results.append(
                Prediction(
                    department=top[0][0],
                    probability=top[0][1],
                    top=top,
                    category=category,
                    category_probability=category_probability,
                )
            )
        return results


# --- files and the per-process cache ---------------------------------------------------------------


def model_dir() -> Path:
    return Path(settings.DATA_DIR) / "models"


def save(bundle: Bundle) -> Path:
    folder = model_dir()
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"dispatch-{bundle.version}.joblib"
    joblib.dump(bundle, path, compress=3)
    _remember(bundle)
    return path


_lock = threading.Lock()
_cache: dict[str, Bundle] = {}


def _remember(bundle: Bundle) -> None:
    with _lock:
        if len(_cache) >= 4:
            _cache.clear()
        _cache[bundle.version] = bundle


def load(version: str, path: str) -> Bundle | None:
    """The bundle of ``version`` (cached per process); None when its file is missing or unreadable."""
    cached = _cache.get(version)
    if cached is not None:
        return cached
    try:
        bundle = joblib.load(path)
    except (OSError, ValueError, EOFError):
        return None
    if not isinstance(bundle, Bundle):
        return None
    _remember(bundle)
    return bundle


def forget() -> None:
    with _lock:
        _cache.clear()
