"""The text encoder family against a same-size encoder trained by ``transformers``' Trainer.

Same data (the default preset's split of the built-in reviews: 8,000 training texts, 2,000
validation, 3,971 test), the same token ids fed to both (archbench's BPE vocabulary of
8,000 learned on train, [CLS] + at most 127 tokens, encoded once), the same size (1 block,
width 64, 4 heads, feed-forward 128, 128 positions, dropout 0.1 on embeddings, attention
weights and residual branches), the same batch (64, grouped by length in both: archbench's
windows of 50 batches, the Trainer's ``group_by_length`` megabatches of 50), the same optimiser
(AdamW, lr 5e-4, weight decay 1e-4 on matrices only, constant rate without warmup, gradient-norm
clip 1), the same number of epochs (no early stopping) and a validation pass after every
epoch in both. Each repeat uses its own seed (0, 1, ...) for both, so the spread of the scores
over repeats is the seed noise the two are compared against.

The blocks are the same size but not the same code: archbench's is pre-norm with mean pooling;
the peer is ``BertForSequenceClassification`` built from a ``BertConfig`` (post-norm, plus
BERT's token-type embeddings and tanh pooler over [CLS]); no transformers class builds the
former. Reported per repeat: CPU and wall seconds per epoch (training + validation pass) and
validation/test ROC-AUC and accuracy after training (archbench's family restores its best epoch on
validation, the Trainer keeps the last), 1 thread (archbench runs one thread
per worker), after one untimed warm-up epoch of each (the first call of every new matrix
shape sets up its kernel; both share the process). archbench's time excludes tokenizing the
texts inside ``fit`` (the peer gets pre-encoded ids). The peer's scores pair its predictions
with the ``label_ids`` that ``Trainer.predict`` returns: with ``group_by_length``, transformers
5 also length-groups (shuffles) evaluation batches, so its predictions are not in dataset order
(scoring them against the labels in dataset order gave the ROC-AUC of 0.5 reported before).

Both run in this one process, so the peer trains under the allocator setting archbench's fit
makes (``reuse_freed_memory``); ``--impl peer`` alone runs it under glibc's default (it
measured within 1% of the shared-process time: the setting does not speed the peer up).

Needs ``transformers`` and ``accelerate`` (``pip install archbench[bench]``).

    PYTHONPATH=src python benchmarks/text_peer_transformers.py [--epochs 3] [--repeats 3]
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from typing import Any

import numpy as np
import torch
from _common import Recorder, median, table
from scipy.special import softmax

from archbench.kinds.text.data import TextInfo
from archbench.kinds.text.metrics import accuracy, roc_auc
from archbench.kinds.text.models.encoder import TextEncoderModel
from archbench.kinds.text.prepare import PAD_ID, encode, train_subword_tokenizer
from archbench.kinds.text.presets import PRESETS
from archbench.kinds.text.splits import split_text
from archbench.kinds.text.tasks import load

LR, WD, BATCH, MAX_LENGTH = 5e-4, 1e-4, 64, 128
SIZE = {"n_layers": 1, "d_model": 64, "n_heads": 4, "ffn_factor": 2, "dropout": 0.1}


def _scores(y: np.ndarray, proba: np.ndarray, split: str) -> dict[str, float]:
    return {f"{split}_roc_auc": roc_auc(y, proba), f"{split}_accuracy": accuracy(y, proba)}


def ours(parts: dict[str, Any], info: TextInfo, epochs: int, seed: int) -> dict[str, Any]:
    """archbench's encoder family at the shared settings, ``epochs`` epochs, no early stop."""
    model = TextEncoderModel(
        max_epochs=epochs, patience=epochs, batch_size=BATCH, lr=LR, weight_decay=WD,
        max_length=MAX_LENGTH, pooling="mean", device="cpu", threads=1, **SIZE,
    )  # fmt: skip
    train_subword_tokenizer(parts["train"].texts)  # cached: the fit below times training only
    spent = [0.0, 0.0]  # wall, CPU seconds spent encoding texts (the peer's are pre-encoded)
    encode_part = model._encode

    def timed_encode(part: Any) -> Any:
        w, c = time.perf_counter(), time.process_time()
        enc = encode_part(part)
        spent[0] += time.perf_counter() - w
        spent[1] += time.process_time() - c
        return enc

    model._encode = timed_encode  # type: ignore[method-assign]
    w0, c0 = time.perf_counter(), time.process_time()
    model.fit(parts["train"], parts["val"], info, seed=seed)
    wall = time.perf_counter() - w0 - spent[0]
    cpu = time.process_time() - c0 - spent[1]
    model._encode = encode_part  # type: ignore[method-assign]
    row = {
        "impl": "archbench encoder", "seed": seed,
        "params": sum(p.numel() for p in model.module_.parameters()), "epochs": model.n_iter_,
        "cpu_s_per_epoch": cpu / model.n_iter_, "wall_s_per_epoch": wall / model.n_iter_,
    }  # fmt: skip
    # the family restores its best epoch on validation; the peer keeps its last epoch
    for split in ("val", "test"):
        row |= _scores(parts[split].y, model.predict(parts[split]), split)
    return row


