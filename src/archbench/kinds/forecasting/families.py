"""The forecasting families: N-HiTS-style MLP, PatchTST and LightGBM on lags, declared by slot.

The adapters live in ``models/`` and are imported on first use (``Backend.path``).
"""

from __future__ import annotations

from archbench.kinds.base import Backend, FamilyDecl

_MODELS = "archbench.kinds.forecasting.models"
_NEURAL = ("max_epochs", "patience", "batch_size")
_TREES = ("max_rounds", "early_stopping_rounds")
FAMILIES: tuple[FamilyDecl, ...] = (
    FamilyDecl(
        "mlp", "MLP (N-HiTS)",
        {"": Backend("N-HiTS MLP", f"{_MODELS}.mlp:NHiTSModel", cite="challu2023nhits")}, 1,
        _NEURAL,
    ),
    FamilyDecl(
        "patchtst", "PatchTST",
        {"": Backend("PatchTST", f"{_MODELS}.patchtst:PatchTSTModel", cite="nie2023patchtst")}, 0,
        _NEURAL,
    ),
    FamilyDecl(
        "gbdt", "GBDT (LightGBM)",
        {"": Backend("LightGBM", f"{_MODELS}.gbdt:LightGBMForecaster", cite="ke2017lightgbm")}, 2,
        _TREES,
    ),
)  # fmt: skip
