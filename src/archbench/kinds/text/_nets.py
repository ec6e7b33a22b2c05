"""The networks of the neural text families (imported lazily: this module imports torch)."""

from __future__ import annotations

from typing import Any

import torch
from torch import Tensor, nn


class BagMLP(nn.Module):
    """``EmbeddingBag(sum, TF-IDF weights) + bias -> ReLU -> Dropout -> blocks -> head``.

    The bag is the first linear layer over a sparse TF-IDF row, with sparse gradients (only
    the rows of the n-grams in a batch); its weights start at N(0, 0.1^2), so an
    L2-normalised row gives pre-activations of standard deviation 0.1.
    """

    def __init__(
        self, n_features: int, d_block: int, n_blocks: int, dropout: float, d_out: int
    ) -> None:
        super().__init__()
        self.bag = nn.EmbeddingBag(n_features, d_block, mode="sum", sparse=True)
        nn.init.normal_(self.bag.weight, std=0.1)
        self.bias = nn.Parameter(torch.zeros(d_block))
        layers: list[nn.Module] = [nn.ReLU(), nn.Dropout(dropout)]
        for _ in range(n_blocks - 1):
            layers += [nn.Linear(d_block, d_block), nn.ReLU(), nn.Dropout(dropout)]
        self.blocks = nn.Sequential(*layers)
        self.head = nn.Linear(d_block, d_out)

    def forward(self, cols: Tensor, offsets: Tensor, vals: Tensor) -> Tensor:
        h = self.bag(cols, offsets, per_sample_weights=vals) + self.bias
        return self.head(self.blocks(h))


class TextEncoder(nn.Module):
    """Transformer encoder over subword ids: token + learned position embeddings, pre-norm
    blocks (``nn.TransformerEncoderLayer(norm_first=True)``, GELU), a final LayerNorm, mean
    pooling over real tokens or the ``[CLS]`` (first) position, and a linear head."""

    def __init__(
        self,
        *,
        vocab_size: int,
        max_length: int,
        d_model: int,
        n_layers: int,
        n_heads: int,
        d_ffn: int,
        dropout: float,
        pooling: str,
        d_out: int,
    ) -> None:
        super().__init__()
        self.tokens = nn.Embedding(vocab_size, d_model, padding_idx=0)
        self.positions = nn.Embedding(max_length, d_model)
        nn.init.normal_(self.tokens.weight, std=0.02)
        nn.init.normal_(self.positions.weight, std=0.02)
        with torch.no_grad():
            self.tokens.weight[0].zero_()
        self.dropout = nn.Dropout(dropout)
        layer = nn.TransformerEncoderLayer(
            d_model,
            n_heads,
            d_ffn,
            dropout,
            activation="gelu",
            batch_first=True,
            norm_first=True,
        )
        self.blocks = nn.TransformerEncoder(layer, n_layers, enable_nested_tensor=False)
        self.norm = nn.LayerNorm(d_model)
        self.head = nn.Linear(d_model, d_out)
        self.pooling = pooling

    def forward(self, ids: Tensor, mask: Tensor) -> Tensor:
        """``ids (b, L)`` int64, ``mask (b, L)`` bool (True = a real token) -> ``(b, K)``."""
        pos = torch.arange(ids.shape[1], device=ids.device)
        x = self.dropout(self.tokens(ids) + self.positions(pos)[None])
        x = self.norm(self.blocks(x, src_key_padding_mask=~mask))
        if self.pooling == "cls":
            pooled = x[:, 0]
        else:
            m = mask.unsqueeze(-1).to(x.dtype)
            pooled = (x * m).sum(1) / m.sum(1).clamp_min(1.0)
        return self.head(pooled)


class HFClassifier(nn.Module):
    """A ``transformers`` sequence classifier behind the ``(ids, mask) -> logits`` call."""

    def __init__(self, model: Any) -> None:
        super().__init__()
        self.model = model

    def forward(self, ids: Tensor, mask: Tensor) -> Tensor:
        return self.model(input_ids=ids, attention_mask=mask.long()).logits
