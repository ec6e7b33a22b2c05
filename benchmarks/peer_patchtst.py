"""Against a peer: archbench's PatchTST vs neuralforecast's PatchTST, time per training step.

Matched configuration (archbench's default = the paper's small-data size): context 168, horizon
24, patches 16/8, 3 encoder layers, d_model 16, 4 heads, FFN 128, dropout 0.2, no head dropout,
residual attention, RevIN without affine parameters, BatchNorm, batches of 256 windows, Adam(W)
lr 1e-3, one thread, CPU, MSE loss. Data: the weather task's training period (3 airports,
January to mid-July 2013). archbench trains on its 3,294 training windows (one epoch = 13
batches); neuralforecast samples 256 windows per step from the same series (``batch_size`` 3
series, ``windows_batch_size`` 256, no scaler, no validation, no early stopping; its
``batch_normalization = True`` and ``revin_subtract_last = False`` match the paper's BatchNorm
and plain RevIN, which are archbench's; neuralforecast's defaults differ there). The
neuralforecast side includes what it does every step (sampling and unfolding windows from the
series); archbench's windows are built once before training.

Time per step: archbench, the median epoch time (epochs 2..E, each with a 120-window validation
pass) divided by its 13 steps; neuralforecast, ``(fit(max_steps=S2) - fit(max_steps=S1)) /
(S2 - S1)``, which cancels its fixed start-up (Lightning trainer, data module). Each side runs in
its own subprocess, alternating, ``--rounds`` times; medians are reported.

neuralforecast runs in ``benchmarks/.nf-peer-venv``, a virtual environment that sees this
project's packages (torch 2.13 included) through a .pth file and adds neuralforecast,
pytorch-lightning, lightning-utilities, torchmetrics, utilsforecast and coreforecast without
their dependencies (``--setup``), so both sides run the same torch build.

    python benchmarks/peer_patchtst.py --setup
    python benchmarks/peer_patchtst.py [--rounds 3]
"""

from __future__ import annotations

import argparse
import itertools
import json
import site
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import ROOT, Recorder, table

PEER_VENV = ROOT / "benchmarks" / ".nf-peer-venv"
PEER_PY = PEER_VENV / "bin" / "python"
ENV = {"OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1", "PATH": "/usr/bin:/bin"}
PEER_PACKAGES = ("neuralforecast", "pytorch-lightning", "lightning-utilities", "torchmetrics",
                 "utilsforecast", "coreforecast")  # fmt: skip


def setup() -> None:
    subprocess.run([sys.executable, "-m", "venv", str(PEER_VENV)], check=True)
    pth = next(PEER_VENV.glob("lib/python*/site-packages")) / "archbench_env.pth"
    pth.write_text(site.getsitepackages()[0] + "\n")
    pip = [str(PEER_PY), "-m", "pip", "install", "-q", "--no-deps"]
    subprocess.run([*pip, *PEER_PACKAGES, "fsspec"], check=True)


