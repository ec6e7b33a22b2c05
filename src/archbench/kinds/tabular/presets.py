"""What each preset changes for tabular tasks: row caps, trial budget, epoch and round caps.

The default must finish in 5 minutes on 2 cores (docs/benchmarks.md). With 10 trials and an
FT-Transformer cap of 15 epochs it took 134 s; 20 trials took 331 s because tuning then
selected a 128-wide FT-Transformer whose 5 final seeds alone cost ~250 CPU-seconds.
"""

from __future__ import annotations

from typing import Any

PRESETS: dict[str, dict[str, Any]] = {
    "quick": {
        "split": {
            "max_train_rows": 2000,
            "max_val_rows": 1000,
            "max_test_rows": 1000,
            "max_shift_rows": 1000,
        },
        "budget": {"trials": 3, "batch": 3, "startup_trials": 2},
        "families": {
            "mlp": {"max_epochs": 6, "patience": 2},
            "ft_transformer": {"max_epochs": 6, "patience": 2},
            "gbdt": {"max_rounds": 200, "early_stopping_rounds": 20},
        },
    },
    "default": {
        "split": {
            "max_train_rows": 10000,
            "max_val_rows": 4000,
            "max_test_rows": 4000,
            "max_shift_rows": 4000,
        },
        "budget": {"trials": 10, "batch": 3, "startup_trials": 4, "tune_max_rows": 5000},
        "families": {
            "mlp": {"max_epochs": 20, "patience": 5},
            "ft_transformer": {"max_epochs": 20, "patience": 5},
            "gbdt": {"max_rounds": 1000, "early_stopping_rounds": 50},
        },
    },
    "thorough": {
        "split": {
            "max_train_rows": 40000,
            "max_val_rows": 10000,
            "max_test_rows": 10000,
            "max_shift_rows": 10000,
        },
        "budget": {"trials": 50, "batch": 3, "startup_trials": 10},
        "families": {
            "mlp": {"max_epochs": 100, "patience": 16},
            "ft_transformer": {"max_epochs": 100, "patience": 16},
            "gbdt": {"max_rounds": 2000, "early_stopping_rounds": 50},
        },
    },
}
