"""FT-Transformer (Gorishniy et al. 2021): one token per feature plus [CLS].

The network is ``_ftnet.FTNet``: the architecture, initialisation and parameter groups of the
authors' ``rtdl_revisiting_models.FTTransformer`` (a test loads one's weights into the other and
checks equal outputs), laid out for speed: 1.3x faster per training epoch on one CPU thread at
the default size (``benchmarks/throughput.py``, variant ``rtdl``).

The block is the paper's: pre-norm, 8 attention heads, ReGLU feed-forward with hidden width
``4/3 * d_block``, no weight decay on embeddings, normalisation layers and biases. The search space
of Gorishniy et al. 2021 (1-4 blocks, d_token 64-512) costs minutes per epoch on one CPU core,
so it is narrowed for the CPU time goal: 1-3 blocks of width 32-128 (multiples of the 8 heads),
attention and FFN dropout U(0, 0.5), residual dropout U(0, 0.2) (paper: {0, U(0, 0.2)}), lr
logU(1e-5, 1e-3), weight decay logU(1e-6, 1e-3). The default is the paper's default scaled down
(3 x 192 -> 2 x 64, the dropout of rtdl's 2-block default) with lr 3e-4 instead of 1e-4 because
the epoch cap is 30 instead of hundreds (on flights, lr 3e-4 reached in 5 epochs the validation
AUC that 1e-4 reached in 9); batch 256 as in the paper, patience 5 (paper: 16).

Attention is the explicit softmax(QK^T)V: ``F.scaled_dot_product_attention`` was measured
0.93-0.98x as fast per epoch on this CPU (tokens ~20, head width 8), so it is not used.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar, cast

from optuna.distributions import BaseDistribution, FloatDistribution, IntDistribution

from archbench.kinds.common.params import ADAMW_NOTE, adamw_space, check_transformer
from archbench.kinds.tabular.models._torch import TorchModel
from archbench.kinds.tabular.prepare import FeatureInfo

if TYPE_CHECKING:
    from torch import nn

N_HEADS = 8
FFN_MULTIPLIER = 4 / 3


class FTTransformerModel(TorchModel):
    """Feature Tokenizer + Transformer."""

    family: ClassVar[str] = "ft_transformer"
    fixed_defaults: ClassVar[dict[str, Any]] = {
        **TorchModel.fixed_defaults,
        "max_epochs": 30,
        "patience": 5,
    }

    defaults: ClassVar[dict[str, Any]] = {
        "n_blocks": 2,
        "d_block": 64,
        "attention_dropout": 0.15,
        "ffn_dropout": 0.05,
        "residual_dropout": 0.0,
        "lr": 3e-4,
        "weight_decay": 1e-5,
    }

    space: ClassVar[dict[str, BaseDistribution]] = {
        "n_blocks": IntDistribution(1, 3),
        "d_block": IntDistribution(32, 128, step=N_HEADS),
        "attention_dropout": FloatDistribution(0.0, 0.5),
        "ffn_dropout": FloatDistribution(0.0, 0.5),
        "residual_dropout": FloatDistribution(0.0, 0.2),
        **adamw_space(lr=(1e-5, 1e-3), weight_decay=(1e-6, 1e-3)),
    }
    space_notes: ClassVar[dict[str, str]] = {
        "n_blocks": "(paper: 1-4)",
        "d_block": "(paper: 64-512)",
        "residual_dropout": "(paper: {0, U(0, 0.2)})",
        "fixed": "8 heads, ReGLU FFN of width 4/3 d_block, pre-norm (rtdl defaults)",
        "optimizer": ADAMW_NOTE,
    }

    def _check(self, params: dict[str, Any]) -> None:
        check_transformer(
            self.family,
            params,
            sizes=("n_blocks", "d_block"),
            width="d_block",
            dropouts=("attention_dropout", "ffn_dropout", "residual_dropout"),
            n_heads=N_HEADS,
        )

    def _build(self, params: dict[str, Any], info: FeatureInfo, d_out: int) -> nn.Module:
        from archbench.kinds.tabular.models._nets import FTNet

        return FTNet(
            n_num=len(info.num_names),
            cat_cardinalities=list(info.cat_cardinalities),
            d_out=d_out,
            n_blocks=params["n_blocks"],
            d_block=params["d_block"],
            n_heads=N_HEADS,
            attention_dropout=params["attention_dropout"],
            ffn_d_hidden=int(params["d_block"] * FFN_MULTIPLIER),
            ffn_dropout=params["ffn_dropout"],
            residual_dropout=params["residual_dropout"],
        )

    def _param_groups(self, module: nn.Module, weight_decay: float) -> list[dict[str, Any]]:
        """rtdl's groups (no decay on embeddings, norms, biases) in a deterministic order."""
        from archbench.kinds.tabular.models._nets import FTNet

        no_decay = {id(q) for q in cast(FTNet, module).no_weight_decay()}
        params = list(module.parameters())
        return [
            {"params": [q for q in params if id(q) not in no_decay], "weight_decay": weight_decay},
            {"params": [q for q in params if id(q) in no_decay], "weight_decay": 0.0},
        ]
