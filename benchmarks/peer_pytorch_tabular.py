"""Against peers: archbench's FT-Transformer vs pytorch-tabular's, and LightGBM through
archbench's adapter vs ``lgb.train`` called directly.

FT-Transformer: the same configuration (archbench's default: 2 blocks, d_token 64, attention
dropout 0.15, FFN dropout 0.05, no residual dropout, AdamW lr 3e-4 weight decay 1e-5, batch 256)
trained for exactly ``--epochs`` epochs (no early stopping) on the same data: flights with
archbench's split and preprocessing (default preset: 10,000 training and 4,000 validation rows;
quantile-normalised numeric features, categorical codes), exported to Parquet for the peer.
Each side runs in its own subprocess with one thread, alternating, ``--rounds`` times; the
archbench side in this project's environment, pytorch-tabular in ``benchmarks/.peer-venv``
(pytorch-tabular 1.2 needs pandas < 3; create it with ``--setup``).

Matched configuration and what cannot be matched (pytorch-tabular 1.2):
- ``input_embed_dim = 64``, ``num_attn_blocks = 2``, ``attn_dropout = 0.15``,
  ``ff_dropout = 0.05``, ``add_norm_dropout = 0``, ReGLU, AdamW(lr 3e-4, wd 1e-5), batch 256,
  no early stopping, ``normalize_continuous_features = False`` and
  ``batch_norm_continuous_input = False`` (the data is already normalised, as archbench's is),
  seed 1 (its seed 0 means unseeded).
- ``num_heads = 1``: pytorch-tabular makes each head ``input_embed_dim`` wide and ignores
  ``transformer_head_dim`` for this model, so its 8 heads would be an 8x wider attention
  (512 vs 64); one head of width 64 has the same parameters and matrix-product FLOPs as
  rtdl's 8 heads of width 8 (``--peer-heads 8`` runs the literal setting too).
- FFN width: ``ff_hidden_multiplier`` is an integer, so its ReGLU hidden width is 64 (x1)
  against rtdl's 85 (4/3): the peer's FFN is smaller (in its favour).
- Its block is post-norm with its own embedding layer; archbench's (rtdl) is pre-norm. Its
  classifier head has 2 logits and cross-entropy, archbench 1 logit and BCE. Both evaluate the
  validation set after every epoch (pytorch-tabular: loss and accuracy; archbench: ROC-AUC).

A third side, ``archbench_rtdl``, trains the authors' ``rtdl_revisiting_models.FTTransformer``
(the module archbench used before its own ``_ftnet.FTNet``) in archbench's loop: it separates
what the network layout gains from what the loop gains. ``--matmul-precision medium`` runs
every side with ``torch.set_float32_matmul_precision("medium")`` (archbench's
``matmul_precision`` setting; bfloat16 in oneDNN's CPU matmuls, TF32 on CUDA).

Time per epoch: median over epochs 2..E of each run (epoch 1 carries one-off warm-up), then the
median over runs; each epoch includes its validation pass. Validation ROC-AUC: after the last
epoch (archbench restores the best epoch's weights for its own use; ``history_[-1]`` is the
last epoch's score).

LightGBM: ``LightGBMModel.fit`` + ``predict`` (val and test) vs ``lgb.Dataset`` + ``lgb.train`` +
``predict`` on the same arrays with the same parameters and callbacks, alternating, medians;
overhead = adapter / direct - 1.

    python benchmarks/peer_pytorch_tabular.py --setup     # create benchmarks/.peer-venv once
    python benchmarks/peer_pytorch_tabular.py             # ~6 min
    python benchmarks/peer_pytorch_tabular.py --matmul-precision medium \
        --out benchmarks/results/peer_pytorch_tabular_bf16.json
    python benchmarks/peer_pytorch_tabular.py --smoke     # < 1 min (no peer venv needed)
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import ROOT, Recorder, median, table

from archbench.kinds.tabular.models.ft_transformer import FTTransformerModel

PEER_VENV = ROOT / "benchmarks" / ".peer-venv"
PEER_PY = PEER_VENV / "bin" / "python"
# archbench's default FT-Transformer configuration (read from the family, so the two never
# drift apart) plus the settings the peer needs.
CONFIG = {
    **FTTransformerModel.default_params(),
    "batch_size": 256,
    "ptab_num_heads": 1,
    "ptab_ff_hidden_multiplier": 1,
}
PEER_PACKAGES = ("pytorch-tabular", "torch", "pandas", "pytorch-lightning")
PEER_MISSING = "not installed"
THREAD_ENV = {"OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1"}


def setup_peer_venv() -> None:
    """benchmarks/.peer-venv with torch (same version as here) and pytorch-tabular 1.2."""
    import torch

    subprocess.run([sys.executable, "-m", "venv", str(PEER_VENV)], check=True)
    pip = [str(PEER_PY), "-m", "pip", "install", "-q"]
    subprocess.run([*pip, f"torch=={torch.__version__.split('+')[0]}"], check=True)
    # pytorch-tabular imports requests without declaring it; pyarrow reads the Parquet files.
    subprocess.run([*pip, "pytorch-tabular==1.2.*", "requests", "pyarrow"], check=True)


def load(max_train: int, max_val: int) -> Any:
    from archbench.pipeline import prepare
    from archbench.spec.load import spec_from_dict

    spec = spec_from_dict(
        {"split": {"max_train_rows": max_train, "max_val_rows": max_val}}, preset="default"
    )
    return prepare(spec)


def export(p: Any, out: Path) -> None:
    import pandas as pd

    for split in ("train", "val"):
        m = p.payload.parts[split]
        df = pd.DataFrame({f"n{i}": m.x_num[:, i] for i in range(m.x_num.shape[1])})
        for j in range(m.x_cat.shape[1]):
            df[f"c{j}"] = m.x_cat[:, j]
        df["y"] = m.y.astype("int64")
        df.to_parquet(out / f"{split}.parquet", index=False)


def archbench_side(
    max_train: int, max_val: int, epochs: int, seed: int, module: str, precision: str
) -> dict[str, Any]:
    """Train archbench's FT-Transformer for ``epochs`` epochs; per-epoch wall seconds.

    ``module = "rtdl"`` trains the authors' module in archbench's loop (the ``rtdl`` variant
    of throughput.py) instead of archbench's own network.
    """
    t0 = time.perf_counter()
    import torch
    from throughput import _Variant

    from archbench.kinds.common.torchloop import TorchLoop as T

    import_s = time.perf_counter() - t0
    torch.set_num_threads(1)
    p = load(max_train, max_val)
    starts: list[float] = []
    orig = T._train_epoch

    def epoch(*a: Any, **k: Any) -> float:
        starts.append(time.perf_counter())
        return orig(*a, **k)

    T._train_epoch = epoch  # type: ignore[method-assign]
    params = {k: CONFIG[k] for k in FTTransformerModel.default_params()}
    m = FTTransformerModel(
        **params,
        max_epochs=epochs,
        patience=epochs + 1,
        batch_size=CONFIG["batch_size"],
        threads=1,
        device="cpu",
        matmul_precision=precision,
    )
    w0 = time.perf_counter()
    with _Variant(module):
        m.fit(p.payload.parts["train"], p.payload.parts["val"], p.payload.info, seed=seed)
    end = time.perf_counter()
    marks = [*starts, end]
    return {
        "side": "archbench" if module == "archbench" else f"archbench_{module}",
        "matmul_precision": precision,
        "epoch_s": [b - a for a, b in itertools.pairwise(marks)],
        "fit_s": end - w0,
        "val_auc": float(m.history_[-1]),
        "n_params": int(sum(q.numel() for q in m.module_.parameters())),
        "threads": torch.get_num_threads(),
        "import_s": import_s,
    }


def run_side(cmd: list[str], cwd: Path) -> dict[str, Any]:
    env = {**os.environ, **THREAD_ENV, "PYTHONWARNINGS": "ignore"}
    r = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True)
    lines = [ln for ln in r.stdout.splitlines() if ln.startswith("{")]
    if r.returncode != 0 or not lines:
        raise SystemExit(f"{' '.join(cmd[:3])} failed ({r.returncode}):\n{r.stderr[-3000:]}")
    return json.loads(lines[-1])


def lightgbm_pair(p: Any, rounds: int, max_rounds: int) -> dict[str, Any]:
    """Adapter vs direct lgb.train, alternating; returns medians and the overhead."""
    import lightgbm as lgb
    import numpy as np

    from archbench.kinds.tabular.models.gbdt import LightGBMModel, features
    from archbench.seeding import derive_seed

    tr, va, te = (p.payload.parts[s] for s in ("train", "val", "test"))
    info, seed = p.payload.info, 12345
    X = {s: features(m) for s, m in (("train", tr), ("val", va), ("test", te))}
    d = LightGBMModel.default_params()
    params = {
        **d,
        "bagging_freq": 0,
        "num_threads": 1,
        "seed": seed,
        "bagging_seed": derive_seed(seed, "bagging"),
        "feature_fraction_seed": derive_seed(seed, "feature_fraction"),
        "deterministic": True,
        "force_col_wise": True,
        "verbosity": -1,
        "objective": "binary",
        "metric": "auc",
    }
    n_num = tr.x_num_raw.shape[1]
    cat_idx = list(range(n_num, n_num + tr.x_cat.shape[1]))

    def adapter() -> np.ndarray:
        m = LightGBMModel(max_rounds=max_rounds, early_stopping_rounds=50, threads=1)
        m.fit(tr, va, info, seed=seed)
        m.predict(va)
        return m.predict(te)[:, 1]

    def direct() -> np.ndarray:
        dtrain = lgb.Dataset(X["train"], tr.y, categorical_feature=cat_idx)
        dval = lgb.Dataset(X["val"], va.y, reference=dtrain, categorical_feature=cat_idx)
        ev: dict[str, Any] = {}
        b = lgb.train(
            params,
            dtrain,
            num_boost_round=max_rounds,
            valid_sets=[dval],
            valid_names=["val"],
            callbacks=[lgb.early_stopping(50, verbose=False), lgb.record_evaluation(ev)],
        )
        b.predict(X["val"], num_iteration=b.best_iteration, num_threads=1)
        return np.asarray(b.predict(X["test"], num_iteration=b.best_iteration, num_threads=1))

    times: dict[str, list[float]] = {"adapter": [], "direct": []}
    preds: dict[str, Any] = {}
    adapter(), direct()  # warm-up: first-call costs (imports, allocations) for both
    for i in range(rounds):
        order = (("adapter", adapter), ("direct", direct))
        for name, fn in order if i % 2 == 0 else order[::-1]:
            t0 = time.perf_counter()
            preds[name] = fn()
            times[name].append(time.perf_counter() - t0)
    a, dct = median(times["adapter"]), median(times["direct"])
    return {
        "adapter_s": times["adapter"],
        "direct_s": times["direct"],
        "adapter_median_s": a,
        "direct_median_s": dct,
        "overhead": a / dct - 1.0,
        "same_predictions": bool(np.array_equal(preds["adapter"], preds["direct"])),
        "max_rounds": max_rounds,
        "rounds": rounds,
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--setup", action="store_true", help="create benchmarks/.peer-venv and exit")
    ap.add_argument("--smoke", action="store_true", help="archbench side and LightGBM only, tiny")
    ap.add_argument("--epochs", type=int, default=5)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--lgb-rounds", type=int, default=7)
    ap.add_argument(
        "--peer-heads",
        type=int,
        nargs="*",
        default=[1],
        help="pytorch-tabular num_heads settings to run (1 = matched size)",
    )
    ap.add_argument(
        "--matmul-precision",
        choices=["highest", "medium"],
        default="highest",
        help="torch float32 matmul precision on every side",
    )
    ap.add_argument("--side", choices=["archbench"], help=argparse.SUPPRESS)
    ap.add_argument(
        "--module", choices=["archbench", "rtdl"], default="archbench", help=argparse.SUPPRESS
    )
    ap.add_argument("--rows", default="10000,4000", help=argparse.SUPPRESS)
    ap.add_argument(
        "--out", help="JSON path (default benchmarks/results/peer_pytorch_tabular.json)"
    )
    args = ap.parse_args(argv)
    raw_argv = list(argv if argv is not None else sys.argv[1:])
    if args.setup:
        setup_peer_venv()
        return 0
    if args.smoke:
        args.epochs, args.rounds, args.lgb_rounds, args.rows = 2, 1, 1, "1000,500"
    max_train, max_val = (int(x) for x in args.rows.split(","))
    if args.side == "archbench":
        side = archbench_side(
            max_train, max_val, args.epochs, 1, args.module, args.matmul_precision
        )
        print(json.dumps(side))
        return 0
    run_peer = not args.smoke
    if run_peer and not PEER_PY.exists():
        raise SystemExit(
            f"{PEER_PY} is missing; run: python benchmarks/peer_pytorch_tabular.py --setup"
        )

    rec = Recorder("peer_pytorch_tabular", raw_argv, args.out)
    p = load(max_train, max_val)
    results: dict[str, list[dict[str, Any]]] = {"archbench": []}
    with tempfile.TemporaryDirectory(prefix="archbench-peer-") as tmp:
        data = Path(tmp)
        export(p, data)
        me = [
            sys.executable,
            str(Path(__file__).resolve()),
            "--side",
            "archbench",
            "--epochs",
            str(args.epochs),
            "--rows",
            args.rows,
            "--matmul-precision",
            args.matmul_precision,
        ]
        for i in range(args.rounds):
            sides: list[tuple[str, list[str]]] = [("archbench", me)]
            if run_peer:
                sides.append(("archbench_rtdl", [*me, "--module", "rtdl"]))
                for h in args.peer_heads:
                    cfg = {**CONFIG, "ptab_num_heads": h, "matmul_precision": args.matmul_precision}
                    sides.append(
                        (
                            f"pytorch_tabular_heads{h}",
                            [
                                str(PEER_PY),
                                str(ROOT / "benchmarks" / "_ptab_side.py"),
                                "--data",
                                str(data),
                                "--epochs",
                                str(args.epochs),
                                "--config",
                                json.dumps(cfg),
                            ],
                        )
                    )
            for name, cmd in sides if i % 2 == 0 else sides[::-1]:
                r = run_side(cmd, data)
                results.setdefault(name, []).append(r)
                print(
                    f"round {i} {name}: {median(r['epoch_s'][1:] or r['epoch_s']):.2f} s/epoch, "
                    f"val AUC {r['val_auc']:.4f}",
                    flush=True,
                )
    rows = []
    for name, rs in results.items():
        per_run = [median(r["epoch_s"][1:] or r["epoch_s"]) for r in rs]
        rows.append(
            {
                "side": name,
                "runs": len(rs),
                "epoch_s": median(per_run),
                "val_auc": median([r["val_auc"] for r in rs]),
                "n_params": rs[0]["n_params"],
                "import_s": median([r["import_s"] for r in rs]) if "import_s" in rs[0] else None,
            }
        )
    base = rows[0]["epoch_s"]
    for r in rows:
        r["time_ratio_vs_archbench"] = r["epoch_s"] / base
    print(
        table(rows, ["side", "runs", "epoch_s", "time_ratio_vs_archbench", "val_auc", "n_params"])
    )
    lgbm = lightgbm_pair(p, args.lgb_rounds, 100 if args.smoke else 1000)
    print(
        f"LightGBM: adapter {lgbm['adapter_median_s']:.3f} s, "
        f"direct {lgbm['direct_median_s']:.3f} s, "
        f"overhead {lgbm['overhead']:+.1%}, same predictions: {lgbm['same_predictions']}"
    )
    peer_version = None
    if PEER_PY.exists():
        peer_version = subprocess.run(
            [
                str(PEER_PY),
                "-c",
                "from importlib.metadata import version as v; "
                "print(v('pytorch-tabular'), v('torch'), v('pandas'), v('pytorch-lightning'))",
            ],
            capture_output=True,
            text=True,
        ).stdout.split()
        peer_version = peer_version if len(peer_version) == len(PEER_PACKAGES) else None
    rec.write(
        smoke=args.smoke,
        setup={
            "data": "flights, archbench split and preprocessing (default preset)",
            "train_rows": len(p.payload.parts["train"]),
            "val_rows": len(p.payload.parts["val"]),
            "epochs": args.epochs,
            "rounds": args.rounds,
            "config": CONFIG,
            "threads": 1,
            "matmul_precision": args.matmul_precision,
            "peer_versions": dict(
                zip(PEER_PACKAGES, peer_version or [PEER_MISSING] * 4, strict=True)
            ),
        },
        ft_transformer=rows,
        ft_runs=results,
        lightgbm=lgbm,
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
