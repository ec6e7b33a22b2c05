"""What each preset changes for tabular tasks: row caps, trial budget, epoch and round caps.

The default must finish in 5 minutes on 2 cores (docs/benchmarks.md). With 10 trials and an
FT-Transformer cap of 15 epochs it took 134 s; 20 trials took 331 s because tuning then
selected a 128-wide FT-Transformer whose 5 final seeds alone cost ~250 CPU-seconds.
"""

from __future__ import annotations

from typing import Any

from archbench.kinds.common.presets import Sizes, build_presets

# fmt: off
PRESETS: dict[str, dict[str, Any]] = build_presets(("mlp", "ft_transformer"), {
    # rows: train, val, test, shift; trials, startup, tune_rows; epochs, patience; rounds, early
    "quick":    Sizes((2_000, 1_000, 1_000, 1_000),     3, 2, None,    6, 2,    200, 20),
    "default":  Sizes((10_000, 4_000, 4_000, 4_000),    10, 4, 5_000,  20, 5,   1_000, 50),
    "thorough": Sizes((40_000, 10_000, 10_000, 10_000), 50, 10, None,  100, 16, 2_000, 50),
})
# fmt: on