def archbench_side(epochs: int) -> dict[str, Any]:
    import torch

    from archbench.kinds.common.torchloop import TorchLoop
    from archbench.kinds.forecasting.models.patchtst import PatchTSTModel
    from archbench.kinds.forecasting.prepare import prepare
    from archbench.kinds.forecasting.tasks import weather

    torch.set_num_threads(1)
    task = weather()
    prep = prepare(task.data, task.split, task.shift)
    w = prep.windows
    starts: list[float] = []
    orig = TorchLoop._train_epoch

    def timed(self: Any, *a: Any, **k: Any) -> float:
        starts.append(time.perf_counter())
        return orig(self, *a, **k)

    TorchLoop._train_epoch = timed  # type: ignore[method-assign]
    t0 = time.perf_counter()
    PatchTSTModel(max_epochs=epochs, patience=epochs + 1).fit(
        w["train"], w["val"], prep.info, seed=1
    )
    starts.append(time.perf_counter())
    steps = -(-len(w["train"]) // 256)
    epoch_s = [b - a for a, b in itertools.pairwise(starts[1:])]  # epochs 2..E
    return {"step_s": statistics.median(epoch_s) / steps, "fit_s": time.perf_counter() - t0,
            "steps_per_epoch": steps}  # fmt: skip


def peer_side(steps: tuple[int, int]) -> dict[str, Any]:
    import logging

    import pandas as pd
    import torch
    from neuralforecast import NeuralForecast
    from neuralforecast.losses.pytorch import MSE
    from neuralforecast.models import PatchTST

    from archbench.kinds.forecasting.prepare import prepare
    from archbench.kinds.forecasting.tasks import weather

    logging.getLogger("pytorch_lightning").setLevel(logging.ERROR)
    logging.getLogger("lightning.pytorch").setLevel(logging.ERROR)
    torch.set_num_threads(1)
    task = weather()
    prep = prepare(task.data, task.split, task.shift)
    cut = prep.splits.cuts["val_start"]
    d = task.data
    df = pd.concat(
        pd.DataFrame({"unique_id": n, "ds": t[t < cut], "y": y[t < cut]})
        for n, t, y in zip(d.series_names, d.times, d.values, strict=True)
    )
    times = []
    for s in steps:
        model = PatchTST(
            h=24, input_size=168, patch_len=16, stride=8, encoder_layers=3, n_heads=4,
            hidden_size=16, linear_hidden_size=128, dropout=0.2, fc_dropout=0.2,
            head_dropout=0.0, attn_dropout=0.0, revin=True, revin_affine=False,
            revin_subtract_last=False, res_attention=True, batch_normalization=True,
            loss=MSE(), learning_rate=1e-3, max_steps=s,
            batch_size=3, windows_batch_size=256, scaler_type="identity", val_check_steps=10**6,
            random_seed=1, enable_progress_bar=False, logger=False, enable_checkpointing=False,
            accelerator="cpu", devices=1,
        )  # fmt: skip
        t0 = time.perf_counter()
        NeuralForecast(models=[model], freq="h").fit(df)
        times.append(time.perf_counter() - t0)
    return {"step_s": (times[1] - times[0]) / (steps[1] - steps[0]), "fit_s": times}


def main(argv: list[str]) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--setup", action="store_true")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--epochs", type=int, default=6)
    ap.add_argument("--side", choices=["archbench", "peer"], help=argparse.SUPPRESS)
    ap.add_argument("--out", default=None)
    args = ap.parse_args(argv)
    if args.setup:
        setup()
        return
    if args.side:
        steps = (13, 13 * (args.epochs + 1))
        res = archbench_side(args.epochs) if args.side == "archbench" else peer_side(steps)
        print(json.dumps(res))
        return
    rec = Recorder("peer_patchtst", argv, args.out)
    here = str(Path(__file__).resolve())
    runs: dict[str, list[dict[str, Any]]] = {"archbench": [], "neuralforecast": []}
    for _ in range(args.rounds):
        for name, py, side in (("archbench", sys.executable, "archbench"),
                               ("neuralforecast", str(PEER_PY), "peer")):  # fmt: skip
            env = {**ENV, "PYTHONPATH": str(ROOT / "src")}
            out = subprocess.run([py, here, "--side", side, "--epochs", str(args.epochs)],
                                 capture_output=True, text=True, env=env, check=True)  # fmt: skip
            runs[name].append(json.loads(out.stdout.strip().splitlines()[-1]))
    med = {k: statistics.median(r["step_s"] for r in v) for k, v in runs.items()}
    rows = [{"side": k, "ms_per_step": 1000 * v} for k, v in med.items()]
    print(table(rows))
    speedup = med["neuralforecast"] / med["archbench"]
    print(f"archbench is {speedup:.2f}x faster per step")
    rec.write(rows=rows, speedup=speedup, runs=runs)


if __name__ == "__main__":
    main(sys.argv[1:])
