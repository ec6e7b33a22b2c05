"""The torch modules of the neural forecasters (imported only when a network is built).

* :class:`Dropout`: inverted dropout drawn from ``torch.rand_like``.
* :func:`revin`: reversible instance normalisation of a context window (Kim et al. 2022).
* :class:`NHiTS`: residual MLP blocks with multi-rate pooling and interpolated forecasts.
* :class:`PatchTST`: patching, a BatchNorm Transformer encoder with residual attention, a
  flatten head (Nie et al. 2023).

Every network maps ``x (B, C)`` (and ``cov (B, F)`` or None) to ``(B, H)`` in the units of
``x``.
"""

from __future__ import annotations

import math
from typing import Any

import torch
from torch import nn
from torch.nn import functional as F

from archbench.kinds.common.torchops import softmax


class Dropout(nn.Module):
    """Inverted dropout from a uniform draw: the distribution of ``nn.Dropout`` at lower CPU
    cost (``bernoulli_`` took 30% of a PatchTST training step on this CPU; with this module and
    BatchNorm without transposes a step went from 58 to 43 ms, 1 thread)."""

    def __init__(self, rate: float) -> None:
        super().__init__()
        self.rate = rate

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if not self.training or self.rate == 0.0:
            return x
        # in-place ge_ keeps the float dtype: the mask is 0 or 1 / (1 - rate), no copy
        mask = torch.rand_like(x).ge_(self.rate).mul_(1.0 / (1.0 - self.rate))
        return x * mask


def revin(x: torch.Tensor, eps: float = 1e-5) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """``x (B, C)`` -> (normalised x, mean (B, 1), std (B, 1)), statistics detached."""
    mean = x.mean(dim=1, keepdim=True).detach()
    std = (x.var(dim=1, keepdim=True, unbiased=False) + eps).sqrt().detach()
    return (x - mean) / std, mean, std


