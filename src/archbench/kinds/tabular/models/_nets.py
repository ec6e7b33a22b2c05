"""The FT-Transformer network (Gorishniy et al. 2021), written for speed on small tables.

The architecture, parameter shapes, initialisation and parameter groups are those of
``rtdl_revisiting_models.FTTransformer`` (the paper authors' package;
``tests/kinds/tabular/test_models.py``
loads one's weights into the other and checks equal outputs). What differs is how the same
arithmetic is laid out, measured on one CPU thread (``benchmarks/throughput.py``):

- one ``(3d, d)`` query/key/value projection instead of three ``(d, d)`` ones (one matrix
  product per block, one copy to split the heads); the last block projects the queries of the
  [CLS] token only, like rtdl;
- the attention scale is folded into the batched product (``baddbmm``'s ``alpha``);
- on CPU, dropout draws 16 random bits per element from 32-bit integers instead of torch's
  per-element Bernoulli sampler, ~4x cheaper; the drop probability is rounded to a multiple
  of 1/65536 and the kept values are scaled by the exact inverse keep rate (on CUDA, torch's
  fused dropout kernel is used);
- categorical embeddings are one table with per-feature offsets (one lookup, not one per
  feature); dropout layers with probability 0 are skipped.
"""

from __future__ import annotations

import math
from typing import Any, cast

import torch
from torch import Tensor, nn
from torch.nn import functional as F

from archbench.kinds.common.torchops import softmax

_HALF = 32768
_LEVELS = 65536


class _MaskedScale(torch.autograd.Function):
    """``x * mask`` where ``mask`` is a precomputed float tensor; the backward is ``g * mask``."""

    @staticmethod
    def forward(ctx: Any, x: Tensor, mask: Tensor) -> Tensor:
        ctx.save_for_backward(mask)
        return x * mask

    @staticmethod
    def backward(ctx: Any, grad: Tensor) -> tuple[Tensor, None]:
        (mask,) = ctx.saved_tensors
        return grad * mask, None


