"""Row resampling: the paired bootstrap over evaluation rows, and the ID -> shift comparisons.

Row-level functions take ``(n_rows,)`` targets and ``(n_seeds, n_rows)`` predictions or
``(n_seeds, n_rows, K)`` class probabilities; every resample is applied to both families and
every seed, so the pairing is kept.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from archbench.metrics import weighted_roc_auc
from archbench.seeding import as_generator

from .intervals import ALPHA, PairedComparison, paired_comparison

_EPS = 1e-15  # the same probability clip as archbench.metrics
_CHUNK = 250  # bootstrap resamples drawn per block; fixed so results never depend on memory
RESAMPLED_METRICS = ("roc_auc", "accuracy", "log_loss", "brier", "rmse", "mae", "r2")


Resampler = Callable[[np.ndarray], np.ndarray]


def prepare_resampled_metric(name: str, y_true: np.ndarray, pred: np.ndarray) -> Resampler:
    """Return ``counts (B, n_rows) -> (B, n_seeds)``: metric ``name`` on each weighted resample.

    ``counts[b, i]`` is how often row ``i`` appears in resample ``b``; all ones gives exactly
    ``archbench.metrics.metric`` per seed. ``pred`` is ``(n_seeds, n_rows)`` (regression) or
    ``(n_seeds, n_rows, K)`` probabilities. ROC-AUC is a weighted Mann-Whitney statistic
    (macro one-vs-rest for K > 2), sorted once per seed, so no per-resample sort is needed.
    """
    y = np.asarray(y_true)
    p = np.asarray(pred, dtype=np.float64)
    n_rows = y.shape[0]
    if name in ("rmse", "mae", "r2"):
        err = p - y.astype(np.float64)
        loss = np.abs(err) if name == "mae" else err**2
        yf = y.astype(np.float64)

        def regression(counts: np.ndarray) -> np.ndarray:
            counts = counts.astype(np.float64, copy=False)
            total = counts @ loss.T
            if name == "mae":
                return total / n_rows
            if name == "rmse":
                return np.sqrt(total / n_rows)
            sy, syy = counts @ yf, counts @ yf**2
            ss_tot = (syy - sy**2 / n_rows)[:, None]
            with np.errstate(divide="ignore", invalid="ignore"):
                return np.where(ss_tot > 0, 1.0 - total / ss_tot, np.nan)

        return regression
    yi = y.astype(np.int64)
    if p.ndim != 3:
        raise ValueError(f"classification metric {name!r} needs (n_seeds, n_rows, K) probabilities")
    k = p.shape[2]
    rows = np.arange(n_rows)
    if name in ("accuracy", "log_loss", "brier"):
        if name == "accuracy":
            loss = (p.argmax(axis=2) == yi).astype(np.float64)
        elif name == "log_loss":
            loss = -np.log(np.clip(p[:, rows, yi], _EPS, 1.0))
        elif k == 2:
            loss = (p[:, :, 1] - yi) ** 2
        else:
            loss = np.sum((p - np.eye(k)[yi]) ** 2, axis=2)
        return lambda counts: counts.astype(np.float64, copy=False) @ loss.T / n_rows
    if name == "roc_auc":
        classes = [1] if k == 2 else list(range(k))
        aucs = [[weighted_roc_auc(p[s, :, c], yi == c) for c in classes] for s in range(p.shape[0])]
        return lambda counts: np.stack(
            [np.mean([f(counts) for f in per_seed], axis=0) for per_seed in aucs], axis=1
        )
    raise KeyError(f"no resampled form for metric {name!r}")


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
    metrics: Sequence[str],
    *,
    n_boot: int = 2000,
    seed: int | np.random.Generator = 0,
    confidence: float = 0.95,
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
    fa = {m: prepare_resampled_metric(m, y_true, pred_a) for m in metrics}
    fb = {m: prepare_resampled_metric(m, y_true, pred_b) for m in metrics}
    ones = np.ones((1, n_rows))
    diffs: dict[str, list[np.ndarray]] = {m: [] for m in metrics}
    done = 0
    while done < n_boot:
        size = min(_CHUNK, n_boot - done)
        idx = rng.integers(0, n_rows, size=(size, n_rows))
        flat = (idx + (np.arange(size) * n_rows)[:, None]).ravel()
        counts = np.bincount(flat, minlength=size * n_rows).reshape(size, n_rows)
        counts = counts.astype(np.int16 if n_rows < 2**15 else np.int32)
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
