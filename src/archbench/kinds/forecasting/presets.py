"""What each preset changes for forecasting tasks: trial budget, epoch and round caps.

Sized on the weather task (3 series, 3,294 training windows) on 2 cores, CPU seconds of one
training at 1 thread (benchmarks/results/forecast_sizing.json): GBDT 1.5-3 s, MLP 2-7 s,
PatchTST 7-15 s. The default preset (10 trials, 5 seeds per family) estimates 136 CPU seconds
per worker with 2 workers; a measured default run spent 218 CPU seconds in its 45 units (109 per
worker; docs/benchmarks.md, section 11). Validation and test are 15% of the ID time steps each.

The cost of a preset is bounded by its caps, not by the data (docs/forecasting.md, "Cost"):
``split.max_train_rows`` caps the training windows of the tuning trials and the final seeds (a
seeded draw across series and time, the same for every family and seed),
``max_val_rows``/``max_test_rows``/``max_shift_rows`` the evaluation windows (a draw stratified
by the phase of the season), ``budget.tune_max_rows`` the windows each trial trains on, and the
GBDT's ``max_rows`` its (window, horizon step) rows. The caps sit above the built-ins' sizes
(weather 3,294 training windows, nyse 2,957 and at most 1,770 evaluation windows), so they leave
those tasks whole; ``thorough`` lifts every cap (0).
"""

from __future__ import annotations

from typing import Any

_SPLIT = {"val_fraction": 0.15, "test_fraction": 0.15}


def _caps(train: int, evaluation: int) -> dict[str, int]:
    return {"max_train_rows": train, "max_val_rows": evaluation, "max_test_rows": evaluation,
            "max_shift_rows": evaluation}  # fmt: skip


PRESETS: dict[str, dict[str, Any]] = {
    "quick": {
        "split": {**_SPLIT, **_caps(4000, 2000)},
        "budget": {"trials": 3, "batch": 3, "startup_trials": 2, "tune_max_rows": 1000},
        "families": {
            "mlp": {"max_epochs": 6, "patience": 3},
            "patchtst": {"max_epochs": 6, "patience": 3},
            "gbdt": {"max_rounds": 200, "early_stopping_rounds": 20},
        },
    },
    "default": {
        "split": {**_SPLIT, **_caps(6000, 4000)},
        "budget": {"trials": 10, "batch": 3, "startup_trials": 4, "tune_max_rows": 3000},
        "families": {
            "mlp": {"max_epochs": 30, "patience": 5},
            "patchtst": {"max_epochs": 30, "patience": 5},
            "gbdt": {"max_rounds": 1000, "early_stopping_rounds": 50},
        },
    },
    "thorough": {
        "split": {**_SPLIT, **_caps(0, 0)},
        "budget": {"trials": 50, "batch": 3, "startup_trials": 10},
        "families": {
            "mlp": {"max_epochs": 100, "patience": 10},
            "patchtst": {"max_epochs": 100, "patience": 10},
            "gbdt": {"max_rounds": 2000, "early_stopping_rounds": 50, "params": {"max_rows": 0}},
        },
    },
}
