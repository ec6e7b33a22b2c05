"""Scaling: total ``archbench run`` time against training rows and against trials, on flights.

Two sweeps, each run of ``archbench run --spec S --no-report`` timed from the outside exactly as
in ``end_to_end.py`` (wall, CPU utilisation, peak RSS of the process tree, harness overhead):

- rows: 5,000 / 20,000 / 80,000 training rows, 1 trial per family (the default configuration)
  and 2 final seeds (the least archbench accepts);
- trials: 2 / 4 / 8 trials per family at 5,000 training rows, 2 final seeds.

Both sweeps use the quick preset's epoch and round caps (MLP 8 epochs, FT-Transformer 4, LightGBM
200 rounds) and its 1,000-row validation, test and shift sets, so that the 80,000-row point fits
in a few minutes; time per epoch is linear in rows, so the preset times scale from these.

    python benchmarks/scaling.py            # ~6 min on 2 cores
    python benchmarks/scaling.py --smoke    # < 1 min, for the tests
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import Recorder, table
from end_to_end import run_once


def spec_toml(rows: int, trials: int, seeds: int, epochs: dict[str, int] | None = None) -> str:
    e = epochs or {"mlp": 8, "ft_transformer": 4, "gbdt": 200}
    return f"""preset = "quick"
[task]
name = "flights"
[split]
max_train_rows = {rows}
[budget]
trials = {trials}
batch = 2
startup_trials = {min(trials, 2)}
[seeds]
count = {seeds}
[families.mlp]
max_epochs = {e["mlp"]}
[families.ft_transformer]
max_epochs = {e["ft_transformer"]}
[families.gbdt]
max_rounds = {e["gbdt"]}
[report]
enabled = false
"""


def point(
    base: Path, name: str, rows: int, trials: int, seeds: int, epochs: dict[str, int] | None = None
) -> dict[str, Any]:
    spec = base / f"{name}.toml"
    spec.write_text(spec_toml(rows, trials, seeds, epochs))
    load0 = os.getloadavg()[0]
    r = run_once(["--spec", str(spec), "--no-report"], base / name)
    row = {"sweep": name.split("-")[0], "train_rows": rows, "trials": trials, "seeds": seeds}
    row.update(
        {
            k: r[k]
            for k in (
                "wall_s",
                "cpu_util",
                "peak_rss_gib",
                "overhead",
                "before_units_s",
                "units_phase_s",
                "model_s",
            )
        }
    )
    row["unit_wall_by_family_s"] = r["unit_wall_by_family_s"]
    row["load_1min_start"], row["load_1min_end"] = load0, os.getloadavg()[0]
    print(f"{name}: {r['wall_s']:.1f} s", flush=True)
    return row


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--smoke", action="store_true", help="one 500-row point, 1 epoch (< 1 min)")
    ap.add_argument("--rows", default="5000,20000,80000")
    ap.add_argument("--trials", default="2,4,8")
    ap.add_argument("--out", help="JSON path (default benchmarks/results/scaling.json)")
    args = ap.parse_args(argv)
    raw_argv = list(argv if argv is not None else sys.argv[1:])
    rec = Recorder("scaling", raw_argv, args.out)
    base = Path(tempfile.mkdtemp(prefix="archbench-scaling-"))
    rows_out: list[dict[str, Any]] = []
    try:
        if args.smoke:
            rows_out.append(
                point(base, "rows-500", 500, 1, 2, {"mlp": 1, "ft_transformer": 1, "gbdt": 20})
            )
        else:
            for n in (int(x) for x in args.rows.split(",")):
                rows_out.append(point(base, f"rows-{n}", n, 1, 2))
            for t in (int(x) for x in args.trials.split(",")):
                rows_out.append(point(base, f"trials-{t}", 5000, t, 2))
    finally:
        shutil.rmtree(base, ignore_errors=True)
    print(
        table(
            rows_out,
            [
                "sweep",
                "train_rows",
                "trials",
                "seeds",
                "wall_s",
                "cpu_util",
                "peak_rss_gib",
                "before_units_s",
                "units_phase_s",
            ],
        )
    )
    rec.write(
        smoke=args.smoke,
        setup={
            "task": "flights",
            "caps": "quick preset epochs/rounds and eval-set sizes",
            "spec": spec_toml(0, 0, 0),
        },
        rows=rows_out,
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
