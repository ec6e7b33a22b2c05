"""The text encoder family against a same-size encoder trained by ``transformers``' Trainer.

Same data (the default preset's split of the built-in reviews: 8,000 training texts, 2,000
validation), same tokens (archbench's WordPiece vocabulary of 8,000 learned on train, [CLS] +
at most 127 tokens), same batch (64, batches grouped by length in both), same optimiser
settings (AdamW, lr 5e-4, weight decay 1e-4, constant rate, gradient-norm clip 1), the same
number of epochs (``--epochs``, no early stopping) and a validation pass after every epoch.

The models are the same size but not the same code: archbench's encoder is one pre-norm
``nn.TransformerEncoderLayer`` (width 64, 4 heads, feed-forward 128, GELU) with learned
positions and mean pooling; the peer is ``BertForSequenceClassification`` built from a
``BertConfig`` of the same width, heads, feed-forward size and positions (post-norm, plus
BERT's token-type embeddings and tanh pooler over [CLS]). Reported: CPU and wall seconds per
epoch (training + validation pass) and validation/test ROC-AUC after the last epoch, 1 thread.

Needs ``transformers`` and ``accelerate`` (``pip install archbench[text] accelerate``).

    PYTHONPATH=src python benchmarks/text_peer_transformers.py [--epochs 3]
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from typing import Any

import numpy as np
import torch
from _common import Recorder, table

from archbench.kinds.text.builtin import load
from archbench.kinds.text.data import TextInfo
from archbench.kinds.text.encoder import TextEncoderModel
from archbench.kinds.text.metrics import roc_auc
from archbench.kinds.text.presets import PRESETS
from archbench.kinds.text.represent import PAD_ID, encode, train_subword_tokenizer
from archbench.kinds.text.splits import split_text

LR, WD, BATCH = 5e-4, 1e-4, 64


def ours(parts: dict[str, Any], info: TextInfo, epochs: int) -> dict[str, Any]:
    model = TextEncoderModel(
        max_epochs=epochs, patience=epochs, batch_size=BATCH, lr=LR, weight_decay=WD,
        device="cpu", threads=1,
    )  # fmt: skip
    train_subword_tokenizer(parts["train"].texts)  # cached: the fit below times training only
    w0, c0 = time.perf_counter(), time.process_time()
    model.fit(parts["train"], parts["val"], info, seed=0)
    wall, cpu = time.perf_counter() - w0, time.process_time() - c0
    n_params = sum(p.numel() for p in model.module_.parameters())
    return {
        "impl": "archbench encoder", "params": n_params, "epochs": model.n_iter_,
        "cpu_s_per_epoch": cpu / model.n_iter_, "wall_s_per_epoch": wall / model.n_iter_,
        "val_roc_auc": roc_auc(parts["val"].y, model.predict(parts["val"])),
        "test_roc_auc": roc_auc(parts["test"].y, model.predict(parts["test"])),
    }  # fmt: skip


class _Texts(torch.utils.data.Dataset):  # type: ignore[type-arg]
    def __init__(self, ids: np.ndarray, lengths: np.ndarray, y: np.ndarray) -> None:
        self.rows = [ids[i, : lengths[i]].tolist() for i in range(len(lengths))]
        self.y = y

    def __len__(self) -> int:
        return len(self.rows)

    def __getitem__(self, i: int) -> dict[str, Any]:
        return {"input_ids": self.rows[i], "labels": int(self.y[i])}


def peer(parts: dict[str, Any], epochs: int, out: str) -> dict[str, Any]:
    import transformers as tf

    tok = train_subword_tokenizer(parts["train"].texts)
    data = {s: _Texts(*encode(tok, parts[s].texts, 128), parts[s].y) for s in ("train", "val")}
    config = tf.BertConfig(
        vocab_size=tok.get_vocab_size(), hidden_size=64, num_hidden_layers=1,
        num_attention_heads=4, intermediate_size=128, max_position_embeddings=128,
        hidden_act="gelu", num_labels=2, pad_token_id=PAD_ID,
    )  # fmt: skip
    torch.manual_seed(0)
    model = tf.BertForSequenceClassification(config)
    fast = tf.PreTrainedTokenizerFast(tokenizer_object=tok, pad_token="[PAD]")
    args = tf.TrainingArguments(
        output_dir=out, per_device_train_batch_size=BATCH, per_device_eval_batch_size=256,
        learning_rate=LR, weight_decay=WD, lr_scheduler_type="constant", warmup_steps=0,
        max_grad_norm=1.0, num_train_epochs=epochs, eval_strategy="epoch", save_strategy="no",
        logging_strategy="no", report_to=[], use_cpu=True, seed=0, dataloader_num_workers=0,
        train_sampling_strategy="group_by_length", disable_tqdm=True,
    )  # fmt: skip
    trainer = tf.Trainer(
        model=model, args=args, train_dataset=data["train"], eval_dataset=data["val"],
        data_collator=tf.DataCollatorWithPadding(fast),
    )  # fmt: skip
    w0, c0 = time.perf_counter(), time.process_time()
    trainer.train()
    wall, cpu = time.perf_counter() - w0, time.process_time() - c0

    def proba(split: str) -> np.ndarray:
        ds = _Texts(*encode(tok, parts[split].texts, 128), parts[split].y)
        logits = trainer.predict(ds).predictions
        e = np.exp(logits - logits.max(axis=1, keepdims=True))
        return e / e.sum(axis=1, keepdims=True)

    return {
        "impl": "transformers Trainer (BERT config)", "params": model.num_parameters(),
        "epochs": epochs, "cpu_s_per_epoch": cpu / epochs, "wall_s_per_epoch": wall / epochs,
        "val_roc_auc": roc_auc(parts["val"].y, proba("val")),
        "test_roc_auc": roc_auc(parts["test"].y, proba("test")),
    }  # fmt: skip


def main(argv: list[str]) -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--epochs", type=int, default=3)
    ap.add_argument("--out", default=None)
    ap.add_argument("--impl", choices=["both", "ours", "peer"], default="both")
    args = ap.parse_args(argv)
    os.environ["TOKENIZERS_PARALLELISM"] = "false"
    torch.set_num_threads(1)
    rec = Recorder("text_peer_transformers", argv, args.out)
    preset = PRESETS["default"]
    caps = {s: preset["split"][f"max_{s}_rows"] for s in ("train", "val", "test", "shift")}
    data = load()
    splits = split_text(data, seed=0, caps=caps)
    parts = {s: splits.part(data, s) for s in splits.rows}
    info = TextInfo(data.classes)
    rows = []
    if args.impl in ("both", "ours"):
        rows.append(ours(parts, info, args.epochs))
    if args.impl in ("both", "peer"):
        rows.append(peer(parts, args.epochs, "/tmp/archbench-hf-peer"))
    if len(rows) == 2:
        rows[0]["speedup_cpu"] = rows[1]["cpu_s_per_epoch"] / rows[0]["cpu_s_per_epoch"]
    print(table(rows, list(dict.fromkeys(k for r in rows for k in r))))
    rec.write(rows=rows, splits=splits.sizes)


if __name__ == "__main__":
    main(sys.argv[1:])
