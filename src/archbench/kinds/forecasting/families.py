"""The forecasting families: N-HiTS-style MLP, PatchTST and LightGBM on lags, declared by slot.

The adapters live in ``models/`` and are imported on first use (``Backend.path``).
"""

from __future__ import annotations

from archbench.kinds.base import FamilyDecl
from archbench.kinds.common.families import one_backend, three_slots

_MODELS = "archbench.kinds.forecasting.models"

FAMILIES: tuple[FamilyDecl, ...] = three_slots(
    FamilyDecl(
        "mlp", "MLP (N-HiTS)",
        one_backend("N-HiTS MLP", f"{_MODELS}.mlp:NHiTSModel", cite="challu2023nhits"),
    ),
    FamilyDecl(
        "patchtst", "PatchTST",
        one_backend("PatchTST", f"{_MODELS}.patchtst:PatchTSTModel", cite="nie2023patchtst"),
    ),
    FamilyDecl(
        "gbdt", "GBDT (LightGBM)",
        one_backend("LightGBM", f"{_MODELS}.gbdt:LightGBMForecaster", cite="ke2017lightgbm"),
    ),
)  # fmt: skip
