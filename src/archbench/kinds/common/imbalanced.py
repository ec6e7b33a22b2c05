"""Metrics for imbalanced labels (anomaly detection with labels): average precision, recall at
a fixed false-positive rate, and F1 at a threshold chosen on the validation set.

The positive class is the last class index (``K - 1``): the tabular kind puts the class named
by ``task.positive_class`` there (for two classes without the setting, the second in sorted
order). Scores are that class's predicted probability. Each metric has a plain form, a
weighted form for the paired bootstrap (``counts (B, n) -> (B, n_seeds)``; counts of ones give
the plain form) and a :class:`archbench.kinds.metric.MetricSpec`.

Thresholds are scores: a row is predicted positive when its score is ``>=`` the threshold, so
rows with tied scores always fall on the same side (as in ``sklearn.metrics``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import partial

import numpy as np

from archbench.kinds.common.ranks import PositiveSteps, descending_groups
from archbench.kinds.metric import MetricSpec, Resampled

#: The false-positive rate at which recall is read (``recall_at_1pct_fpr``).
MAX_FPR = 0.01
IMBALANCED_METRICS: tuple[str, ...] = ("average_precision", "recall_at_1pct_fpr", "f1_at_val")


def _binary(y_true: np.ndarray, pred: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``(positive (n,) bool, score (..., n) float)`` from class indices and probabilities."""
    p = np.asarray(pred, dtype=np.float64)
    if p.ndim < 2 or p.shape[-1] < 2:
        raise ValueError("imbalanced-label metrics need (n, K) class probabilities")
    k = p.shape[-1]
    return np.asarray(y_true).astype(np.int64) == k - 1, p[..., k - 1]


