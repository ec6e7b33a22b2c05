"""The metric library the kinds declare their metrics from: classification and regression.

Each metric has a plain form (``metric``), a weighted form for the paired bootstrap over
evaluation units (``resampled``) and a :class:`archbench.kinds.metric.MetricSpec` built from both
(``CLASSIFICATION`` and ``REGRESSION``).

Predictions are ``(n,)`` floats for regression and ``(n, K)`` class probabilities for
classification (``K >= 2``); targets are floats or class indices ``0..K-1``.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Literal

import numpy as np

from archbench.kinds.common.ranks import PositiveSteps
from archbench.kinds.metric import MetricSet, MetricSpec, Resampled

#: The task types of the tables (the tabular kind); text classification reuses the first.
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
        # Binary: the usual Brier score on the positive class; multiclass: the squared error
        # summed over the K classes, averaged over rows (Brier 1950; range 0..2).
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
    """Area under the ROC curve of ``score`` for the boolean labels ``positive``: the
    probability that a random positive scores above a random negative, ties counting one half
    (the trapezoidal area of ``sklearn.metrics.roc_auc_score``). NaN when one class is absent.
    Free of scikit-learn so that the worker processes do not import it for a metric.
    """
    s = np.asarray(score, dtype=np.float64)
    ones = np.ones((1, s.size), dtype=np.int32)
    return float(weighted_roc_auc(s, np.asarray(positive, dtype=bool))(ones)[0])


def weighted_roc_auc(score: np.ndarray, positive: np.ndarray) -> Callable[[np.ndarray], np.ndarray]:
    """Prepare a weighted Mann-Whitney AUC: ``counts (B, n) -> (B,)``; ties count one half.

    ``counts[b, i]`` is the weight of row ``i`` in resample ``b`` (the row bootstrap of
    ``archbench.stats``); one row of ones gives the plain ROC-AUC (:func:`roc_auc`).

    Rows are sorted by score once. A positive row scores ``2 x`` (negative weight strictly
    below it) ``+`` (negative weight tied with it), read from one running sum of the negative
    weights; rows in tied groups are corrected from their group's ends (few columns), so no
    per-group reduction runs over the resamples. Integer counts stay integers (exact, and a
    quarter of the memory traffic of floats). Integer weights are read only at the tied
    groups that hold a positive (:class:`archbench.kinds.common.ranks.PositiveSteps`): a
    positive group ``g`` with positive weight ``P`` scores ``P (2 n_neg - N_through - N_above)``,
    ``N_through``/``N_above`` the negative weight at or above its score and strictly above it;
    the same integers as the running sum, so the same value. That pays where positives are
    at most a tenth of the rows (1.4-1.6x at 5% positives, about 5x at 1%); with more, the
    integer running sum is faster (0.6x at half: ``benchmarks/stats_ranks.py``).
    """
    # positive groups are at most the positives: build them only where they can be few
    steps = PositiveSteps(score, positive) if int(np.sum(positive)) * 10 <= score.size else None
    order = np.argsort(score, kind="stable")
    s, pos = score[order], positive[order]
    n = s.size
    new_group = np.r_[True, s[1:] != s[:-1]]
    starts = np.flatnonzero(new_group)
    group = np.cumsum(new_group) - 1
    sizes = np.diff(np.r_[starts, n])
    # positive rows that share their score with another row, and their group's first/last row
    tied_pos = np.flatnonzero(pos & (sizes[group] > 1))
    t_first = starts[group[tied_pos]]
    t_last = t_first + sizes[group[tied_pos]] - 1

    def auc(counts: np.ndarray) -> np.ndarray:
        read = steps.read(counts) if steps is not None else None
        if read is not None:
            tp, seen, before, total = read
            p_g = np.diff(tp, axis=1, prepend=0)
            tp_above = tp - p_g  # no positive lies between two positive groups
            n_pos_i, n_neg_i = tp[:, -1], total - tp[:, -1]
            num_i = np.sum(p_g * (2 * n_neg_i[:, None] - (seen - tp) - (before - tp_above)), axis=1)
            n_pos_f, n_neg_f = n_pos_i.astype(np.float64), n_neg_i.astype(np.float64)
            with np.errstate(divide="ignore", invalid="ignore"):
                out_i = num_i / (2.0 * n_pos_f * n_neg_f)
            return np.where((n_pos_i > 0) & (n_neg_i > 0), out_i, np.nan)
        w = counts[:, order]
        integer = np.issubdtype(w.dtype, np.integer)
        # exact when every partial product fits: count x 2 n < 2**31
        exact = integer and (int(w.max(initial=0)) + 1) * 2 * (n + 1) < 2**31
        acc = np.int32 if exact else np.float64
        if integer and not exact:
            w = w.astype(np.float64)
        wp = w * pos
        wn = w - wp
        below = np.cumsum(wn, axis=1, dtype=acc)  # at a positive row: negatives below it
        n_pos = wp.sum(axis=1, dtype=np.float64)
        n_neg = below[:, -1].astype(np.float64) if n else np.zeros(w.shape[0])
        num = np.asarray(2 * np.sum(wp * below, axis=1, dtype=np.int64 if exact else np.float64))
        if tied_pos.size:
            # tied: 2 x below its group + the group's negatives = below(first) + below(last),
            # with below(first) exclusive of the first row's own negative weight
            twice = below[:, t_first] - wn[:, t_first] + below[:, t_last]
            num = num + np.sum(
                wp[:, tied_pos] * (twice - 2 * below[:, tied_pos]),
                axis=1,
                dtype=np.int64 if exact else np.float64,
            )
        with np.errstate(divide="ignore", invalid="ignore"):
            out = num / (2.0 * n_pos * n_neg)
        return np.where((n_pos > 0) & (n_neg > 0), out, np.nan)

    return auc


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


# ----------------------------------------------------------------------------- weighted forms
def resampled(name: str, y_true: np.ndarray, pred: np.ndarray) -> Resampled:
    """Return ``counts (B, n_rows) -> (B, n_seeds)``: metric ``name`` on each weighted resample.

    ``counts[b, i]`` is how often row ``i`` appears in resample ``b``; all ones gives exactly
    :func:`metric` per seed. ``pred`` is ``(n_seeds, n_rows)`` (regression) or
    ``(n_seeds, n_rows, K)`` probabilities. ROC-AUC is a weighted Mann-Whitney statistic
    (macro one-vs-rest for K > 2), sorted once per seed, so no per-resample sort is needed.
    """
    y = np.asarray(y_true)
    p = np.asarray(pred, dtype=np.float64)
    n_rows = y.shape[0]
    if name in ("rmse", "mae", "r2"):
        err = p - y.astype(np.float64)
        loss = np.abs(err) if name == "mae" else err**2
        yf = y.astype(np.float64)

        def regression(counts: np.ndarray) -> np.ndarray:
            counts = counts.astype(np.float64, copy=False)
            total = counts @ loss.T
            if name == "mae":
                return total / n_rows
            if name == "rmse":
                return np.sqrt(total / n_rows)
            sy, syy = counts @ yf, counts @ yf**2
            ss_tot = (syy - sy**2 / n_rows)[:, None]
            with np.errstate(divide="ignore", invalid="ignore"):
                return np.where(ss_tot > 0, 1.0 - total / ss_tot, np.nan)

        return regression
    yi = y.astype(np.int64)
    if p.ndim != 3:
        raise ValueError(f"classification metric {name!r} needs (n_seeds, n_rows, K) probabilities")
    k = p.shape[2]
    rows = np.arange(n_rows)
    if name in ("accuracy", "log_loss", "brier"):
        if name == "accuracy":
            loss = (p.argmax(axis=2) == yi).astype(np.float64)
        elif name == "log_loss":
            loss = -np.log(np.clip(p[:, rows, yi], _EPS, 1.0))
        elif k == 2:
            loss = (p[:, :, 1] - yi) ** 2
        else:
            loss = np.sum((p - np.eye(k)[yi]) ** 2, axis=2)
        return lambda counts: counts.astype(np.float64, copy=False) @ loss.T / n_rows
    if name == "roc_auc":
        classes = [1] if k == 2 else list(range(k))
        aucs = [[weighted_roc_auc(p[s, :, c], yi == c) for c in classes] for s in range(p.shape[0])]
        return lambda counts: np.stack(
            [np.mean([f(counts) for f in per_seed], axis=0) for per_seed in aucs], axis=1
        )
    raise KeyError(f"no resampled form for metric {name!r}")


def correct_class(y_true: np.ndarray, pred: np.ndarray) -> np.ndarray:
    """``(n,)`` bool: the most probable class is the true one (McNemar's per-row outcome)."""
    return np.asarray(np.asarray(pred).argmax(axis=1) == np.asarray(y_true).astype(np.int64))


def _spec(name: str, *, error: bool = False, correct: bool = False) -> MetricSpec:
    return MetricSpec(
        name=name,
        label=LABELS[name],
        higher_is_better=HIGHER_IS_BETTER[name],
        fn=partial(metric, name),
        weighted=partial(resampled, name),
        correct=correct_class if correct else None,
        error=error,
    )


#: Classification metrics, ROC-AUC (primary) first.
CLASSIFICATION = MetricSet(
    (
        _spec("roc_auc"),
        _spec("accuracy", correct=True),
        _spec("log_loss", error=True),
        _spec("brier", error=True),
    )
)
#: Regression metrics, RMSE (primary) first.
REGRESSION = MetricSet((_spec("rmse", error=True), _spec("mae", error=True), _spec("r2")))
