"""Compare the stored numbers of two run directories (a refactor must not change any of them).

    python benchmarks/compare_runs.py RUN_A RUN_B

results.parquet, summary.csv, comparisons.csv, stats.json and predictions.parquet: identical
bytes, or equal to 1e-12 (timing columns of trials.parquet excepted). Exit 1 on any
difference, listing it. Used to check that the kind seam left every tabular number unchanged:
the same `archbench run --task T [--preset quick] --out DIR` at two commits (for example with
`git worktree add` and PYTHONPATH=<worktree>/src), then this script on the two directories.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import pandas as pd

FILES = (
    "results.parquet",
    "summary.csv",
    "comparisons.csv",
    "stats.json",
    "predictions.parquet",
    "trials.parquet",
)
TIMINGS = ("wall_s", "cpu_s", "fit_s", "started_at", "ended_at")


def _frames_equal(a: pd.DataFrame, b: pd.DataFrame) -> str:
    a = a.drop(columns=[c for c in TIMINGS if c in a])
    b = b.drop(columns=[c for c in TIMINGS if c in b])
    try:
        pd.testing.assert_frame_equal(a, b, rtol=1e-12, atol=1e-12)
    except AssertionError as exc:
        return str(exc).splitlines()[0]
    return ""


def _json_diffs(x: Any, y: Any, path: str = "") -> list[str]:
    if isinstance(x, dict) and isinstance(y, dict):
        out = [f"key {path}/{k}" for k in sorted(set(x) ^ set(y), key=str)]
        for k in set(x) & set(y):
            out += _json_diffs(x[k], y[k], f"{path}/{k}")
        return out
    if isinstance(x, list) and isinstance(y, list) and len(x) == len(y):
        return [
            d
            for i, (u, v) in enumerate(zip(x, y, strict=True))
            for d in _json_diffs(u, v, f"{path}[{i}]")
        ]
    both_num = all(isinstance(v, int | float) and not isinstance(v, bool) for v in (x, y))
    if both_num and abs(x - y) <= 1e-12 * max(1.0, abs(x)):
        return []
    return [] if x == y else [f"value {path}: {x!r} != {y!r}"]


def compare(a: Path, b: Path) -> list[str]:
    """Differences between the stored numbers of run directories ``a`` and ``b``."""
    out = []
    for name in FILES:
        pa, pb = a / name, b / name
        if not (pa.exists() and pb.exists()):
            out.append(f"{name}: missing")
            continue
        if pa.read_bytes() == pb.read_bytes():
            continue
        if name.endswith(".parquet"):
            why = _frames_equal(pd.read_parquet(pa), pd.read_parquet(pb))
        elif name.endswith(".csv"):
            why = _frames_equal(pd.read_csv(pa), pd.read_csv(pb))
        else:
            why = "; ".join(_json_diffs(json.loads(pa.read_text()), json.loads(pb.read_text())))
        if why:
            out.append(f"{name}: {why}")
    return out


def main() -> int:
    if len(sys.argv) != 3:
        print(__doc__)
        return 2
    diffs = compare(Path(sys.argv[1]), Path(sys.argv[2]))
    print("\n".join(diffs) if diffs else "equal: every stored number matches")
    return 1 if diffs else 0


if __name__ == "__main__":
    raise SystemExit(main())