def dropout(x: Tensor, p: float, training: bool) -> Tensor:
    """Inverted dropout with 16-bit random thresholds (see the module docstring).

    On CUDA, torch's own fused dropout kernel is fast already and is used instead.
    """
    if not training or p == 0.0:
        return x
    if x.device.type != "cpu":
        return F.dropout(x, p, training=True)
    drop = round(p * _LEVELS)
    if drop >= _LEVELS:
        return torch.zeros_like(x)
    n = x.numel()
    bits = torch.empty((n + 1) // 2, dtype=torch.int32, device=x.device)
    bits.random_(-(2**31), 2**31)
    keep = bits.view(torch.int16)[:n].view(x.shape) >= drop - _HALF
    scale = _LEVELS / (_LEVELS - drop)
    mask = keep.to(x.dtype).mul_(scale)
    return _MaskedScale.apply(x, mask)


class _Block(nn.Module):
    def __init__(
        self,
        d: int,
        n_heads: int,
        d_hidden: int,
        attention_dropout: float,
        ffn_dropout: float,
        residual_dropout: float,
        first: bool,
    ) -> None:
        super().__init__()
        self.n_heads = n_heads
        self.attention_dropout = attention_dropout
        self.ffn_dropout = ffn_dropout
        self.residual_dropout = residual_dropout
        self.attention_normalization = None if first else nn.LayerNorm(d)
        self.W_qkv = nn.Linear(d, 3 * d)
        self.W_out = nn.Linear(d, d) if n_heads > 1 else None
        self.ffn_normalization = nn.LayerNorm(d)
        self.linear1 = nn.Linear(d, 2 * d_hidden)
        self.linear2 = nn.Linear(d_hidden, d)
        self._reset_attention()

    def _reset_attention(self) -> None:
        # rtdl: W_q, W_k, W_v (and W_out) are nn.Linear(d, d) with zero biases; a (3d, d)
        # weight drawn as nn.Linear(d, 3d) has the same fan-in and so the same distribution.
        nn.init.zeros_(self.W_qkv.bias)
        if self.W_out is not None:
            nn.init.zeros_(self.W_out.bias)

    def _attention(self, x: Tensor, cls_only: bool) -> Tensor:
        b, t, d = x.shape
        h = self.n_heads
        dh = d // h
        w, bias = self.W_qkv.weight, self.W_qkv.bias
        if cls_only:
            q = F.linear(x[:, :1], w[:d], bias[:d])
            kv = F.linear(x, w[d:], bias[d:])
            tq = 1
            q = q.view(b, 1, h, dh).transpose(1, 2).reshape(b * h, 1, dh)
            kv = kv.view(b, t, 2, h, dh).permute(2, 0, 3, 1, 4).reshape(2, b * h, t, dh)
            k, v = kv.unbind(0)
        else:
            tq = t
            qkv = F.linear(x, w, bias)
            qkv = qkv.view(b, t, 3, h, dh).permute(2, 0, 3, 1, 4).reshape(3, b * h, t, dh)
            q, k, v = qkv.unbind(0)
        logits = torch.baddbmm(
            x.new_zeros(1, 1, 1),
            q,
            k.transpose(1, 2),
            beta=0.0,
            alpha=1.0 / math.sqrt(dh),
        )
        probs = dropout(softmax(logits), self.attention_dropout, self.training)
        out = torch.bmm(probs, v)
        out = out.view(b, h, tq, dh).transpose(1, 2).reshape(b, tq, d)
        return out if self.W_out is None else self.W_out(out)

    def forward(self, x: Tensor, last: bool) -> Tensor:
        z = x if self.attention_normalization is None else self.attention_normalization(x)
        z = dropout(self._attention(z, last), self.residual_dropout, self.training)
        x = (x[:, :1] if last else x) + z
        z = self.linear1(self.ffn_normalization(x))
        a, g = z.chunk(2, dim=-1)
        z = dropout(a * F.relu(g), self.ffn_dropout, self.training)
        z = dropout(self.linear2(z), self.residual_dropout, self.training)
        return x + z


class FTNet(nn.Module):
    """``forward(x_num | None, x_cat | None) -> (batch, d_out)``; [CLS] is the first token."""

    def __init__(
        self,
        *,
        n_num: int,
        cat_cardinalities: list[int],
        d_out: int,
        n_blocks: int,
        d_block: int,
        n_heads: int,
        attention_dropout: float,
        ffn_d_hidden: int,
        ffn_dropout: float,
        residual_dropout: float,
    ) -> None:
        super().__init__()
        if n_num == 0 and not cat_cardinalities:
            raise ValueError("FTNet needs at least one feature")
        bound = d_block**-0.5
        self.cls = nn.Parameter(torch.empty(d_block).uniform_(-bound, bound))
        self.num_weight = self.num_bias = None
        if n_num:
            self.num_weight = nn.Parameter(torch.empty(n_num, d_block).uniform_(-bound, bound))
            self.num_bias = nn.Parameter(torch.empty(n_num, d_block).uniform_(-bound, bound))
        self.cat_table = self.cat_bias = None
        if cat_cardinalities:
            offsets = torch.tensor([0, *cat_cardinalities[:-1]]).cumsum(0)
            self.register_buffer("cat_offsets", offsets, persistent=False)
            total = int(sum(cat_cardinalities))
            self.cat_table = nn.Parameter(torch.empty(total, d_block).uniform_(-bound, bound))
            self.cat_bias = nn.Parameter(
                torch.empty(len(cat_cardinalities), d_block).uniform_(-bound, bound)
            )
        self.blocks = nn.ModuleList(
            _Block(
                d_block,
                n_heads,
                ffn_d_hidden,
                attention_dropout,
                ffn_dropout,
                residual_dropout,
                first=i == 0,
            )
            for i in range(n_blocks)
        )
        self.output_normalization = nn.LayerNorm(d_block)
        self.head = nn.Linear(d_block, d_out)

    def forward(self, x_num: Tensor | None, x_cat: Tensor | None) -> Tensor:
        x_any = x_num if x_num is not None else x_cat
        assert x_any is not None
        parts = [self.cls.expand(x_any.shape[0], 1, -1)]
        if self.num_weight is not None:
            assert x_num is not None and self.num_bias is not None
            parts.append(torch.addcmul(self.num_bias, x_num.unsqueeze(-1), self.num_weight))
        if self.cat_table is not None:
            assert x_cat is not None and self.cat_bias is not None
            offsets = cast(Tensor, self.cat_offsets)
            parts.append(F.embedding(x_cat + offsets, self.cat_table) + self.cat_bias)
        x = torch.cat(parts, dim=1)
        n = len(self.blocks)
        for i, block in enumerate(self.blocks):
            x = block(x, i + 1 == n)
        x = x[:, 0]
        return self.head(F.relu(self.output_normalization(x)))

    def no_weight_decay(self) -> list[nn.Parameter]:
        """rtdl's zero-decay group: embeddings, [CLS], the blocks' normalisation layers and all
        biases (rtdl decays the weight of the output normalisation, and so does this)."""
        out: list[nn.Parameter] = []
        for name, param in self.named_parameters():
            if (
                name.startswith(("cls", "num_", "cat_"))
                or (name.startswith("blocks.") and "normalization" in name)
                or name.endswith(".bias")
            ):
                out.append(param)
        return out
