"""Near-leak screen: every feature alone against a quick GBDT and a linear reference.

The leak check of :mod:`.profile` fires only when one feature predicts the target almost
perfectly (ROC-AUC >= 0.999). A column that nearly encodes a rare outcome (alone ROC-AUC 0.98,
average precision 0.90) passes it and can lift a family from AP 0.20 to 0.90. This screen fits
each feature alone on train and scores it on validation with a metric suited to the task
(average precision for a rare positive class, ROC-AUC for other binary tasks, accuracy for
several classes, R^2 for regression), puts every score on one scale (0 = chance, 1 = the
metric's limit) and warns, naming the column, when one feature alone is

* strong in itself (normalised score >= :data:`STRONG`), and
* close to what all features give a quick LightGBM (within :data:`CLOSE`: the feature carries
  nearly all that the best family could learn), or far above a linear reference on all
  features (by :data:`FAR` or more).

The single-feature model handles non-monotone and categorical features: quantile bins (64, fit
on train) or categories, each scored by its train target mean (positive rate, class shares).
Rows are capped (:data:`MAX_TRAIN`, :data:`MAX_VAL`, drawn with a seeded generator), with one
thread; nothing here touches the splits or any stored result.
"""

from __future__ import annotations

import warnings
from typing import TYPE_CHECKING, Any

import numpy as np

from archbench.kinds.tabular.profile import _GBM, NEAR_PERFECT, _auc, _bins, _r2, _train_val
from archbench.seeding import derive_seed

if TYPE_CHECKING:
    from archbench.kinds.tabular.splits import Splits
    from archbench.kinds.tabular.tasks.base import TaskData

__all__ = ["CLOSE", "FAR", "MAX_TRAIN", "MAX_VAL", "STRONG", "feature_screen", "screen_warnings"]

#: Rows of train (fit) and validation (score) the screen sees: at most 20,000 in all.
MAX_TRAIN, MAX_VAL = 12_000, 8_000
#: A feature alone at this normalised score or more is strong in itself (ROC-AUC 0.90, R^2 0.80,
#: average precision 80% of the way from the base rate to 1).
STRONG = 0.8
#: ... and suspicious when within this of the quick LightGBM on all features,
CLOSE = 0.1
#: ... or this far above the linear reference on all features.
FAR = 0.25
#: A positive class at most this common is rare: the screen scores average precision.
RARE = 0.2
_LABEL = {"ap": "average precision", "roc_auc": "ROC-AUC", "accuracy": "accuracy", "r2": "R^2"}


def _ap(positive: np.ndarray, score: np.ndarray) -> float:
    from sklearn.metrics import average_precision_score

    return float(average_precision_score(positive.astype(bool), score))


def _value(metric: str, y: np.ndarray, pred: np.ndarray) -> float:
    """The metric of ``pred`` (a score, or ``(n, k)`` class shares for accuracy)."""
    if metric == "r2":
        return _r2(y, pred)
    if metric == "accuracy":
        return float(np.mean(np.asarray(pred).argmax(axis=1) == y))
    return _ap(y, pred) if metric == "ap" else _auc(y, pred)


def _chance(metric: str, y_fit: np.ndarray, y_val: np.ndarray) -> float:
    """The score of knowing nothing: 0.5 ROC-AUC, the base rate for AP, the majority share."""
    if metric == "roc_auc":
        return 0.5
    if metric == "ap":
        return float(y_val.mean())
    if metric == "accuracy":
        return float(np.mean(y_val == np.bincount(y_fit.astype(np.int64)).argmax()))
    return 0.0


def _alone(b: np.ndarray, y: np.ndarray, fit: np.ndarray, metric: str) -> float:
    """Validation score of the per-bin train mean (class shares for accuracy)."""
    nb = int(b.max()) + 1
    if metric == "accuracy":
        k = int(y.max()) + 1
        table = np.zeros((nb, k))
        np.add.at(table, (b[fit], y[fit].astype(np.int64)), 1.0)
        prior = np.bincount(y[fit].astype(np.int64), minlength=k) / fit.sum()
        shares = (table + prior) / (table.sum(axis=1, keepdims=True) + 1.0)
        return _value(metric, y[~fit], shares[b[~fit]])
    seen = np.bincount(b[fit], minlength=nb)
    total = np.bincount(b[fit], weights=y[fit], minlength=nb)
    prior = float(y[fit].mean())
    mean = (total + prior) / (seen + 1.0)  # one pseudo-row of the prior: empty bins -> prior
    return _value(metric, y[~fit], mean[b[~fit]])


