"""Sizing of the forecasting kind: one training per family at its defaults, and a sample of
search-space configurations, on a built-in forecasting task (1 thread).

Times are wall clock and this process's CPU time (``time.process_time``): with one thread the
CPU time is what a training costs even when other processes share the cores. The estimate of a
default run (``trials`` trials with the default first, then ``seeds`` seeds of the default per
family, on ``workers`` workers) is ``sum over families of (default + (trials - 1) x mean
sampled trial + seeds x default) / workers`` in CPU seconds, ignoring scheduling gaps, the
report and start-up.

    python benchmarks/forecast_sizing.py                  # weather, 3 sampled configs: ~4 min
    python benchmarks/forecast_sizing.py --task nyse
    python benchmarks/forecast_sizing.py --smoke          # < 30 s
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import Recorder, table


def run_one(cls: Any, params: dict[str, Any], prep: Any, seed: int) -> dict[str, Any]:
    from archbench.kinds.forecasting.metrics import METRICS

    w = prep.windows
    wall, cpu = time.perf_counter(), time.process_time()
    model = cls(**params).fit(w["train"], w["val"], prep.info, seed=seed)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    mase = METRICS["mase"].fn
    return {
        "wall_s": round(wall, 2),
        "cpu_s": round(cpu, 2),
        "iters": model.n_iter_,
        "best_iter": model.best_iter_,
        "val_mase": round(model.best_score_, 4),
        "test_mase": round(mase(prep.truth["test"], model.predict(w["test"])), 4),
        "shift_mase": round(mase(prep.truth["shift"], model.predict(w["shift"])), 4),
    }


def main(argv: list[str]) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--task", default="weather", choices=["weather", "nyse"])
    ap.add_argument("--sampled", type=int, default=3, help="search-space configurations/family")
    ap.add_argument("--trials", type=int, default=10)
    ap.add_argument("--seeds", type=int, default=5)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--smoke", action="store_true")
    ap.add_argument("--out", default=None)
    args = ap.parse_args(argv)
    rec = Recorder("forecast_sizing", argv, args.out)

    import optuna
    import torch

    from archbench.kinds.forecasting.metrics import METRICS
    from archbench.kinds.forecasting.models.gbdt import LightGBMForecaster
    from archbench.kinds.forecasting.models.mlp import NHiTSModel
    from archbench.kinds.forecasting.models.patchtst import PatchTSTModel
    from archbench.kinds.forecasting.prepare import prepare
    from archbench.kinds.forecasting.tasks import BUILTINS

    torch.set_num_threads(1)
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    task = BUILTINS[args.task]()
    prep = prepare(task.data, task.split, task.shift)
    families = {"mlp": NHiTSModel, "patchtst": PatchTSTModel, "gbdt": LightGBMForecaster}
    smoke = {"max_epochs": 2} if args.smoke else {}
    rows, estimate = [], 0.0
    for name, cls in families.items():
        extra = ({"max_rounds": 20} if name == "gbdt" else smoke) if args.smoke else {}
        default = run_one(cls, extra, prep, seed=0)
        rows.append({"family": name, "config": "default", **default})
        sampler = optuna.samplers.RandomSampler(seed=0)
        study = optuna.create_study(sampler=sampler)
        sampled = []
        for i in range(0 if args.smoke else args.sampled):
            params = cls.search_space(study.ask())
            sampled.append(run_one(cls, params, prep, seed=i + 1))
            rows.append({"family": name, "config": f"sampled {i}", **sampled[-1]})
        mean_trial = (
            sum(r["cpu_s"] for r in sampled) / len(sampled) if sampled else default["cpu_s"]
        )
        estimate += default["cpu_s"] * (1 + args.seeds) + mean_trial * (args.trials - 1)
    mase = METRICS["mase"].fn
    refs = {
        f"{ref}_{split}_mase": round(mase(prep.truth[split], prep.references[ref][split]), 4)
        for ref in prep.references
        for split in ("val", "test", "shift")
    }
    print(table(rows))
    print(f"estimated default run: {estimate / args.workers:.0f} s of CPU per worker")
    print(refs)
    rec.write(
        task=args.task,
        windows={k: len(w) for k, w in prep.windows.items()},
        runs=rows,
        references=refs,
        estimate_cpu_s_per_worker=round(estimate / args.workers, 1),
        plan={"trials": args.trials, "seeds": args.seeds, "workers": args.workers},
    )


if __name__ == "__main__":
    main(sys.argv[1:])
