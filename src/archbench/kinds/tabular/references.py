"""Reference rows of the tabular kind (not families: no tuning budget, one fit, no seeds).

* ``trivial``: the answer that reads no feature. Classification: the training class
  frequencies as the prediction for every row (ROC-AUC 0.5, the majority class's accuracy, the
  entropy as log-loss). Regression: the training mean (R² at most 0 on the training
  distribution).
* ``linear``: the classical baseline a reviewer asks for first, an L2-regularised linear model
  on the features the neural families see (numeric columns after the run's transform,
  categorical columns one-hot over their training levels): logistic regression for
  classification, ridge regression for regression. Its strength is chosen on the validation
  split by the primary metric, the same selection rule as the families'.

Everything is fitted on the training split only; metrics calibrated on validation (F1 at a
validation threshold) take their threshold from the reference's own validation predictions.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

import numpy as np

from archbench.kinds.metric import MetricSet
from archbench.kinds.tabular.prepare import FeatureInfo, Matrix

log = logging.getLogger(__name__)

#: Inverse regularisation strengths of the logistic regression (sklearn's ``C``).
C_GRID: tuple[float, ...] = (0.01, 0.1, 1.0, 10.0)
#: Ridge penalties (sklearn's ``alpha``) on standardised targets.
ALPHA_GRID: tuple[float, ...] = (0.1, 1.0, 10.0, 100.0, 1000.0)


class _Design:
    """Numeric features as the neural families get them, categorical codes one-hot (fitted
    on train; a level unseen in train is all zeros)."""

    def __init__(self, train: Matrix) -> None:
        from sklearn.preprocessing import OneHotEncoder

        self.onehot = (
            OneHotEncoder(handle_unknown="ignore", dtype=np.float64).fit(train.x_cat)
            if train.x_cat.shape[1]
            else None
        )

    def __call__(self, part: Matrix) -> Any:
        from scipy import sparse

        num = sparse.csr_matrix(part.x_num.astype(np.float64))
        if self.onehot is None:
            return num
        return sparse.hstack([num, self.onehot.transform(part.x_cat)], format="csr")


def _classifier(c: float, seed: int) -> Any:
    from sklearn.linear_model import LogisticRegression

    return LogisticRegression(C=c, max_iter=1000, random_state=seed)


def _proba(model: Any, x: Any, n_classes: int) -> np.ndarray:
    out = np.zeros((x.shape[0], n_classes))
    out[:, model.classes_] = model.predict_proba(x)
    return out


def _scores(
    metrics: MetricSet, parts: Mapping[str, Matrix], preds: Mapping[str, np.ndarray]
) -> dict[str, dict[str, float]]:
    """Every metric on val, test and shift; calibrated metrics take their state from val."""
    out: dict[str, dict[str, float]] = {s: {} for s in ("val", "test", "shift")}
    for m in metrics.specs:
        state = m.calibrate(parts["val"].y, preds["val"]) if m.calibrate is not None else None
        for s in out:
            out[s][m.name] = float(m.value(parts[s].y, preds[s], state if s != "val" else None))
    return out


def references(
    parts: Mapping[str, Matrix],
    info: FeatureInfo,
    metrics: MetricSet,
    *,
    seed: int = 0,
    predictions: dict[str, dict[str, np.ndarray]] | None = None,
) -> dict[str, Any]:
    """``{name: {"label", "params", "metrics": {split: {metric: value}}}}`` (task.json).

    ``predictions``, when given, receives each reference's predictions per split (val, test,
    shift), for reference_predictions.parquet."""
    train, splits = parts["train"], ("val", "test", "shift")
    primary = metrics.primary
    out: dict[str, Any] = {}
    if info.task_type == "classification":
        k = max(int(info.n_classes), 2)
        prior = np.bincount(train.y.astype(np.int64), minlength=k) / max(len(train), 1)
        trivial = {s: np.tile(prior, (len(parts[s]), 1)) for s in splits}
        out["trivial"] = {"label": "Majority class", "params": {}}
        out["trivial"]["metrics"] = _scores(metrics, parts, trivial)
        grid, name, key = C_GRID, "Logistic regression", "C"
        if predictions is not None:
            predictions["trivial"] = trivial
    else:
        mean = float(np.mean(train.y)) if len(train) else 0.0
        trivial = {s: np.full(len(parts[s]), mean) for s in splits}
        out["trivial"] = {"label": "Training mean", "params": {}}
        out["trivial"]["metrics"] = _scores(metrics, parts, trivial)
        grid, name, key = ALPHA_GRID, "Ridge regression", "alpha"
        if predictions is not None:
            predictions["trivial"] = trivial
    design = _Design(train)
    x = {s: design(parts[s]) for s in ("train", *splits)}
    best: tuple[float, float, dict[str, np.ndarray]] | None = None
    for value in grid:
        try:
            preds = _linear(info, value, x, train, splits, seed)
        except ValueError as exc:  # e.g. one class in train: no linear row, say why
            log.warning("tabular reference %s left out: %s", name.lower(), exc)
            break
        score = primary.maximised(float(primary.value(parts["val"].y, preds["val"])))
        if np.isfinite(score) and (best is None or score > best[0]):
            best = (score, value, preds)
    if best is not None:
        out["linear"] = {
            "label": name,
            "params": {key: best[1]},
            "metrics": _scores(metrics, parts, best[2]),
        }
        if predictions is not None:
            predictions["linear"] = best[2]
    return out


def _linear(
    info: FeatureInfo,
    value: float,
    x: Mapping[str, Any],
    train: Matrix,
    splits: tuple[str, ...],
    seed: int,
) -> dict[str, np.ndarray]:
    """One linear model's predictions on ``splits`` (fitted on train)."""
    import warnings

    from sklearn.exceptions import ConvergenceWarning

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        if info.task_type == "classification":
            model = _classifier(value, seed).fit(x["train"], train.y.astype(np.int64))
            return {s: _proba(model, x[s], max(int(info.n_classes), 2)) for s in splits}
        from sklearn.linear_model import Ridge

        mu, sd = float(np.mean(train.y)), float(np.std(train.y)) or 1.0
        model = Ridge(alpha=value).fit(x["train"], (train.y - mu) / sd)
        return {s: model.predict(x[s]) * sd + mu for s in splits}