def _cum(
    counts: np.ndarray, positive: np.ndarray, order: np.ndarray, ends: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Weighted true and false positives ``(B, n_groups)`` at each threshold, descending."""
    w = counts[:, order].astype(np.float64, copy=False)
    pos = positive[order]
    tp = np.cumsum(w * pos, axis=1)[:, ends]
    fp = np.cumsum(w * ~pos, axis=1)[:, ends]
    return tp, fp


def _ap_one(score: np.ndarray, positive: np.ndarray) -> Resampled:
    """``counts (B, n) -> (B,)`` average precision: sum over thresholds of the recall step
    times the precision (``sklearn.metrics.average_precision_score``); NaN without positives."""
    steps = PositiveSteps(score, positive)

    def ap(counts: np.ndarray) -> np.ndarray:
        read = steps.read(counts)
        if read is None:
            tp, fp = _cum(counts, positive, steps.order, steps.ends)
            seen = tp + fp
        else:  # only the positive groups: elsewhere the recall step is 0
            tp, seen = read[0].astype(np.float64), read[1].astype(np.float64)
        n_pos = tp[:, -1:] if tp.shape[1] else np.zeros((counts.shape[0], 1))
        step = np.diff(tp, axis=1, prepend=0.0)
        with np.errstate(divide="ignore", invalid="ignore"):
            precision = np.where(seen > 0, tp / seen, 0.0)
            # a running sum: the same value whatever the number of resamples in the batch
            out = np.cumsum(step * precision, axis=1)[:, -1] / n_pos[:, 0]
        return np.where(n_pos[:, 0] > 0, out, np.nan)

    return ap


def _recall_one(score: np.ndarray, positive: np.ndarray, max_fpr: float) -> Resampled:
    """``counts (B, n) -> (B,)``: the highest true-positive rate of a threshold whose
    false-positive rate is at most ``max_fpr`` (0 when none is); NaN without both classes."""
    steps = PositiveSteps(score, positive)

    def recall(counts: np.ndarray) -> np.ndarray:
        read = steps.read(counts)
        if read is None:
            tp, fp = _cum(counts, positive, steps.order, steps.ends)
            n_pos, n_neg = tp[:, -1], fp[:, -1]
        else:
            # a threshold without a positive has the recall of the positive group above it
            # and at least its false positives: the best is at a positive group
            tp_i, seen, _, total = read
            tp, fp = tp_i.astype(np.float64), (seen - tp_i).astype(np.float64)
            n_pos, n_neg = tp[:, -1], (total - tp_i[:, -1]).astype(np.float64)
        with np.errstate(divide="ignore", invalid="ignore"):
            tpr, fpr = tp / n_pos[:, None], fp / n_neg[:, None]
        ok = fpr <= max_fpr * (1 + 1e-12)
        best = np.max(np.where(ok, tpr, 0.0), axis=1, initial=0.0)
        return np.where((n_pos > 0) & (n_neg > 0), best, np.nan)

    return recall


def best_f1_threshold(y_true: np.ndarray, pred: np.ndarray) -> float:
    """The score threshold with the highest F1 on these rows (the highest such threshold on
    ties); ``inf`` (predict no positive) when the rows hold no positive."""
    positive, score = _binary(y_true, pred)
    if not positive.any():
        return float("inf")
    order, ends = descending_groups(score)
    tp, fp = _cum(np.ones((1, score.size)), positive, order, ends)
    f1 = 2 * tp[0] / (tp[0] + fp[0] + positive.sum())
    return float(score[order][ends[int(np.argmax(f1))]])


def _f1_resampled(positive: np.ndarray, predicted: np.ndarray) -> Resampled:
    """``counts (B, n) -> (B,)`` F1 of fixed predictions; NaN when nothing is positive."""
    tp_w = (positive & predicted).astype(np.float64)
    denom_w = positive.astype(np.float64) + predicted.astype(np.float64)

    def f1(counts: np.ndarray) -> np.ndarray:
        c = counts.astype(np.float64, copy=False)
        tp, denom = c @ tp_w, c @ denom_w
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(denom > 0, 2 * tp / denom, np.nan)

    return f1


# ----------------------------------------------------------------------------- plain forms
def _ones(n: int) -> np.ndarray:
    return np.ones((1, n), dtype=np.int32)


def average_precision(y_true: np.ndarray, pred: np.ndarray) -> float:
    """Average precision of the positive class (area under the precision-recall curve)."""
    positive, score = _binary(y_true, pred)
    return float(_ap_one(score, positive)(_ones(score.size))[0])


def recall_at_fpr(y_true: np.ndarray, pred: np.ndarray, max_fpr: float = MAX_FPR) -> float:
    """Recall of the positive class at a false-positive rate of at most ``max_fpr``."""
    positive, score = _binary(y_true, pred)
    return float(_recall_one(score, positive, max_fpr)(_ones(score.size))[0])


def f1_at(y_true: np.ndarray, pred: np.ndarray, threshold: float) -> float:
    """F1 of the positive class when scores ``>= threshold`` are predicted positive."""
    positive, score = _binary(y_true, pred)
    return float(_f1_resampled(positive, score >= threshold)(_ones(score.size))[0])


def f1_best(y_true: np.ndarray, pred: np.ndarray) -> float:
    """F1 at the threshold chosen on these same rows (the validation value of ``f1_at_val``)."""
    return f1_at(y_true, pred, best_f1_threshold(y_true, pred))


# ----------------------------------------------------------------------------- weighted forms
def resampled(name: str, y_true: np.ndarray, preds: np.ndarray) -> Resampled:
    """``counts (B, n) -> (B, n_seeds)`` for ``average_precision`` or ``recall_at_1pct_fpr``;
    ``preds`` is ``(n_seeds, n, K)``."""
    p = np.asarray(preds, dtype=np.float64)
    if p.ndim != 3:
        raise ValueError(f"metric {name!r} needs (n_seeds, n_rows, K) probabilities")
    positive, scores = _binary(y_true, p)
    if name == "average_precision":
        per_seed = [_ap_one(s, positive) for s in scores]
    elif name == "recall_at_1pct_fpr":
        per_seed = [_recall_one(s, positive, MAX_FPR) for s in scores]
    else:
        raise KeyError(f"no resampled form for metric {name!r}")
    return lambda counts: np.stack([f(counts) for f in per_seed], axis=1)


def resampled_f1_at(
    y_true: np.ndarray, preds: np.ndarray, thresholds: Sequence[float]
) -> Resampled:
    """``counts (B, n) -> (B, n_seeds)``: F1 of seed ``i`` at its validation threshold
    ``thresholds[i]`` (the threshold stays fixed: validation rows are not resampled)."""
    p = np.asarray(preds, dtype=np.float64)
    positive, scores = _binary(y_true, p)
    if len(thresholds) != scores.shape[0]:
        raise ValueError(f"{len(thresholds)} thresholds for {scores.shape[0]} seeds")
    per_seed = [_f1_resampled(positive, s >= t) for s, t in zip(scores, thresholds, strict=True)]
    return lambda counts: np.stack([f(counts) for f in per_seed], axis=1)


def _ranked(name: str, label: str, fn: Callable[[np.ndarray, np.ndarray], float]) -> MetricSpec:
    """A metric of the positive-class score's ranking, resampled by :func:`resampled`."""
    return MetricSpec(
        name=name, label=label, higher_is_better=True, fn=fn, weighted=partial(resampled, name)
    )


AVERAGE_PRECISION = _ranked("average_precision", "Average precision", average_precision)
RECALL_AT_FPR = _ranked("recall_at_1pct_fpr", "Recall at 1% FPR", recall_at_fpr)
F1_AT_VAL = MetricSpec(
    name="f1_at_val",
    label="F1 (validation threshold)",
    higher_is_better=True,
    fn=f1_best,
    calibrate=best_f1_threshold,
    fn_at=f1_at,
    weighted_at=resampled_f1_at,
)
SPECS: tuple[MetricSpec, ...] = (AVERAGE_PRECISION, RECALL_AT_FPR, F1_AT_VAL)
