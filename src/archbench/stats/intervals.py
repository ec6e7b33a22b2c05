"""Intervals and tests over per-seed scores: mean CI, paired t, Wilcoxon, McNemar, Holm, power.

Pure functions over ``(n_seeds,)`` arrays paired by index (seed ``i`` of every family shares the
data split). A value that cannot be computed (fewer than two seeds, identical scores in every
seed) is ``None``, never an exception.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
from scipy import optimize
from scipy import stats as st

from archbench.names import ALPHA
from archbench.seeding import as_generator

POWER = 0.8
#: The one numerical tolerance, relative to the scores: differences closer than this are ties
#: (and 0 when that close to 0), and seeds whose scores (or differences) spread less than this
#: are identical seeds. Float noise of a metric is ~1e-15 relative (summation order, BLAS
#: threads: up to ~1e-10 after a few reductions); count metrics step by 1 / n_rows >> 1e-9.
TIE_REL_TOL = 1e-9
_MAX_ENUM = 20  # exact Wilcoxon by enumeration up to 2**20 sign patterns
MAX_SEEDS = 1_000_000


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
    """True when the ``(n,)`` values spread by at most ``TIE_REL_TOL`` relative to ``scale``
    (default: the largest ``|x|``): identical up to float noise, the tolerance of every tie."""
    x = np.asarray(x, dtype=np.float64)
    if x.size == 0:
        return True
    ref = float(np.max(np.abs(x))) if scale is None else scale
    return float(np.ptp(x)) <= TIE_REL_TOL * max(ref, 0.0)


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


def _tie_groups(mag: np.ndarray, tol: float) -> np.ndarray:
    """Group ids of sorted-adjacent ``(n,)`` magnitudes closer than ``tol`` (single linkage)."""
    order = np.argsort(mag, kind="stable")
    step = np.concatenate([[0], (np.diff(mag[order]) > tol).astype(np.int64)])
    groups = np.empty(mag.size, dtype=np.int64)
    groups[order] = np.cumsum(step)
    return groups


def wilcoxon_exact(d: np.ndarray, *, scale: float | None = None) -> float | None:
    """Exact two-sided Wilcoxon signed-rank p-value of ``(n,)`` paired differences.

    Differences within ``TIE_REL_TOL * scale`` of 0 are zeros and are dropped (Wilcoxon's
    convention, scipy's ``zero_method="wilcox"``); magnitudes within that tolerance of each
    other are ties. ``scale`` is the size of the scores that were subtracted (default: the
    largest ``|d|``), so differences such as ``(ka - kb) / 300`` that are equal in exact
    arithmetic but differ in the last bits are tied. Without ties this is
    ``scipy.stats.wilcoxon(d, method="exact")``; with ties the exact conditional distribution
    is enumerated over all 2^n sign patterns of the mid-ranks (beyond 20 pairs: scipy's normal
    approximation). ``None`` when every difference is 0.
    """
    d = _finite(d)
    ref = float(np.max(np.abs(d))) if scale is None and d.size else float(scale or 0.0)
    tol = TIE_REL_TOL * ref
    d = d[np.abs(d) > tol]
    n = int(d.size)
    if n == 0:
        return None
    groups = _tie_groups(np.abs(d), tol)
    untied = np.unique(groups).size == n
    if untied or n > _MAX_ENUM:
        return float(st.wilcoxon(d, method="exact" if untied else "approx").pvalue)
    ranks = st.rankdata(groups)
    observed = float(ranks[d > 0].sum())
    centre = float(ranks.sum()) / 2.0
    signs = np.array(list(itertools.product((0.0, 1.0), repeat=n)))
    null = signs @ ranks
    extreme = np.abs(null - centre) >= abs(observed - centre) - 1e-9
    return float(np.mean(extreme))


@dataclass(frozen=True)
class PairedComparison:
    """Paired-by-seed comparison of ``a - b`` (``None`` where undefined).

    ``negligible``: the mean difference is below numerical noise (``TIE_REL_TOL`` relative to
    the scores), so it names no winner. ``a_constant`` / ``b_constant``: that family gave the
    same score in every seed. When every seed gave the same difference (``identical``) the
    seeds are one experiment: no t-test and no Wilcoxon p-value exist.
    """

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
    negligible: bool = False
    a_constant: bool = False
    b_constant: bool = False

    @property
    def alpha(self) -> float:
        """The significance level that matches the interval: ``1 - confidence``."""
        return 1.0 - self.confidence

    @property
    def identical(self) -> bool:
        """Every seed gave the same difference, so no t-interval or t-test exists."""
        return self.n >= 2 and self.t_pvalue is None

    def resolved(self, alpha: float | None = None) -> bool:
        """The paired t-test rejects "mean difference = 0" at ``alpha`` (default 1 - confidence)."""
        level = self.alpha if alpha is None else alpha
        return self.t_pvalue is not None and self.t_pvalue < level


def paired_comparison(
    a: np.ndarray, b: np.ndarray, *, confidence: float = 0.95
) -> PairedComparison:
    """Compare ``(n_seeds,)`` scores ``a`` and ``b`` paired by index; pairs with a NaN are dropped.

    Returns the mean of ``d = a - b``, its Student-t interval, the paired t-test
    (``scipy.stats.ttest_rel``), the exact Wilcoxon signed-rank p-value (ties and zeros judged
    relative to the scores' scale) and Cohen's ``d_z = mean(d) / sd(d)``.
    """
    a = np.asarray(a, dtype=np.float64).reshape(-1)
    b = np.asarray(b, dtype=np.float64).reshape(-1)
    if a.shape != b.shape:
        raise ValueError(f"paired arrays differ in shape: {a.shape} vs {b.shape}")
    keep = np.isfinite(a) & np.isfinite(b)
    a, b = a[keep], b[keep]
    d = a - b
    n = int(d.size)
    scale = float(max(np.max(np.abs(a)), np.max(np.abs(b)))) if n else 0.0
    nonzero = int(np.count_nonzero(np.abs(d) > TIE_REL_TOL * scale))
    mean = float(np.mean(d)) if n else None
    sd = _sd(d)
    lo = hi = t_stat = t_p = dz = w_p = w_min = None
    same = n >= 2 and is_constant(d, scale)
    if mean is not None and sd is not None and n >= 2 and not same:
        res = st.ttest_rel(a, b)
        t_stat, t_p = float(res.statistic), float(res.pvalue)
        half = float(st.t.ppf(0.5 + confidence / 2, n - 1)) * sd / math.sqrt(n)
        lo, hi, dz = mean - half, mean + half, mean / sd
    if n and not same:  # identical differences: one experiment, no rank test
        w_p = wilcoxon_exact(d, scale=scale)
        w_min = wilcoxon_min_pvalue(nonzero) if nonzero else None
    negligible = mean is not None and abs(mean) <= TIE_REL_TOL * scale
    flat = (n >= 2 and is_constant(a, scale), n >= 2 and is_constant(b, scale))
    return PairedComparison(
        n, mean, sd, lo, hi, t_stat, t_p, w_p, w_min, nonzero, dz, confidence, negligible, *flat
    )


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


@dataclass(frozen=True)
class Gatekeeping:
    """Serial gatekeeping: one confirmatory test, then one Holm family of secondary tests.

    ``secondary_holm``: Holm-adjusted p-values of the ``(m,)`` secondary tests (NaN where a
    test has no p-value). ``secondary_resolved``: the gate is open (the confirmatory test
    rejected) and the Holm p-value is below ``alpha``. The family-wise error rate over all
    ``m + 1`` tests is at most ``alpha``: no secondary claim is made unless the confirmatory
    one is, and Holm controls the secondary family once the gate opens.
    """

    alpha: float
    confirmatory_p: float | None
    gate_open: bool
    secondary_holm: np.ndarray
    secondary_resolved: np.ndarray


def gatekeeping(
    confirmatory_p: float | None, secondary_p: Sequence[float | None], *, alpha: float = ALPHA
) -> Gatekeeping:
    """Decide one confirmatory p-value at ``alpha``, then the secondary family with Holm."""
    gate = confirmatory_p is not None and math.isfinite(confirmatory_p) and confirmatory_p < alpha
    adj = holm(list(secondary_p))
    with np.errstate(invalid="ignore"):
        res = np.asarray(gate & (adj < alpha), dtype=bool) if adj.size else np.zeros(0, bool)
    return Gatekeeping(alpha, confirmatory_p, bool(gate), adj, res)


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
    comp: PairedComparison, *, alpha: float | None = None, power: float = POWER
) -> PowerResult:
    """Minimal detectable difference with ``comp.n`` seeds, and the seeds the observed one needs.

    ``alpha`` defaults to ``1 - comp.confidence``. ``seeds_needed`` treats the observed
    difference as if it were the true one (post-hoc), so it is a rough guide only; the
    minimal detectable difference does not depend on the observed difference.
    """
    alpha = comp.alpha if alpha is None else alpha
    mde = needed = None
    if comp.cohens_dz is not None and comp.sd_diff:
        effect = minimal_detectable_effect(comp.n, alpha=alpha, power=power)
        mde = None if effect is None else effect * comp.sd_diff
        needed = seeds_needed(comp.cohens_dz, alpha=alpha, power=power)
    return PowerResult(comp.n, comp.sd_diff, comp.mean_diff, mde, needed, alpha, power)
