"""Statistics across the tasks of a suite: pure array functions, no I/O.

Arrays follow one layout: ``scores`` is ``(n_tasks, n_seeds, n_families)`` (seed ``s`` of every
family on a task is one paired run), ``means`` is ``(n_tasks, n_families)``. Higher normalised
scores are better; raw metric values carry their direction in ``higher_is_better``.

The aggregates follow rliable (Agarwal et al., NeurIPS 2021): the interquartile mean (IQM) of
all runs of all tasks, stratified bootstrap intervals (seeds resampled within each task; with
``tasks=True`` the tasks are resampled too), and the probability of improvement from the
Mann-Whitney statistic. The rank statistics follow Demsar (JMLR 2006): average ranks, the
Friedman test, the Nemenyi critical difference, and pairwise Wilcoxon signed-rank tests with
Holm's correction as autorank does.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass
from itertools import combinations, permutations

import numpy as np
from scipy import stats as sps

__all__ = [
    "MIN_TASKS_TASK_INTERVAL",
    "FlipSummary",
    "Interval",
    "RankTest",
    "average_ranks",
    "beyond_task_claims",
    "friedman_permutation_pvalue",
    "friedman_test",
    "iqm",
    "iqm_interval",
    "nemenyi_cd",
    "normalise_scores",
    "performance_profile",
    "poi_interval",
    "probability_of_improvement",
    "ranking_flips",
    "tasks_needed_cd",
    "tasks_needed_paired",
    "wilcoxon_holm",
    "win_tie_loss",
]


@dataclass(frozen=True)
class Interval:
    """A point estimate with a percentile bootstrap interval."""

    estimate: float
    low: float
    high: float


@dataclass(frozen=True)
class RankTest:
    """Average ranks (1 = best) and the Friedman test over tasks."""

    ranks: tuple[float, ...]  # (n_families,)
    statistic: float  # Friedman chi-square, tie-corrected (as scipy)
    pvalue: float
    iman_davenport_f: float  # Iman & Davenport's F form of the statistic
    iman_davenport_pvalue: float
    cd: float  # Nemenyi critical difference at alpha
    n_tasks: int


@dataclass(frozen=True)
class FlipSummary:
    """How the family ranking changes from the ID test set to the shift set, task by task."""

    top_changed: tuple[bool, ...]  # (n_tasks,) the best family differs
    pairs_swapped: tuple[int, ...]  # (n_tasks,) pairs of families whose order reverses
    kendall_tau: tuple[float, ...]  # (n_tasks,) rank correlation between the two orders


#: Fewest tasks for which the suite shows an interval that redraws the tasks. Below it the
#: percentile bootstrap over tasks has too few distinct resamples: with 4 tasks whose family
#: advantages cancel, the task-and-seed IQM intervals of two families are disjoint in 22% of
#: suites (10% with 8 tasks, 8% with 12; benchmarks/suite_null_claims.py).
MIN_TASKS_TASK_INTERVAL = 10


def _rng(seed: int | np.random.Generator) -> np.random.Generator:
    return seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)


def normalise_scores(
    values: np.ndarray, higher_is_better: bool, zero: np.ndarray | None = None
) -> np.ndarray:
    """Map raw metric values to 0 = the task's worst family (or reference), 1 = its best.

    The anchors are computed from the per-family means (the mean over seeds): 1 is the best
    family mean of the task, 0 the worst family mean, or ``zero`` (a reference row's mean, per
    task) when given. They are fixed constants, as rliable's normalisation: single seeds may
    fall outside [0, 1], and a family that is worse than the reference scores below 0. The
    scale is ``|best - zero|``, so higher stays better: where the reference beats every
    family, the best family scores -1 and the others less.

    Args:
        values: ``(n_tasks, n_seeds, n_families)`` raw values of one metric on one split.
        higher_is_better: the metric's direction (the same for every task of the call).
        zero: ``(n_tasks,)`` the value that maps to 0, or None (the worst family mean).

    Returns:
        ``(n_tasks, n_seeds, n_families)``; a task whose anchors coincide gives 0.5 everywhere.
    """
    v = np.asarray(values, dtype=float)
    sign = 1.0 if higher_is_better else -1.0
    means = np.nanmean(v, axis=1) * sign  # (T, K), higher = better
    best = means.max(axis=1)
    worst = means.min(axis=1) if zero is None else np.asarray(zero, dtype=float) * sign
    span = np.abs(best - worst)
    out = np.full_like(v, 0.5)
    ok = np.abs(span) > 1e-12 * np.maximum(1.0, np.abs(best))
    out[ok] = (v[ok] * sign - worst[ok, None, None]) / span[ok, None, None]
    return out


def iqm(scores: np.ndarray) -> float:
    """Interquartile mean of every run of every task (rliable ``aggregate_iqm``): the mean of
    the middle 50% of ``scores.ravel()`` (scipy ``trim_mean(.., 0.25)``).

    Args:
        scores: ``(n_tasks, n_seeds)`` normalised scores of one family.
    """
    return float(sps.trim_mean(np.asarray(scores, dtype=float).ravel(), 0.25))


def _stratified_draw(
    shape: tuple[int, int], n_boot: int, rng: np.random.Generator, tasks: bool
) -> tuple[np.ndarray, np.ndarray]:
    """Indices ``(task_idx (B, T, 1), seed_idx (B, T, S))`` of ``n_boot`` stratified resamples."""
    n_tasks, n_seeds = shape
    if tasks:
        t_idx = rng.integers(0, n_tasks, (n_boot, n_tasks, 1))
    else:
        t_idx = np.broadcast_to(np.arange(n_tasks)[None, :, None], (n_boot, n_tasks, 1))
    s_idx = rng.integers(0, n_seeds, (n_boot, n_tasks, n_seeds))
    return t_idx, s_idx


def _percentile_interval(point: float, boots: np.ndarray, confidence: float) -> Interval:
    """``point`` with the percentile interval of the bootstrap statistics ``boots (B,)``."""
    a = (1 - confidence) / 2
    lo, hi = np.quantile(boots, [a, 1 - a])
    return Interval(point, float(lo), float(hi))


def iqm_interval(
    scores: np.ndarray,
    *,
    seed: int | np.random.Generator,
    n_boot: int = 2000,
    confidence: float = 0.95,
    tasks: bool = False,
) -> Interval:
    """IQM with a percentile stratified-bootstrap interval (rliable ``StratifiedBootstrap``).

    Each resample draws the seeds of every task with replacement, task by task (``tasks=True``:
    the tasks are drawn with replacement as well, so the interval also covers which tasks were
    chosen).

    Args:
        scores: ``(n_tasks, n_seeds)`` normalised scores of one family.
    """
    x = np.asarray(scores, dtype=float)
    t_idx, s_idx = _stratified_draw(x.shape, n_boot, _rng(seed), tasks)
    draws = x[t_idx, s_idx].reshape(n_boot, -1)
    boots = sps.trim_mean(draws, 0.25, axis=1)
    return _percentile_interval(iqm(x), boots, confidence)


def probability_of_improvement(x: np.ndarray, y: np.ndarray) -> float:
    """P(X > Y): the Mann-Whitney U of each task over ``n_x * n_y`` (ties count one half),
    averaged over tasks (rliable ``probability_of_improvement``).

    Args:
        x, y: ``(n_tasks, n_seeds)`` normalised scores of two families.
    """
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    gt = (x[:, :, None] > y[:, None, :]).mean(axis=(1, 2))
    eq = (x[:, :, None] == y[:, None, :]).mean(axis=(1, 2))
    return float(np.mean(gt + 0.5 * eq))


def poi_interval(
    x: np.ndarray,
    y: np.ndarray,
    *,
    seed: int | np.random.Generator,
    n_boot: int = 2000,
    confidence: float = 0.95,
    tasks: bool = False,
) -> Interval:
    """P(X > Y) with a stratified-bootstrap interval: the seeds of X and of Y are redrawn
    independently within each task (as rliable; ``tasks=True`` also redraws the tasks, the same
    ones for X and Y).

    Args:
        x, y: ``(n_tasks, n_seeds)`` normalised scores of two families.
    """
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    rng = _rng(seed)
    t_idx, sx = _stratified_draw(x.shape, n_boot, rng, tasks)
    sy = rng.integers(0, x.shape[1], sx.shape)
    bx, by = x[t_idx, sx], y[t_idx, sy]  # (B, T, S)
    gt = (bx[..., :, None] > by[..., None, :]).mean(axis=(2, 3))
    eq = (bx[..., :, None] == by[..., None, :]).mean(axis=(2, 3))
    boots = (gt + 0.5 * eq).mean(axis=1)
    return _percentile_interval(probability_of_improvement(x, y), boots, confidence)


def performance_profile(scores: np.ndarray, taus: np.ndarray) -> np.ndarray:
    """Run-score distribution (rliable): for each threshold, the fraction of runs with a score
    above it, averaged over tasks so that every task weighs the same.

    Args:
        scores: ``(n_tasks, n_seeds)`` normalised scores of one family.
        taus: ``(n_taus,)`` thresholds.

    Returns:
        ``(n_taus,)`` fractions in [0, 1], non-increasing in ``tau``.
    """
    x = np.asarray(scores, dtype=float)
    t = np.asarray(taus, dtype=float)
    return (x[:, :, None] > t[None, None, :]).mean(axis=1).mean(axis=0)


def average_ranks(means: np.ndarray, higher_is_better: bool = True) -> np.ndarray:
    """Per-task ranks (1 = best; ties get the average rank) averaged over tasks.

    Args:
        means: ``(n_tasks, n_families)`` one score per family and task.

    Returns:
        ``(n_families,)`` average ranks.
    """
    m = np.asarray(means, dtype=float)
    ranks = sps.rankdata(-m if higher_is_better else m, axis=1)
    return ranks.mean(axis=0)


@functools.lru_cache(maxsize=64)
def _q_alpha(k: int, alpha: float) -> float:
    """The studentised range quantile over sqrt(2) (Demsar's q_alpha; 2.343 for k = 3)."""
    return float(sps.studentized_range.ppf(1 - alpha, k, np.inf)) / math.sqrt(2)


def nemenyi_cd(n_families: int, n_tasks: int, alpha: float = 0.05) -> float:
    """Nemenyi critical difference ``q_alpha * sqrt(k (k + 1) / (6 N))`` (Demsar 2006)."""
    k = n_families
    return _q_alpha(k, alpha) * math.sqrt(k * (k + 1) / (6.0 * n_tasks))


def friedman_test(
    means: np.ndarray, higher_is_better: bool = True, alpha: float = 0.05
) -> RankTest:
    """Friedman's test that every family has the same expected rank, over tasks.

    The statistic is scipy's ``friedmanchisquare`` (with its tie correction); the Iman-Davenport
    F form ``(N-1) chi2 / (N (k-1) - chi2)`` on ``(k-1, (k-1)(N-1))`` degrees of freedom is
    Demsar's recommended variant. Needs at least 2 tasks and 3 families for the p-values (else
    NaN).

    Args:
        means: ``(n_tasks, n_families)``.
    """
    m = np.asarray(means, dtype=float)
    n, k = m.shape
    ranks = average_ranks(m, higher_is_better)
    stat = p = f = pf = float("nan")
    if n >= 2 and k >= 3:
        oriented = -m if higher_is_better else m
        res = sps.friedmanchisquare(*[oriented[:, j] for j in range(k)])
        stat, p = float(res.statistic), float(res.pvalue)
        denom = n * (k - 1) - stat
        if denom > 0 and np.isfinite(stat):  # 0 when every task ranks alike: F undefined
            f = (n - 1) * stat / denom
            pf = float(sps.f.sf(f, k - 1, (k - 1) * (n - 1)))
    return RankTest(tuple(float(r) for r in ranks), stat, p, f, pf, nemenyi_cd(k, n, alpha), n)


def friedman_permutation_pvalue(
    means: np.ndarray,
    higher_is_better: bool = True,
    *,
    seed: int | np.random.Generator,
    n_perm: int = 20000,
    max_exact: int = 100_000,
) -> tuple[float, str]:
    """Friedman's test without the chi-square approximation, which is rough for few tasks
    (Demsar 2006 points to exact tables below ~10 tasks).

    Under the null the ranks within each task are exchangeable. The statistic is the sum of
    squared rank sums (monotone in the Friedman chi-square for a fixed tie pattern). With at
    most ``max_exact`` arrangements (``(k!)^(N-1)``: the first task's order is fixed by
    symmetry) every arrangement is enumerated; otherwise ``n_perm`` random ones are drawn and
    p = (1 + count) / (1 + n_perm).

    Args:
        means: ``(n_tasks, n_families)``.

    Returns:
        ``(pvalue, "exact" | "monte carlo")``.
    """
    m = np.asarray(means, dtype=float)
    ranks = sps.rankdata(-m if higher_is_better else m, axis=1)
    n, k = ranks.shape
    observed = float(np.sum(ranks.sum(axis=0) ** 2))
    tol = 1e-9 * max(1.0, observed)
    if math.factorial(k) ** max(0, n - 1) <= max_exact:
        perms = np.array(list(permutations(range(k))))
        rows = [ranks[:1]] + [ranks[i][perms] for i in range(1, n)]  # (k!, k) each
        total = rows[0].copy()
        for r in rows[1:]:
            total = (total[:, None, :] + r[None, :, :]).reshape(-1, k)
        stats = np.sum(total**2, axis=1)
        return float(np.mean(stats >= observed - tol)), "exact"
    rng = _rng(seed)
    draws = rng.permuted(np.broadcast_to(ranks, (n_perm, n, k)), axis=2)
    stats = np.sum(draws.sum(axis=1) ** 2, axis=1)
    return float((1 + np.sum(stats >= observed - tol)) / (1 + n_perm)), "monte carlo"


def wilcoxon_holm(means: np.ndarray, alpha: float = 0.05) -> list[dict[str, float | int]]:
    """Two-sided Wilcoxon signed-rank test of every pair over tasks, Holm-corrected.

    Args:
        means: ``(n_tasks, n_families)`` comparable scores (normalised), higher = better.

    Returns:
        One dict per pair ``(a, b)`` (column indices, ``a < b``): ``median_diff`` (a - b),
        ``pvalue`` (exact when there are no ties and fewer than 50 tasks, as scipy),
        ``holm_pvalue``, ``min_pvalue`` (the smallest two-sided exact p that ``n`` non-zero
        differences allow: ``2 / 2**n``) and ``rejected`` at ``alpha``.
    """
    m = np.asarray(means, dtype=float)
    out: list[dict[str, float | int]] = []
    for a, b in combinations(range(m.shape[1]), 2):
        d = m[:, a] - m[:, b]
        nz = int(np.count_nonzero(d))
        p = float(sps.wilcoxon(d).pvalue) if nz > 0 else 1.0
        out.append(
            {
                "a": a,
                "b": b,
                "median_diff": float(np.median(d)),
                "pvalue": p,
                "n_nonzero": nz,
                "min_pvalue": min(1.0, 2.0 / 2.0**nz) if nz else 1.0,
            }
        )
    order = np.argsort([r["pvalue"] for r in out], kind="stable")
    running = 0.0
    for i, j in enumerate(order):
        running = max(running, min(1.0, (len(out) - i) * float(out[j]["pvalue"])))
        out[j]["holm_pvalue"] = running
        out[j]["rejected"] = int(running < alpha)
    return out


def tasks_needed_cd(rank_diff: float, n_families: int, alpha: float = 0.05) -> int | None:
    """The fewest tasks for which the Nemenyi CD falls to ``|rank_diff|``: the smallest N with
    ``q_alpha sqrt(k (k+1) / (6 N)) <= |rank_diff|``. None when the difference is 0."""
    d = abs(rank_diff)
    if d < 1e-12:
        return None
    q = _q_alpha(n_families, alpha)
    return max(2, math.ceil(q * q * n_families * (n_families + 1) / (6.0 * d * d) - 1e-9))


def tasks_needed_paired(diffs: np.ndarray, alpha: float = 0.05, power: float = 0.8) -> int | None:
    """Tasks a two-sided paired test needs to detect a mean per-task difference of the observed
    size with the given power: the normal approximation ``((z_{1-a/2} + z_power) sd / mean)^2``
    over the Wilcoxon test's efficiency 3/pi, and at least 6 tasks (below 6 the exact
    Wilcoxon test can never reach p < 0.05). None when the mean difference is 0 or fewer
    than 2 tasks give no spread.

    Args:
        diffs: ``(n_tasks,)`` per-task differences of normalised scores (a - b).
    """
    d = np.asarray(diffs, dtype=float)
    if d.size < 2 or abs(d.mean()) < 1e-12:
        return None
    sd = float(d.std(ddof=1))
    z = sps.norm.ppf(1 - alpha / 2) + sps.norm.ppf(power)
    n = (z * sd / abs(d.mean())) ** 2 / (3.0 / math.pi)
    min_n = math.ceil(math.log2(2.0 / alpha) + 1e-12)  # 2 / 2**n < alpha
    return max(min_n, math.ceil(n - 1e-9))


def win_tie_loss(verdicts: np.ndarray) -> tuple[int, int, int]:
    """Counts of per-task paired verdicts of one pair: ``+1`` a resolved win of the first
    family, ``-1`` a resolved loss, ``0`` a tie (not resolved); NaN (no verdict) is skipped.

    Args:
        verdicts: ``(n_tasks,)``.
    """
    v = np.asarray(verdicts, dtype=float)
    v = v[np.isfinite(v)]
    return int((v > 0).sum()), int((v == 0).sum()), int((v < 0).sum())


def ranking_flips(
    id_means: np.ndarray, shift_means: np.ndarray, higher_is_better: bool = True
) -> FlipSummary:
    """Per task, does the family order on the shift set differ from the ID test set's?

    Args:
        id_means, shift_means: ``(n_tasks, n_families)`` means of one metric.
    """
    a = np.asarray(id_means, dtype=float)
    b = np.asarray(shift_means, dtype=float)
    sign = 1.0 if higher_is_better else -1.0
    top, swapped, taus = [], [], []
    for i in range(a.shape[0]):
        x, y = a[i] * sign, b[i] * sign
        top.append(bool(np.argmax(x) != np.argmax(y)))
        n_sw = sum(
            1
            for j, k in combinations(range(a.shape[1]), 2)
            if np.sign(x[j] - x[k]) * np.sign(y[j] - y[k]) < 0
        )
        swapped.append(n_sw)
        tau = sps.kendalltau(x, y).statistic if a.shape[1] >= 2 else float("nan")
        taus.append(float(tau))
    return FlipSummary(tuple(top), tuple(swapped), tuple(taus))


def beyond_task_claims(
    wilcoxon: list[dict[str, float | int]],
    ranks: np.ndarray,
    cd: float,
    friedman_p: float,
    alpha: float = 0.05,
) -> list[tuple[int, int, str]]:
    """The pairs a suite may call different beyond its own tasks: only tests that treat the
    task as the unit, so that another draw of tasks is what they generalise over.

    Both post-hoc procedures are gated by the omnibus test, so that their union holds
    ``alpha``: nothing is claimed unless the Friedman test rejects (``friedman_p < alpha``);
    then a pair is claimed when its Holm-corrected Wilcoxon signed-rank p over tasks is below
    ``alpha``, or when its average ranks differ by more than the Nemenyi critical difference
    ``cd`` (computed at ``alpha``). Seed-only intervals (the stratified bootstrap within fixed
    tasks) never make a claim here. A suite that claims on several splits passes ``alpha``
    divided by their number (with the exact permutation p, the Friedman gate alone rejects in
    4.2% of null suites of 4 tasks and 3 families at alpha = 0.05).

    Args:
        wilcoxon: rows of :func:`wilcoxon_holm` (``a``, ``b``, ``median_diff``, ``holm_pvalue``).
        ranks: ``(n_families,)`` average ranks, 1 = best.
        cd: Nemenyi critical difference.
        friedman_p: the Friedman test's p (NaN: no claim from the ranks).

    Returns:
        ``(better, worse, test)`` per claimed pair, ``test`` "Wilcoxon-Holm" or "Nemenyi".
    """
    r = np.asarray(ranks, dtype=float)
    out: list[tuple[int, int, str]] = []
    if not friedman_p < alpha:  # NaN (too few tasks or families) claims nothing either
        return out
    for w in wilcoxon:
        a, b = int(w["a"]), int(w["b"])
        if float(w["holm_pvalue"]) < alpha and float(w["median_diff"]) != 0.0:
            out.append((a, b, "Wilcoxon-Holm") if w["median_diff"] > 0 else (b, a, "Wilcoxon-Holm"))
        elif abs(r[a] - r[b]) > cd:
            out.append((a, b, "Nemenyi") if r[a] < r[b] else (b, a, "Nemenyi"))
    return out
