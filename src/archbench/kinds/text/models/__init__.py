"""The text families (layer: kinds): TF-IDF MLP, a Transformer encoder and LightGBM on TF-IDF.

``_nets`` holds the torch modules (imported lazily), ``_torch`` the training loop.
"""

__all__ = [
    "_nets",
    "_torch",
    "encoder",
    "gbdt",
    "mlp",
]
