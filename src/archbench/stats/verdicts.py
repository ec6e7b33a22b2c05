"""English verdict sentences that never claim more than the numbers support.

Every sentence states a :class:`Decision`: which declared test decides it and whether it is
"resolved". One comparison is confirmatory (the top two, chosen on validation, on the primary
metric on the ID test set) and may say "resolved" on its raw p-value; the secondary tests say
"resolved" only after Holm's correction and only when the confirmatory test resolved (serial
gatekeeping); everything else is "exploratory, uncorrected" and never "resolved". "Not
resolved" is never "no difference".
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from archbench.stats.intervals import (
    ALPHA,
    MAX_SEEDS,
    PairedComparison,
    PowerResult,
    wilcoxon_min_pvalue,
)
from archbench.stats.resampling import (
    COMBINED_TEST,
    RankingFlip,
    RowBootstrap,
    SeedRowTest,
    ShiftTest,
)

Role = Literal["confirmatory", "secondary", "exploratory"]
#: Measured false-positive rate of the paired t-test at n = 5, alpha = 0.05, when one family is
#: deterministic and the other's seed noise is skewed (tests/stats/test_simulation.py, docs).
SKEWED_FPR = "12-18%"
#: The same for the seed-and-row test when seed noise dominates the test-set noise (seed SD 4-8
#: times the row SE; up to 3 times it stays <= 6%): benchmarks/skewed_seed_row.py, docs.
SKEWED_COMBINED_FPR = "6-11%"


@dataclass(frozen=True)
class Decision:
    """How one verdict is decided.

    ``role``: "confirmatory" (raw p-value at ``alpha``), "secondary" (Holm over
    ``family_size`` tests, only when ``gate_open``: the confirmatory test resolved) or
    "exploratory" (uncorrected, never resolved). ``test`` names the test behind ``p_value``.
    """

    role: Role
    test: str
    p_value: float | None
    alpha: float = ALPHA
    holm_pvalue: float | None = None
    family_size: int = 0
    gate_open: bool = True

    @property
    def resolved(self) -> bool:
        """The declared test rejects at ``alpha`` (secondary: Holm-adjusted, gate open)."""
        if self.p_value is None or not math.isfinite(self.p_value):
            return False
        if self.role == "confirmatory":
            return self.p_value < self.alpha
        if self.role == "secondary":
            h = self.holm_pvalue
            return self.gate_open and h is not None and math.isfinite(h) and h < self.alpha
        return False

    @property
    def exploratory(self) -> bool:
        """No claim can be made: outside the declared tests, or the gate is closed."""
        return self.role == "exploratory" or (self.role == "secondary" and not self.gate_open)

    def clause(self) -> str:
        """Why the verdict is (not) resolved, naming the test and its family."""
        a, p = f"alpha = {self.alpha:g}", fmt_p(self.p_value, self.alpha)
        holm = fmt_p(self.holm_pvalue, self.alpha).replace("p ", "Holm-adjusted p ", 1)
        k = (
            "the one secondary test"
            if self.family_size == 1
            else f"the {self.family_size} secondary tests"
        )
        if self.role == "confirmatory":
            state = "resolved" if self.resolved else "not resolved"
            return f"{state} by the {self.test} at {a} ({p}; the confirmatory test)"
        if self.role == "secondary" and self.gate_open:
            state = "resolved" if self.resolved else "not resolved"
            return f"{state} after Holm's correction over {k} ({self.test} {p}, {holm}, {a})"
        why = (
            "the confirmatory test did not resolve, so no secondary test is claimed"
            if self.role == "secondary"
            else "outside the declared tests, so no claim is made"
        )
        return f"exploratory, uncorrected ({self.test} {p}): {why}"


def confirmatory(comp: PairedComparison, boot: RowBootstrap | None = None) -> Decision:
    """The confirmatory decision of ``comp``: the paired t-test, or the row bootstrap when the
    seeds gave identical differences (then the only evidence)."""
    if comp.identical:
        return Decision("confirmatory", _BOOT, boot.p_value if boot else None, comp.alpha)
    return Decision("confirmatory", "paired t-test", comp.t_pvalue, comp.alpha)


_BOOT = "paired row bootstrap"
_NORMAL_DF = 30  # beyond this the seed-and-row test is dominated by the (near-normal) row mean


# ----------------------------------------------------------------------------- formatting
def fmt(x: float | None) -> str:
    """Three significant digits; an exponent only below 1e-4 (``None`` -> ``"n/a"``)."""
    return _sig(x, 3)


def _sig(x: float | None, digits: int) -> str:
    if x is None or not math.isfinite(x):
        return "n/a"
    if x == 0:
        return "0"
    if abs(x) < 1e-4:
        return f"{x:.{digits - 1}e}"
    decimals = max(0, digits - 1 - math.floor(math.log10(abs(x))))
    return f"{x:.{decimals}f}"


def fmt_p(p: float | None, alpha: float = ALPHA) -> str:
    """``"p = 0.0123"``; near ``alpha`` with as many digits as it takes to stay on p's side.

    ``p = 0.04996`` prints as ``"p = 0.04996"``, never ``"p = 0.0500"`` beside "resolved".
    """
    if p is None or not math.isfinite(p):
        return "p n/a"
    if p < 0.001 <= alpha:
        return "p < 0.001"
    for digits in range(3, 16):
        text = _sig(p, digits)
        v = float(text)
        if (v < alpha) == (p < alpha) and (v != alpha or p == alpha):
            break
    return f"p = {text}"


def _pct(confidence: float) -> str:
    return f"{100 * confidence:g}% CI"


def _ci(lo: float | None, hi: float | None, confidence: float) -> str:
    return f"{_pct(confidence)} [{fmt(lo)}, {fmt(hi)}]"


def _ahead(a: str, b: str, diff: float | None, higher_is_better: bool) -> str:
    if not diff:
        return "neither family (tied)"
    return a if (diff > 0) == higher_is_better else b


# ----------------------------------------------------------------------------- clauses
def _wilcoxon_clause(comp: PairedComparison, alpha: float) -> list[str]:
    if comp.wilcoxon_pvalue is None:
        return []
    text = f"exact Wilcoxon signed-rank {fmt_p(comp.wilcoxon_pvalue, alpha)}"
    if comp.wilcoxon_min_pvalue is not None and comp.wilcoxon_min_pvalue >= alpha:
        text += (
            f" (with {comp.n_nonzero} non-zero differences it cannot go below "
            f"{fmt(comp.wilcoxon_min_pvalue)}, so it can never reach {alpha:g})"
        )
    return [text]


def _min_wilcoxon_seeds(alpha: float) -> int:
    n = 1
    while wilcoxon_min_pvalue(n) >= alpha:
        n += 1
    return n


def _power_clause(power: PowerResult | None, observed: float) -> list[str]:
    """Lead with the minimum detectable difference; the observed one only as a hypothetical."""
    if power is None or power.mde is None:
        return []
    need = f"about {power.seeds_needed}" if power.seeds_needed else f"more than {MAX_SEEDS:,}"
    return [
        f"with the observed seed-to-seed SD of the difference ({fmt(power.sd_diff)}), "
        f"{power.n} seeds detect a difference of about {fmt(power.mde)} with power "
        f"{power.power:g} at alpha = {power.alpha:g} (the minimum detectable difference); if "
        f"the true difference were the observed one ({fmt(observed)}), it would need {need} seeds"
    ]


def normality_caveat(
    comp: PairedComparison, decision: Decision, combined: SeedRowTest | None = None
) -> bool:
    """Whether a resolved verdict rests on the normality of the per-seed differences.

    That is when the deciding test is a t-test, the seeds are not identical, the exact Wilcoxon
    test does not back it, and seed noise may dominate: no row bootstrap, or the seed-and-row
    test's ``df`` (computed on a chi-square bound of the seed variance, so a lucky small spread
    does not hide the seed noise) below 30.
    """
    t_based = decision.test.startswith("paired t-test") or decision.test == COMBINED_TEST
    few_df = combined is None or combined.df is None or combined.df < _NORMAL_DF
    if not decision.resolved or comp.identical or not t_based or not few_df:
        return False
    w = comp.wilcoxon_pvalue
    return w is None or w >= decision.alpha


def _normality_clause(
    comp: PairedComparison,
    decision: Decision,
    power: PowerResult | None,
    names: tuple[str, str],
    combined: SeedRowTest | None = None,
) -> list[str]:
    """Say when a resolved verdict rests on the t-test's normality alone, how often that errs,
    and the remedy (:func:`normality_caveat`)."""
    if not normality_caveat(comp, decision, combined):
        return []
    alpha = decision.alpha
    rec = max(_min_wilcoxon_seeds(alpha), (power.seeds_needed or 0) if power else 0, comp.n + 1)
    fixed = [nm for nm, flat in zip(names, (comp.a_constant, comp.b_constant), strict=True) if flat]
    rows = combined is not None and combined.p_value is not None
    rate, what = (
        (SKEWED_COMBINED_FPR, "the seed-and-row test, with seed noise this large against the "
         "test-set noise,") if rows else (SKEWED_FPR, f"the paired t-test at n = {comp.n}")
    )  # fmt: skip
    text = (
        f"this rests on roughly normal per-seed differences, which {comp.n} seeds cannot check "
        f"and the exact Wilcoxon test does not back; with skewed seed noise {what} rejects a "
        f"true null in {rate} of simulated experiments where 5% are nominal "
        f"(docs/statistics.md); remedy: seeds.count = {rec} or more"
    )
    if fixed:
        text += (
            f" and a seed that varies {' and '.join(fixed)} (it gave the same score in every "
            "seed, so the difference carries only the other family's seed noise)"
        )
    return [text]


def _row_clauses(
    boot: RowBootstrap | None, mcnemar_pvalues: Sequence[float] | None, alpha: float
) -> list[str]:
    out = []
    if boot is not None and boot.ci_low is not None and boot.ci_high is not None:
        inside = "includes" if boot.ci_low <= 0 <= boot.ci_high else "excludes"
        out.append(
            f"a paired bootstrap over the {boot.n_rows} rows ({boot.n_boot} resamples) gives "
            f"{_ci(boot.ci_low, boot.ci_high, boot.confidence)}, which {inside} 0"
        )
    if mcnemar_pvalues:
        lo, hi = min(mcnemar_pvalues), max(mcnemar_pvalues)
        out.append(
            f"McNemar's exact test per seed (exploratory) gives p from {fmt(lo)} to {fmt(hi)}"
            + (f" (below {alpha:g} in every seed)" if hi < alpha else "")
        )
    return out


def _unvaried(comp: PairedComparison) -> str:
    if comp.a_constant and comp.b_constant:
        return (
            "both families gave the same score in every seed (deterministic training on a data "
            "split fixed across seeds: the seeds vary nothing that moves these scores)"
        )
    return "the seeds moved both families' scores by the same amount"


# ----------------------------------------------------------------------------- sentences
def comparison_verdict(
    label_a: str,
    label_b: str,
    metric_label: str,
    where: str,
    comp: PairedComparison,
    *,
    higher_is_better: bool,
    decision: Decision | None = None,
    boot: RowBootstrap | None = None,
    power: PowerResult | None = None,
    mcnemar_pvalues: Sequence[float] | None = None,
    combined: SeedRowTest | None = None,
) -> str:
    """One sentence on ``label_a - label_b`` for one metric on one set (e.g. "ID test set").

    ``decision`` says which declared test decides it (default: confirmatory, see
    :func:`confirmatory`); its ``alpha`` is ``1 - comp.confidence`` unless set otherwise.
    ``combined``: the seed-and-row test; its interval (seed and test-set noise) is shown.
    """
    dec = decision or confirmatory(comp, boot)
    a, b, m, n, d, alpha = label_a, label_b, metric_label, comp.n, comp.mean_diff, dec.alpha
    if n < 2 or d is None:
        return f"{a} vs {b} on {m} ({where}): not resolved, {n} paired seed(s) allow no interval."
    winner = _ahead(a, b, d, higher_is_better)
    loser = b if winner == a else a
    better = f"{'higher' if higher_is_better else 'lower'} (better) {m}"
    diff = f"{a} - {b} = {fmt(d)}"
    if comp.identical:
        parts = _identical_parts(a, b, m, where, comp, dec, winner, loser, better)
    else:
        seed_only = (
            f"{_ci(comp.ci_low, comp.ci_high, comp.confidence)} over seeds, paired t "
            f"{fmt_p(comp.t_pvalue, alpha)}, Cohen's d_z = {fmt(comp.cohens_dz)}"
        )
        if combined is not None and combined.p_value is not None:
            ci = _ci(combined.ci_low, combined.ci_high, combined.confidence)
            stats = f"{diff}, {ci} with seed and test-set noise; seed noise only: {seed_only}"
        else:
            stats = f"{diff}, {seed_only}"
        if dec.resolved:
            parts = [f"{winner} has {better} than {loser} on the {where} ({stats}): {dec.clause()}"]
            parts += _normality_clause(comp, dec, power, (a, b), combined)
        elif dec.exploratory:
            parts = [f"The {m} difference between {a} and {b} on the {where} ({stats}) is "
                     f"{dec.clause()}"]  # fmt: skip
        else:
            parts = [
                f"The {m} difference between {a} and {b} on the {where} is not resolved with "
                f"{n} seeds ({stats}): {dec.clause()}"
            ]
            parts += _power_clause(power, abs(d))
    parts += _wilcoxon_clause(comp, alpha) + _row_clauses(boot, mcnemar_pvalues, alpha)
    return "; ".join(parts) + "."


def _identical_parts(
    a: str, b: str, m: str, where: str, comp: PairedComparison, dec: Decision,
    winner: str, loser: str, better: str,
) -> list[str]:  # fmt: skip
    """Every seed gave the same difference: the seeds are one experiment."""
    n, diff = comp.n, f"{a} - {b} = {fmt(comp.mean_diff)}"
    if comp.negligible:
        return [
            f"{a} and {b} gave the same {m} on the {where} in all {n} seeds up to numerical "
            f"noise ({diff}), so neither is ahead; {_unvaried(comp)}"
        ]
    every = f"{diff} in every one of the {n} seeds"
    why = (
        f"{_unvaried(comp)}; the {n} seeds are one experiment, with no t-test and no Wilcoxon "
        "p-value, so the paired row bootstrap is the only evidence"
    )
    if dec.p_value is None:
        head = (
            f"The {m} difference between {a} and {b} on the {where} ({every}) is not resolved: "
            "no row bootstrap was run"
        )
    elif dec.resolved:
        head = f"{winner} has {better} than {loser} on the {where} ({every}): {dec.clause()}"
    elif dec.exploratory:
        head = f"The {m} difference between {a} and {b} on the {where} ({every}) is {dec.clause()}"
    else:
        head = (
            f"The {m} difference between {a} and {b} on the {where} is not resolved ({every}): "
            f"{dec.clause()}"
        )
    return [head, why]


def shift_change_verdict(
    label: str,
    metric_label: str,
    test: ShiftTest,
    *,
    seeds: PairedComparison,
    id_mean: float | None,
    shift_mean: float | None,
    higher_is_better: bool,
    decision: Decision | None = None,
) -> str:
    """One sentence on a family's ID -> shift change, with seed and test-set noise.

    ``test`` combines the per-seed change ``seeds`` (shift - id) with the row bootstrap of
    both sets; ``decision`` defaults to that test's p-value as an exploratory one.
    """
    dec = decision or Decision("exploratory", COMBINED_TEST, test.p_value)
    f, m, n, d = label, metric_label, test.n, test.estimate
    if n < 2 or d is None:
        return f"{f}'s {m} change under shift: not resolved, {n} seed(s) allow no interval."
    move = f"{fmt(id_mean)} -> {fmt(shift_mean)}, change {fmt(d)}"
    if test.ci_low is not None:
        noise = "seed and test-set noise" if test.row_se is not None else "seed noise only"
        move += f", {_ci(test.ci_low, test.ci_high, test.confidence)} with {noise}"
    if dec.resolved:
        word = "better" if (d > 0) == higher_is_better else "worse"
        text = f"{f}'s {m} is {word} on the shift set than on the ID test set ({move}): "
    elif dec.exploratory:
        text = f"The change in {f}'s {m} from the ID test set to the shift set ({move}) is "
    else:
        text = (
            f"The change in {f}'s {m} from the ID test set to the shift set is not resolved "
            f"({move}): "
        )
    parts = [text + dec.clause()]
    if seeds.identical:
        rows = "" if test.row_se is not None else ", and no row bootstrap was run"
        parts.append(f"every seed gave the same change, so only test-set noise is left{rows}")
    elif seeds.t_pvalue is not None:
        parts.append(
            f"the seed-only paired t-test, which ignores test-set noise, gives "
            f"{fmt_p(seeds.t_pvalue, dec.alpha)}"
        )
    return "; ".join(parts) + "."


def ranking_verdict(
    label_a: str,
    label_b: str,
    metric_label: str,
    flip: RankingFlip,
    *,
    higher_is_better: bool,
    id_decision: Decision | None = None,
    shift_decision: Decision | None = None,
    gap: ShiftTest | None = None,
    gap_decision: Decision | None = None,
) -> str:
    """One sentence on whether the top two swap places between the ID test and shift sets.

    "Flips" only when both differences are resolved with opposite signs; reversed point
    estimates otherwise "reverse; not resolved". A resolved change of the gap is "the gap
    changes", never a reversal.
    """
    a, b, m = label_a, label_b, metric_label
    if flip.id.n < 2 or flip.id.mean_diff is None or flip.shift.mean_diff is None:
        return f"Whether {a} and {b} swap places on {m} under shift cannot be assessed."
    d_id = id_decision or confirmatory(flip.id)
    p_sh = flip.shift.t_pvalue
    d_sh = shift_decision or Decision(
        "secondary", "paired t-test", p_sh, d_id.alpha, p_sh, 1, d_id.resolved
    )
    lead_id, lead_sh = (_ahead(a, b, c.mean_diff, higher_is_better) for c in (flip.id, flip.shift))
    diffs = (
        f"{a} - {b} = {fmt(flip.id.mean_diff)} on the ID test set and "
        f"{fmt(flip.shift.mean_diff)} on the shift set"
    )
    if flip.flip_resolved:
        head = (
            f"The ranking of {a} and {b} on {m} flips under shift: {lead_id} is ahead on the ID "
            f"test set and {lead_sh} on the shift set ({diffs}); both differences are resolved "
            f"(ID: {d_id.clause()}; shift: {d_sh.clause()})"
        )
    elif flip.flips:
        weak = [
            f"{where} difference is {dec.clause()}"
            for where, dec in (("the ID", d_id), ("the shift", d_sh))
            if not dec.resolved
        ]
        head = (
            f"The point estimates of {a} and {b} on {m} reverse under shift, but the reversal "
            f"is not resolved ({diffs}): {'; '.join(weak)}"
        )
    else:
        head = f"The point estimates rank {a} and {b} on {m} the same way on both sets ({diffs})"
    return "; ".join([head, _gap_clause(flip, gap, gap_decision)]) + "."


def _gap_clause(flip: RankingFlip, gap: ShiftTest | None, dec: Decision | None) -> str:
    ch = flip.change
    if gap is None:
        state = "resolved" if ch.resolved() else "not resolved"
        return f"the change in the gap, {fmt(ch.mean_diff)} (seed-only paired t), is {state}"
    dec = dec or Decision("exploratory", COMBINED_TEST, gap.p_value)
    noise = "seed and test-set noise" if gap.row_se is not None else "seed noise only"
    stats = f"{fmt(gap.estimate)}, {_ci(gap.ci_low, gap.ci_high, gap.confidence)} with {noise}"
    if dec.resolved:
        return f"under shift the gap between them changes by {stats}: {dec.clause()}"
    if dec.exploratory:
        return f"the change in the gap ({stats}) is {dec.clause()}"
    return f"the change in the gap ({stats}) is not resolved: {dec.clause()}"
