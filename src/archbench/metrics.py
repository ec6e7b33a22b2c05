"""Metrics for classification and regression, and their directions.

Predictions are ``(n,)`` floats for regression and ``(n, K)`` class probabilities for
classification (``K >= 2``); targets are floats or class indices ``0..K-1``.
"""

from __future__ import annotations

from typing import Literal

import numpy as np

TaskType = Literal["classification", "regression"]

CLASSIFICATION_METRICS: tuple[str, ...] = ("roc_auc", "accuracy", "log_loss", "brier")
REGRESSION_METRICS: tuple[str, ...] = ("rmse", "mae", "r2")
PRIMARY: dict[str, str] = {"classification": "roc_auc", "regression": "rmse"}
HIGHER_IS_BETTER: dict[str, bool] = {
    "roc_auc": True,
    "accuracy": True,
    "log_loss": False,
    "brier": False,
    "rmse": False,
    "mae": False,
    "r2": True,
}
LABELS: dict[str, str] = {
    "roc_auc": "ROC-AUC",
    "accuracy": "Accuracy",
    "log_loss": "Log-loss",
    "brier": "Brier",
    "rmse": "RMSE",
    "mae": "MAE",
    "r2": "R^2",
}
_EPS = 1e-15


def metrics_for(task_type: TaskType) -> tuple[str, ...]:
    """Return every metric name available for ``task_type``."""
    return CLASSIFICATION_METRICS if task_type == "classification" else REGRESSION_METRICS


def metric(name: str, y_true: np.ndarray, pred: np.ndarray) -> float:
    """Compute one metric.

    Args:
        name: a key of ``HIGHER_IS_BETTER``.
        y_true: ``(n,)`` targets (class indices for classification).
        pred: ``(n,)`` predictions or ``(n, K)`` class probabilities.
    """
    if name in REGRESSION_METRICS:
        y = np.asarray(y_true, dtype=np.float64)
        p = np.asarray(pred, dtype=np.float64).reshape(-1)
        err = p - y
        if name == "rmse":
            return float(np.sqrt(np.mean(err**2)))
        if name == "mae":
            return float(np.mean(np.abs(err)))
        ss_tot = float(np.sum((y - y.mean()) ** 2))
        return float(1.0 - np.sum(err**2) / ss_tot) if ss_tot > 0 else float("nan")
    y = np.asarray(y_true).astype(np.int64)
    proba = np.asarray(pred, dtype=np.float64)
    if proba.ndim != 2:
        raise ValueError(f"classification metric {name!r} needs (n, K) probabilities")
    n, k = proba.shape
    if name == "accuracy":
        return float(np.mean(proba.argmax(axis=1) == y))
    if name == "log_loss":
        p_true = np.clip(proba[np.arange(n), y], _EPS, 1.0)
        return float(-np.mean(np.log(p_true)))
    if name == "brier":
        onehot = np.zeros_like(proba)
        onehot[np.arange(n), y] = 1.0
        # Binary: the usual Brier score on the positive class; multiclass: mean over classes.
        if k == 2:
            return float(np.mean((proba[:, 1] - y) ** 2))
        return float(np.mean(np.sum((proba - onehot) ** 2, axis=1)))
    if name == "roc_auc":
        if len(np.unique(y)) < 2:
            return float("nan")
        if not np.isfinite(proba).all():
            raise ValueError("roc_auc: the predicted probabilities contain NaN or infinity")
        if k == 2:
            return roc_auc(y == 1, proba[:, 1])
        if len(np.unique(y)) < k:
            return float("nan")
        # one-vs-rest, unweighted mean over classes (scikit-learn's multi_class="ovr", macro)
        return float(np.mean([roc_auc(y == c, proba[:, c]) for c in range(k)]))
    raise KeyError(f"unknown metric {name!r}")


def roc_auc(positive: np.ndarray, score: np.ndarray) -> float:
    """Area under the ROC curve of ``score`` for the boolean labels ``positive``.

    The Mann-Whitney form: the probability that a random positive scores above a random
    negative, ties counting one half (equal to the trapezoidal area under the ROC curve, as in
    ``sklearn.metrics.roc_auc_score``). Midranks are half-integers and their sums are exact in
    float64. NaN when one class is absent. Kept free of scikit-learn so that the worker
    processes do not import it (~0.6 s each at start-up).
    """
    pos = np.asarray(positive, dtype=bool)
    s = np.asarray(score, dtype=np.float64)
    n, n_pos = s.size, int(pos.sum())
    n_neg = n - n_pos
    if n_pos == 0 or n_neg == 0:
        return float("nan")
    order = np.argsort(s, kind="stable")
    ss = s[order]
    starts = np.flatnonzero(np.r_[True, ss[1:] != ss[:-1]])
    ends = np.r_[starts[1:], n]
    midrank = np.repeat((starts + ends + 1) / 2.0, ends - starts)  # 1-based average ranks
    rank_sum = float(midrank[pos[order]].sum())
    return (rank_sum - n_pos * (n_pos + 1) / 2.0) / (n_pos * n_neg)


def compute_metrics(
    task_type: TaskType, y_true: np.ndarray, pred: np.ndarray, names: tuple[str, ...] | None = None
) -> dict[str, float]:
    """Return ``{metric: value}`` for ``names`` (default: every metric of the task type)."""
    names = names or metrics_for(task_type)
    return {n: metric(n, y_true, pred) for n in names}


def better(name: str, a: float, b: float) -> bool:
    """True when value ``a`` is strictly better than ``b`` for metric ``name``."""
    return a > b if HIGHER_IS_BETTER[name] else a < b


def score_for_maximisation(name: str, value: float) -> float:
    """Map a metric value to a number where larger is better (for Optuna and early stopping)."""
    return value if HIGHER_IS_BETTER[name] else -value
