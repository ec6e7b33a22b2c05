"""English verdict sentences that never claim more than the numbers support.

A difference is "resolved" only when the paired t-test rejects at ``alpha``; otherwise it is
"not resolved" (never "no difference").
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from .intervals import ALPHA, MAX_SEEDS, PairedComparison, PowerResult
from .resampling import RankingFlip, RowBootstrap


def fmt(x: float | None) -> str:
    """Three significant digits; an exponent only below 1e-4 (``None`` -> ``"n/a"``)."""
    if x is None or not math.isfinite(x):
        return "n/a"
    if x == 0:
        return "0"
    if abs(x) < 1e-4:
        return f"{x:.2e}"
    decimals = max(0, 2 - math.floor(math.log10(abs(x))))
    return f"{x:.{decimals}f}"


def _p(p: float | None) -> str:
    return "p n/a" if p is None else ("p < 0.001" if p < 0.001 else f"p = {fmt(p)}")


def _pct(confidence: float) -> str:
    return f"{100 * confidence:g}% CI"


def _test(comp: PairedComparison) -> str:
    if comp.identical:
        return f"identical in all {comp.n} seeds, so no t-test"
    ci = f"[{fmt(comp.ci_low)}, {fmt(comp.ci_high)}]"
    return f"{_pct(comp.confidence)} {ci}, paired t {_p(comp.t_pvalue)}"


def _ahead(a: str, b: str, diff: float | None, higher_is_better: bool) -> str:
    if not diff:
        return "neither family (tied)"
    return a if (diff > 0) == higher_is_better else b


def _wilcoxon_clause(comp: PairedComparison, alpha: float) -> list[str]:
    if comp.wilcoxon_pvalue is None:
        return []
    text = f"exact Wilcoxon signed-rank {_p(comp.wilcoxon_pvalue)}"
    if comp.wilcoxon_min_pvalue is not None and comp.wilcoxon_min_pvalue > alpha:
        text += (
            f" (with {comp.n_nonzero} non-zero differences it cannot go below "
            f"{fmt(comp.wilcoxon_min_pvalue)}, so it can never reach {alpha:g})"
        )
    return [text]


def _power_clause(power: PowerResult | None, observed: float) -> list[str]:
    if power is None or power.mde is None:
        return []
    need = f"about {power.seeds_needed}" if power.seeds_needed else f"more than {MAX_SEEDS:,}"
    return [
        f"{power.n} seeds detect a difference of about {fmt(power.mde)} with power "
        f"{power.power:g}; one of {fmt(observed)} would need {need} seeds"
    ]


def _row_clauses(
    boot: RowBootstrap | None, mcnemar_pvalues: Sequence[float] | None, alpha: float
) -> list[str]:
    out = []
    if boot is not None and boot.ci_low is not None and boot.ci_high is not None:
        inside = "includes" if boot.ci_low <= 0 <= boot.ci_high else "excludes"
        out.append(
            f"a paired bootstrap over the {boot.n_rows} rows ({boot.n_boot} resamples) gives "
            f"{_pct(boot.confidence)} [{fmt(boot.ci_low)}, {fmt(boot.ci_high)}], which {inside} 0"
        )
    if mcnemar_pvalues:
        lo, hi = min(mcnemar_pvalues), max(mcnemar_pvalues)
        out.append(
            f"McNemar's exact test per seed gives p from {fmt(lo)} to {fmt(hi)}"
            + (f" (below {alpha:g} in every seed)" if hi < alpha else "")
        )
    return out


def comparison_verdict(
    label_a: str,
    label_b: str,
    metric_label: str,
    where: str,
    comp: PairedComparison,
    *,
    higher_is_better: bool,
    boot: RowBootstrap | None = None,
    power: PowerResult | None = None,
    mcnemar_pvalues: Sequence[float] | None = None,
    holm_pvalue: float | None = None,
    alpha: float = ALPHA,
) -> str:
    """One sentence on ``label_a - label_b`` for one metric on one set (e.g. "ID test set").

    ``holm_pvalue``: the same t-test Holm-corrected over every pair of families, if known.
    """
    a, b, m, n, d = label_a, label_b, metric_label, comp.n, comp.mean_diff
    if n < 2 or d is None:
        return f"{a} vs {b} on {m} ({where}): not resolved, {n} paired seed(s) allow no interval."
    winner = _ahead(a, b, d, higher_is_better)
    loser = b if winner == a else a
    better = f"{'higher' if higher_is_better else 'lower'} (better) {m}"
    diff = f"{a} - {b} = {fmt(d)}"
    if comp.identical and comp.n_nonzero == 0:
        parts = [f"{a} and {b} gave identical {m} on the {where} in all {n} seeds ({diff})"]
    elif comp.identical:
        parts = [
            f"{winner} has {better} than {loser} on the {where} by the same amount in all {n} "
            f"seeds ({diff}); the seeds gave identical differences, so no t-interval or t-test"
        ]
    elif comp.resolved(alpha):
        parts = [
            f"{winner} has {better} than {loser} on the {where} ({diff}, {_test(comp)}, "
            f"Cohen's d_z = {fmt(comp.cohens_dz)}): resolved by the paired t-test at "
            f"alpha = {alpha:g}"
        ]
    else:
        parts = [
            f"The {m} difference between {a} and {b} on the {where} is not resolved with {n} "
            f"seeds ({diff}, {_test(comp)}; the interval includes 0)"
        ]
        parts += _power_clause(power, abs(d))
    if holm_pvalue is not None and math.isfinite(holm_pvalue):
        parts.append(f"Holm-corrected over all pairs of families, paired t {_p(holm_pvalue)}")
    parts += _wilcoxon_clause(comp, alpha) + _row_clauses(boot, mcnemar_pvalues, alpha)
    return "; ".join(parts) + "."


def shift_change_verdict(
    label: str,
    metric_label: str,
    comp: PairedComparison,
    *,
    id_mean: float | None,
    shift_mean: float | None,
    higher_is_better: bool,
    alpha: float = ALPHA,
) -> str:
    """One sentence on a family's ID -> shift change (``comp`` compares shift - id)."""
    f, m, n, d = label, metric_label, comp.n, comp.mean_diff
    move = f"{fmt(id_mean)} -> {fmt(shift_mean)}, change {fmt(d)}"
    if n < 2 or d is None:
        return f"{f}'s {m} change under shift: not resolved, {n} seed(s) allow no interval."
    if comp.identical and comp.n_nonzero == 0:
        text = f"{f}'s {m} is identical on the ID test set and the shift set in all {n} seeds"
    elif comp.identical:
        text = (
            f"{f}'s {m} changes by the same amount in all {n} seeds from the ID test set to the "
            f"shift set ({move}); the seeds gave identical changes, so no t-interval or t-test"
        )
    elif comp.resolved(alpha):
        word = "better" if (d > 0) == higher_is_better else "worse"
        text = (
            f"{f}'s {m} is {word} on the shift set than on the ID test set ({move}, "
            f"{_test(comp)}): resolved by the paired t-test at alpha = {alpha:g}"
        )
    else:
        text = (
            f"The change in {f}'s {m} from the ID test set to the shift set is not resolved "
            f"with {n} seeds ({move}, {_test(comp)}; the interval includes 0)"
        )
    return "; ".join([text, *_wilcoxon_clause(comp, alpha)]) + "."


