"""The row bootstrap's ranking metrics: read at the positive groups vs running sums over all rows.

    python benchmarks/stats_ranks.py [--rows 4000 12000 40000] [--repeats 5] [--out PATH]

The statistics resample the evaluation rows 2,000 times (``counts (B, n)``) and score every
family's seeds on each resample. Average precision and recall at 1% FPR are read from integer
counts at the tied-score groups that hold a positive
(``archbench.kinds.common.ranks.PositiveSteps``); the same counts as floats take the running
sums over every row in float64, which is what the previous code did for every count (it
converted them first), with the same values (``tests/kinds/common/test_ranks.py``). This
times both on one chunk of 250 resamples of 5 seeds, in the same process, alternating, and
reports the median ratio (old / new) per metric, evaluation-set size and positive share. A
ratio, not a time: this machine's speed drifts between runs. (ROC-AUC's previous integer path
ran int32 running sums, faster than its float path; it takes the positive groups only where
positives are at most a tenth of the rows, docs/benchmarks.md section 13.)
"""

from __future__ import annotations

import argparse
import sys
import time

import numpy as np
from _common import Recorder, median, table

from archbench.kinds.common import imbalanced as im
from archbench.stats.resampling import iid_counts

METRICS = ("average_precision", "recall_at_1pct_fpr")


def _timed(f, counts: np.ndarray) -> float:  # type: ignore[no-untyped-def]
    t = time.perf_counter()
    f(counts)
    return time.perf_counter() - t


def main(argv: list[str]) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, nargs="+", default=[4_000, 12_000, 40_000])
    ap.add_argument("--rates", type=float, nargs="+", default=[0.01, 0.1, 0.5])
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--smoke", action="store_true", help="one small size, one repeat (tests)")
    ap.add_argument("--out")
    args = ap.parse_args(argv)
    if args.smoke:
        args.rows, args.rates, args.repeats = [2_000], [0.02], 1
    rec = Recorder("stats_ranks", argv, args.out)
    rng = np.random.default_rng(0)
    rows = []
    for n in args.rows:
        counts = iid_counts(rng, 250, n)
        as_float = counts.astype(np.float64)
        for rate in args.rates:
            y = (rng.random(n) < rate).astype(np.int64)
            logit = rng.normal(size=(5, n)) + 1.5 * y
            p1 = np.round(1 / (1 + np.exp(-logit)), 4)  # some ties, as stored probabilities
            p = np.stack([1 - p1, p1], axis=2)
            for name in METRICS:
                f = im.resampled(name, y, p)
                np.testing.assert_array_equal(f(counts), f(as_float))  # same values
                new, old = [], []
                for _ in range(args.repeats):
                    new.append(_timed(f, counts))
                    old.append(_timed(f, as_float))
                rows.append({
                    "rows": n, "positive_share": rate, "metric": name,
                    "new_ms": round(1e3 * median(new), 1), "old_ms": round(1e3 * median(old), 1),
                    "ratio": round(median([o / w for o, w in zip(old, new, strict=True)]), 2),
                })  # fmt: skip
    print(table(rows))
    rec.write(smoke=args.smoke, chunk=250, seeds=5, repeats=args.repeats, results=rows)


if __name__ == "__main__":
    main(sys.argv[1:])
