"""LightGBM shared by the kinds: search space, defaults, fixed settings, seeded parameters,
training with early stopping on validation, and predictions at the best iteration.

Every kind's GBDT family trains the same way: the boosting parameters of the trial, bagging
switched on only when a trial samples rows, one thread per worker, seeds derived from the unit's
seed (bagging and feature sampling each get their own stream), deterministic histogram
construction, and at most ``max_rounds`` rounds with early stopping on the validation set.

The search space follows the literature (Gorishniy et al. 2021, TabZilla): learning rate
logU(0.01, 0.3) (below 0.01, the round caps rarely converge), leaves, minimum leaf size, feature
and bagging fractions, L1/L2; the defaults are LightGBM's own (zero regularisation written as
1e-8 so that it lies inside the log-uniform range). A kind sets the ranges that differ for its
data (``boosting_space``) and may drop L1 regularisation.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from optuna.distributions import BaseDistribution, FloatDistribution, IntDistribution

from archbench.kinds.common.params import check_positive_ints
from archbench.seeding import derive_seed

__all__ = [
    "BOOSTING_NOTES",
    "ROUND_KEYS",
    "boosting_defaults",
    "boosting_space",
    "check_rounds",
    "class_probabilities",
    "predict_best",
    "rounds_defaults",
    "seeded_params",
    "train_early_stopped",
]

#: The fixed settings every boosted family has: round cap, early stopping, threads.
ROUND_KEYS = ("max_rounds", "early_stopping_rounds", "threads")

#: The report's notes on the shared boosting space.
BOOSTING_NOTES: dict[str, str] = {
    "bagging_fraction": ", bagging every round",
    "rounds": "early stopping on the validation primary metric",
}


def rounds_defaults(max_rounds: int) -> dict[str, Any]:
    """Default fixed settings of a boosted family: ``max_rounds``, 50 rounds of patience,
    one thread."""
    return dict(zip(ROUND_KEYS, (max_rounds, 50, 1), strict=True))


def check_rounds(p: dict[str, Any]) -> None:
    """One ConfigError line when a round cap, the patience or the thread count is not an
    integer >= 1."""
    check_positive_ints("gbdt", p, ROUND_KEYS)


def boosting_defaults(*, feature_fraction: float = 1.0, lambda_l1: bool = True) -> dict[str, Any]:
    """LightGBM's defaults for the boosting parameters of ``boosting_space``."""
    defaults = {
        "learning_rate": 0.1,
        "num_leaves": 31,
        "min_child_samples": 20,
        "feature_fraction": feature_fraction,
        "bagging_fraction": 1.0,
        "lambda_l1": 1e-8,
        "lambda_l2": 1e-8,
    }
    return {k: v for k, v in defaults.items() if lambda_l1 or k != "lambda_l1"}


def boosting_space(
    *,
    max_leaves: int = 256,
    min_child_samples: tuple[int, int] = (2, 100),
    min_feature_fraction: float = 0.5,
    lambda_l1: bool = True,
) -> dict[str, BaseDistribution]:
    """The boosting parameters' distributions, in sampling order; the arguments set the ranges
    that differ per kind (and whether L1 regularisation is tuned)."""
    space: dict[str, BaseDistribution] = {
        "learning_rate": FloatDistribution(0.01, 0.3, log=True),
        "num_leaves": IntDistribution(4, max_leaves, log=True),
        "min_child_samples": IntDistribution(*min_child_samples, log=True),
        "feature_fraction": FloatDistribution(min_feature_fraction, 1.0),
        "bagging_fraction": FloatDistribution(0.5, 1.0),
        "lambda_l1": FloatDistribution(1e-8, 10.0, log=True),
        "lambda_l2": FloatDistribution(1e-8, 10.0, log=True),
    }
    return {k: v for k, v in space.items() if lambda_l1 or k != "lambda_l1"}


def seeded_params(boost: dict[str, Any], *, threads: int, seed: int) -> dict[str, Any]:
    """LightGBM parameters for one training: ``boost`` (the trial's boosting parameters,
    ``bagging_fraction`` among them) plus threads, seeds and determinism."""
    return {
        **boost,
        "bagging_freq": 1 if boost["bagging_fraction"] < 1.0 else 0,
        "num_threads": threads,
        "seed": seed,
        "bagging_seed": derive_seed(seed, "bagging"),
        "feature_fraction_seed": derive_seed(seed, "feature_fraction"),
        "deterministic": True,
        "force_col_wise": True,
        "verbosity": -1,
    }


def train_early_stopped(
    params: dict[str, Any],
    dtrain: Any,
    dval: Any,
    p: dict[str, Any],
    *,
    feval: Any = None,
) -> tuple[Any, list[float], int]:
    """``lgb.train`` for at most ``p["max_rounds"]`` rounds, stopping after
    ``p["early_stopping_rounds"]`` rounds without a gain of the one validation metric.

    Returns:
        The booster, the validation metric after each round run (floats) and the best
        round (1-based).
    """
    import lightgbm as lgb

    evals: dict[str, Any] = {}
    booster = lgb.train(
        params,
        dtrain,
        num_boost_round=p["max_rounds"],
        valid_sets=[dval],
        valid_names=["val"],
        feval=feval,
        callbacks=[
            lgb.early_stopping(p["early_stopping_rounds"], verbose=False),
            lgb.record_evaluation(evals),
        ],
    )
    (history,) = ([float(x) for x in v] for v in evals["val"].values())
    return booster, history, int(booster.best_iteration) or len(history)


def predict_best(booster: Any, x: Any, *, best_iter: int, threads: int) -> np.ndarray:
    """The booster's float64 predictions at its best round."""
    pred = booster.predict(x, num_iteration=best_iter, num_threads=threads)
    return np.asarray(pred, dtype=np.float64)


def class_probabilities(raw: np.ndarray) -> np.ndarray:
    """``(n, K)`` class probabilities from a booster's P(class 1) ``(n,)`` or per-class
    scores ``(n, K)`` (rows renormalised to sum to 1)."""
    if raw.ndim == 1:
        return np.column_stack([1.0 - raw, raw])
    return raw / raw.sum(axis=1, keepdims=True)