# ----------------------------------------------------------------------------- N-HiTS
class NHiTSBlock(nn.Module):
    """Pool the residual input, an MLP, a full backcast and an interpolated forecast."""

    def __init__(self, p: dict[str, Any], context: int, horizon: int, n_cov: int,
                 pool: int, down: int) -> None:  # fmt: skip
        super().__init__()
        self.context, self.horizon = context, horizon
        self.pool = nn.MaxPool1d(pool, stride=pool, ceil_mode=True) if pool > 1 else None
        d_in = math.ceil(context / pool) + n_cov
        layers: list[nn.Module] = []
        for i in range(p["n_layers"]):
            layers += [nn.Linear(d_in if i == 0 else p["width"], p["width"]), nn.ReLU()]
            if p["dropout"] > 0:
                layers.append(Dropout(p["dropout"]))
        self.mlp = nn.Sequential(*layers)
        self.n_forecast = max(horizon // down, 1)
        self.head = nn.Linear(p["width"], context + self.n_forecast)

    def forward(
        self, r: torch.Tensor, cov: torch.Tensor | None
    ) -> tuple[torch.Tensor, torch.Tensor]:
        x = r if self.pool is None else self.pool(r.unsqueeze(1)).squeeze(1)
        if cov is not None:
            x = torch.cat([x, cov], dim=1)
        theta = self.head(self.mlp(x))
        back, fore = theta[:, : self.context], theta[:, self.context :]
        if self.n_forecast != self.horizon:
            fore = F.interpolate(fore.unsqueeze(1), size=self.horizon, mode="linear").squeeze(1)
        return back, fore


class NHiTS(nn.Module):
    """Blocks in sequence: each removes its backcast from the input and adds its forecast."""

    def __init__(
        self,
        p: dict[str, Any],
        context: int,
        horizon: int,
        n_cov: int,
        schedule: tuple[tuple[int, int], ...],
    ) -> None:
        super().__init__()
        self.horizon = horizon
        self.blocks = nn.ModuleList(
            NHiTSBlock(p, context, horizon, n_cov, pool, down) for pool, down in schedule
        )

    def forward(self, x: torch.Tensor, cov: torch.Tensor | None) -> torch.Tensor:
        r, mean, std = revin(x)
        out = torch.zeros(x.shape[0], self.horizon, device=x.device, dtype=x.dtype)
        for block in self.blocks:
            back, fore = block(r, cov)
            r = r - back
            out = out + fore
        return out * std + mean


# ----------------------------------------------------------------------------- PatchTST
class BatchNormD(nn.Module):
    """BatchNorm1d over the model dimension of ``(B, N, d)``: statistics over batch and patches
    per channel, as the reference's transpose-BatchNorm-transpose, without the two copies."""

    def __init__(self, d: int) -> None:
        super().__init__()
        self.d = d
        self.bn = nn.BatchNorm1d(d)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.bn(x.reshape(-1, self.d)).view(x.shape)


class EncoderLayer(nn.Module):
    """Multi-head attention with residual scores, BatchNorm, GELU feed-forward."""

    def __init__(self, p: dict[str, Any]) -> None:
        super().__init__()
        d = self.d = p["d_model"]
        self.heads, self.pre = p["n_heads"], p["pre_norm"]
        self.qkv = nn.Linear(d, 3 * d)
        self.proj = nn.Linear(d, d)
        self.drop_attn = Dropout(p["dropout"])
        self.norm_attn = BatchNormD(d)
        self.ff = nn.Sequential(
            nn.Linear(d, p["d_ff"]), nn.GELU(), Dropout(p["dropout"]), nn.Linear(p["d_ff"], d)
        )
        self.drop_ff = Dropout(p["dropout"])
        self.norm_ff = BatchNormD(d)

    def attend(
        self, x: torch.Tensor, prev: torch.Tensor | None
    ) -> tuple[torch.Tensor, torch.Tensor]:
        b, n, d = x.shape
        dk = d // self.heads
        q, k, v = self.qkv(x).view(b, n, 3, self.heads, dk).permute(2, 0, 3, 1, 4)
        scores = (q @ k.transpose(-2, -1)) * dk**-0.5
        if prev is not None:
            scores = scores + prev
        out = (softmax(scores) @ v).transpose(1, 2).reshape(b, n, d)
        return self.proj(out), scores

    def forward(
        self, x: torch.Tensor, prev: torch.Tensor | None
    ) -> tuple[torch.Tensor, torch.Tensor]:
        pre = self.pre
        a, scores = self.attend(self.norm_attn(x) if pre else x, prev)
        x = x + self.drop_attn(a)
        x = x if pre else self.norm_attn(x)
        x = x + self.drop_ff(self.ff(self.norm_ff(x) if pre else x))
        return (x if pre else self.norm_ff(x)), scores


class PatchTST(nn.Module):
    """RevIN, end padding, patches, linear embedding + learned positions, encoder, flatten head."""

    def __init__(
        self, p: dict[str, Any], context: int, horizon: int, geometry: tuple[int, int, int]
    ) -> None:
        super().__init__()
        self.plen, self.stride, n_patches = geometry
        d = p["d_model"]
        self.pad = nn.ReplicationPad1d((0, self.stride))
        self.embed = nn.Linear(self.plen, d)
        self.pos = nn.Parameter(torch.empty(n_patches, d).uniform_(-0.02, 0.02))
        self.drop = Dropout(p["dropout"])
        self.layers = nn.ModuleList(EncoderLayer(p) for _ in range(p["n_layers"]))
        self.head = nn.Sequential(
            nn.Flatten(start_dim=1), Dropout(p["head_dropout"]), nn.Linear(n_patches * d, horizon)
        )

    def forward(self, x: torch.Tensor, cov: torch.Tensor | None = None) -> torch.Tensor:
        z, mean, std = revin(x)
        patches = self.pad(z.unsqueeze(1)).squeeze(1).unfold(-1, self.plen, self.stride)
        h = self.drop(self.embed(patches) + self.pos)
        scores = None
        for layer in self.layers:
            h, scores = layer(h, scores)
        return self.head(h) * std + mean
