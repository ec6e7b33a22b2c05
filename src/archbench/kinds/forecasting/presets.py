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

from archbench.kinds.common.presets import Sizes, build_presets

#: The most training window steps (windows x (context + horizon)) in ``quick`` and ``default``:
#: the weather task's 3,294 windows of 192 steps (632,448) fit whole. A window's cost grows with
#: its length in every family (the MLP's input, PatchTST's patches, the GBDT's lags), so a
#: half-hourly context of 336 steps and horizon of 48 (384 steps) gets 1,666 windows, not 6,000.
MAX_TRAIN_STEPS = 640_000

# fmt: off
PRESETS: dict[str, dict[str, Any]] = build_presets(("mlp", "patchtst"), {
    # rows: train, val, test, shift; trials, startup, tune_rows; epochs, patience; rounds, early
    "quick":    Sizes((4_000, 2_000, 2_000, 2_000),  3, 2, 1_000,    6, 3,    200, 20),
    "default":  Sizes((6_000, 4_000, 4_000, 4_000),  10, 4, 3_000,   30, 5,   1_000, 50),
    "thorough": Sizes((0, 0, 0, 0),                  50, 10, None,   100, 10, 2_000, 50),
}, split={"val_fraction": 0.15, "test_fraction": 0.15},
   extra={"thorough": {"gbdt": {"params": {"max_rows": 0, "max_cells": 0}}}},
   split_extra={"quick": {"max_train_steps": MAX_TRAIN_STEPS},
                "default": {"max_train_steps": MAX_TRAIN_STEPS},
                "thorough": {"max_train_steps": 0}})
# fmt: on
