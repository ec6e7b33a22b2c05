"""Metrics of the text kind: ROC-AUC (binary), accuracy, macro-F1 and log-loss, and the
imbalanced-label metrics shared with tables (average precision, recall at 1% FPR, F1 at the
validation threshold; chosen in ``metrics``, never by default).

Predictions are ``(n, K)`` class probabilities, targets class indices ``0..K-1``. The primary
metric (Optuna objective and early stopping) is ROC-AUC for two classes and macro-F1 for more.
Each metric has a ``weighted`` form for the paired bootstrap: ``weighted(y, preds)`` with
``preds (n_seeds, n, K)`` returns ``f(counts (B, n)) -> (B, n_seeds)``, where ``counts[b, i]``
is the weight of row ``i`` in resample ``b``; a row of ones gives ``fn`` per seed and integer
counts equal explicit row repetition (tested).

Macro-F1 follows scikit-learn's ``f1_score(average="macro")``: the mean F1 over the classes
that occur in the targets or the predictions (of the resample), F1 = 2TP / (2TP + FP + FN).
Log-loss clips probabilities at 1e-15 and averages over the total weight.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from archbench.kinds.common.imbalanced import SPECS as IMBALANCED
from archbench.kinds.common.metrics import correct_class, weighted_roc_auc
from archbench.kinds.metric import MetricSet, MetricSpec

_EPS = 1e-15
Resampler = Callable[[np.ndarray], np.ndarray]


def _seeds(pred: np.ndarray) -> np.ndarray:
    p = np.asarray(pred, dtype=np.float64)
    if p.ndim != 3:
        raise ValueError(f"weighted metrics need (n_seeds, n, K) probabilities, got {p.shape}")
    return p


def _total(counts: np.ndarray) -> np.ndarray:
    return counts.sum(axis=1, dtype=np.float64)[:, None]


def weighted_accuracy(y: np.ndarray, preds: np.ndarray) -> Resampler:
    """Share of correct argmax predictions under row weights."""
    p = _seeds(preds)
    correct = (p.argmax(axis=2) == np.asarray(y)[None, :]).astype(np.float64)  # (S, n)
    return lambda counts: (counts.astype(np.float64) @ correct.T) / _total(counts)


def weighted_log_loss(y: np.ndarray, preds: np.ndarray) -> Resampler:
    """Mean negative log-probability of the true class under row weights."""
    p = _seeds(preds)
    yi = np.asarray(y, dtype=np.int64)
    loss = -np.log(np.clip(p[:, np.arange(yi.size), yi], _EPS, 1.0))  # (S, n)
    return lambda counts: (counts.astype(np.float64) @ loss.T) / _total(counts)


def weighted_macro_f1(y: np.ndarray, preds: np.ndarray) -> Resampler:
    """Macro-F1 over the classes present in the resample's targets or predictions."""
    p = _seeds(preds)
    yi = np.asarray(y, dtype=np.int64)
    k = p.shape[2]
    true1 = np.eye(k)[yi]  # (n, K)
    pred1 = np.eye(k)[p.argmax(axis=2)]  # (S, n, K)

    def f1(counts: np.ndarray) -> np.ndarray:
        w = counts.astype(np.float64)
        support = w @ true1  # (B, K)
        out = np.empty((w.shape[0], p.shape[0]))
        for s in range(p.shape[0]):
            tp = w @ (pred1[s] * true1)
            predicted = w @ pred1[s]
            denom = support + predicted  # 2TP + FP + FN
            present = denom > 0
            with np.errstate(divide="ignore", invalid="ignore"):
                per_class = np.where(present, 2 * tp / denom, 0.0)
            out[:, s] = per_class.sum(axis=1) / np.maximum(present.sum(axis=1), 1)
        return out

    return f1


def weighted_binary_roc_auc(y: np.ndarray, preds: np.ndarray) -> Resampler:
    """ROC-AUC of P(class 1) (two classes); NaN where a resample lacks a class."""
    p = _seeds(preds)
    if p.shape[2] != 2:
        raise ValueError(f"roc_auc is the binary metric here; got {p.shape[2]} classes")
    positive = np.asarray(y) == 1
    per_seed = [weighted_roc_auc(p[s, :, 1], positive) for s in range(p.shape[0])]
    return lambda counts: np.stack([f(counts) for f in per_seed], axis=1)


def _plain(weighted: Callable[[np.ndarray, np.ndarray], Resampler]) -> Callable[..., float]:
    def fn(y_true: np.ndarray, pred: np.ndarray) -> float:
        y = np.asarray(y_true)
        ones = np.ones((1, y.shape[0]), dtype=np.int32)
        return float(weighted(y, np.asarray(pred, dtype=np.float64)[None])(ones)[0, 0])

    fn.__doc__ = f"Plain value of the metric (``{weighted.__name__}`` with unit weights)."
    return fn


accuracy = _plain(weighted_accuracy)
log_loss = _plain(weighted_log_loss)
macro_f1 = _plain(weighted_macro_f1)
roc_auc = _plain(weighted_binary_roc_auc)

METRICS: dict[str, MetricSpec] = {
    "roc_auc": MetricSpec("roc_auc", "ROC-AUC", True, roc_auc, weighted_binary_roc_auc),
    "accuracy": MetricSpec(
        "accuracy", "Accuracy", True, accuracy, weighted_accuracy, correct=correct_class
    ),
    "macro_f1": MetricSpec("macro_f1", "Macro-F1", True, macro_f1, weighted_macro_f1),
    "log_loss": MetricSpec("log_loss", "Log-loss", False, log_loss, weighted_log_loss, error=True),
}
# The imbalanced-label metrics, the same objects the tables use (kinds/imbalanced.py); they
# score the positive (last) class and are chosen in ``metrics`` or ``task.primary_metric``.
METRICS.update({s.name: s for s in IMBALANCED})
BINARY: tuple[str, ...] = ("roc_auc", "accuracy", "macro_f1", "log_loss")
MULTICLASS: tuple[str, ...] = ("macro_f1", "accuracy", "log_loss")


def metric_set(n_classes: int) -> MetricSet:
    """The default metrics of a task with ``n_classes``, primary first (ROC-AUC only for two)."""
    return MetricSet(tuple(METRICS[n] for n in (BINARY if n_classes == 2 else MULTICLASS)))


def available(n_classes: int) -> MetricSet:
    """Every metric a task with ``n_classes`` may choose: the defaults and the
    imbalanced-label metrics (for more than two classes they need ``task.positive_class``)."""
    return MetricSet((*metric_set(n_classes).specs, *IMBALANCED))


def metrics_for(n_classes: int) -> tuple[MetricSpec, ...]:
    """The metrics of a task with ``n_classes``, primary first."""
    return metric_set(n_classes).specs


def primary(n_classes: int) -> MetricSpec:
    """ROC-AUC for two classes, macro-F1 for more."""
    return metrics_for(n_classes)[0]


def better(spec: MetricSpec, a: float, b: float) -> bool:
    """True when ``a`` is strictly better than ``b``; NaN is never better."""
    if not np.isfinite(a):
        return False
    if not np.isfinite(b):
        return True
    return a > b if spec.higher_is_better else a < b
