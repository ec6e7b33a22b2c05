"""One training of each text family at its default settings on the built-in clothing reviews.

For each family (1 thread, CPU) at the ``--preset``'s split caps, epoch/round caps and tuning
subsample: a final-seed fit on the (capped) training split and a tuning trial on the subsample
(early stopping on the whole validation split),
wall and CPU seconds, epochs/rounds, and the test/shift primary metric. From these the wall
time of the default text plan (``--trials`` trials on the subsample + ``--seeds`` seeds on all
of train per family, ``--workers`` workers) is estimated as the sum of unit times / workers,
plus the reference rows. The CPU time is reported because this machine is shared: the
wall time of a unit depends on the other processes, its CPU time much less.

    PYTHONPATH=src python benchmarks/text_default_fit.py [--preset default]
"""

from __future__ import annotations

import argparse
import sys
import time
from typing import Any

import torch
from _common import Recorder, table

from archbench.kinds.text.data import TextInfo
from archbench.kinds.text.metrics import primary
from archbench.kinds.text.models.encoder import TextEncoderModel
from archbench.kinds.text.models.gbdt import TextLightGBMModel
from archbench.kinds.text.models.mlp import TextMLPModel
from archbench.kinds.text.presets import PRESETS
from archbench.kinds.text.references import references
from archbench.kinds.text.splits import split_text
from archbench.kinds.text.tasks import load

FAMILIES = {"mlp": TextMLPModel, "encoder": TextEncoderModel, "gbdt": TextLightGBMModel}


def _timed(
    cls: type, fixed: dict[str, Any], train: Any, val: Any, info: TextInfo, seed: int
) -> tuple[Any, float, float]:
    w0, c0 = time.perf_counter(), time.process_time()
    model = cls(**fixed).fit(train, val, info, seed=seed)
    return model, time.perf_counter() - w0, time.process_time() - c0


def main(argv: list[str]) -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--preset", default="default", choices=sorted(PRESETS))
    ap.add_argument("--trials", type=int, default=10)
    ap.add_argument("--seeds", type=int, default=5)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--families", default="mlp,encoder,gbdt")
    ap.add_argument("--out", default=None)
    args = ap.parse_args(argv)
    rec = Recorder("text_default_fit", argv, args.out)
    torch.set_num_threads(1)
    preset = PRESETS[args.preset]
    args.tune_rows = preset["budget"].get("tune_max_rows", 0)
    caps = {s: preset["split"][f"max_{s}_rows"] for s in ("train", "val", "test", "shift")}
    data = load()
    splits = split_text(data, seed=0, caps=caps)
    parts = {s: splits.part(data, s) for s in splits.rows}
    info = TextInfo(data.classes)
    spec = primary(info.n_classes)
    rows = []
    for name in args.families.split(","):
        cls = FAMILIES[name]
        fam = preset["families"][name]
        fixed = {k: v for k, v in fam.items() if k != "params"} | fam.get("params", {})
        sub = parts["train"].subsample(args.tune_rows, seed=0)
        _, trial_wall, trial_cpu = _timed(cls, fixed, sub, parts["val"], info, seed=1)
        model, wall, cpu = _timed(cls, fixed, parts["train"], parts["val"], info, seed=1)
        rows.append(
            {
                "family": name,
                "trial_wall_s": trial_wall,
                "trial_cpu_s": trial_cpu,
                "fit_wall_s": wall,
                "fit_cpu_s": cpu,
                "epochs": model.n_iter_,
                "best": model.best_iter_,
                f"test_{spec.name}": spec.fn(parts["test"].y, model.predict(parts["test"])),
                f"shift_{spec.name}": spec.fn(parts["shift"].y, model.predict(parts["shift"])),
            }
        )
        print(table([rows[-1]]), flush=True)
    c0, w0 = time.process_time(), time.perf_counter()
    references(parts["train"], parts["val"], info, seed=0)
    ref_cpu, ref_wall = time.process_time() - c0, time.perf_counter() - w0
    units_cpu = sum(args.trials * r["trial_cpu_s"] + args.seeds * r["fit_cpu_s"] for r in rows)
    units_wall = sum(args.trials * r["trial_wall_s"] + args.seeds * r["fit_wall_s"] for r in rows)
    estimate = {
        "plan": f"{len(rows)} families x ({args.trials} trials on {args.tune_rows} rows + "
        f"{args.seeds} seeds), {args.workers} workers",
        "from_cpu_s": (units_cpu + ref_cpu) / args.workers,
        "from_wall_s": (units_wall + ref_wall) / args.workers,
        "references_cpu_s": ref_cpu,
    }
    print(table(rows))
    print(estimate)
    rec.write(rows=rows, estimate=estimate, splits=splits.sizes)


if __name__ == "__main__":
    main(sys.argv[1:])
