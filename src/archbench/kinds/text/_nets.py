"""The networks of the neural text families (imported lazily: this module imports torch)."""

from __future__ import annotations

import sys
from typing import Any

import torch
from torch import Tensor, nn
from torch.nn import functional as F


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


#: Index of the int16 field holding the top 16 bits of an int64 (15 random bits, sign 0).
_HIGH = 3 if sys.byteorder == "little" else 0


def fast_dropout(x: Tensor, p: float, training: bool) -> Tensor:
    """Inverted dropout whose mask costs a quarter of an integer draw per element.

    ``torch.nn.functional.dropout`` draws one Bernoulli variate per element on CPU (~4 ns
    each here). This draws 63-bit integers and reads each as four 16-bit fields (three of 16
    random bits, one of 15), so an element is dropped with probability
    ``round(32768 p) / 32768`` (0.1 -> 0.100006) and kept ones are scaled by the inverse of
    the keep rate. Same global generator, so same seed => same masks.
    """
    if not training or p == 0.0:
        return x
    n = x.numel()
    q = (n + 3) // 4
    threshold = round(p * 32768)
    fields = torch.empty(q, dtype=torch.int64, device=x.device).random_()
    fields = fields.view(torch.int16).view(q, 4)
    keep = torch.empty(4 * q, dtype=torch.bool, device=x.device)
    for j in range(4):  # P(field >= bound) = 1 - threshold / 32768 for both kinds of field
        bound = threshold if j == _HIGH else 2 * threshold - 32768
        torch.ge(fields[:, j], bound, out=keep[j * q : (j + 1) * q])
    return x * (keep[:n].view(x.shape) * (1.0 / (1.0 - threshold / 32768)))


def _scores(q: Tensor, k: Tensor, keep: Tensor | None) -> Tensor:
    """Scaled attention scores ``(b, h, L, L)``, -inf at padded keys (one fused matmul)."""
    b, h, length, dh = q.shape
    q3, k3 = q.reshape(b * h, length, dh), k.reshape(b * h, length, dh).transpose(1, 2)
    if keep is None:
        s = torch.bmm(q3, k3).mul_(dh**-0.5)
    else:
        bias = torch.zeros(keep.shape, dtype=q.dtype, device=q.device).masked_fill_(
            ~keep, float("-inf")
        )
        bias = bias.expand(b, h, 1, length).reshape(b * h, 1, length)
        s = torch.baddbmm(bias, q3, k3, alpha=dh**-0.5)
    return s.view(b, h, length, length)


class EncoderBlock(nn.Module):
    """Pre-norm Transformer block: ``x + drop(proj(attn(norm1 x)))``, then
    ``x + drop(ff2(drop(gelu(ff1(norm2 x)))))``, with dropout on the attention weights.

    The same network and initialisation as ``nn.TransformerEncoderLayer(norm_first=True,
    activation="gelu")`` (one fused QKV projection, Xavier-uniform, zero biases), written so
    that a batch without padding does no mask work, attention without dropout (inference)
    runs through ``scaled_dot_product_attention``'s fused CPU kernel, and dropout uses
    ``fast_dropout``.
    """

    def __init__(self, d_model: int, n_heads: int, d_ffn: int, dropout: float) -> None:
        super().__init__()
        self.n_heads, self.p = n_heads, dropout
        self.norm1 = nn.LayerNorm(d_model)
        self.qkv = nn.Linear(d_model, 3 * d_model)
        self.proj = nn.Linear(d_model, d_model)
        self.norm2 = nn.LayerNorm(d_model)
        self.ff1 = nn.Linear(d_model, d_ffn)
        self.ff2 = nn.Linear(d_ffn, d_model)
        nn.init.xavier_uniform_(self.qkv.weight)
        nn.init.zeros_(self.qkv.bias)
        nn.init.zeros_(self.proj.bias)

    def forward(self, x: Tensor, keep: Tensor | None) -> Tensor:
        """``x (b, L, d)``; ``keep (b, 1, 1, L)`` bool (True = a real key) or None."""
        b, length, d = x.shape
        qkv = self.qkv(self.norm1(x)).view(b, length, 3, self.n_heads, d // self.n_heads)
        q, k, v = qkv.permute(2, 0, 3, 1, 4)
        p = self.p if self.training else 0.0
        if p == 0.0:
            a = F.scaled_dot_product_attention(q, k, v, attn_mask=keep)
        else:
            a = fast_dropout(_scores(q, k, keep).softmax(-1), p, True) @ v
        x = x + fast_dropout(self.proj(a.transpose(1, 2).reshape(b, length, d)), p, self.training)
        h = fast_dropout(F.gelu(self.ff1(self.norm2(x))), p, self.training)
        return x + fast_dropout(self.ff2(h), p, self.training)


class TextEncoder(nn.Module):
    """Transformer encoder over subword ids: token + learned position embeddings, pre-norm
    ``EncoderBlock``s, a final LayerNorm, mean pooling over real tokens or the ``[CLS]``
    (first) position, and a linear head."""

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
        self.p = dropout
        self.blocks = nn.ModuleList(
            EncoderBlock(d_model, n_heads, d_ffn, dropout) for _ in range(n_layers)
        )
        self.norm = nn.LayerNorm(d_model)
        self.head = nn.Linear(d_model, d_out)
        self.pooling = pooling

    def forward(self, ids: Tensor, mask: Tensor | None) -> Tensor:
        """``ids (b, L)`` int64, ``mask (b, L)`` bool (True = a real token; None = no padding)
        -> ``(b, K)`` logits."""
        pos = torch.arange(ids.shape[1], device=ids.device)
        x = fast_dropout(self.tokens(ids) + self.positions(pos)[None], self.p, self.training)
        keep = None if mask is None else mask[:, None, None, :]
        for block in self.blocks:
            x = block(x, keep)
        x = self.norm(x)
        if self.pooling == "cls":
            pooled = x[:, 0]
        elif mask is None:
            pooled = x.mean(1)
        else:
            m = mask.unsqueeze(-1).to(x.dtype)
            pooled = (x * m).sum(1) / m.sum(1).clamp_min(1.0)
        return self.head(pooled)


class HFClassifier(nn.Module):
    """A ``transformers`` sequence classifier behind the ``(ids, mask) -> logits`` call."""

    def __init__(self, model: Any) -> None:
        super().__init__()
        self.model = model

    def forward(self, ids: Tensor, mask: Tensor | None) -> Tensor:
        attention = None if mask is None else mask.long()
        return self.model(input_ids=ids, attention_mask=attention).logits
