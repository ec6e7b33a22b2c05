"""The text families: a TF-IDF n-gram MLP, a Transformer encoder and LightGBM on TF-IDF.

The adapters live in ``models/`` and are imported on first use (``Backend.path``).
"""

from __future__ import annotations

from archbench.kinds.base import FamilyDecl
from archbench.kinds.common.families import one_backend, three_slots

_MODELS = "archbench.kinds.text.models"

FAMILIES: tuple[FamilyDecl, ...] = three_slots(
    FamilyDecl("mlp", "MLP", one_backend("MLP (TF-IDF)", f"{_MODELS}.mlp:TextMLPModel")),
    FamilyDecl(
        "encoder",
        "Transformer",
        one_backend("Transformer encoder", f"{_MODELS}.encoder:TextEncoderModel"),
    ),
    FamilyDecl(
        "gbdt",
        "GBDT",
        one_backend("LightGBM", f"{_MODELS}.gbdt:TextLightGBMModel", cite="ke2017lightgbm"),
    ),
)
