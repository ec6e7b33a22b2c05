"""Dependent units in time: block length from the data, joint time blocks, Diebold-Mariano.

Forecast errors of neighbouring origins are autocorrelated and series of one panel share
shocks, so the units of a forecasting split are resampled as blocks of origin *time*, one draw
of time blocks for the whole panel (every series' windows at a drawn time come along, which
keeps the dependence across series), and tested by a Diebold-Mariano test on the cross-series
mean loss differential with a HAC variance.

* :func:`pw_block_length`: Politis & White (2004) automatic block length for the circular
  block bootstrap, with the correction of Patton, Politis & White (2009).
* :func:`time_codes`, :func:`time_means`: origin times -> ``0..T-1`` and per-time means.
* :func:`time_block_counts`: ``(n_boot, n_units)`` circular-block counts over time.
* :func:`dm_test`: the Diebold-Mariano test with a Newey-West (Bartlett) variance and the
  Harvey, Leybourne & Newbold (1997) small-sample correction (Student t, ``T - 1`` df).
* :func:`batch_means_test`: the deciding row-level test, Ibragimov & Mueller's (2010) t-test
  on :data:`N_BATCHES` contiguous batch means of the per-time differential (Student t with
  ``N_BATCHES - 1`` df), with its interval.
* :data:`MIN_BLOCKS`: fewer independent blocks than this and no difference is resolved.

Pure functions over arrays; every draw takes an explicit seed or Generator.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy import stats as st

from archbench.seeding import as_generator

#: Contiguous batches of origin time in :func:`batch_means_test` (t with 3 df).
N_BATCHES = 4
#: Fewer blocks of the chosen length than this along the time axis: too short for inference
#: (each of the :data:`N_BATCHES` batches must hold at least two dependence lengths).
MIN_BLOCKS = 10
_C = 2.0  # Politis-White threshold constant for "negligible" autocorrelations


def _flat_top(t: np.ndarray) -> np.ndarray:
    """The trapezoidal flat-top kernel of Politis & Romano (1995)."""
    a = np.abs(t)
    return np.where(a <= 0.5, 1.0, np.where(a <= 1.0, 2.0 * (1.0 - a), 0.0))


def _autocov(x: np.ndarray, max_lag: int) -> np.ndarray:
    """``(max_lag + 1,)`` autocovariances (divisor ``n``) of the demeaned ``x``."""
    e = x - x.mean()
    n = e.size
    return np.array([e[k:] @ e[: n - k] / n for k in range(max_lag + 1)])


def pw_block_length(x: np.ndarray, *, min_len: int = 1) -> int:
    """Block length for the circular block bootstrap of the mean of the series ``x`` ``(n,)``.

    Politis & White (2004) with Patton, Politis & White's (2009) correction of the circular
    block constant: ``b = (2 G^2 / D)^(1/3) n^(1/3)`` with ``D = 4/3 g^2``, where ``g`` and
    ``G`` are flat-top lag-window estimates of ``sum_k R(k)`` and ``sum_k |k| R(k)``. The
    window is ``M = 2 m``, ``m`` the smallest lag after which ``K = max(5, sqrt(log10 n))``
    autocorrelations in a row are below ``2 sqrt(log10(n) / n)`` (``M`` at most ``sqrt(n) +
    K``). The result is rounded up, capped at ``min(3 sqrt(n), n / 3)`` and never below
    ``min_len`` (the origins that one forecast's targets overlap).
    """
    x = np.asarray(x, dtype=np.float64)
    n = x.size
    floor = max(1, int(min_len))
    if n < 4:
        return max(1, min(floor, n))
    kn = max(5, int(math.sqrt(math.log10(n))))
    mmax = min(n - 1, math.ceil(math.sqrt(n)) + kn)
    bmax = math.ceil(min(3.0 * math.sqrt(n), n / 3.0))
    acv = _autocov(x, mmax)
    if acv[0] <= 0:
        return min(floor, n)
    rho = np.abs(acv[1:] / acv[0])  # lags 1..mmax
    small = rho < _C * math.sqrt(math.log10(n) / n)
    mhat = None
    for m in range(0, mmax - kn + 1):
        if small[m : m + kn].all():
            mhat = m
            break
    if mhat is None:
        big = np.flatnonzero(~small)
        mhat = int(big[-1]) + 1 if big.size else 0
    big_m = min(2 * mhat, mmax)
    if big_m == 0:
        return min(floor, n)
    k = np.arange(1, big_m + 1)
    lam = _flat_top(k / big_m)
    g = acv[0] + 2.0 * float(np.sum(lam * acv[k]))
    big_g = 2.0 * float(np.sum(lam * k * acv[k]))
    if g <= 0:
        return min(max(floor, bmax), n)
    d_cb = 4.0 / 3.0 * g * g
    b = (2.0 * big_g * big_g / d_cb) ** (1.0 / 3.0) * n ** (1.0 / 3.0)
    return int(min(n, max(floor, min(bmax, math.ceil(b)))))


def time_codes(times: np.ndarray) -> np.ndarray:
    """``(n,)`` int64 codes ``0..T-1`` of the units' origin times, in time order.

    ``times`` may be numbers, datetimes or their strings (ISO datetimes, integer steps); equal
    times of different series get the same code.
    """
    t = np.asarray(times)
    if t.dtype.kind in "OUS":
        import pandas as pd

        s = pd.Series(t.astype(str))
        num = pd.to_numeric(s, errors="coerce")
        if num.notna().all():
            t = num.to_numpy()
        else:
            t = pd.to_datetime(s).to_numpy()
    return np.unique(t, return_inverse=True)[1].astype(np.int64).ravel()


def time_means(values: np.ndarray, codes: np.ndarray) -> np.ndarray:
    """``(T,)`` mean of ``values (n,)`` over the units of each time code ``(n,)``."""
    codes = np.asarray(codes)
    t = int(codes.max()) + 1 if codes.size else 0
    sums = np.bincount(codes, weights=np.asarray(values, dtype=np.float64), minlength=t)
    return sums / np.maximum(np.bincount(codes, minlength=t), 1)


def time_block_counts(
    rng: int | np.random.Generator, codes: np.ndarray, block_len: int, n_boot: int
) -> np.ndarray:
    """Circular block bootstrap of origin times, ``(n_boot, n_units)`` int32 counts.

    ``codes`` ``(n_units,)`` are the units' time codes ``0..T-1`` (:func:`time_codes`). Each
    resample draws ``ceil(T / L)`` blocks of ``L = min(block_len, T)`` consecutive times
    (wrapping around the end: Politis & Romano 1992, so every time is equally likely and the
    resampled mean is centred), cut to ``T`` times; every unit at a drawn time gets its
    multiplicity, so all series move together and their dependence is kept.
    """
    if block_len < 1 or n_boot < 1:
        raise ValueError("block_len and n_boot must be >= 1")
    gen = as_generator(rng)
    codes = np.asarray(codes, dtype=np.int64)
    t = int(codes.max()) + 1
    ln = min(int(block_len), t)
    k = -(-t // ln)
    starts = gen.integers(0, t, size=(n_boot, k))
    pos = ((starts[:, :, None] + np.arange(ln)) % t).reshape(n_boot, -1)[:, :t]
    flat = (pos + (np.arange(n_boot) * t)[:, None]).ravel()
    per_time = np.bincount(flat, minlength=n_boot * t).reshape(n_boot, t)
    return per_time[:, codes].astype(np.int32)


def n_blocks(n_times: int, block_len: int) -> float:
    """Independent blocks along the time axis, ``T / L``."""
    return n_times / max(1, block_len)


def too_short(n_times: int, block_len: int) -> bool:
    """True when fewer than :data:`MIN_BLOCKS` blocks fit: no honest interval or test."""
    return n_blocks(n_times, block_len) < MIN_BLOCKS


def too_short_sentence(n_times: int, block_len: int, word: str = "origin times") -> str:
    """The sentence the report prints for a too-short split."""
    return (
        f"Too short for inference: {n_times} {word} hold {n_blocks(n_times, block_len):.1f} "
        f"blocks of {block_len} dependent origins (fewer than {MIN_BLOCKS}), so no difference "
        "is resolved on this set."
    )


@dataclass(frozen=True)
class DifferentialTest:
    """A Student-t test of "mean loss differential 0": the fields both time tests share.

    ``estimate`` is the mean differential, ``se`` its standard error, ``statistic`` compared
    with Student t on ``df``, ``[ci_low, ci_high]`` its interval; ``None`` where the series
    gives no (positive) variance.
    """

    estimate: float
    se: float | None
    statistic: float | None
    p_value: float | None
    ci_low: float | None
    ci_high: float | None
    df: int


@dataclass(frozen=True)
class DieboldMariano(DifferentialTest):
    """Diebold-Mariano test of "equal expected loss" on a loss-differential series.

    ``estimate`` is the mean differential, ``se`` its HAC standard error (Bartlett weights
    up to ``lag``), ``statistic`` the HLN-corrected statistic, compared with Student t on
    ``df = T - 1``; the interval is ``estimate +- t se / hln``. ``block_len`` is the chosen
    dependence length (``lag + 1``); ``too_short`` when fewer than :data:`MIN_BLOCKS` blocks.
    """

    lag: int
    n_times: int
    block_len: int
    too_short: bool
    confidence: float


def hac_variance(d: np.ndarray, lag: int) -> float:
    """Newey-West long-run variance of ``d (T,)``: ``R(0) + 2 sum_{k<=lag} (1 - k/(lag+1)) R(k)``
    with autocovariances around the mean and divisor ``T``."""
    d = np.asarray(d, dtype=np.float64)
    lag = min(int(lag), d.size - 1)
    acv = _autocov(d, max(lag, 0))
    w = 1.0 - np.arange(1, lag + 1) / (lag + 1.0)
    return float(acv[0] + 2.0 * np.sum(w * acv[1 : lag + 1]))


def dm_test(
    d: np.ndarray, *, horizon: int = 1, block_len: int | None = None, confidence: float = 0.95
) -> DieboldMariano:
    """Diebold & Mariano (1995) with Harvey, Leybourne & Newbold's (1997) correction.

    ``d`` ``(T,)``: the loss differential per origin time (A - B; for a panel the mean over
    series at each time, so shocks shared across series are in it). ``horizon``: origins
    that one forecast's targets overlap (``ceil(H / stride)``), the least dependence length.
    ``block_len``: the dependence length; ``None`` chooses it by :func:`pw_block_length`
    (never below ``horizon``). The variance is Newey-West with Bartlett lag ``block_len - 1``
    (``>= horizon - 1``); the statistic ``dbar / se`` is multiplied by
    ``sqrt((T + 1 - 2h + h (h - 1) / T) / T)`` and compared with t on ``T - 1`` df.
    """
    d = np.asarray(d, dtype=np.float64)
    t = d.size
    h = max(1, int(horizon))
    blen = pw_block_length(d, min_len=h) if block_len is None else max(int(block_len), h)
    lag = max(0, min(blen - 1, t - 1))
    short = too_short(t, blen)
    est = float(d.mean()) if t else math.nan
    empty = DieboldMariano(est, None, None, None, None, None, t - 1, lag, t, blen, short,
                           confidence)  # fmt: skip
    if t < 3:
        return empty
    lrv = hac_variance(d, lag)
    if not lrv > 0:
        return empty
    se = math.sqrt(lrv / t)
    hln = math.sqrt(max(t + 1 - 2 * h + h * (h - 1) / t, 1.0) / t)
    stat = est / se * hln
    p = float(2.0 * st.t.sf(abs(stat), t - 1))
    half = float(st.t.ppf(0.5 + confidence / 2, t - 1)) * se / hln
    return DieboldMariano(est, se, stat, p, est - half, est + half, t - 1, lag, t, blen, short,
                          confidence)  # fmt: skip


@dataclass(frozen=True)
class BatchMeans(DifferentialTest):
    """Ibragimov-Mueller batch-means t-test of "mean differential 0" over origin time.

    ``estimate`` is the mean of the ``n_batches`` batch means, ``se`` their standard error
    (``SD / sqrt(K)``), ``statistic = estimate / se`` compared with Student t on ``df = K - 1``,
    and the interval ``estimate +- t se`` (it excludes 0 exactly when ``p_value < 1 -
    confidence``). ``block_len`` is the Politis-White dependence length used for the refusal,
    ``too_short`` when fewer than :data:`MIN_BLOCKS` such blocks fit or a batch is shorter than
    the forecast overlap. ``dm`` is the Diebold-Mariano test on the same series, reported beside.
    """

    n_batches: int
    batch_len: int
    n_times: int
    block_len: int
    too_short: bool
    confidence: float
    dm: DieboldMariano | None = None


def batch_means_test(
    d: np.ndarray,
    *,
    horizon: int = 1,
    n_batches: int = N_BATCHES,
    block_len: int | None = None,
    confidence: float = 0.95,
) -> BatchMeans:
    """Ibragimov & Mueller (2010): t-test on ``K`` contiguous batch means of ``d`` ``(T,)``.

    ``d`` is the loss differential per origin time (for a panel the mean over series at each
    time, so shocks shared across series stay in every batch mean). The time axis is cut into
    ``K = n_batches`` contiguous batches of (almost) equal length; when the dependence is short
    against a batch, the batch means are nearly independent and nearly normal, and the t
    statistic on them is (conservatively, for a level <= 0.083: Bakirov & Szekely 2006) t with
    ``K - 1`` df whatever the variances of the batches. ``block_len`` (default:
    :func:`pw_block_length`, ``>= horizon``) only decides ``too_short``; :func:`dm_test` at
    that length is attached as ``dm``.
    """
    d = np.asarray(d, dtype=np.float64)
    t = d.size
    h, k = max(1, int(horizon)), int(n_batches)
    blen = pw_block_length(d, min_len=h) if block_len is None else max(int(block_len), h)
    short = too_short(t, blen) or t < k * h
    dm = dm_test(d, horizon=h, block_len=blen, confidence=confidence) if t >= 3 else None
    est = float(d.mean()) if t else math.nan
    if t < k:
        return BatchMeans(est, None, None, None, None, None, k - 1, k, 0, t, blen, True,
                          confidence, dm)  # fmt: skip
    edges = np.linspace(0, t, k + 1).round().astype(np.int64)
    means = np.add.reduceat(d, edges[:-1]) / np.diff(edges)
    est = float(means.mean())
    se = float(means.std(ddof=1)) / math.sqrt(k)
    blk = t // k
    if not se > 0:
        return BatchMeans(est, None, None, None, None, None, k - 1, k, blk, t, blen, short,
                          confidence, dm)  # fmt: skip
    stat = est / se
    p = float(2.0 * st.t.sf(abs(stat), k - 1))
    half = float(st.t.ppf(0.5 + confidence / 2, k - 1)) * se
    return BatchMeans(est, se, stat, p, est - half, est + half, k - 1, k, blk, t, blen, short,
                      confidence, dm)  # fmt: skip
