"""The text families: a TF-IDF n-gram MLP, a Transformer encoder and LightGBM on TF-IDF.

The adapters live in ``models/`` and are imported on first use (``Backend.path``).
"""

from __future__ import annotations

from archbench.kinds.base import Backend, FamilyDecl

_MODELS = "archbench.kinds.text.models"
_NEURAL = ("max_epochs", "patience", "batch_size")
_TREES = ("max_rounds", "early_stopping_rounds")

FAMILIES: tuple[FamilyDecl, ...] = (
    FamilyDecl(
        "mlp", "MLP", {"": Backend("MLP (TF-IDF)", f"{_MODELS}.mlp:TextMLPModel")}, 1, _NEURAL
    ),
    FamilyDecl(
        "encoder",
        "Transformer",
        {"": Backend("Transformer encoder", f"{_MODELS}.encoder:TextEncoderModel")},
        0,
        _NEURAL,
    ),
    FamilyDecl(
        "gbdt",
        "GBDT",
        {"": Backend("LightGBM", f"{_MODELS}.gbdt:TextLightGBMModel", cite="ke2017lightgbm")},
        2,
        _TREES,
    ),
)