class _Texts(torch.utils.data.Dataset):  # type: ignore[type-arg]
    """Pre-encoded ids (archbench's tokens) as the dicts the Trainer's collator pads."""

    def __init__(self, ids: np.ndarray, lengths: np.ndarray, y: np.ndarray) -> None:
        self.rows = [ids[i, : lengths[i]].tolist() for i in range(len(lengths))]
        self.y = y

    def __len__(self) -> int:
        return len(self.rows)

    def __getitem__(self, i: int) -> dict[str, Any]:
        return {"input_ids": self.rows[i], "labels": int(self.y[i])}


def peer(parts: dict[str, Any], epochs: int, seed: int, out: str) -> dict[str, Any]:
    """``BertForSequenceClassification`` of the same size through ``Trainer``."""
    import transformers as tf

    tf.logging.set_verbosity_error()
    tok = train_subword_tokenizer(parts["train"].texts)
    data = {s: _Texts(*encode(tok, parts[s].texts, MAX_LENGTH), parts[s].y) for s in parts}
    config = tf.BertConfig(
        vocab_size=tok.get_vocab_size(), hidden_size=SIZE["d_model"],
        num_hidden_layers=SIZE["n_layers"], num_attention_heads=SIZE["n_heads"],
        intermediate_size=SIZE["ffn_factor"] * SIZE["d_model"],
        max_position_embeddings=MAX_LENGTH, hidden_act="gelu", hidden_dropout_prob=SIZE["dropout"],
        attention_probs_dropout_prob=SIZE["dropout"], num_labels=2, pad_token_id=PAD_ID,
    )  # fmt: skip
    torch.manual_seed(seed)
    model = tf.BertForSequenceClassification(config)
    fast = tf.PreTrainedTokenizerFast(tokenizer_object=tok, pad_token="[PAD]")
    args = tf.TrainingArguments(
        output_dir=out, per_device_train_batch_size=BATCH, per_device_eval_batch_size=256,
        learning_rate=LR, weight_decay=WD, lr_scheduler_type="constant", warmup_steps=0,
        max_grad_norm=1.0, num_train_epochs=epochs, eval_strategy="epoch", save_strategy="no",
        logging_strategy="no", report_to=[], use_cpu=True, seed=seed, dataloader_num_workers=0,
        train_sampling_strategy="group_by_length", disable_tqdm=True,
    )  # fmt: skip
    trainer = tf.Trainer(
        model=model, args=args, train_dataset=data["train"], eval_dataset=data["val"],
        data_collator=tf.DataCollatorWithPadding(fast),
    )  # fmt: skip
    w0, c0 = time.perf_counter(), time.process_time()
    trainer.train()
    wall, cpu = time.perf_counter() - w0, time.process_time() - c0
    row = {
        "impl": "transformers Trainer (BERT config)", "seed": seed,
        "params": model.num_parameters(), "epochs": epochs,
        "cpu_s_per_epoch": cpu / epochs, "wall_s_per_epoch": wall / epochs,
    }  # fmt: skip
    for split in ("val", "test"):
        pred = trainer.predict(data[split])  # rows in the sampler's order, labels with them
        row |= _scores(pred.label_ids, softmax(pred.predictions, axis=1), split)
    return row


def summary(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Medians of the times, mean and standard deviation of the scores, per implementation."""
    out = []
    for impl in dict.fromkeys(r["impl"] for r in rows):
        rs = [r for r in rows if r["impl"] == impl]
        s: dict[str, Any] = {"impl": impl, "repeats": len(rs), "params": rs[0]["params"]}
        for key in ("cpu_s_per_epoch", "wall_s_per_epoch"):
            s[f"median_{key}"] = median([r[key] for r in rs])
        for key in ("val_roc_auc", "test_roc_auc", "val_accuracy", "test_accuracy"):
            v = np.array([r[key] for r in rs])
            s[f"{key}_mean"], s[f"{key}_sd"] = (
                float(v.mean()),
                float(v.std(ddof=min(1, v.size - 1))),
            )
        out.append(s)
    if len(out) == 2:
        for key in ("cpu", "wall"):
            k = f"median_{key}_s_per_epoch"
            out[0][f"speedup_{key}"] = out[1][k] / out[0][k]
    return out


def main(argv: list[str]) -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--epochs", type=int, default=3)
    ap.add_argument("--repeats", type=int, default=3, help="seeds 0..repeats-1, both impls")
    ap.add_argument("--warmup", type=int, default=1, help="1: one untimed epoch of each first")
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
    parts = {s: splits.part(data, s) for s in ("train", "val", "test")}
    info = TextInfo(data.classes)
    if args.warmup:  # untimed 1-epoch fits: the first call of each kernel shape sets it up
        if args.impl in ("both", "ours"):
            ours(parts, info, 1, seed=99)
        if args.impl in ("both", "peer"):
            peer(parts, 1, 99, "/tmp/archbench-hf-peer")
    rows = []
    for seed in range(args.repeats):  # interleaved, so load changes hit both alike
        if args.impl in ("both", "ours"):
            rows.append(ours(parts, info, args.epochs, seed))
        if args.impl in ("both", "peer"):
            rows.append(peer(parts, args.epochs, seed, "/tmp/archbench-hf-peer"))
        print(table(rows[-2:]), flush=True)
    summ = summary(rows)
    print(table(rows, list(dict.fromkeys(k for r in rows for k in r))))
    print(table(summ, list(dict.fromkeys(k for r in summ for k in r))))
    rec.write(summary=summ, rows=rows, splits=splits.sizes)


if __name__ == "__main__":
    main(sys.argv[1:])
