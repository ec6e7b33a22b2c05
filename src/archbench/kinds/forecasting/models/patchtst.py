"""PatchTST (Nie et al., ICLR 2023), written from the paper and its reference code's defaults.

RevIN normalises each context window; the window is padded at the end by repeating its last
value ``patch_stride`` times and cut into patches of ``patch_len`` with step ``patch_stride``
(16 and 8 by default; both shrink to fit a short context: ``patch_len <= context``,
``patch_stride <= patch_len``). A linear map embeds each patch in ``d_model``, a learnable
positional encoding is added, and ``n_layers`` Transformer encoder layers follow, as in the
reference: multi-head attention with residual attention scores (each layer adds the previous
layer's pre-softmax scores, the reference's ``res_attention``), BatchNorm over ``d_model``,
GELU feed-forward, dropout on both residual branches, post-norm by default (``pre_norm``
switches). The flatten head maps all patch embeddings to the ``H`` forecasts. MSE loss (the
paper's), AdamW, early stopping on the validation MASE.

Channel independence: each series (channel) is forecast from its own past only, with shared
weights; covariates are therefore not read (in the paper every channel forecasts itself, and
a covariate channel's forecast would not feed the target's).

Default: the paper's small-data configuration (ILI/ETTh1/ETTh2): 3 layers, d_model 16,
4 heads, FFN 128, dropout 0.2, patches 16/8. The paper trains it with lr 1e-4 for up to 100
epochs (batch 128); here lr is 1e-3 with batch 256: on the weather task (1 thread) that reached
the same validation MASE (0.573 vs 0.572) in 16 epochs and 13 s instead of 79 epochs and 80 s.
The search space is sized for a 2-core CPU: patches of 8 (twice the tokens) and learning rates
below 3e-4 (40+ epochs) made sampled trials cost 3-4x the default
(``benchmarks/results/forecast_sizing.json``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from optuna.distributions import (
    BaseDistribution,
    CategoricalDistribution,
    FloatDistribution,
    IntDistribution,
)

from archbench.kinds.common.params import adamw_space, check_transformer
from archbench.kinds.forecasting.models._train import WindowNetModel
from archbench.kinds.forecasting.splits import ForecastInfo

if TYPE_CHECKING:
    from torch import nn


def patch_geometry(context: int, patch_len: int, patch_stride: int) -> tuple[int, int, int]:
    """``(patch_len, stride, n_patches)`` adapted to ``context`` (end padding of one stride)."""
    plen = min(patch_len, context)
    stride = max(1, min(patch_stride, plen))
    return plen, stride, (context - plen) // stride + 2


class PatchTSTModel(WindowNetModel):
    """The Transformer family of the forecasting kind."""

    family: ClassVar[str] = "patchtst"
    loss: ClassVar[str] = "mse"
    uses_covariates: ClassVar[bool] = False

    defaults: ClassVar[dict[str, Any]] = {
        "n_layers": 3,
        "d_model": 16,
        "n_heads": 4,
        "d_ff": 128,
        "dropout": 0.2,
        "head_dropout": 0.0,
        "patch_len": 16,
        "patch_stride": 8,
        "pre_norm": False,
        "lr": 1e-3,
        "weight_decay": 1e-6,
    }

    #: ``patch_len`` is drawn first (the sampler has always seen this order); ``tie`` sets the
    #: stride from it and lists the keys in the order of ``default_params()``.
    space: ClassVar[dict[str, BaseDistribution]] = {
        "patch_len": CategoricalDistribution([16, 24]),
        "n_layers": IntDistribution(1, 3),
        "d_model": CategoricalDistribution([16, 32, 64]),
        "n_heads": CategoricalDistribution([2, 4]),
        "d_ff": CategoricalDistribution([64, 128, 256]),
        "dropout": FloatDistribution(0.0, 0.3),
        "head_dropout": FloatDistribution(0.0, 0.3),
        **adamw_space(lr=(3e-4, 3e-3), weight_decay=(1e-6, 1e-3)),
    }
    space_notes: ClassVar[dict[str, str]] = {"patch_len": ", stride half"}

    @staticmethod
    def tie(params: dict[str, Any]) -> dict[str, Any]:
        tied = {**params, "patch_stride": params["patch_len"] // 2, "pre_norm": False}
        return {k: tied[k] for k in PatchTSTModel.default_params()}

    def _check(self, p: dict[str, Any]) -> None:
        sizes = ("n_layers", "d_model", "n_heads", "d_ff", "patch_len", "patch_stride")
        check_transformer(self.family, p, sizes=sizes, width="d_model", dropouts=("head_dropout",))

    def _build(self, p: dict[str, Any], info: ForecastInfo, n_cov: int) -> nn.Module:
        from archbench.kinds.forecasting.models._nets import PatchTST

        geometry = patch_geometry(info.context, p["patch_len"], p["patch_stride"])
        return PatchTST(p, info.context, info.horizon, geometry)
