"""Coverage and false positives of the forecasting row statistics under autocorrelated,
cross-correlated forecast-error differences with no true difference (issue 23, point 1).

Each replication simulates a panel of per-window loss differentials ``d[s, t]`` (series x
origin times) with mean 0: AR(1) over time, optionally with a shock shared by every series
(half the variance). Three procedures give a 95% interval of the mean and a test of "mean 0":

* ``old``: circular blocks of ``ceil(sqrt(m))`` origins drawn within each series
  (``kinds.forecasting.metrics.block_counts``), percentile interval;
* ``blocks``: one draw of circular blocks of origin time for the whole panel, block length by
  Politis-White on the cross-series mean (``stats.timeblocks``), percentile interval; a split
  with fewer than ``MIN_BLOCKS`` blocks refuses (counted as not rejecting);
* ``dm``: Diebold-Mariano on the cross-series mean with a Newey-West variance at the same
  Politis-White length, HLN correction, t on T - 1 df; refuses like ``blocks``.

Coverage counts every replication (an interval is computed even where the verdict refuses);
false positives count rejections of a resolved (not refused) test.

    python benchmarks/sim_forecast_intervals.py --reps 300 --boot 400   # the docs table: ~1 CPU min
    python benchmarks/sim_forecast_intervals.py --reps 100 --boot 300   # ~15 CPU s
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import Recorder, table

from archbench.kinds.forecasting.metrics import block_counts, default_block_len
from archbench.stats.timeblocks import (
    dm_test,
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
    rng: np.random.Generator, setting: tuple[str, int, int, float, float], boot: int
) -> dict[str, Any]:
    _, k, t, phi, shared = setting
    d = panel(rng, k, t, phi, shared)
    x = d.ravel()  # series-major: units of one series in time order
    groups = np.repeat(np.arange(k), t)
    codes = np.tile(np.arange(t), k)
    old = block_counts(rng, groups, default_block_len(groups), boot)
    lo, hi, p = _percentile(old @ x / x.size)
    out = {"old_cover": lo <= 0 <= hi, "old_reject": p < 0.05}
    dt = time_means(x, codes)
    blen = pw_block_length(dt, min_len=1)
    refuse = too_short(t, blen)
    c = time_block_counts(rng, codes, blen, boot)
    lo, hi, p = _percentile(c @ x / c.sum(axis=1))
    out.update(blocks_cover=lo <= 0 <= hi, blocks_reject=(p < 0.05) and not refuse)
    dm = dm_test(dt, horizon=1, block_len=blen)
    cover = dm.ci_low is not None and dm.ci_low <= 0 <= dm.ci_high  # type: ignore[operator]
    rej = dm.p_value is not None and dm.p_value < 0.05 and not dm.too_short
    out.update(dm_cover=cover, dm_reject=rej, refused=refuse, block_len=blen)
    return out


def run(reps: int, boot: int, seed: int) -> list[dict[str, Any]]:
    rows = []
    for i, s in enumerate(SETTINGS):
        rng = np.random.default_rng([seed, i])
        res = [one(rng, s, boot) for _ in range(reps)]
        row: dict[str, Any] = {"setting": s[0]}
        for key in ("old", "blocks", "dm"):
            row[f"{key}_coverage"] = round(float(np.mean([r[f"{key}_cover"] for r in res])), 3)
            row[f"{key}_fp"] = round(float(np.mean([r[f"{key}_reject"] for r in res])), 3)
        row["refused"] = round(float(np.mean([r["refused"] for r in res])), 3)
        row["median_block"] = float(np.median([r["block_len"] for r in res]))
        rows.append(row)
    return rows


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--reps", type=int, default=2000)
    ap.add_argument("--boot", type=int, default=999)
    ap.add_argument("--seed", type=int, default=2023)
    ap.add_argument("--out", default=None)
    args = ap.parse_args(argv)
    rec = Recorder("sim_forecast_intervals", sys.argv if argv is None else argv, args.out)
    rows = run(args.reps, args.boot, args.seed)
    print(table(rows))
    rec.write(reps=args.reps, boot=args.boot, seed=args.seed, rows=rows)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
