"""False positives of the seed-and-row test under skewed seed noise plus test-set noise.

A deterministic family (the same score in every seed) against one whose seed noise is skewed,
no true difference (issue 23, point 3). Per experiment the per-seed differences are
``d_i = r + k * e_i``: ``r ~ N(0, 1)`` is the test-set draw shared by every seed (its SE is
what the row bootstrap estimates; given here with a 5% estimation jitter) and ``e_i`` the
standardised seed noise (normal, centred exponential, centred lognormal sigma = 1, the long
tail on the bad side). ``k`` is the seed SD over the row SE. Every experiment goes through the
public functions (``paired_comparison``, ``seed_row_test``, ``normality_caveat``); "welch"
recomputes the same test with the plain Welch-Satterthwaite df (the rule before issue 23).

Columns: ``fpr`` the decision's false-positive rate, ``fpr_welch`` the old rule's,
``uncaveated`` the share of experiments resolved *without* the normality caveat (what a
reader is told without a warning).

    python benchmarks/skewed_seed_row.py                  # 2,000 experiments per cell: ~1 min
    python benchmarks/skewed_seed_row.py --alpha 0.1      # the same at confidence 0.90
    python benchmarks/skewed_seed_row.py --smoke          # 100 per cell
"""

from __future__ import annotations

import argparse
import math
import sys
from pathlib import Path
from typing import Any

import numpy as np
from scipy import stats as st

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import Recorder, table

from archbench import stats as S

N_SEEDS = 5


def seed_noise(rng: np.random.Generator, kind: str, size: tuple[int, int]) -> np.ndarray:
    """Standardised seed noise (mean 0, SD 1); the skewed ones have their long tail negative."""
    if kind == "normal":
        return rng.standard_normal(size)
    if kind == "exponential":
        return 1.0 - rng.exponential(1.0, size)
    x = rng.lognormal(0.0, 1.0, size)
    return -(x - math.exp(0.5)) / math.sqrt((math.e - 1.0) * math.e)


def cell(rng: np.random.Generator, kind: str, k: float, reps: int, alpha: float) -> dict[str, Any]:
    row_se = 0.0025
    r = rng.standard_normal(reps) * row_se
    d = r[:, None] + k * row_se * seed_noise(rng, kind, (reps, N_SEEDS))
    jitter = np.exp(rng.normal(0.0, 0.05, reps))
    fixed = np.full(N_SEEDS, 0.8)
    new = old = plain = 0
    for i in range(reps):
        comp = S.paired_comparison(0.8 + d[i], fixed, confidence=1 - alpha)
        boot = S.RowBootstrap("m", float(d[i].mean()), None, None, 0, 0, 300, 1 - alpha,
                              se=row_se * float(jitter[i]))  # fmt: skip
        test = S.seed_row_test(comp, boot, S.PAIR_METHOD)
        dec = S.Decision("confirmatory", S.COMBINED_TEST, test.p_value, alpha)
        new += dec.resolved
        plain += dec.resolved and not S.normality_caveat(comp, dec, test)
        assert comp.sd_diff is not None and test.se is not None and comp.t_pvalue is not None
        sv = comp.sd_diff**2 / N_SEEDS
        df = test.se**4 / (sv**2 / (N_SEEDS - 1))
        p = max(float(2 * st.t.sf(abs(test.estimate or 0.0) / test.se, df)), comp.t_pvalue)
        old += p < alpha
    return {"noise": kind, "k": k, "alpha": alpha, "reps": reps, "fpr": new / reps,
            "fpr_welch": old / reps, "uncaveated": plain / reps}  # fmt: skip


def main(argv: list[str]) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--reps", type=int, default=2000)
    ap.add_argument("--alpha", type=float, default=0.05)
    ap.add_argument("--smoke", action="store_true")
    ap.add_argument("--out", default=None)
    args = ap.parse_args(argv)
    rec = Recorder("skewed_seed_row", argv, args.out)
    reps = 100 if args.smoke else args.reps
    rng = np.random.default_rng(2323)
    rows = [
        cell(rng, kind, k, reps, alpha)
        for alpha in (args.alpha,)
        for kind in ("normal", "exponential", "lognormal")
        for k in (1.0, 2.0, 3.0, 4.0, 8.0)
    ]
    print(table(rows))
    rec.write(smoke=args.smoke, rows=rows)


if __name__ == "__main__":
    main(sys.argv[1:])
