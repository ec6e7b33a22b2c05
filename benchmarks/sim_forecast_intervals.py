"""Coverage and false positives of the forecasting row statistics under autocorrelated,
cross-correlated forecast-error differences with no true difference (issue 23, point 1).

Each replication simulates a panel of per-window loss differentials ``d[s, t]`` (series x
origin times) with mean 0: AR(1) over time, optionally with a shock shared by every series
(half the variance). Five procedures give a 95% interval of the mean and a test of "mean 0":

* ``old``: circular blocks of ``ceil(sqrt(m))`` origins drawn within each series
  (``kinds.forecasting.metrics.block_counts``), percentile interval;
* ``blocks``: one draw of circular blocks of origin time for the whole panel, block length by
  Politis-White on the cross-series mean (``stats.timeblocks``), percentile interval; a split
  with fewer than ``MIN_BLOCKS`` blocks refuses (counted as not rejecting);
* ``dm``: Diebold-Mariano on the cross-series mean with a Newey-West variance at the same
  Politis-White length, HLN correction, t on T - 1 df; refuses like ``blocks``;
* ``kvb``: Kiefer, Vogelsang & Bunzel (2000) fixed-b: the Bartlett long-run variance with the
  bandwidth at the whole sample (b = 1) and its fixed-b critical value (4.77 at 5% for this
  normalisation, simulated below from the Cramer-von Mises series of the Brownian bridge);
  refuses like ``blocks``;
* ``batch``: the forecasting kind's deciding row test, Ibragimov & Mueller's (2010) t-test on
  ``N_BATCHES`` contiguous batch means of the cross-series mean (``batch_means_test``),
  interval ``mean +- t se``; refuses like ``blocks``.

``*_width`` is the mean interval width over the oracle width ``2 z se_true`` (the true SD of
the mean of the simulated process): 1 is an oracle, larger is more conservative.
Coverage counts every replication (an interval is computed even where the verdict refuses);
false positives count rejections of a resolved (not refused) test.

    # the docs table (~3 CPU min): tests on 4000 runs, bootstrap columns on the first 300
    python benchmarks/sim_forecast_intervals.py --reps 4000 --boot 400 --boot-reps 300
    python benchmarks/sim_forecast_intervals.py --reps 100 --boot 300   # ~15 CPU s
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

import numpy as np
from scipy import optimize
from scipy import stats as st

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import Recorder, table

from archbench.kinds.forecasting.metrics import block_counts, default_block_len
from archbench.stats.timeblocks import (
    batch_means_test,
    pw_block_length,
    time_block_counts,
    time_means,
    too_short,
)

#: (name, series, origins, phi, shared-shock share of variance)
SETTINGS: tuple[tuple[str, int, int, float, float], ...] = (
    ("1x400 phi 0.6", 1, 400, 0.6, 0.0),
    ("1x400 phi 0.9", 1, 400, 0.9, 0.0),
    ("1x50 phi 0.6", 1, 50, 0.6, 0.0),
    ("1x50 phi 0.9", 1, 50, 0.9, 0.0),
    ("10x40 phi 0.6", 10, 40, 0.6, 0.0),
    ("10x40 phi 0.9", 10, 40, 0.9, 0.0),
    ("10x40 shared phi 0.3", 10, 40, 0.3, 0.5),
    ("10x40 shared phi 0.9", 10, 40, 0.9, 0.5),
    ("10x400 shared phi 0.6", 10, 400, 0.6, 0.5),
)


def kvb_critical_value(alpha: float = 0.05, draws: int = 200_000, seed: int = 0) -> float:
    """Two-sided fixed-b critical value of ``dbar / sqrt(LRV / T)`` for the Bartlett kernel at
    bandwidth ``T``: the limit is ``Z / sqrt(2 int B^2)`` (``B`` a Brownian bridge independent
    of ``Z``, ``int B^2 = sum_k Z_k^2 / (k pi)^2``), so ``P(|t| > c) = E 2 Phi(-c sqrt(Q))``."""
    rng = np.random.default_rng(seed)
    k = np.arange(1, 201)
    q = 2.0 * (rng.standard_normal((draws, k.size)) ** 2 / (np.pi * k) ** 2).sum(axis=1)
    q += 2.0 / (np.pi**2 * k.size)  # the series' tail, at its mean

    def size(c: float) -> float:
        return float(np.mean(2.0 * st.norm.sf(c * np.sqrt(q)))) - alpha

    return float(optimize.brentq(size, 1.0, 40.0))


def batch_size_exact(t: int, phi: float, k: int, draws: int = 400_000, seed: int = 0) -> float:
    """Rejection rate at 5% of the batch-means t-test on one stationary Gaussian AR(1) series
    of ``t`` times, from the exact covariance of its ``k`` batch means (no series simulated)."""
    idx = np.arange(t)
    cov = phi ** np.abs(idx[:, None] - idx[None, :])
    edges = np.linspace(0, t, k + 1).round().astype(np.int64)
    a = np.zeros((k, t))
    for i in range(k):
        a[i, edges[i] : edges[i + 1]] = 1.0 / (edges[i + 1] - edges[i])
    z = (
        np.random.default_rng(seed).standard_normal((draws, k))
        @ np.linalg.cholesky(a @ cov @ a.T).T
    )
    stat = z.mean(axis=1) / (z.std(axis=1, ddof=1) / np.sqrt(k))
    return float(np.mean(np.abs(stat) > st.t.ppf(0.975, k - 1)))


def oracle_width(k: int, t: int, phi: float, shared: float) -> float:
    """``2 z_0.975 SD`` of the cross-series mean over time of :func:`panel`'s process."""
    v = ((1 + phi) / (1 - phi) - 2 * phi * (1 - phi**t) / (t * (1 - phi) ** 2)) / t
    var = v * ((1 - shared) / k + shared) if shared > 0 else v / k
    return float(2 * st.norm.ppf(0.975) * np.sqrt(var))


