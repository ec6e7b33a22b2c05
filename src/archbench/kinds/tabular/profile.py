"""How big is the shift, and what would a reviewer flag: computed once per run from the splits.

* :func:`shift_profile`: a domain classifier (LightGBM, 5-fold cross-validation) tells ID test
  rows from shift rows; its out-of-fold ROC-AUC with a row-bootstrap interval (0.5: no
  detectable covariate shift), the features that drive it (gain share, and each feature's ROC-AUC
  alone) and the label shift (class shares, or target mean and SD).
* :func:`review`: warnings a reviewer would give: one feature (or a linear combination of a few)
  predicting the target almost perfectly on validation, a quick model scoring near the metric's
  limit on validation, a feature that alone separates the ID rows from the shift set.

Both run on capped samples with one thread (about a second on the default preset).
"""

from __future__ import annotations

import time
import warnings
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from archbench.kinds.common.metrics import weighted_roc_auc
from archbench.seeding import derive_seed
from archbench.stats import iid_counts

if TYPE_CHECKING:
    from archbench.kinds.tabular.splits import Splits
    from archbench.kinds.tabular.tasks.base import TaskData

#: Rows per side (ID test, shift) the domain classifier sees, and train/val rows for review.
MAX_ROWS = 2000
#: A feature whose ROC-AUC alone reaches this separates ID from shift "almost perfectly".
SEPARATES = 0.99
#: Validation scores this close to the limit suggest a leaking target.
NEAR_PERFECT: dict[str, float] = {
    "r2": 0.99,
    "roc_auc": 0.999,
    "accuracy": 0.999,
    "average_precision": 0.999,
}
_GBM = {
    "objective": "binary",
    "learning_rate": 0.1,
    "num_leaves": 15,
    "min_data_in_leaf": 20,
    "num_threads": 1,
    "verbose": -1,
    "deterministic": True,
    "force_row_wise": True,
}


def _sample(ids: np.ndarray, n: int, seed: int) -> np.ndarray:
    if len(ids) <= n:
        return np.asarray(ids)
    return np.sort(np.random.default_rng(seed).choice(ids, size=n, replace=False))