def ranking_verdict(
    label_a: str,
    label_b: str,
    metric_label: str,
    flip: RankingFlip,
    *,
    higher_is_better: bool,
    alpha: float = ALPHA,
) -> str:
    """One sentence on whether the top two swap places between the ID test and shift sets."""
    a, b, m = label_a, label_b, metric_label
    if flip.id.n < 2 or flip.id.mean_diff is None or flip.shift.mean_diff is None:
        return f"Whether {a} and {b} swap places on {m} under shift cannot be assessed."
    sets = []
    for comp, where in ((flip.id, "the ID test set"), (flip.shift, "the shift set")):
        lead = _ahead(a, b, comp.mean_diff, higher_is_better)
        sets.append(
            f"{lead} is ahead on {where} ({a} - {b} = {fmt(comp.mean_diff)}, {_test(comp)})"
        )
    if flip.flips:
        head = f"The ranking of {a} and {b} on {m} flips under shift: {sets[0]}, and {sets[1]}"
        if flip.flip_resolved:
            tail = f"both differences are resolved by paired t-tests at alpha = {alpha:g}"
        else:
            tail = (
                "the reversal is not resolved, since at least one of the two intervals includes 0"
            )
    else:
        head = f"The point estimates rank {a} and {b} on {m} the same way: {sets[0]}, and {sets[1]}"
        tail = ""
    ch = flip.change
    if ch.identical:
        gap = f"the gap changes by {fmt(ch.mean_diff)} in every seed, so no t-test"
    else:
        state = "resolved" if ch.resolved(alpha) else "not resolved"
        gap = f"the change in the gap, {fmt(ch.mean_diff)} ({_test(ch)}), is {state}"
    return "; ".join(p for p in (head, tail, gap) if p) + "."