def kvb_t(d: np.ndarray) -> float:
    """``dbar / sqrt(LRV / T)`` with the Bartlett LRV at bandwidth T: ``2 sum S_t^2 / T^2``."""
    n = d.size
    s = np.cumsum(d - d.mean())
    return float(d.mean() / np.sqrt(2.0 * (s[:-1] ** 2).sum() / n**2 / n))


def ar1(rng: np.random.Generator, shape: tuple[int, int], phi: float) -> np.ndarray:
    """``shape = (k, T)`` stationary AR(1) paths with unit variance."""
    k, t = shape
    e = rng.standard_normal((k, t))
    x = np.empty((k, t))
    x[:, 0] = e[:, 0]
    s = np.sqrt(1.0 - phi * phi)
    for i in range(1, t):
        x[:, i] = phi * x[:, i - 1] + s * e[:, i]
    return x


def panel(
    rng: np.random.Generator, n_series: int, n_t: int, phi: float, shared: float
) -> np.ndarray:
    """``(n_series, n_t)`` differentials: AR(1) idiosyncratic part plus a shared AR(1) shock."""
    own = ar1(rng, (n_series, n_t), phi)
    if shared <= 0:
        return own
    common = ar1(rng, (1, n_t), phi)
    return np.sqrt(1.0 - shared) * own + np.sqrt(shared) * common


def _percentile(means: np.ndarray) -> tuple[float, float, float]:
    lo, hi = np.quantile(means, [0.025, 0.975])
    p = min(1.0, 2.0 * min(float(np.mean(means <= 0)), float(np.mean(means >= 0))))
    return float(lo), float(hi), p


