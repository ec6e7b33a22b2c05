"""Reference rows of the text kind (not families: no tuning budget, one fit, no seeds).

* ``tfidf_logreg``: TF-IDF word 1-2-grams (sublinear tf, min_df 2, 50,000 features; fitted on
  train) + L2 logistic regression, the classical baseline. ``C`` is chosen on the validation
  split from {0.25, 1, 4, 16} by the primary metric (the same selection rule as the families).
* ``majority``: the training class frequencies as the prediction for every text (ROC-AUC 0.5,
  the majority class's accuracy, the entropy as log-loss).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np

from archbench.kinds.text.data import TextInfo, TextPart
from archbench.kinds.text.metrics import better, primary
from archbench.kinds.text.prepare import TfidfSettings, fit_tfidf

C_GRID: tuple[float, ...] = (0.25, 1.0, 4.0, 16.0)
LOGREG_TFIDF = TfidfSettings(ngrams="word12", max_features=50_000, sublinear_tf=True, min_df=2)


class Predictor(Protocol):
    def predict(self, part: TextPart) -> np.ndarray: ...


@dataclass
class Reference:
    """A fitted reference: ``predict(part) -> (n, K)`` probabilities; ``params`` for the report."""

    name: str
    label: str
    predictor: Predictor
    params: dict[str, Any] = field(default_factory=dict)

    def predict(self, part: TextPart) -> np.ndarray:
        return self.predictor.predict(part)


class _Majority:
    def __init__(self, train: TextPart, n_classes: int) -> None:
        counts = np.bincount(train.y, minlength=n_classes).astype(np.float64)
        self.prior = counts / counts.sum()

    def predict(self, part: TextPart) -> np.ndarray:
        return np.tile(self.prior, (len(part), 1))


class _TfidfLogReg:
    def __init__(self, train: TextPart, c: float, seed: int, n_classes: int) -> None:
        from sklearn.linear_model import LogisticRegression

        self.rep = fit_tfidf(train.texts, LOGREG_TFIDF)
        self.n_classes = n_classes
        self.clf = LogisticRegression(C=c, max_iter=2000, random_state=seed)
        self.clf.fit(self.rep.transform(train.texts), train.y)

    def predict(self, part: TextPart) -> np.ndarray:
        proba = self.clf.predict_proba(self.rep.transform(part.texts))
        out = np.zeros((len(part), self.n_classes))
        out[:, self.clf.classes_] = proba
        return out


def majority(train: TextPart, info: TextInfo) -> Reference:
    """Predict the training class frequencies for every text."""
    m = _Majority(train, info.n_classes)
    return Reference("majority", "Majority class", m, {"prior": m.prior.round(4).tolist()})


def tfidf_logreg(train: TextPart, val: TextPart, info: TextInfo, *, seed: int = 0) -> Reference:
    """TF-IDF + logistic regression, ``C`` selected on ``val`` by the primary metric."""
    spec = primary(info.n_classes)
    best: tuple[float, float, _TfidfLogReg] | None = None
    for c in C_GRID:
        model = _TfidfLogReg(train, c, seed, info.n_classes)
        score = spec.fn(val.y, model.predict(val))
        if best is None or better(spec, score, best[1]):
            best = (c, score, model)
    assert best is not None
    params = {"C": best[0], f"val_{spec.name}": round(best[1], 6), "tfidf": vars(LOGREG_TFIDF)}
    return Reference("tfidf_logreg", "TF-IDF + logistic regression", best[2], params)


def references(train: TextPart, val: TextPart, info: TextInfo, *, seed: int = 0) -> list[Reference]:
    """Both reference rows, fitted on ``train`` (and ``val`` for the choice of ``C``)."""
    return [tfidf_logreg(train, val, info, seed=seed), majority(train, info)]
