"""LightGBM training shared by the kinds: seeded parameters and early stopping on validation.

Every kind's GBDT family trains the same way: the boosting parameters of the trial, bagging
switched on only when a trial samples rows, one thread per worker, seeds derived from the unit's
seed (bagging and feature sampling each get their own stream), deterministic histogram
construction, and at most ``max_rounds`` rounds with early stopping on the validation set.
"""

from __future__ import annotations

from typing import Any

from archbench.seeding import derive_seed

__all__ = ["seeded_params", "train_early_stopped"]


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
    *,
    max_rounds: int,
    patience: int,
    feval: Any = None,
) -> tuple[Any, dict[str, list[float]]]:
    """``lgb.train`` with early stopping after ``patience`` rounds without a validation gain.

    Returns:
        The booster and the validation history per metric name (floats, one per round run).
    """
    import lightgbm as lgb

    evals: dict[str, Any] = {}
    booster = lgb.train(
        params,
        dtrain,
        num_boost_round=max_rounds,
        valid_sets=[dval],
        valid_names=["val"],
        feval=feval,
        callbacks=[
            lgb.early_stopping(patience, verbose=False),
            lgb.record_evaluation(evals),
        ],
    )
    return booster, {k: [float(x) for x in v] for k, v in evals["val"].items()}
