"""Row resampling: the paired bootstrap over evaluation rows, and the ID -> shift comparisons.

Row-level functions take ``(n_rows,)`` targets and ``(n_seeds, n_rows)`` predictions or
``(n_seeds, n_rows, K)`` class probabilities; every resample is applied to both families and
every seed, so the pairing is kept.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from scipy import stats as st

from archbench.seeding import as_generator
from archbench.stats.intervals import PairedComparison, is_constant, paired_comparison

_CHUNK = 250  # bootstrap resamples drawn per block; fixed so results never depend on memory

#: ``counts (B, n_units) -> (B, n_seeds)``: a metric under B weightings of the units.
Resampler = Callable[[np.ndarray], np.ndarray]
#: ``(y_true, preds (n_seeds, n_units, ...)) -> Resampler``: a metric's weighted form
#: (``archbench.kinds.metric.MetricSpec.weighted``).
Weighted = Callable[[np.ndarray, np.ndarray], Resampler]
#: ``(rng, size) -> (size, n_units)`` resampling weights; default: :func:`iid_counts`.
DrawCounts = Callable[[np.random.Generator, int], np.ndarray]


@dataclass(frozen=True)
class RowBootstrap:
    """Bootstrap over evaluation rows of a seed-averaged metric contrast (A - B, or shift - ID).

    ``se`` is the SD of the resampled contrasts; ``p_value`` the two-sided percentile-bootstrap
    p-value of "contrast = 0" (``2 min(P*(d <= 0), P*(d >= 0))``), so ``p_value < 1 -
    confidence`` matches an interval that excludes 0. ``n_rows_shift``: rows of the shift set
    when ID and shift rows were resampled independently.
    """

    metric: str
    estimate: float
    ci_low: float | None
    ci_high: float | None
    n_boot: int
    n_valid: int
    n_rows: int
    confidence: float
    se: float | None = None
    p_value: float | None = None
    n_rows_shift: int | None = None


def iid_counts(rng: np.random.Generator, size: int, n_rows: int) -> np.ndarray:
    """``(size, n_rows)`` multiplicities of ``size`` resamples of ``n_rows`` independent rows."""
    idx = rng.integers(0, n_rows, size=(size, n_rows))
    flat = (idx + (np.arange(size) * n_rows)[:, None]).ravel()
    counts = np.bincount(flat, minlength=size * n_rows).reshape(size, n_rows)
    return counts.astype(np.int16 if n_rows < 2**15 else np.int32)


def _summarise(
    metric: str, est: float, draws: list[np.ndarray], n_boot: int, confidence: float, **rows: int
) -> RowBootstrap:
    d = np.concatenate(draws) if draws else np.empty(0)
    d = d[np.isfinite(d)]
    lo = hi = se = p = None
    if d.size:
        q = np.quantile(d, [0.5 - confidence / 2, 0.5 + confidence / 2])
        lo, hi = float(q[0]), float(q[1])
        se = float(np.std(d, ddof=1)) if d.size > 1 else None
        p = min(1.0, 2.0 * min(float(np.mean(d <= 0)), float(np.mean(d >= 0))))
    n_rows = rows.pop("n_rows")
    return RowBootstrap(metric, est, lo, hi, n_boot, int(d.size), n_rows, confidence, se, p, **rows)


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
    metrics_b: Mapping[str, Weighted] | None = None,
) -> dict[str, RowBootstrap]:
    """Percentile interval of ``mean_seeds(metric_A) - mean_seeds(metric_B)`` over row resamples.

    Each resample draws ``n_rows`` row indices with replacement and applies them to both
    families and every seed, so the pairing is kept and the interval shows test-set sampling
    noise. Shapes: ``y_true (n_rows,)``; ``pred_a``/``pred_b`` ``(n_seeds, n_rows[, K])``.
    Resamples where the metric is undefined (ROC-AUC without both classes) are dropped and
    counted in ``n_valid``. Every metric uses the same resamples. ``metrics`` maps each name to
    its weighted form; ``draw`` replaces the i.i.d. draw of units (dependent units: blocks);
    ``metrics_b`` gives family B its own weighted forms (metrics calibrated on each family's
    validation predictions, such as F1 at a validation threshold), else B uses ``metrics``.
    """
    rng = as_generator(seed)
    n_rows = int(np.asarray(y_true).shape[0])
    fa = {m: w(y_true, pred_a) for m, w in metrics.items()}
    fb = {m: (metrics_b or metrics)[m](y_true, pred_b) for m in metrics}
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
        out[m] = _summarise(m, est, diffs[m], n_boot, confidence, n_rows=n_rows)
    return out


def bootstrap_rows(
    y_true: np.ndarray,
    pred: np.ndarray,
    metrics: Mapping[str, Weighted],
    *,
    n_boot: int = 2000,
    seed: int | np.random.Generator = 0,
    confidence: float = 0.95,
    draw: DrawCounts | None = None,
) -> dict[str, RowBootstrap]:
    """Percentile interval and SE of one family's seed-mean metric over row resamples.

    The one-family form of :func:`paired_bootstrap_rows` (each resample applied to every seed):
    ``se`` is the test-set sampling noise of the family's mean score, the row part of
    :func:`seed_row_interval`. Shapes: ``y_true (n_rows,)``, ``pred (n_seeds, n_rows[, K])``;
    ``p_value`` is left ``None`` (0 is no null value of a score).
    """
    rng = as_generator(seed)
    n_rows = int(np.asarray(y_true).shape[0])
    forms = {m: w(y_true, pred) for m, w in metrics.items()}
    draws: dict[str, list[np.ndarray]] = {m: [] for m in metrics}
    done = 0
    while done < n_boot:
        size = min(_CHUNK, n_boot - done)
        counts = draw(rng, size) if draw is not None else iid_counts(rng, size, n_rows)
        for m, f in forms.items():
            draws[m].append(f(counts).mean(axis=1))
        done += size
    out = {}
    for m, f in forms.items():
        est = float(f(np.ones((1, n_rows))).mean())
        res = _summarise(m, est, draws[m], n_boot, confidence, n_rows=n_rows)
        out[m] = RowBootstrap(**{**res.__dict__, "p_value": None})
    return out


def shift_bootstrap(
    y_id: np.ndarray,
    y_shift: np.ndarray,
    id_preds: Sequence[np.ndarray],
    shift_preds: Sequence[np.ndarray],
    metrics: Mapping[str, Weighted] | Sequence[Mapping[str, Weighted]],
    *,
    weights: Sequence[float] | None = None,
    n_boot: int = 2000,
    seed: int | np.random.Generator = 0,
    confidence: float = 0.95,
    draw_id: DrawCounts | None = None,
    draw_shift: DrawCounts | None = None,
) -> dict[str, RowBootstrap]:
    """Row bootstrap of a seed-averaged ID -> shift contrast, the two sets resampled independently.

    The contrast is ``sum_k w_k (mean_seeds metric(shift_preds[k]) - mean_seeds
    metric(id_preds[k]))``: one family with ``w = [1]`` is its change under shift; the top two
    with ``w = [1, -1]`` is the change of their gap. Each resample draws ID-test rows and shift
    rows independently (the sets are separate samples) and applies each draw to every family
    and seed, so the pairing by seed and family is kept. Shapes: ``y_id (n_id,)``,
    ``y_shift (n_shift,)``, each prediction ``(n_seeds, n_rows[, K])``. ``metrics`` maps each
    name to its weighted form (or one such mapping per family, for metrics calibrated on each
    family's validation predictions); ``draw_id``/``draw_shift`` replace the i.i.d. draws.
    """
    w = [1.0] * len(id_preds) if weights is None else [float(v) for v in weights]
    if not len(w) == len(id_preds) == len(shift_preds):
        raise ValueError("shift_bootstrap needs one weight and one ID/shift prediction per family")
    n_id, n_sh = int(np.asarray(y_id).shape[0]), int(np.asarray(y_shift).shape[0])
    per = [metrics] * len(id_preds) if isinstance(metrics, Mapping) else list(metrics)
    names = list(per[0])
    f_id = [{m: fm[m](y_id, p) for m in names} for fm, p in zip(per, id_preds, strict=True)]
    f_sh = [{m: fm[m](y_shift, p) for m in names} for fm, p in zip(per, shift_preds, strict=True)]
    metrics = {m: per[0][m] for m in names}

    def contrast(m: str, c_id: np.ndarray, c_sh: np.ndarray) -> np.ndarray:
        parts = [
            wk * (fs[m](c_sh).mean(axis=1) - fi[m](c_id).mean(axis=1))
            for wk, fi, fs in zip(w, f_id, f_sh, strict=True)
        ]
        return np.sum(parts, axis=0)

    draws: dict[str, list[np.ndarray]] = {m: [] for m in metrics}
    rng, done = as_generator(seed), 0
    while done < n_boot:
        size = min(_CHUNK, n_boot - done)
        c_id = draw_id(rng, size) if draw_id is not None else iid_counts(rng, size, n_id)
        c_sh = draw_shift(rng, size) if draw_shift is not None else iid_counts(rng, size, n_sh)
        for m in metrics:
            draws[m].append(contrast(m, c_id, c_sh))
        done += size
    est = {m: float(contrast(m, np.ones((1, n_id)), np.ones((1, n_sh)))[0]) for m in metrics}
    rows = {"n_rows": n_id, "n_rows_shift": n_sh}
    return {m: _summarise(m, est[m], draws[m], n_boot, confidence, **rows) for m in metrics}


# ----------------------------------------------------------------------------- shift
def shift_change(
    id_scores: np.ndarray, shift_scores: np.ndarray, *, confidence: float = 0.95
) -> PairedComparison:
    """Per-seed change ``shift - id`` of one family's ``(n_seeds,)`` scores, paired by seed."""
    return paired_comparison(shift_scores, id_scores, confidence=confidence)


COMBINED_TEST = "seed-and-row t-test"
_BOTH = (
    "; resolved only when this test and the seed-only paired t-test both reject (p_value is "
    "the larger p, the interval the hull of both intervals); with identical seeds only the row "
    "part is left"
)
PAIR_METHOD = (
    "seed-and-row t-test: SE^2 = SD_seeds^2 / n + Var_boot, where Var_boot is the variance of "
    "the seed-mean difference over a paired bootstrap of the evaluation rows (the same rows for "
    "both families and every seed); Student t with Welch-Satterthwaite df computed on the upper "
    "97.5% chi-square bound of the seed variance (so df stay near n - 1 unless row noise "
    "dominates)" + _BOTH
)
SHIFT_METHOD = (
    "seed-and-row t-test: SE^2 = SD_seeds^2 / n + Var_boot, where Var_boot resamples ID-test "
    "rows and shift rows independently (paired by seed and family); Student t with "
    "Welch-Satterthwaite df computed on the upper 97.5% chi-square bound of the seed variance"
    + _BOTH
)


@dataclass(frozen=True)
class SeedRowTest:
    """A seed-averaged contrast (A - B on one set, or shift - ID) with seed and test-set noise.

    ``seed_se`` is the seed-to-seed standard error (``SD / sqrt(n)``, 0 when every seed gave
    the same change), ``row_se`` the row-bootstrap SD of the seed-mean change; ``se`` combines
    them. ``p_value`` and the interval use Student t with ``df`` from :func:`seed_row_df`
    (Welch-Satterthwaite on a bound of the seed variance; infinite when only row noise is
    left). Without a row bootstrap there is no p-value.
    """

    n: int
    estimate: float | None
    seed_se: float | None
    row_se: float | None
    se: float | None
    df: float | None
    ci_low: float | None
    ci_high: float | None
    p_value: float | None
    confidence: float
    method: str

    def resolved(self, alpha: float | None = None) -> bool:
        """The combined test rejects "no change" at ``alpha`` (default 1 - confidence)."""
        level = 1.0 - self.confidence if alpha is None else alpha
        return self.p_value is not None and self.p_value < level


#: Lower-tail probability of the chi-square bound on the seed variance behind ``seed_row_df``.
DF_BOUND_Q = 0.025


def seed_row_df(seed_var: float, row_var: float, n: int) -> float:
    """Degrees of freedom of the seed-and-row t-test, from a bound that luck cannot shrink.

    Welch-Satterthwaite df with the seed part ``seed_var = SD^2 / n`` replaced by its upper
    97.5% chi-square bound ``(n - 1) seed_var / chi2_{0.025, n-1}`` (``DF_BOUND_Q``). The plain
    estimate is large exactly when the seeds happen to spread little, and then tests a skewed
    seed noise on normal quantiles (false positives 8.7-9.1% at alpha = 0.05); the bound keeps
    df near ``n - 1`` unless the row variance dominates even a pessimistic seed variance.
    ``seed_var = 0`` (identical seeds): infinite. The standard error itself is unchanged.
    """
    if seed_var <= 0:
        return math.inf
    bound = (n - 1) * seed_var / float(st.chi2.ppf(DF_BOUND_Q, n - 1))
    return (bound + row_var) ** 2 / (bound**2 / (n - 1))


def seed_row_test(
    seeds: PairedComparison, rows: RowBootstrap | None, method: str = SHIFT_METHOD
) -> SeedRowTest:
    """Combine the per-seed contrast ``seeds`` with the row bootstrap ``rows`` of its mean.

    By the law of total variance the seed-mean contrast varies by ``SD^2 / n`` over seeds
    (given the rows) plus the variance over row samples, which the bootstrap estimates (a
    little conservatively: it also carries the seeds' row-specific noise). The seed t-test
    must agree: ``p_value`` is the larger of the two tests' p-values and the interval the hull
    of their intervals (so it excludes 0 exactly when both reject); when every seed gave the
    same contrast only the row part is left (``df`` infinite).
    """
    conf, n, est = seeds.confidence, seeds.n, seeds.mean_diff
    if rows is None or rows.se is None or est is None or n < 2 or seeds.sd_diff is None:
        return SeedRowTest(n, est, None, None, None, None, seeds.ci_low, seeds.ci_high, None,
                           conf, "seed t-test only: no row bootstrap, so test-set noise is "
                           "not included")  # fmt: skip
    seed_var = 0.0 if seeds.identical else seeds.sd_diff**2 / n
    total = seed_var + rows.se**2
    if total <= 0:
        return SeedRowTest(n, est, 0.0, 0.0, 0.0, None, None, None, None, conf, method)
    df = seed_row_df(seed_var, rows.se**2, n)
    se = math.sqrt(total)
    half = float(st.t.ppf(0.5 + conf / 2, df)) * se
    p = float(2.0 * st.t.sf(abs(est) / se, df))
    lo, hi = est - half, est + half
    if seeds.t_pvalue is not None and seeds.ci_low is not None and seeds.ci_high is not None:
        # Both must agree: the larger p-value, and the hull of the two intervals.
        p, lo, hi = max(p, seeds.t_pvalue), min(lo, seeds.ci_low), max(hi, seeds.ci_high)
    return SeedRowTest(n, est, math.sqrt(seed_var), rows.se, se, df, lo, hi, p, conf, method)


def seed_row_interval(
    scores: np.ndarray, rows: RowBootstrap | None, *, confidence: float = 0.95
) -> SeedRowTest:
    """Interval of one family's mean score over seeds *and* test sets.

    ``scores``: the ``(n_seeds,)`` scores; ``rows``: :func:`bootstrap_rows` of their mean.
    SE^2 = SD^2 / n + row_se^2 with Student t on :func:`seed_row_df` degrees of freedom, the
    same construction as :func:`seed_row_test` (no p-value: a score has no null value). The
    seed-only Student-t interval is conditional on the test rows and covers the population
    value far less often than its level on a few hundred rows. Without ``rows``: ``None``
    bounds.
    """
    v = np.asarray(scores, dtype=np.float64).reshape(-1)
    v = v[np.isfinite(v)]
    n = int(v.size)
    mean = float(np.mean(v)) if n else None
    if rows is None or rows.se is None or mean is None or n < 2:
        return SeedRowTest(n, mean, None, None, None, None, None, None, None, confidence,
                           "seed noise only: no row bootstrap")  # fmt: skip
    seed_var = 0.0 if is_constant(v) else float(np.var(v, ddof=1)) / n
    total = seed_var + rows.se**2
    df = seed_row_df(seed_var, rows.se**2, n)
    half = float(st.t.ppf(0.5 + confidence / 2, df)) * math.sqrt(total)
    return SeedRowTest(n, mean, math.sqrt(seed_var), rows.se, math.sqrt(total), df,
                       mean - half, mean + half, None, confidence, SEED_ROW_INTERVAL)  # fmt: skip


SEED_ROW_INTERVAL = (
    "seed-and-row interval: mean +/- t * sqrt(SD_seeds^2 / n + Var_boot), Var_boot the variance "
    "of the family's seed-mean score over a bootstrap of the evaluation rows; df as in the "
    "seed-and-row t-test"
)

REFERENCE_TEST = "seed-and-row t-test against the reference"


def reference_test(
    y_true: np.ndarray,
    pred: np.ndarray,
    pred_ref: np.ndarray,
    metrics: Mapping[str, Weighted],
    *,
    n_boot: int = 2000,
    seed: int | np.random.Generator = 0,
    confidence: float = 0.95,
    draw: DrawCounts | None = None,
    metrics_ref: Mapping[str, Weighted] | None = None,
) -> dict[str, SeedRowTest]:
    """A family against a deterministic reference row on the same evaluation rows.

    The family's seeds are its only seed noise; the reference (one fit, no seeds) shares the
    rows, so the paired row bootstrap (:func:`paired_bootstrap_rows`, the reference as one
    "seed" of family B) carries the test-set noise of the contrast and the seeds the rest:
    :func:`seed_row_test` of the per-seed ``family - reference`` differences. Shapes:
    ``y_true (n_rows,)``, ``pred (n_seeds, n_rows[, K])``, ``pred_ref (n_rows[, K])``;
    ``metrics_ref``: the reference's own weighted forms (metrics calibrated on its validation
    predictions), else ``metrics``.
    """
    ref = np.asarray(pred_ref)[None]
    boots = paired_bootstrap_rows(
        y_true, pred, ref, metrics, n_boot=n_boot, seed=seed, confidence=confidence, draw=draw,
        metrics_b=metrics_ref,
    )  # fmt: skip
    n_rows, out = int(np.asarray(y_true).shape[0]), {}
    ones = np.ones((1, n_rows))
    for m, w in metrics.items():
        fam = w(y_true, pred)(ones)[0]
        value = float((metrics_ref or metrics)[m](y_true, ref)(ones)[0, 0])
        comp = paired_comparison(fam, np.full(fam.shape, value), confidence=confidence)
        out[m] = seed_row_test(comp, boots[m], PAIR_METHOD)
    return out


ShiftTest = SeedRowTest
shift_test = seed_row_test


@dataclass(frozen=True)
class RankingFlip:
    """Does the order of A and B change between the ID test set and the shift set?

    ``id`` and ``shift`` compare ``a - b`` on each set; ``change`` is the per-seed difference
    of differences ``(a - b)_shift - (a - b)_id``. ``flips``: the point estimates favour
    different families (neither difference negligible); ``flip_resolved``: that, and both
    differences are resolved (by the decisions passed in, else their t-tests at ``alpha``).
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
    id_resolved: bool | None = None,
    shift_resolved: bool | None = None,
) -> RankingFlip:
    """Difference of differences for two families' ``(n_seeds,)`` scores on the two sets.

    ``id_resolved`` / ``shift_resolved``: whether each difference was resolved by the run's
    declared tests (the ID one confirmatory, the shift one Holm-corrected); ``None`` falls back
    to that comparison's own paired t-test at ``1 - confidence``.
    """
    a_id, b_id, a_shift, b_shift = (
        np.asarray(v, dtype=np.float64) for v in (a_id, b_id, a_shift, b_shift)
    )
    keep = np.isfinite(a_id) & np.isfinite(b_id) & np.isfinite(a_shift) & np.isfinite(b_shift)
    cid = paired_comparison(a_id[keep], b_id[keep], confidence=confidence)
    csh = paired_comparison(a_shift[keep], b_shift[keep], confidence=confidence)
    change = paired_comparison(
        a_shift[keep] - b_shift[keep], a_id[keep] - b_id[keep], confidence=confidence
    )
    real = cid.mean_diff and csh.mean_diff and not (cid.negligible or csh.negligible)
    flips = bool(real and (cid.mean_diff > 0) != (csh.mean_diff > 0))  # type: ignore[operator]
    r_id = cid.resolved() if id_resolved is None else id_resolved
    r_sh = csh.resolved() if shift_resolved is None else shift_resolved
    return RankingFlip(cid, csh, change, flips, bool(flips and r_id and r_sh))