def one(
    rng: np.random.Generator, setting: tuple[str, int, int, float, float], boot: int, cv: float
) -> dict[str, Any]:
    _, k, t, phi, shared = setting
    d = panel(rng, k, t, phi, shared)
    x = d.ravel()  # series-major: units of one series in time order
    groups = np.repeat(np.arange(k), t)
    codes = np.tile(np.arange(t), k)
    dt = time_means(x, codes)
    blen = pw_block_length(dt, min_len=1)
    refuse = too_short(t, blen)
    out: dict[str, Any] = dict.fromkeys(
        ("old_cover", "old_reject", "blocks_cover", "blocks_reject"), np.nan
    )
    if boot > 0:
        old = block_counts(rng, groups, default_block_len(groups), boot)
        lo, hi, p = _percentile(old @ x / x.size)
        out.update(old_cover=lo <= 0 <= hi, old_reject=p < 0.05)
        c = time_block_counts(rng, codes, blen, boot)
        lo, hi, p = _percentile(c @ x / c.sum(axis=1))
        out.update(blocks_cover=lo <= 0 <= hi, blocks_reject=(p < 0.05) and not refuse)
    bm = batch_means_test(dt, horizon=1, block_len=blen)
    dm = bm.dm
    assert dm is not None
    cover = dm.ci_low is not None and dm.ci_low <= 0 <= dm.ci_high  # type: ignore[operator]
    rej = dm.p_value is not None and dm.p_value < 0.05 and not dm.too_short
    out.update(dm_cover=cover, dm_reject=rej, refused=refuse, block_len=blen)
    cover = bm.ci_low is not None and bm.ci_low <= 0 <= bm.ci_high  # type: ignore[operator]
    rej = bm.p_value is not None and bm.p_value < 0.05 and not bm.too_short
    out.update(batch_cover=cover, batch_reject=rej)
    kt = kvb_t(dt)
    out.update(kvb_cover=abs(kt) <= cv, kvb_reject=abs(kt) > cv and not refuse)
    ow = oracle_width(k, t, phi, shared)
    out.update(
        dm_width=(dm.ci_high - dm.ci_low) / ow if dm.ci_low is not None else np.nan,  # type: ignore[operator]
        batch_width=(bm.ci_high - bm.ci_low) / ow if bm.ci_low is not None else np.nan,  # type: ignore[operator]
        kvb_width=2 * cv * abs(float(dt.mean()) / kt) / ow if kt != 0 else np.nan,
    )
    return out


def run(reps: int, boot: int, seed: int, boot_reps: int | None = None) -> list[dict[str, Any]]:
    """Every setting's row; the bootstrap columns (``old``, ``blocks``) only on the first
    ``boot_reps`` replications of each setting (default: all)."""
    rows = []
    cv = kvb_critical_value(0.05)
    nb = reps if boot_reps is None else min(boot_reps, reps)
    for i, s in enumerate(SETTINGS):
        rng = np.random.default_rng([seed, i])
        res = [one(rng, s, boot if j < nb else 0, cv) for j in range(reps)]
        row: dict[str, Any] = {"setting": s[0]}
        for key in ("old", "blocks", "dm", "kvb", "batch"):
            cov = [float(r[f"{key}_cover"]) for r in res]
            rej = [float(r[f"{key}_reject"]) for r in res]
            row[f"{key}_coverage"] = round(float(np.nanmean(cov)), 3)
            row[f"{key}_fp"] = round(float(np.nanmean(rej)), 3)
        for key in ("dm", "kvb", "batch"):
            row[f"{key}_width"] = round(float(np.nanmean([r[f"{key}_width"] for r in res])), 2)
        row["refused"] = round(float(np.mean([r["refused"] for r in res])), 3)
        row["median_block"] = float(np.median([r["block_len"] for r in res]))
        rows.append(row)
    return rows


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--reps", type=int, default=2000)
    ap.add_argument("--boot", type=int, default=999)
    ap.add_argument("--seed", type=int, default=2023)
    ap.add_argument(
        "--boot-reps",
        type=int,
        default=None,
        help="bootstrap columns (old, blocks) on the first N replications only (default: all)",
    )
    ap.add_argument("--out", default=None)
    ap.add_argument("--exact", action="store_true", help="print the exact batch-test sizes")
    args = ap.parse_args(argv)
    if args.exact:
        for phi in (0.6, 0.9):
            sizes = {k: round(batch_size_exact(400, phi, k), 4) for k in (3, 4, 5, 6, 8)}
            print(f"1x400 phi {phi}: batches -> size {sizes}")
        return 0
    rec = Recorder("sim_forecast_intervals", sys.argv if argv is None else argv, args.out)
    rows = run(args.reps, args.boot, args.seed, args.boot_reps)
    print(table(rows))
    rec.write(reps=args.reps, boot=args.boot, boot_reps=args.boot_reps, seed=args.seed, rows=rows)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
