"""What each preset changes for text tasks: split caps, trials, tuning subsample, epoch caps.

The default must finish in about 5 minutes on 2 cores (issue 13). The encoder dominates: on
the built-in reviews (1 thread), 2 blocks of width 64 cost ~24 CPU-seconds per epoch over
11,914 texts, a 4-epoch fit 97 CPU-seconds. So the default tunes every family on the same
2,000-text subsample of train (``tune_max_rows``), trains the seeds on at most 8,000 texts,
validates on 2,000 and gives both neural families one training budget (the equal-budget rule
of every kind's presets): 6 epochs of batch 64, patience 2; see benchmarks/text_default_fit.py
and docs/benchmarks.md for the measured numbers.
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
        "budget": {"trials": 3, "batch": 3, "startup_trials": 2, "tune_max_rows": 1000},
        "families": {
            "mlp": {"max_epochs": 3, "patience": 1, "batch_size": 64},
            "encoder": {
                "max_epochs": 3,
                "patience": 1,
                "batch_size": 64,
                "params": {"max_length": 64},
            },
            "gbdt": {"max_rounds": 200, "early_stopping_rounds": 20},
        },
    },
    "default": {
        "split": {
            "max_train_rows": 8000,
            "max_val_rows": 2000,
            "max_test_rows": 4000,
            "max_shift_rows": 4000,
        },
        "budget": {"trials": 10, "batch": 3, "startup_trials": 4, "tune_max_rows": 2000},
        "families": {
            "mlp": {"max_epochs": 6, "patience": 2, "batch_size": 64},
            "encoder": {"max_epochs": 6, "patience": 2, "batch_size": 64},
            "gbdt": {"max_rounds": 1000, "early_stopping_rounds": 30},
        },
    },
    "thorough": {
        "split": {
            "max_train_rows": 0,
            "max_val_rows": 0,
            "max_test_rows": 0,
            "max_shift_rows": 0,
        },
        "budget": {"trials": 40, "batch": 3, "startup_trials": 10},
        "families": {
            "mlp": {"max_epochs": 30, "patience": 4, "batch_size": 64},
            "encoder": {"max_epochs": 30, "patience": 4, "batch_size": 64},
            "gbdt": {"max_rounds": 2000, "early_stopping_rounds": 50},
        },
    },
}