def _train_val(
    task: TaskData, splits: Splits, stage: str, rows: tuple[int, int], seed: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(ids, x, fit)``: a seeded sample of at most ``rows`` train and validation rows (train
    first), their feature matrix (numbers, then category codes) and ``fit``, true on train."""
    tr = _sample(splits.train, rows[0], derive_seed(seed, stage, "train"))
    va = _sample(splits.val, rows[1], derive_seed(seed, stage, "val"))
    ids = np.r_[tr, va]
    x = _matrix(task.frame.loc[ids], list(task.numeric), list(task.categorical))
    return ids, x, np.r_[np.ones(tr.size, bool), np.zeros(va.size, bool)]


def _matrix(frame: pd.DataFrame, numeric: list[str], categorical: list[str]) -> np.ndarray:
    """Numbers as float, categories as integer codes (NaN missing), columns in that order."""
    cols = [frame[c].to_numpy(dtype=np.float64, na_value=np.nan) for c in numeric]
    for c in categorical:
        codes, _ = pd.factorize(frame[c], use_na_sentinel=True)
        cols.append(np.where(codes < 0, np.nan, codes).astype(np.float64))
    return np.column_stack(cols) if cols else np.empty((len(frame), 0))


def _auc(d: np.ndarray, score: np.ndarray) -> float:
    return float(weighted_roc_auc(score, d.astype(bool))(np.ones((1, d.size), np.int32))[0])


def _alone_auc(x: np.ndarray, d: np.ndarray, categorical: bool, seed: int) -> float:
    """ROC-AUC of one feature alone for the labels ``d``, direction-free (>= 0.5).

    Numbers rank by value (missing as the median); categories by their label rate estimated on
    the other half of the rows (two folds, so a category per row cannot score by itself).
    """
    if not categorical:
        v = np.where(np.isnan(x), np.nanmedian(x) if np.isfinite(x).any() else 0.0, x)
        a = _auc(d, v)
        return max(a, 1.0 - a)
    fold = np.random.default_rng(seed).integers(0, 2, size=d.size)
    code = np.where(np.isnan(x), -1, x).astype(np.int64) + 1
    score = np.empty(d.size)
    prior = float(d.mean())
    for f in (0, 1):
        fit = fold != f
        hits = np.bincount(code[fit], weights=d[fit], minlength=code.max() + 1)
        seen = np.bincount(code[fit], minlength=code.max() + 1)
        rate = (hits + prior) / (seen + 1.0)
        score[~fit] = rate[code[~fit]]
    a = _auc(d, score)
    return max(a, 1.0 - a)


def _domain_oof(
    x: np.ndarray, d: np.ndarray, cat_idx: list[int], seed: int
) -> tuple[np.ndarray, np.ndarray]:
    """Out-of-fold scores ``(n,)`` of a 5-fold LightGBM and its gain per feature ``(p,)``."""
    import lightgbm as lgb
    from sklearn.model_selection import StratifiedKFold

    oof = np.zeros(d.size)
    gain = np.zeros(x.shape[1])
    folds = StratifiedKFold(n_splits=5, shuffle=True, random_state=seed)
    for k, (tr, te) in enumerate(folds.split(x, d)):
        params = {**_GBM, "seed": derive_seed(seed, "domain", k)}
        ds = lgb.Dataset(x[tr], d[tr], categorical_feature=cat_idx, free_raw_data=False)
        booster = lgb.train(params, ds, num_boost_round=60)
        oof[te] = booster.predict(x[te])
        gain += booster.feature_importance(importance_type="gain")
    return oof, gain


def _label_shift(task: TaskData, test: np.ndarray, shift: np.ndarray) -> dict[str, Any]:
    y = task.frame[task.target]
    if task.task_type == "classification":
        ys = y.astype("string")
        shares = {
            name: {c: float((ys.loc[ids] == c).mean()) for c in task.classes}
            for name, ids in (("test", test), ("shift", shift))
        }
        return {"kind": "class shares", **shares}
    a, b = y.loc[test].to_numpy(np.float64), y.loc[shift].to_numpy(np.float64)
    sd = float(np.std(a, ddof=1)) if a.size > 1 else float("nan")
    return {
        "kind": "target mean and SD",
        "test": {"mean": float(np.mean(a)), "sd": sd},
        "shift": {"mean": float(np.mean(b)), "sd": float(np.std(b, ddof=1)) if b.size > 1 else 0.0},
        "standardised_mean_difference": float((np.mean(b) - np.mean(a)) / sd) if sd > 0 else None,
    }


def shift_profile(
    task: TaskData, splits: Splits, *, seed: int, n_boot: int = 500
) -> dict[str, Any]:
    """The domain classifier (ID test vs shift), its drivers and the label shift."""
    t0 = time.perf_counter()
    test = _sample(splits.test, MAX_ROWS, derive_seed(seed, "profile", "test"))
    shift = _sample(splits.shift, MAX_ROWS, derive_seed(seed, "profile", "shift"))
    num, cat = list(task.numeric), list(task.categorical)
    frame = task.frame.loc[np.r_[test, shift]]
    x = _matrix(frame, num, cat)
    d = np.r_[np.zeros(test.size), np.ones(shift.size)]
    cat_idx = list(range(len(num), len(num) + len(cat)))
    oof, gain = _domain_oof(x, d, cat_idx, derive_seed(seed, "profile", "cv"))
    auc = _auc(d, oof)
    counts = iid_counts(np.random.default_rng(derive_seed(seed, "profile", "boot")), n_boot, d.size)
    boot = weighted_roc_auc(oof, d.astype(bool))(counts)
    boot = boot[np.isfinite(boot)]
    lo, hi = (float(v) for v in np.quantile(boot, [0.025, 0.975]))
    share = gain / gain.sum() if gain.sum() > 0 else gain
    names = [*num, *cat]
    alone = [
        _alone_auc(x[:, j], d, j in cat_idx, derive_seed(seed, "profile", "alone", j))
        for j in range(len(names))
    ]
    order = sorted(range(len(names)), key=lambda j: (-float(share[j]), -alone[j]))
    drivers = [
        {"feature": names[j], "gain_share": float(share[j]), "auc_alone": float(alone[j])}
        for j in order
    ]
    return {
        "domain_auc": {
            "estimate": auc,
            "ci_low": lo,
            "ci_high": hi,
            "confidence": 0.95,
            "rows": {"test": int(test.size), "shift": int(shift.size)},
            "method": "LightGBM (60 rounds, 15 leaves), 5-fold out-of-fold ROC-AUC, "
            f"{n_boot} row-bootstrap resamples",
        },
        "drivers": drivers[:8],
        "separating": [
            {"feature": f, "auc_alone": float(a)}
            for f, a in sorted(zip(names, alone, strict=True), key=lambda fa: -fa[1])
            if a >= SEPARATES
        ],
        "label_shift": _label_shift(task, splits.test, splits.shift),
        "seconds": time.perf_counter() - t0,
    }


# ----------------------------------------------------------------------------- review
def _bins(x: np.ndarray, fit: np.ndarray, categorical: bool) -> np.ndarray:
    """Integer bin of every row: categories as they are, numbers by train quantiles (64 bins);
    missing values get a bin of their own."""
    if categorical:
        return np.where(np.isnan(x), -1, x).astype(np.int64) + 1
    ref = x[fit][np.isfinite(x[fit])]
    edges = np.unique(np.quantile(ref, np.linspace(0, 1, 65)[1:-1])) if ref.size else np.empty(0)
    return np.where(np.isnan(x), 0, np.searchsorted(edges, x, side="right") + 1)


def _r2(y: np.ndarray, pred: np.ndarray) -> float:
    ss = float(np.sum((y - y.mean()) ** 2))
    return 1.0 - float(np.sum((y - pred) ** 2)) / ss if ss > 0 else float("nan")


def _alone_score(b: np.ndarray, y: np.ndarray, fit: np.ndarray, kind: str) -> float:
    """Validation score of the per-bin mean (R^2), positive rate (ROC-AUC) or majority class
    (accuracy) learnt on the fit rows."""
    nb = int(b.max()) + 1
    if kind == "accuracy":
        k = int(y.max()) + 1
        table = np.zeros((nb, k))
        np.add.at(table, (b[fit], y[fit].astype(np.int64)), 1.0)
        pred = table.argmax(axis=1)[b[~fit]]
        return float(np.mean(pred == y[~fit]))
    seen = np.bincount(b[fit], minlength=nb)
    total = np.bincount(b[fit], weights=y[fit], minlength=nb)
    mean = np.where(seen > 0, total / np.maximum(seen, 1), float(y[fit].mean()))
    pred = mean[b[~fit]]
    return _r2(y[~fit], pred) if kind == "r2" else _auc(y[~fit], pred)


def _linear_r2(x: np.ndarray, y: np.ndarray, fit: np.ndarray) -> float:
    """Validation R^2 of least squares on the columns of ``x`` (median-imputed) fit on train."""
    with warnings.catch_warnings():  # an all-missing column has no median: it becomes 0
        warnings.simplefilter("ignore", RuntimeWarning)
        med = np.nanmedian(np.where(np.isfinite(x[fit]), x[fit], np.nan), axis=0)
    z = np.where(np.isnan(x), np.nan_to_num(med), x)
    a = np.column_stack([z, np.ones(len(z))])
    coef, *_ = np.linalg.lstsq(a[fit], y[fit], rcond=None)
    return _r2(y[~fit], a[~fit] @ coef)


def _target_codes(task: TaskData, ids: np.ndarray) -> tuple[np.ndarray, str]:
    """``(y, score kind)``: numbers (R^2), positive-class indicator (ROC-AUC, two classes) or
    class indices (accuracy)."""
    y = task.frame.loc[ids, task.target]
    if task.task_type == "regression":
        return y.to_numpy(np.float64), "r2"
    index = {c: i for i, c in enumerate(task.classes)}
    codes = y.astype("string").map(index).to_numpy(np.float64)
    if len(task.classes) == 2:
        return codes, "roc_auc"
    return codes, "accuracy"


def _combination(
    x: np.ndarray, y: np.ndarray, fit: np.ndarray, names: list[str], num: int
) -> tuple[float, list[str]]:
    """Validation R^2 of a linear fit on the numeric features and the features it cannot do
    without (dropping one takes R^2 below the threshold)."""
    if num < 2:
        return float("nan"), []
    full = _linear_r2(x[:, :num], y, fit)
    if not full >= NEAR_PERFECT["r2"]:
        return full, []
    need = [
        names[j]
        for j in range(num)
        if not _linear_r2(np.delete(x[:, :num], j, axis=1), y, fit) >= NEAR_PERFECT["r2"]
    ]
    return full, need


def _score(score: str, y: np.ndarray, pred: np.ndarray) -> float:
    if score == "r2":
        return _r2(y, pred)
    if score == "roc_auc":
        return _auc(y, pred)
    return float(np.mean(np.asarray(pred).argmax(axis=1) == y))


def _quick_model(
    x: np.ndarray,
    y: np.ndarray,
    fit: np.ndarray,
    names: list[str],
    num: int,
    score: str,
    target: str,
    seed: int,
) -> list[str]:
    """A warning when a quick LightGBM (100 rounds) scores near the limit on validation, naming
    the features it cannot do without (shuffling one on validation takes it below the limit)."""
    import lightgbm as lgb

    k = int(y[fit].max()) + 1 if score == "accuracy" else 1
    objective = {"r2": "regression", "roc_auc": "binary", "accuracy": "multiclass"}[score]
    params = {**_GBM, "objective": objective, "seed": derive_seed(seed, "review", "gbm")}
    if k > 1:
        params["num_class"] = k
    cat_idx = list(range(num, len(names)))
    ds = lgb.Dataset(x[fit], y[fit], categorical_feature=cat_idx, free_raw_data=False)
    booster = lgb.train(params, ds, num_boost_round=100)
    xv, yv = x[~fit], y[~fit]
    value = _score(score, yv, np.asarray(booster.predict(xv)))
    if not value >= NEAR_PERFECT[score]:
        return []
    # the features it cannot do without: permuting one takes the score below the limit
    rng = np.random.default_rng(derive_seed(seed, "review", "permute"))
    permuted = []
    for j in range(len(names)):
        xp = xv.copy()
        xp[:, j] = rng.permutation(xp[:, j])
        permuted.append(_score(score, yv, np.asarray(booster.predict(xp))))
    need = [j for j in np.argsort(permuted, kind="stable") if permuted[j] < NEAR_PERFECT[score]]
    if not need:  # redundant copies: name the largest gain
        need = [int(np.argmax(booster.feature_importance(importance_type="gain")))]
    label = {"r2": "R^2", "roc_auc": "ROC-AUC", "accuracy": "accuracy"}[score]
    carried = ", ".join(f"{names[j]!r} ({permuted[j]:.3f} with it shuffled)" for j in need[:4])
    return [
        f"a quick LightGBM already reaches validation {label} {value:.4f} on target "
        f"{target!r}: the target may be leaking into the features; it relies on {carried}"
    ]


def review(task: TaskData, splits: Splits, profile: dict[str, Any], *, seed: int) -> list[str]:
    """Reviewer warnings, one sentence each (empty when nothing applies)."""
    ids, x, fit = _train_val(task, splits, "review", (2 * MAX_ROWS, MAX_ROWS), seed)
    num, names = list(task.numeric), [*task.numeric, *task.categorical]
    y, score = _target_codes(task, ids)
    label = {"r2": "R^2", "roc_auc": "ROC-AUC", "accuracy": "accuracy"}[score]
    limit = NEAR_PERFECT[score]
    out = []
    alone = {
        f: _alone_score(_bins(x[:, j], fit, j >= len(num)), y, fit, score)
        for j, f in enumerate(names)
    }
    if score == "r2":
        for j, f in enumerate(num):
            alone[f] = max(alone[f], _linear_r2(x[:, [j]], y, fit))
    strong = sorted((f for f, v in alone.items() if v >= limit), key=lambda f: -alone[f])
    for f in strong:
        out.append(
            f"feature {f!r} alone predicts the target {task.target!r} almost perfectly on "
            f"validation ({label} {alone[f]:.4f}): the target may be leaking into the features; "
            "drop it (task.drop) unless it is known at prediction time"
        )
    if not strong and score == "r2":
        r2, need = _combination(x, y, fit, names, len(num))
        if need:
            out.append(
                "a linear combination of "
                + ", ".join(repr(f) for f in need)
                + f" reproduces the target {task.target!r} on validation (R^2 {r2:.4f}; e.g. "
                "parts that add up to the target): the target may be leaking into the features; "
                "drop them (task.drop) unless they are known at prediction time"
            )
    if not out:
        out += _quick_model(x, y, fit, names, len(num), score, task.target, seed)
    seps = profile.get("separating", [])
    if len(seps) == 1:
        f = seps[0]["feature"]
        out.append(
            f"feature {f!r} alone separates the ID test rows from the shift set (ROC-AUC "
            f"{seps[0]['auc_alone']:.3f}): it encodes the shift rule, so the shift measures "
            f"{_separating_meaning(task, [f])} (list it in task.drop to measure the shift "
            "without it)"
        )
    elif seps:
        each = ", ".join(f"{s['feature']!r} ({s['auc_alone']:.3f})" for s in seps)
        out.append(
            f"features {each} each alone separate the ID test rows from the shift set (ROC-AUC "
            "in brackets): they encode the shift rule, so the shift measures "
            f"{_separating_meaning(task, [s['feature'] for s in seps])} (list them in task.drop "
            "to measure the shift without them)"
        )
    return out


def _separating_meaning(task: TaskData, features: list[str]) -> str:
    """What a shift that features alone separate measures, by the rule's kind and the features'
    type: values beyond the training range of an ordered feature (range, quantile) are an
    extrapolation; categories (or group codes) absent from training are new groups."""
    names = ", ".join(repr(f) for f in features)
    groups = task.shift_rule.get("kind") == "groups"
    if groups or all(f in task.categorical for f in features):
        return f"new groups of {names} (values training never or rarely saw), not an extrapolation"
    if any(f in task.categorical for f in features):
        return f"new groups and values beyond the training range of {names}"
    return f"extrapolation along {names} (values beyond the training range)"
