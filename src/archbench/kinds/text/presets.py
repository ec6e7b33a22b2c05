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

from archbench.kinds.common.presets import Sizes, build_presets

# fmt: off
PRESETS: dict[str, dict[str, Any]] = build_presets(("mlp", "encoder"), {
    # rows: train, val, test, shift; trials, startup, tune_rows; epochs, patience; rounds, early
    "quick":    Sizes((2_000, 1_000, 1_000, 1_000),  3, 2, 1_000,    3, 1,    200, 20),
    "default":  Sizes((8_000, 2_000, 4_000, 4_000),  10, 4, 2_000,   6, 2,    1_000, 30),
    "thorough": Sizes((0, 0, 0, 0),                  40, 10, None,   30, 4,   2_000, 50),
}, neural_extra={"batch_size": 64},
   extra={"quick": {"encoder": {"params": {"max_length": 64}}}})
# fmt: on
