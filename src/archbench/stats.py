"""Honest statistics for a few seeded runs: pure functions over arrays, no I/O.

Shapes: ``(n_seeds,)`` arrays are per-seed scores paired by index (seed ``i`` of every family
shares the data split); row-level functions take ``(n_rows,)`` targets and ``(n_seeds, n_rows)``
predictions or ``(n_seeds, n_rows, K)`` class probabilities. A value that cannot be computed
(fewer than two seeds, identical scores in every seed) is ``None``, never an exception.

The verdict functions at the end turn these numbers into sentences that never claim more than
the numbers support: a difference is "resolved" only when the paired t-test rejects at
``alpha``; otherwise it is "not resolved" (never "no difference").
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
from scipy import optimize
from scipy import stats as st

from archbench.seeding import as_generator

ALPHA = 0.05
POWER = 0.8
_REL_TOL = 1e-12  # spread below this (relative to the scores) counts as "identical in every seed"
_EPS = 1e-15  # the same probability clip as archbench.metrics
_MAX_ENUM = 20  # exact Wilcoxon by enumeration up to 2**20 sign patterns
_CHUNK = 250  # bootstrap resamples drawn per block; fixed so results never depend on memory
MAX_SEEDS = 1_000_000


# ----------------------------------------------------------------------------- intervals
@dataclass(frozen=True)
class MeanCI:
    """Mean of per-seed scores with its confidence interval (``None`` where undefined)."""

    n: int
    mean: float | None
    sd: float | None
    ci_low: float | None
    ci_high: float | None
    confidence: float
    method: Literal["t", "bootstrap"]


def _finite(x: np.ndarray) -> np.ndarray:
    x = np.asarray(x, dtype=np.float64).reshape(-1)
    return x[np.isfinite(x)]


def _sd(x: np.ndarray) -> float | None:
    """Sample SD (ddof=1); exactly 0 for identical values (np.std can leave ~1e-17)."""
    if x.size < 2:
        return None
    return 0.0 if np.ptp(x) == 0 else float(np.std(x, ddof=1))


def is_constant(x: np.ndarray, scale: float | None = None) -> bool:
    """True when the ``(n,)`` values are identical up to rounding (relative to ``scale``)."""
    x = np.asarray(x, dtype=np.float64)
    if x.size == 0:
        return True
    ref = float(np.max(np.abs(x))) if scale is None else scale
    return float(np.ptp(x)) <= _REL_TOL * max(ref, 0.0)


def mean_ci(
    x: np.ndarray,
    *,
    confidence: float = 0.95,
    method: Literal["t", "bootstrap"] = "t",
    n_boot: int = 2000,
    seed: int | np.random.Generator = 0,
) -> MeanCI:
    """Mean, SD (ddof=1) and confidence interval of ``(n_seeds,)`` scores; NaNs are dropped.

    ``method="t"`` is the Student-t interval ``mean +/- t_{n-1} * sd / sqrt(n)``, the honest
    default. ``method="bootstrap"`` is the percentile bootstrap over seeds (``n_boot``
    resamples from ``seed``). Caveat: with n = 5 the percentile interval is too narrow (it
    ignores the t-distribution's heavy tails and the resampled SD is biased low); in
    simulation its coverage is well under the nominal 95 %. Use it only to show that.
    The interval is ``None`` when n < 2 or every seed gave the same score.
    """
    v = _finite(x)
    n = int(v.size)
    mean = float(np.mean(v)) if n else None
    sd = _sd(v)
    lo = hi = None
    if mean is not None and sd is not None and n >= 2 and not is_constant(v):
        if method == "t":
            half = float(st.t.ppf(0.5 + confidence / 2, n - 1)) * sd / math.sqrt(n)
            lo, hi = mean - half, mean + half
        elif method == "bootstrap":
            rng = as_generator(seed)
            means = v[rng.integers(0, n, size=(n_boot, n))].mean(axis=1)
            q = np.quantile(means, [0.5 - confidence / 2, 0.5 + confidence / 2])
            lo, hi = float(q[0]), float(q[1])
        else:
            raise ValueError(f"ci method {method!r} is not 't' or 'bootstrap'")
    return MeanCI(n, mean, sd, lo, hi, confidence, method)


# ----------------------------------------------------------------------------- paired tests
def wilcoxon_min_pvalue(n_nonzero: int) -> float:
    """Smallest two-sided exact Wilcoxon p-value with ``n_nonzero`` untied differences: 2 / 2^n."""
    return min(1.0, 2.0 / 2.0**n_nonzero) if n_nonzero > 0 else 1.0


def wilcoxon_exact(d: np.ndarray) -> float | None:
    """Exact two-sided Wilcoxon signed-rank p-value of ``(n,)`` paired differences.

    Zero differences are dropped (Wilcoxon's convention, scipy's ``zero_method="wilcox"``).
    Without ties this is ``scipy.stats.wilcoxon(d, method="exact")``. With tied ``|d|``,
    scipy's "exact" silently uses the no-ties null distribution, so here the exact
    conditional distribution is enumerated over all 2^n sign patterns of the mid-ranks
    (beyond 20 tied pairs: scipy's normal approximation). ``None`` when every difference is 0.
    """
    d = _finite(d)
    d = d[d != 0]
    n = int(d.size)
    if n == 0:
        return None
    mag = np.abs(d)
    if np.unique(mag).size == n or n > _MAX_ENUM:
        method = "exact" if np.unique(mag).size == n else "approx"
        return float(st.wilcoxon(d, method=method).pvalue)
    ranks = st.rankdata(mag)
    observed = float(ranks[d > 0].sum())
    centre = float(ranks.sum()) / 2.0
    signs = np.array(list(itertools.product((0.0, 1.0), repeat=n)))
    null = signs @ ranks
    extreme = np.abs(null - centre) >= abs(observed - centre) - 1e-9
    return float(np.mean(extreme))


@dataclass(frozen=True)
class PairedComparison:
    """Paired-by-seed comparison of ``a - b`` (``None`` where undefined)."""

    n: int
    mean_diff: float | None
    sd_diff: float | None
    ci_low: float | None
    ci_high: float | None
    t_stat: float | None
    t_pvalue: float | None
    wilcoxon_pvalue: float | None
    wilcoxon_min_pvalue: float | None
    n_nonzero: int
    cohens_dz: float | None
    confidence: float

    @property
    def identical(self) -> bool:
        """Every seed gave the same difference, so no t-interval or t-test exists."""
        return self.n >= 2 and self.t_pvalue is None

    def resolved(self, alpha: float = ALPHA) -> bool:
        """The paired t-test rejects "mean difference = 0" at ``alpha``."""
        return self.t_pvalue is not None and self.t_pvalue < alpha


def paired_comparison(
    a: np.ndarray, b: np.ndarray, *, confidence: float = 0.95
) -> PairedComparison:
    """Compare ``(n_seeds,)`` scores ``a`` and ``b`` paired by index; pairs with a NaN are dropped.

    Returns the mean of ``d = a - b``, its Student-t interval, the paired t-test
    (``scipy.stats.ttest_rel``), the exact Wilcoxon signed-rank p-value and Cohen's
    ``d_z = mean(d) / sd(d)``.
    """
    a = np.asarray(a, dtype=np.float64).reshape(-1)
    b = np.asarray(b, dtype=np.float64).reshape(-1)
    if a.shape != b.shape:
        raise ValueError(f"paired arrays differ in shape: {a.shape} vs {b.shape}")
    keep = np.isfinite(a) & np.isfinite(b)
    a, b = a[keep], b[keep]
    d = a - b
    n = int(d.size)
    nonzero = int(np.count_nonzero(d))
    mean = float(np.mean(d)) if n else None
    sd = _sd(d)
    lo = hi = t_stat = t_p = dz = None
    scale = float(max(np.max(np.abs(a)), np.max(np.abs(b)))) if n else 0.0
    if mean is not None and sd is not None and n >= 2 and not is_constant(d, scale):
        res = st.ttest_rel(a, b)
        t_stat, t_p = float(res.statistic), float(res.pvalue)
        half = float(st.t.ppf(0.5 + confidence / 2, n - 1)) * sd / math.sqrt(n)
        lo, hi, dz = mean - half, mean + half, mean / sd
    w_p = wilcoxon_exact(d) if n else None
    w_min = wilcoxon_min_pvalue(nonzero) if nonzero else None
    return PairedComparison(n, mean, sd, lo, hi, t_stat, t_p, w_p, w_min, nonzero, dz, confidence)


@dataclass(frozen=True)
class McNemarResult:
    """Exact McNemar test: ``a_only`` rows only A gets right, ``b_only`` rows only B does."""

    a_only: int
    b_only: int
    pvalue: float


def mcnemar_exact(correct_a: np.ndarray, correct_b: np.ndarray) -> McNemarResult:
    """Exact McNemar test on ``(n_rows,)`` booleans (is each row classified correctly).

    Two-sided binomial test of the discordant pairs against 1/2; p = 1 when there are none.
    """
    ca = np.asarray(correct_a, dtype=bool)
    cb = np.asarray(correct_b, dtype=bool)
    a_only, b_only = int(np.sum(ca & ~cb)), int(np.sum(~ca & cb))
    if a_only + b_only == 0:
        return McNemarResult(0, 0, 1.0)
    return McNemarResult(a_only, b_only, float(st.binomtest(a_only, a_only + b_only).pvalue))


def holm(pvalues: Sequence[float | None] | np.ndarray) -> np.ndarray:
    """Holm step-down adjusted p-values of ``(m,)`` p-values; ``None``/NaN stay NaN, not counted."""
    p = np.array([np.nan if v is None else v for v in pvalues], dtype=np.float64)
    out = np.full_like(p, np.nan)
    idx = np.flatnonzero(np.isfinite(p))
    order = idx[np.argsort(p[idx], kind="stable")]
    m = order.size
    adjusted = np.maximum.accumulate((m - np.arange(m)) * p[order])
    out[order] = np.minimum(adjusted, 1.0)
    return out


# ----------------------------------------------------------------------------- power
def paired_t_power(effect_size: float, n: int, *, alpha: float = ALPHA) -> float:
    """Power of the two-sided paired t-test, ``n`` pairs, effect ``d_z`` (noncentral t)."""
    if n < 2:
        return float("nan")
    df, nc = n - 1, abs(effect_size) * math.sqrt(n)
    crit = float(st.t.ppf(1 - alpha / 2, df))
    lower = float(st.nct.cdf(-crit, df, nc))
    return float(st.nct.sf(crit, df, nc)) + (lower if math.isfinite(lower) else 0.0)


def minimal_detectable_effect(
    n: int, *, alpha: float = ALPHA, power: float = POWER
) -> float | None:
    """Smallest ``d_z`` that a paired t-test with ``n`` pairs detects with ``power``."""
    if n < 2:
        return None
    hi = 1.0
    while paired_t_power(hi, n, alpha=alpha) < power:
        hi *= 2.0
        if hi > 1e4:
            return None
    return float(optimize.brentq(lambda e: paired_t_power(e, n, alpha=alpha) - power, 0.0, hi))


def seeds_needed(
    effect_size: float, *, alpha: float = ALPHA, power: float = POWER, max_seeds: int = MAX_SEEDS
) -> int | None:
    """Fewest pairs for which a paired t-test detects ``d_z = effect_size`` with ``power``.

    ``None`` when the effect is zero or needs more than ``max_seeds``.
    """
    if not math.isfinite(effect_size) or effect_size == 0:
        return None
    lo, hi = 1, 2
    while paired_t_power(effect_size, hi, alpha=alpha) < power:
        lo, hi = hi, hi * 2
        if hi > 2 * max_seeds:
            return None
    while hi - lo > 1:  # invariant: power(lo) < target <= power(hi)
        mid = (lo + hi) // 2
        if mid >= 2 and paired_t_power(effect_size, mid, alpha=alpha) >= power:
            hi = mid
        else:
            lo = mid
    return hi if hi <= max_seeds else None


@dataclass(frozen=True)
class PowerResult:
    """What ``n`` seeds can detect given the observed SD of the paired differences."""

    n: int
    sd_diff: float | None
    observed_diff: float | None
    mde: float | None
    seeds_needed: int | None
    alpha: float
    power: float


def power_analysis(
    comp: PairedComparison, *, alpha: float = ALPHA, power: float = POWER
) -> PowerResult:
    """Minimal detectable difference with ``comp.n`` seeds, and the seeds the observed one needs."""
    mde = needed = None
    if comp.cohens_dz is not None and comp.sd_diff:
        effect = minimal_detectable_effect(comp.n, alpha=alpha, power=power)
        mde = None if effect is None else effect * comp.sd_diff
        needed = seeds_needed(comp.cohens_dz, alpha=alpha, power=power)
    return PowerResult(comp.n, comp.sd_diff, comp.mean_diff, mde, needed, alpha, power)


# ----------------------------------------------------------------------------- row bootstrap
#: ``counts (B, n_units) -> (B, n_seeds)``: a metric under B weightings of the units.
Resampler = Callable[[np.ndarray], np.ndarray]
#: ``(y_true, preds (n_seeds, n_units, ...)) -> Resampler``: a metric's weighted form.
Weighted = Callable[[np.ndarray, np.ndarray], Resampler]
#: ``(rng, size) -> (size, n_units)`` resampling weights; default: units i.i.d. with replacement.
DrawCounts = Callable[[np.random.Generator, int], np.ndarray]


def iid_counts(rng: np.random.Generator, size: int, n_units: int) -> np.ndarray:
    """``(size, n_units)`` counts of units drawn independently with replacement."""
    idx = rng.integers(0, n_units, size=(size, n_units))
    flat = (idx + (np.arange(size) * n_units)[:, None]).ravel()
    counts = np.bincount(flat, minlength=size * n_units).reshape(size, n_units)
    return counts.astype(np.int16 if n_units < 2**15 else np.int32)


@dataclass(frozen=True)
class RowBootstrap:
    """Paired bootstrap over rows of the seed-averaged metric difference A - B."""

    metric: str
    estimate: float
    ci_low: float | None
    ci_high: float | None
    n_boot: int
    n_valid: int
    n_rows: int
    confidence: float


def paired_bootstrap_rows(
    y_true: np.ndarray,
    pred_a: np.ndarray,
    pred_b: np.ndarray,
    metrics: Mapping[str, Weighted],
    *,
    n_boot: int = 2000,
    seed: int | np.random.Generator = 0,
    confidence: float = 0.95,
    draw: DrawCounts | None = None,
) -> dict[str, RowBootstrap]:
    """Percentile interval of ``mean_seeds(metric_A) - mean_seeds(metric_B)`` over row resamples.

    Each resample draws ``n_rows`` row indices with replacement and applies them to both
    families and every seed, so the pairing is kept and the interval shows test-set sampling
    noise. Shapes: ``y_true (n_rows,)``; ``pred_a``/``pred_b`` ``(n_seeds, n_rows[, K])``.
    Resamples where the metric is undefined (ROC-AUC without both classes) are dropped and
    counted in ``n_valid``. Every metric uses the same resamples.
    """
    rng = as_generator(seed)
    n_rows = int(np.asarray(y_true).shape[0])
    fa = {m: w(y_true, pred_a) for m, w in metrics.items()}
    fb = {m: w(y_true, pred_b) for m, w in metrics.items()}
    ones = np.ones((1, n_rows))
    diffs: dict[str, list[np.ndarray]] = {m: [] for m in metrics}
    done = 0
    while done < n_boot:
        size = min(_CHUNK, n_boot - done)
        counts = draw(rng, size) if draw is not None else iid_counts(rng, size, n_rows)
        for m in metrics:
            diffs[m].append(fa[m](counts).mean(axis=1) - fb[m](counts).mean(axis=1))
        done += size
    out = {}
    for m in metrics:
        est = float(fa[m](ones).mean() - fb[m](ones).mean())
        d = np.concatenate(diffs[m]) if diffs[m] else np.empty(0)
        d = d[np.isfinite(d)]
        lo = hi = None
        if d.size:
            q = np.quantile(d, [0.5 - confidence / 2, 0.5 + confidence / 2])
            lo, hi = float(q[0]), float(q[1])
        out[m] = RowBootstrap(m, est, lo, hi, n_boot, int(d.size), n_rows, confidence)
    return out


# ----------------------------------------------------------------------------- shift
def shift_change(
    id_scores: np.ndarray, shift_scores: np.ndarray, *, confidence: float = 0.95
) -> PairedComparison:
    """Per-seed change ``shift - id`` of one family's ``(n_seeds,)`` scores, paired by seed."""
    return paired_comparison(shift_scores, id_scores, confidence=confidence)


@dataclass(frozen=True)
class RankingFlip:
    """Does the order of A and B change between the ID test set and the shift set?

    ``id`` and ``shift`` compare ``a - b`` on each set; ``change`` tests the per-seed
    difference of differences ``(a - b)_shift - (a - b)_id``. ``flips``: the point estimates
    favour different families; ``flip_resolved``: both of those differences are resolved.
    """

    id: PairedComparison
    shift: PairedComparison
    change: PairedComparison
    flips: bool
    flip_resolved: bool


def ranking_flip(
    a_id: np.ndarray,
    b_id: np.ndarray,
    a_shift: np.ndarray,
    b_shift: np.ndarray,
    *,
    confidence: float = 0.95,
    alpha: float = ALPHA,
) -> RankingFlip:
    """Difference of differences for two families' ``(n_seeds,)`` scores on the two sets."""
    a_id, b_id, a_shift, b_shift = (
        np.asarray(v, dtype=np.float64) for v in (a_id, b_id, a_shift, b_shift)
    )
    keep = np.isfinite(a_id) & np.isfinite(b_id) & np.isfinite(a_shift) & np.isfinite(b_shift)
    cid = paired_comparison(a_id[keep], b_id[keep], confidence=confidence)
    csh = paired_comparison(a_shift[keep], b_shift[keep], confidence=confidence)
    change = paired_comparison(
        a_shift[keep] - b_shift[keep], a_id[keep] - b_id[keep], confidence=confidence
    )
    flips = bool(cid.mean_diff and csh.mean_diff and (cid.mean_diff > 0) != (csh.mean_diff > 0))
    resolved = flips and cid.resolved(alpha) and csh.resolved(alpha)
    return RankingFlip(cid, csh, change, flips, resolved)


# ----------------------------------------------------------------------------- verdicts
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
