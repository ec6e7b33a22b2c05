"""What each preset changes for forecasting tasks: trial budget, epoch and round caps.

Sized on the weather task (3 series, 3,294 training windows) on 2 cores, CPU seconds of one
training at 1 thread (benchmarks/results/forecast_sizing.json): GBDT 1.5-3 s, MLP 2-7 s,
PatchTST 7-15 s. The default preset (10 trials, 5 seeds per family) estimates 136 CPU seconds
per worker with 2 workers; a measured default run spent 218 CPU seconds in its 45 units (109 per
worker; docs/benchmarks.md, section 11). Validation and test are 15% of the ID time steps each.
"""

from __future__ import annotations

from typing import Any

_SPLIT = {"val_fraction": 0.15, "test_fraction": 0.15}

PRESETS: dict[str, dict[str, Any]] = {
    "quick": {
        "split": _SPLIT,
        "budget": {"trials": 3, "batch": 3, "startup_trials": 2, "tune_max_rows": 1000},
        "families": {
            "mlp": {"max_epochs": 6, "patience": 3},
            "patchtst": {"max_epochs": 6, "patience": 3},
            "gbdt": {"max_rounds": 200, "early_stopping_rounds": 20},
        },
    },
    "default": {
        "split": _SPLIT,
        "budget": {"trials": 10, "batch": 3, "startup_trials": 4},
        "families": {
            "mlp": {"max_epochs": 30, "patience": 5},
            "patchtst": {"max_epochs": 30, "patience": 5},
            "gbdt": {"max_rounds": 1000, "early_stopping_rounds": 50},
        },
    },
    "thorough": {
        "split": _SPLIT,
        "budget": {"trials": 50, "batch": 3, "startup_trials": 10},
        "families": {
            "mlp": {"max_epochs": 100, "patience": 10},
            "patchtst": {"max_epochs": 100, "patience": 10},
            "gbdt": {"max_rounds": 2000, "early_stopping_rounds": 50},
        },
    },
}
