"""What each preset changes for forecasting tasks: trial budget, epoch and round caps.

Sized on the weather task (3 series, 3,294 training windows) on 2 cores, CPU seconds of one
training at 1 thread (benchmarks/results/forecast_sizing.json): GBDT 1.5-3 s, MLP 2-7 s,
PatchTST 7-15 s. The default preset (10 trials, 5 seeds per family) estimates 136 CPU seconds
per worker with 2 workers; a measured default run spent 218 CPU seconds in its 45 units (109 per
worker; docs/benchmarks.md, section 11). Validation and test are 15% of the ID time steps each.

The cost of a preset is bounded by its caps, not by the data (docs/forecasting.md, "Cost"):
``split.max_train_rows`` caps the training windows of the tuning trials and the final seeds (a
seeded draw across series and time, the same for every family and seed) and
``split.max_train_steps`` their window steps (long windows get fewer) and
``split.max_train_values`` their values (window steps x channels: many covariates get fewer),
``max_val_rows``/``max_test_rows``/``max_shift_rows`` the evaluation windows (a draw stratified
by the phase of the season), ``budget.tune_max_rows`` the windows each trial trains on, and the
GBDT's ``max_rows``/``max_cells`` its (window, horizon step) rows and their features. The caps
sit above the built-ins' sizes (weather 3,294 training windows of 192 steps, nyse 2,957 and at
most 1,770 evaluation windows), so they leave those tasks whole; ``thorough`` lifts every cap
(0).
"""

from __future__ import annotations

from typing import Any

from archbench.kinds.common.presets import Sizes, build_presets

#: The most training window steps (windows x (context + horizon)) per preset. A window's cost
#: grows with its length in every family (the MLP's input, PatchTST's patches, the GBDT's lags),
#: so long windows get fewer of them. ``quick`` (3 trials, 6 epochs) keeps the weather task's
#: 3,294 windows of 192 steps (632,448) whole. ``default`` (10 trials, 30 epochs)
#: is sized for its worst case, every unit at its epoch or round cap, as on fpp2's half-hourly
#: ``elecdemand`` (context 336 + horizon 48): 900 unit CPU s and 470 s at 640,000 steps and 1,000
#: GBDT rounds on 2 cores, so half the steps (833 of its windows, 1,666 of weather's), half the
#: GBDT cells and 500 rounds (weather's GBDT units stop by 447, nyse's by 234;
#: docs/benchmarks.md, section 12).
MAX_TRAIN_STEPS = {"quick": 640_000, "default": 320_000}
#: The most training window values (window steps x channels: the target and every covariate
#: after encoding) per preset, four times the step cap: the forecasting MLP reads every
#: covariate over the window, so many covariates cost like long windows. Tasks of up to four
#: channels are left to the step cap, and so are the built-ins (the default's weather windows
#: hold 1,666 x 192 x 3 = 959,616 values, nyse's 2,957 x 41 x 8 = 969,896: its day of week is
#: five one-hot channels). fpp2's ``elecdemand`` with ten known covariates took 242 s in the
#: default at the step cap alone (its MLP units 2.1x the cost of two covariates').
MAX_TRAIN_VALUES = {"quick": 2_560_000, "default": 1_280_000}
#: The GBDT's cap on training rows x features per preset (``max_cells``; the model's own default
#: is quick's): the default's 2,560,000 keep every horizon step of weather's 1,666 default
#: windows (39,984 rows of 64 features).
MAX_CELLS = {"quick": 5_120_000, "default": 2_560_000}

# fmt: off
PRESETS: dict[str, dict[str, Any]] = build_presets(("mlp", "patchtst"), {
    # rows: train, val, test, shift; trials, startup, tune_rows; epochs, patience; rounds, early
    "quick":    Sizes((4_000, 2_000, 2_000, 2_000),  3, 2, 1_000,    6, 3,    200, 20),
    "default":  Sizes((6_000, 4_000, 4_000, 4_000),  10, 4, 3_000,   30, 5,   500, 50),
    "thorough": Sizes((0, 0, 0, 0),                  50, 10, None,   100, 10, 2_000, 50),
}, split={"val_fraction": 0.15, "test_fraction": 0.15},
   extra={"default": {"gbdt": {"params": {"max_cells": MAX_CELLS["default"]}}},
          "thorough": {"gbdt": {"params": {"max_rows": 0, "max_cells": 0}}}},
   split_extra={p: {"max_train_steps": MAX_TRAIN_STEPS.get(p, 0),
                    "max_train_values": MAX_TRAIN_VALUES.get(p, 0)}
                for p in ("quick", "default", "thorough")})
# fmt: on
