"""Honest statistics for a few seeded runs: pure functions over arrays, no I/O.

Shapes: ``(n_seeds,)`` arrays are per-seed scores paired by index (seed ``i`` of every family
shares the data split); row-level functions take ``(n_rows,)`` targets and ``(n_seeds, n_rows)``
predictions or ``(n_seeds, n_rows, K)`` class probabilities. A value that cannot be computed
(fewer than two seeds, identical scores in every seed) is ``None``, never an exception.

Modules by job: :mod:`.intervals` (mean CI, paired t, Wilcoxon, McNemar, Holm, power),
:mod:`.resampling` (row bootstrap, shift comparisons) and :mod:`.verdicts` (the sentences).
"""

from __future__ import annotations

from .intervals import (
    ALPHA,
    MAX_SEEDS,
    POWER,
    McNemarResult,
    MeanCI,
    PairedComparison,
    PowerResult,
    holm,
    is_constant,
    mcnemar_exact,
    mean_ci,
    minimal_detectable_effect,
    paired_comparison,
    paired_t_power,
    power_analysis,
    seeds_needed,
    wilcoxon_exact,
    wilcoxon_min_pvalue,
)
from .resampling import (
    RESAMPLED_METRICS,
    RankingFlip,
    Resampler,
    RowBootstrap,
    paired_bootstrap_rows,
    prepare_resampled_metric,
    ranking_flip,
    shift_change,
)
from .verdicts import comparison_verdict, fmt, ranking_verdict, shift_change_verdict

__all__ = [
    "ALPHA", "MAX_SEEDS", "POWER", "RESAMPLED_METRICS", "McNemarResult", "MeanCI",
    "PairedComparison", "PowerResult", "RankingFlip", "Resampler", "RowBootstrap",
    "comparison_verdict", "fmt", "holm", "is_constant", "mcnemar_exact", "mean_ci",
    "minimal_detectable_effect",
    "paired_bootstrap_rows", "paired_comparison", "paired_t_power", "power_analysis",
    "prepare_resampled_metric", "ranking_flip", "ranking_verdict", "seeds_needed",
    "shift_change", "shift_change_verdict", "wilcoxon_exact", "wilcoxon_min_pvalue",
]  # fmt: skip
