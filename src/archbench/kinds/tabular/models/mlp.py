"""MLP: ReLU blocks (``rtdl_revisiting_models.MLP``) over numeric features and category embeddings.

Search space after Gorishniy et al. 2021 ("Revisiting Deep Learning Models for Tabular Data"),
narrowed so the default run fits the CPU time goal: 1-4 blocks (paper: 1-8) of width 32-512
(log-uniform, paper: uniform 1-512), dropout U(0, 0.5), lr logU(1e-5, 1e-2), weight decay
logU(1e-6, 1e-3). The paper's "{0, ...}" branches for dropout and weight decay are plain ranges
here (0 is inside the dropout range; 1e-6 is weight decay in name only), so the default
configuration can be enqueued as the first trial. Default: 3 x 256, dropout 0.1, lr 1e-3,
weight decay 1e-5, batch 256, at most 100 epochs with patience 16 (the paper's batch and patience).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar, cast

from optuna.distributions import BaseDistribution

from archbench.kinds.common.params import ADAMW_NOTE, check_mlp, mlp_space
from archbench.kinds.tabular.models._torch import TorchModel
from archbench.kinds.tabular.prepare import FeatureInfo

if TYPE_CHECKING:
    import torch
    from torch import nn


def cat_embedding_dim(cardinality: int) -> int:
    """Embedding width for a column with ``cardinality`` codes (the 0 slot included)."""
    return max(1, min(16, (cardinality + 1) // 2))


class MLPModel(TorchModel):
    """Multilayer perceptron; categorical codes go through one ``nn.Embedding`` per column."""

    family: ClassVar[str] = "mlp"

    defaults: ClassVar[dict[str, Any]] = {
        "n_blocks": 3,
        "d_block": 256,
        "dropout": 0.1,
        "lr": 1e-3,
        "weight_decay": 1e-5,
    }

    space: ClassVar[dict[str, BaseDistribution]] = mlp_space(
        max_blocks=4, d_block=(32, 512), lr=(1e-5, 1e-2)
    )
    space_notes: ClassVar[dict[str, str]] = {
        "n_blocks": "(paper: 1-8)",
        "d_block": "(paper: 1-512)",
        "categorical": "nn.Embedding per column, width min(16, (cardinality + 1) // 2)",
        "optimizer": ADAMW_NOTE,
    }

    def _check(self, params: dict[str, Any]) -> None:
        check_mlp(params)

    def _build(self, params: dict[str, Any], info: FeatureInfo, d_out: int) -> nn.Module:
        import rtdl_revisiting_models as rtdl
        from torch import nn

        dims = [cat_embedding_dim(c) for c in info.cat_cardinalities]
        embeddings = [nn.Embedding(c, d) for c, d in zip(info.cat_cardinalities, dims, strict=True)]
        mlp = rtdl.MLP(
            d_in=len(info.num_names) + sum(dims),
            d_out=d_out,
            n_blocks=params["n_blocks"],
            d_block=params["d_block"],
            dropout=params["dropout"],
        )
        return nn.ModuleDict({"embeddings": nn.ModuleList(embeddings), "mlp": mlp})

    def _net_forward(
        self, module: nn.Module, x_num: torch.Tensor | None, x_cat: torch.Tensor | None
    ) -> torch.Tensor:
        import torch

        parts = [] if x_num is None else [x_num]
        if x_cat is not None:
            embeddings = cast("nn.ModuleList", module.get_submodule("embeddings"))
            parts.extend(emb(x_cat[:, i]) for i, emb in enumerate(embeddings))
        x = parts[0] if len(parts) == 1 else torch.cat(parts, dim=1)
        return cast("torch.Tensor", module.get_submodule("mlp")(x))
