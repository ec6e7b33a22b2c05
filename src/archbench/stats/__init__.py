"""Honest statistics for a few seeded runs: pure functions over arrays, no I/O.

Shapes: ``(n_seeds,)`` arrays are per-seed scores paired by index (seed ``i`` of every family
shares the data split); row-level functions take ``(n_rows,)`` targets and ``(n_seeds, n_rows)``
predictions or ``(n_seeds, n_rows, K)`` class probabilities. A value that cannot be computed
(fewer than two seeds, identical scores in every seed) is ``None``, never an exception.

Modules by job: :mod:`.intervals` (mean CI, paired t, Wilcoxon, McNemar, Holm, gatekeeping,
power), :mod:`.resampling` (row bootstrap, shift bootstrap and shift tests) and
:mod:`.verdicts` (the sentences and the decision each one states).
"""

from __future__ import annotations

from .intervals import (
    ALPHA,
    MAX_SEEDS,
    POWER,
    TIE_REL_TOL,
    Gatekeeping,
    McNemarResult,
    MeanCI,
    PairedComparison,
    PowerResult,
    gatekeeping,
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
    COMBINED_TEST,
    PAIR_METHOD,
    RESAMPLED_METRICS,
    SHIFT_METHOD,
    RankingFlip,
    Resampler,
    RowBootstrap,
    SeedRowTest,
    ShiftTest,
    count_test_applies,
    paired_bootstrap_rows,
    prepare_resampled_metric,
    ranking_flip,
    seed_row_test,
    shift_bootstrap,
    shift_change,
    shift_test,
)
from .verdicts import (
    Decision,
    comparison_verdict,
    confirmatory,
    fmt,
    fmt_p,
    ranking_verdict,
    shift_change_verdict,
)

__all__ = [
    "ALPHA",
    "COMBINED_TEST",
    "MAX_SEEDS",
    "PAIR_METHOD",
    "POWER",
    "RESAMPLED_METRICS",
    "SHIFT_METHOD",
    "TIE_REL_TOL",
    "Decision",
    "Gatekeeping",
    "McNemarResult",
    "MeanCI",
    "PairedComparison",
    "PowerResult",
    "RankingFlip",
    "Resampler",
    "RowBootstrap",
    "SeedRowTest",
    "ShiftTest",
    "comparison_verdict",
    "confirmatory",
    "count_test_applies",
    "fmt",
    "fmt_p",
    "gatekeeping",
    "holm",
    "is_constant",
    "mcnemar_exact",
    "mean_ci",
    "minimal_detectable_effect",
    "paired_bootstrap_rows",
    "paired_comparison",
    "paired_t_power",
    "power_analysis",
    "prepare_resampled_metric",
    "ranking_flip",
    "ranking_verdict",
    "seed_row_test",
    "seeds_needed",
    "shift_bootstrap",
    "shift_change",
    "shift_change_verdict",
    "shift_test",
    "wilcoxon_exact",
    "wilcoxon_min_pvalue",
]
