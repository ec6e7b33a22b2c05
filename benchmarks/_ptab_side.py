"""The pytorch-tabular side of peer_pytorch_tabular.py; runs in benchmarks/.peer-venv.

Reads train/val Parquet files written by peer_pytorch_tabular.py (archbench's split and
preprocessing), trains pytorch-tabular's FTTransformer for exactly ``--epochs`` epochs and
prints one JSON line: per-epoch wall seconds (training plus its per-epoch validation pass),
the validation ROC-AUC after the last epoch, the parameter count and the import time.
Imports only pytorch-tabular's own dependencies (pandas < 3), never archbench.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import sys
import time
from pathlib import Path


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", required=True)
    ap.add_argument("--epochs", type=int, required=True)
    ap.add_argument("--seed", type=int, default=1, help=">= 1 (pytorch-tabular: 0 = unseeded)")
    ap.add_argument("--config", required=True, help="JSON of the matched settings")
    args = ap.parse_args()
    cfg = json.loads(args.config)
    t0 = time.perf_counter()
    import pandas as pd
    import pytorch_lightning as pl
    import torch
    from pytorch_tabular import TabularModel
    from pytorch_tabular.config import DataConfig, OptimizerConfig, TrainerConfig
    from pytorch_tabular.models import FTTransformerConfig
    from sklearn.metrics import roc_auc_score

    import_s = time.perf_counter() - t0
    torch.set_num_threads(1)
    torch.set_float32_matmul_precision(cfg.get("matmul_precision", "highest"))
    data = Path(args.data)
    train, val = pd.read_parquet(data / "train.parquet"), pd.read_parquet(data / "val.parquet")
    num = [c for c in train.columns if c.startswith("n")]
    cat = [c for c in train.columns if c.startswith("c")]

    class EpochTimer(pl.Callback):
        def __init__(self) -> None:
            self.starts: list[float] = []
            self.end = 0.0

        def on_train_epoch_start(self, trainer, module) -> None:
            self.starts.append(time.perf_counter())

        def on_train_epoch_end(self, trainer, module) -> None:
            self.end = time.perf_counter()

    timer = EpochTimer()
    model = TabularModel(
        data_config=DataConfig(
            target=["y"],
            continuous_cols=num,
            categorical_cols=cat,
            normalize_continuous_features=False,
            num_workers=0,
        ),
        model_config=FTTransformerConfig(
            task="classification",
            input_embed_dim=cfg["d_block"],
            num_heads=cfg["ptab_num_heads"],
            num_attn_blocks=cfg["n_blocks"],
            attn_dropout=cfg["attention_dropout"],
            ff_dropout=cfg["ffn_dropout"],
            add_norm_dropout=cfg["residual_dropout"],
            ff_hidden_multiplier=cfg["ptab_ff_hidden_multiplier"],
            transformer_activation="ReGLU",
            batch_norm_continuous_input=False,
            attn_feature_importance=False,
            learning_rate=cfg["lr"],
            seed=args.seed,
        ),
        optimizer_config=OptimizerConfig(
            optimizer="AdamW", optimizer_params={"weight_decay": cfg["weight_decay"]}
        ),
        trainer_config=TrainerConfig(
            batch_size=cfg["batch_size"],
            max_epochs=args.epochs,
            min_epochs=args.epochs,
            early_stopping=None,
            checkpoints=None,
            load_best=False,
            progress_bar="none",
            accelerator="cpu",
            devices=1,
            seed=args.seed,
            trainer_kwargs={"enable_model_summary": False},
        ),
        verbose=False,
    )
    w0 = time.perf_counter()
    model.fit(train=train, validation=val, seed=args.seed, callbacks=[timer])
    fit_s = time.perf_counter() - w0
    marks = [*timer.starts, timer.end]
    epochs = [b - a for a, b in itertools.pairwise(marks)]
    pred = model.predict(val)
    pcol = [c for c in pred.columns if c.endswith("_probability")][-1]
    auc = float(roc_auc_score(val["y"].to_numpy(), pred[pcol].to_numpy()))
    n_params = sum(p.numel() for p in model.model.parameters())
    print(
        json.dumps(
            {
                "side": "pytorch_tabular",
                "epoch_s": epochs,
                "fit_s": fit_s,
                "val_auc": auc,
                "n_params": int(n_params),
                "import_s": import_s,
                "threads": torch.get_num_threads(),
                "pid": os.getpid(),
            }
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
