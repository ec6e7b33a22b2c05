"""Tensor operations shared by the kinds' PyTorch networks (imported lazily: imports torch)."""

from __future__ import annotations

from typing import Any

import torch
from torch import Tensor

__all__ = ["softmax"]

#: Below this many entries per row, torch's CPU softmax leaves its vectorised path.
NARROW = 16


class _NarrowSoftmax(torch.autograd.Function):
    """Softmax over the last dimension from elementwise kernels: ``exp(x - max) / sum``, and
    the backward ``p * (g - sum(g * p))``."""

    @staticmethod
    def forward(ctx: Any, x: Tensor) -> Tensor:
        p = (x - x.amax(-1, keepdim=True)).exp_()
        p = p.div_(p.sum(-1, keepdim=True))
        ctx.save_for_backward(p)
        return p

    @staticmethod
    def backward(ctx: Any, grad: Tensor) -> Tensor:
        (p,) = ctx.saved_tensors
        return p * (grad - (grad * p).sum(-1, keepdim=True))


def softmax(x: Tensor) -> Tensor:
    """``torch.softmax(x, -1)``, computed by hand on CPU for rows narrower than 16.

    torch's CPU softmax kernel vectorises along the row; a row of fewer than 16 floats (an
    FT-Transformer's 10-20 feature tokens, PatchTST's 10-15 patches) falls to a scalar loop:
    on one thread here, 25 ms forward for 2 million entries in rows of 15 against 4.7 ms from
    ``amax``, ``exp``, ``sum`` and ``div``, and 2.2 ms against 0.34 ms backward for
    (2048, 15, 15). Wider rows keep torch's kernel (faster from 16 on). Same values up to
    float rounding (~1e-7); a row of all -inf gives NaN in both.
    """
    if x.device.type != "cpu" or x.shape[-1] >= NARROW:
        return torch.softmax(x, dim=-1)
    return _NarrowSoftmax.apply(x)  # type: ignore[no-any-return]
