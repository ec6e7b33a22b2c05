"""Bag-of-n-grams MLP: TF-IDF features (fitted on train) through ReLU blocks.

The sparse TF-IDF row enters the first linear layer as an ``nn.EmbeddingBag`` in ``"sum"``
mode with the TF-IDF values as per-sample weights, which is exactly ``x @ W`` for a sparse
``x`` without densifying it (the fastText line, Joulin et al. 2017, with TF-IDF weights instead
of a plain average). Further blocks are ``Linear -> ReLU -> Dropout``.

The representation is part of the search space: n-grams (word 1, 1-2, 1-3, char_wb 2-4, or word
1-2 + char_wb 2-4), ``max_features`` per vectoriser, sublinear tf and ``min_df``, drawn from
small discrete sets so trials that share a representation reuse the fitted vectoriser. Network
space after Gorishniy et al. 2021, narrowed for the CPU budget: 1-3 blocks, width
logU(64, 512), dropout U(0, 0.5), lr logU(1e-4, 1e-2), weight decay logU(1e-6, 1e-3).
Default: word 1-2-grams, 50,000 features, sublinear tf, min_df 2, one block of 256, dropout
0.2, lr 1e-3, weight decay 1e-5. The bag's gradient is sparse and updated by lazy Adam
(``torch.optim.SparseAdam``: only the rows of n-grams in the batch), without weight decay; a
dense AdamW step over a 50,000 x 256 table took ~0.1 s per batch here. The other layers use
AdamW with the tuned weight decay.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np
import scipy.sparse as sp
from optuna.distributions import BaseDistribution, CategoricalDistribution

from archbench.kinds.common.params import ADAMW_NOTE, check_mlp, mlp_space
from archbench.kinds.text.data import TextInfo, TextPart
from archbench.kinds.text.models._torch import Encoded, TorchTextModel
from archbench.kinds.text.prepare import NGRAMS, TfidfRepresentation, TfidfSettings, fit_tfidf

if TYPE_CHECKING:
    import torch
    from torch import nn

MAX_FEATURES_CHOICES = (20_000, 50_000, 100_000)
MIN_DF_CHOICES = (1, 2, 3)
TFIDF_KEYS = ("ngrams", "max_features", "sublinear_tf", "min_df")


def tfidf_settings(p: dict[str, Any]) -> TfidfSettings:
    """The TF-IDF part of a family's parameters."""
    return TfidfSettings(**{k: p[k] for k in TFIDF_KEYS})


def tfidf_defaults(max_features: int) -> dict[str, Any]:
    """The representation's default: word 1-2-grams, sublinear tf, ``min_df`` 2."""
    return {"ngrams": "word12", "max_features": max_features, "sublinear_tf": True, "min_df": 2}


def tfidf_space(
    max_features: tuple[int, ...] = MAX_FEATURES_CHOICES,
) -> dict[str, BaseDistribution]:
    """The representation's search space (shared by the MLP and GBDT families)."""
    return {
        "ngrams": CategoricalDistribution(list(NGRAMS)),
        "max_features": CategoricalDistribution(list(max_features)),
        "sublinear_tf": CategoricalDistribution([True, False]),
        "min_df": CategoricalDistribution(list(MIN_DF_CHOICES)),
    }


TFIDF_NOTES: dict[str, str] = {
    "ngrams": "(char_wb: characters within word boundaries)",
    "max_features": "per vectoriser (most frequent in train)",
    "sublinear_tf": "(1 + log tf)",
    "min_df": "training documents",
}


class SparseRows:
    """A CSR matrix served in row batches as EmbeddingBag inputs."""

    def __init__(self, x: sp.csr_matrix) -> None:
        self.x = x

    def __len__(self) -> int:
        return int(self.x.shape[0])

    def batch(self, idx: np.ndarray, device: torch.device) -> tuple[torch.Tensor, ...]:
        import torch

        sub = self.x[idx]
        offsets = torch.from_numpy(sub.indptr[:-1].astype(np.int64))
        cols = torch.from_numpy(sub.indices.astype(np.int64))
        vals = torch.from_numpy(sub.data.astype(np.float32))
        return cols.to(device), offsets.to(device), vals.to(device)


class TextMLPModel(TorchTextModel):
    """MLP over sparse TF-IDF n-grams."""

    family: ClassVar[str] = "mlp"
    fixed_defaults: ClassVar[dict[str, Any]] = {**TorchTextModel.fixed_defaults, "grad_clip": 0.0}

    defaults: ClassVar[dict[str, Any]] = {
        **tfidf_defaults(max_features=50_000),
        "n_blocks": 1,
        "d_block": 256,
        "dropout": 0.2,
        "lr": 1e-3,
        "weight_decay": 1e-5,
    }

    space: ClassVar[dict[str, BaseDistribution]] = {
        **tfidf_space(),
        **mlp_space(max_blocks=3, d_block=(64, 512), lr=(1e-4, 1e-2)),
    }
    space_notes: ClassVar[dict[str, str]] = {
        **TFIDF_NOTES,
        "n_blocks": "(first block: EmbeddingBag over the TF-IDF row)",
        "optimizer": ADAMW_NOTE,
    }

    def _check(self, p: dict[str, Any]) -> None:
        tfidf_settings(p).check()
        check_mlp(p)

    def _optimizers(self, p: dict[str, Any]) -> list[torch.optim.Optimizer]:
        """Lazy Adam (``SparseAdam``) on the bag, whose gradient touches only the n-grams of
        a batch; AdamW on the rest. Weight decay applies to the dense layers only."""
        import torch

        bag = [self.module_.get_parameter("bag.weight")]
        rest = [q for n, q in self.module_.named_parameters() if n != "bag.weight"]
        return [
            torch.optim.SparseAdam(bag, lr=p["lr"]),
            torch.optim.AdamW(rest, lr=p["lr"], weight_decay=p["weight_decay"]),
        ]

    def _fit_inputs(self, p: dict[str, Any], train: TextPart) -> None:
        self.tfidf_: TfidfRepresentation = fit_tfidf(train.texts, tfidf_settings(p))

    def _encode(self, part: TextPart) -> Encoded:
        return SparseRows(self.tfidf_.transform(part.texts))

    def _build(self, p: dict[str, Any], info: TextInfo) -> nn.Module:
        from archbench.kinds.text.models._nets import BagMLP

        return BagMLP(
            self.tfidf_.n_features_, p["d_block"], p["n_blocks"], p["dropout"], info.n_classes
        )
