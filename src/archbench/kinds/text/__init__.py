"""The text-classification kind (layer: kinds): documents with a label and a shifted domain.

``kind`` declares it; ``models/`` holds the TF-IDF MLP, the Transformer encoder and LightGBM on
TF-IDF; ``data``, ``tasks``, ``splits``, ``prepare``, ``metrics``, ``references``, ``report``
and ``templates`` the rest of its shape.
"""

from __future__ import annotations

from archbench.kinds.text.kind import TextKind

__all__ = [
    "TextKind",
]
