"""The three family slots every built-in kind fills: an MLP, a Transformer and a GBDT.

A kind names its three families and their backends; what the slots share is stated here
once: the report order (MLP, Transformer, GBDT), the scheduling priority (the Transformer is
the costliest and starts first, then the MLP, then the GBDT) and the ``[families.<name>]``
settings each slot takes (epochs, patience and batch size for the networks; rounds and
early-stopping rounds for the trees).
"""

from __future__ import annotations

from dataclasses import replace

from archbench.kinds.base import Backend, FamilyDecl

__all__ = ["NEURAL_SETTINGS", "TREE_SETTINGS", "one_backend", "three_slots"]

NEURAL_SETTINGS: tuple[str, ...] = ("max_epochs", "patience", "batch_size")
TREE_SETTINGS: tuple[str, ...] = ("max_rounds", "early_stopping_rounds")


def one_backend(label: str, target: str, *, cite: str = "") -> dict[str, Backend]:
    """The backends of a family with a single implementation (``target``: ``module:Class``)."""
    return {"": Backend(label, target, cite=cite)}


def three_slots(
    mlp: FamilyDecl, transformer: FamilyDecl, gbdt: FamilyDecl
) -> tuple[FamilyDecl, ...]:
    """The kind's families in report order, with the slots' cost ranks and settings."""
    return (
        replace(mlp, cost_rank=1, settings=NEURAL_SETTINGS),
        replace(transformer, cost_rank=0, settings=NEURAL_SETTINGS),
        replace(gbdt, cost_rank=2, settings=TREE_SETTINGS),
    )
