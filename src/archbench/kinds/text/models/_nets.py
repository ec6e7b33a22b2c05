"""The networks of the neural text families (imported lazily: this module imports torch)."""

from __future__ import annotations

import math
from typing import Any

import torch
from torch import Tensor, nn
from torch.nn import functional as F

from archbench.kinds.common.torchops import softmax


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


def keep_mask(shape: tuple[int, ...], p: float, device: torch.device) -> tuple[Tensor, float]:
    """An inverted-dropout mask as float 0/1 and its scale ``1 / keep rate``.

    ``torch.nn.functional.dropout`` draws one Bernoulli variate per element on CPU (~4 ns
    each here). This draws 64 random bits per four elements (``random_`` over the full int64
    range) and compares their 16-bit fields, read as int16, straight into a float tensor in
    one pass, so an element is dropped with probability ``round(32768 p) / 32768``
    (0.1 -> 0.100006). The scale is left to the caller to fold into the next operation (a
    matrix product's ``alpha``, a residual ``addcmul``'s ``value``, a projection's rows)
    rather than spent on a pass over the mask. Same global generator, so same seed => same
    masks.
    """
    n = math.prod(shape)
    q = (n + 3) // 4
    threshold = round(p * 32768)
    fields = torch.empty(q, dtype=torch.int64, device=device).random_(-(2**63), None)
    keep = torch.empty(4 * q, dtype=torch.float32, device=device)
    # int16 fields are uniform on [-32768, 32767]: P(field >= bound) = 1 - threshold / 32768
    torch.ge(fields.view(torch.int16), 2 * threshold - 32768, out=keep)
    return keep[:n].view(shape), 1.0 / (1.0 - threshold / 32768)


def fast_dropout(x: Tensor, p: float, training: bool) -> Tensor:
    """Inverted dropout with a ``keep_mask`` (the same rate, scale and seed behaviour)."""
    if not training or p == 0.0:
        return x
    keep, scale = keep_mask(tuple(x.shape), p, x.device)
    return (x * keep.to(x.dtype)).mul_(scale)


def _linear(x: Tensor, layer: nn.Linear, alpha: float = 1.0) -> Tensor:
    """``alpha * (x @ W.T) + b`` in one fused product (``alpha`` = a dropout's scale)."""
    out = torch.addmm(layer.bias, x.reshape(-1, x.shape[-1]), layer.weight.t(), alpha=alpha)
    return out.view(*x.shape[:-1], out.shape[-1])


def _key_bias(keep: Tensor, n_heads: int) -> Tensor:
    """``(b * h, 1, L)`` additive score bias: 0 at real keys, -inf at padding."""
    b, length = keep.shape[0], keep.shape[-1]
    bias = torch.zeros(keep.shape, dtype=torch.float32, device=keep.device)
    bias.masked_fill_(~keep, float("-inf"))
    return bias.expand(b, n_heads, 1, length).reshape(b * n_heads, 1, length)


class EncoderBlock(nn.Module):
    """Pre-norm Transformer block: ``x + drop(proj(attn(norm1 x)))``, then
    ``x + drop(ff2(drop(gelu(ff1(norm2 x)))))``, with dropout on the attention weights.

    The same network and initialisation as ``nn.TransformerEncoderLayer(norm_first=True,
    activation="gelu")`` (one fused QKV projection, Xavier-uniform, zero biases), written so
    that a batch without padding does no mask work, attention without dropout (inference)
    runs through ``scaled_dot_product_attention``'s fused CPU kernel, dropout masks come from
    ``keep_mask``, and no pass over the ``(b, h, L, L)`` attention tensors multiplies by a
    constant (the scales are folded into the projection rows; see ``forward``).
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
        p = self.p if self.training else 0.0
        if p == 0.0:
            qkv = self.qkv(self.norm1(x)).view(b, length, 3, self.n_heads, d // self.n_heads)
            q, k, v = qkv.permute(2, 0, 3, 1, 4)
            a = F.scaled_dot_product_attention(q, k, v, attn_mask=keep)
            x = x + self.proj(a.transpose(1, 2).reshape(b, length, d))
            return x + self.ff2(F.gelu(self.ff1(self.norm2(x))))
        # Training with dropout. Every scale goes where it costs least: the 1/sqrt(d_head) of
        # the scores and the attention dropout's 1/keep-rate into the query and value rows
        # of the (small) projection, so no pass over the (b, h, L, L) tensors multiplies by
        # a constant, forward or backward; the other masks' scales into the next product or
        # the residual sum.
        h, dh = self.n_heads, d // self.n_heads
        m, scale = keep_mask((b * h, length, length), p, x.device)
        rows = x.new_tensor([dh**-0.5, 1.0, scale]).repeat_interleave(d)
        qkv = torch.addmm(
            self.qkv.bias * rows, self.norm1(x).view(-1, d), self.qkv.weight.t() * rows
        ).view(b, length, 3, h, dh)
        q, k, v = (t.reshape(b * h, length, dh) for t in qkv.permute(2, 0, 3, 1, 4))
        if keep is None:
            s = torch.bmm(q, k.transpose(1, 2))
        else:
            s = torch.baddbmm(_key_bias(keep, h), q, k.transpose(1, 2))
        a = torch.bmm(softmax(s) * m, v)
        a = self.proj(a.view(b, h, length, d // h).transpose(1, 2).reshape(b, length, d))
        m, scale = keep_mask(tuple(a.shape), p, x.device)
        x = torch.addcmul(x, a, m, value=scale)
        m, scale = keep_mask((b, length, self.ff1.out_features), p, x.device)
        f = F.gelu(self.ff1(self.norm2(x))) * m
        f = _linear(f, self.ff2, alpha=scale)
        m, scale = keep_mask(tuple(f.shape), p, x.device)
        return torch.addcmul(x, f, m, value=scale)


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
