"""What each preset changes for forecasting tasks: trial budget, epoch and round caps.

Sized on the weather task (3 series, 3,294 training windows) on 2 cores, CPU seconds of one
training at 1 thread (benchmarks/results/forecast_sizing.json): GBDT 2-3 s, MLP 2-8 s,
PatchTST 11 s at its default and 17-40 s for sampled configurations. The default preset (10
trials, 5 seeds per family) then costs about 170-240 CPU seconds per worker with 2 workers.
Validation and test are 15% of the ID time steps each.
"""

from __future__ import annotations

from typing import Any

_SPLIT = {"val_fraction": 0.15, "test_fraction": 0.15}

PRESETS: dict[str, dict[str, Any]] = {
    "quick": {
        "split": _SPLIT,
        "budget": {"trials": 3, "batch": 3, "startup_trials": 2, "tune_max_rows": 1000},
        "families": {
            "mlp": {"max_epochs": 8, "patience": 3},
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