def _design(x: np.ndarray, fit: np.ndarray, num: int) -> np.ndarray:
    """Numbers median-imputed and standardised on train, categories one-hot (codes seen on
    train, at most 32 per column), and an intercept."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        med = np.nan_to_num(np.nanmedian(x[fit, :num], axis=0)) if num else np.empty(0)
        z = np.where(np.isnan(x[:, :num]), med, x[:, :num])
        sd = z[fit].std(axis=0)
    cols = [(z - z[fit].mean(axis=0)) / np.where(sd > 0, sd, 1.0)]
    for j in range(num, x.shape[1]):
        codes = np.unique(x[fit, j][np.isfinite(x[fit, j])])[:32]
        cols.append((x[:, [j]] == codes[None, :]).astype(np.float64))
    return np.column_stack([*cols, np.ones(len(x))])


def _linear(x: np.ndarray, y: np.ndarray, fit: np.ndarray, num: int, metric: str) -> float:
    """The linear reference on all features: least squares, or logistic regression (L2)."""
    a = _design(x, fit, num)
    if metric == "r2":
        coef, *_ = np.linalg.lstsq(a[fit], y[fit], rcond=None)
        return _r2(y[~fit], a[~fit] @ coef)
    from sklearn.linear_model import LogisticRegression

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = LogisticRegression(max_iter=300, fit_intercept=False).fit(a[fit], y[fit])
    p = model.predict_proba(a[~fit])
    return _value(metric, y[~fit], p if metric == "accuracy" else p[:, 1])


def _gbdt(x: np.ndarray, y: np.ndarray, fit: np.ndarray, num: int, metric: str, seed: int) -> float:
    """A quick LightGBM (100 rounds, 15 leaves, one thread) on all features: the stand-in for
    the best family, known before any family trains."""
    import lightgbm as lgb

    objective = {"r2": "regression", "accuracy": "multiclass"}.get(metric, "binary")
    params: dict[str, Any] = {**_GBM, "objective": objective, "seed": seed}
    if metric == "accuracy":
        params["num_class"] = int(y[fit].max()) + 1
    cat = list(range(num, x.shape[1]))
    ds = lgb.Dataset(x[fit], y[fit], categorical_feature=cat, free_raw_data=False)
    booster = lgb.train(params, ds, num_boost_round=100)
    return _value(metric, y[~fit], np.asarray(booster.predict(x[~fit])))


def _target(task: TaskData, ids: np.ndarray) -> tuple[np.ndarray, str]:
    y = task.frame.loc[ids, task.target]
    if task.task_type == "regression":
        return y.to_numpy(np.float64), "r2"
    index = {c: i for i, c in enumerate(task.classes)}
    codes = y.astype("string").map(index).to_numpy(np.float64)
    if len(task.classes) > 2:
        return codes, "accuracy"
    return codes, "ap" if codes.mean() <= RARE else "roc_auc"


def feature_screen(task: TaskData, splits: Splits, *, seed: int) -> dict[str, Any]:
    """Each feature alone (fit on train, scored on validation) beside a quick LightGBM and a
    linear reference on all features, as task.json's ``feature_screen``."""
    ids, x, fit = _train_val(task, splits, "screen", (MAX_TRAIN, MAX_VAL), seed)
    num, names = list(task.numeric), [*task.numeric, *task.categorical]
    y, metric = _target(task, ids)
    chance = _chance(metric, y[fit], y[~fit])
    top = 1.0

    def norm(v: float) -> float:
        return float((v - chance) / (top - chance)) if top > chance else float("nan")

    alone = {
        f: _alone(_bins(x[:, j], fit, j >= len(num)), y, fit, metric) for j, f in enumerate(names)
    }
    gbdt = _gbdt(x, y, fit, len(num), metric, derive_seed(seed, "screen", "gbdt"))
    linear = _linear(x, y, fit, len(num), metric)
    order = sorted(names, key=lambda f: -alone[f])
    return {
        "metric": metric,
        "chance": chance,
        "rows": {"train": int(fit.sum()), "val": int((~fit).sum())},
        "gbdt": {"value": gbdt, "normalised": norm(gbdt)},
        "linear": {"value": linear, "normalised": norm(linear)},
        "features": [
            {"feature": f, "value": float(alone[f]), "normalised": norm(alone[f])}
            for f in order[:8]
        ],
        "thresholds": {"strong": STRONG, "close": CLOSE, "far": FAR},
    }


def screen_warnings(screen: dict[str, Any], target: str) -> list[str]:
    """One sentence per near-leaking feature (none for a feature the leak check of
    :mod:`.profile` already calls almost perfect)."""
    metric = screen["metric"]
    g, lin = screen["gbdt"]["normalised"], screen["linear"]["normalised"]
    limit = NEAR_PERFECT.get(metric if metric != "ap" else "average_precision", 1.0)
    out = []
    for f in screen["features"]:
        a = f["normalised"]
        if not a >= STRONG or f["value"] >= limit:
            continue
        close, far = a >= g - CLOSE, a - lin >= FAR
        if not (close or far):
            continue
        why = " and ".join(
            s
            for s, on in (
                (f"a quick LightGBM on all features reaches {screen['gbdt']['value']:.3f}", close),
                (f"a linear model on all features {screen['linear']['value']:.3f}", far),
            )
            if on
        )
        label = _LABEL[metric]
        base = f", base rate {screen['chance']:.3f}" if metric == "ap" else ""
        out.append(
            f"feature {f['feature']!r} alone nearly predicts the target {target!r} on "
            f"validation ({label} {f['value']:.3f}{base}; {why}): it may encode the target "
            "(a near-leak); check that it is known at prediction time, else drop it (task.drop)"
        )
    return out
