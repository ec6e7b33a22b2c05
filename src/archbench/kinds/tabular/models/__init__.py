"""The tabular families (layer: kinds): MLP, FT-Transformer and the GBDT backends.

``base`` holds their shared checks, ``_torch`` the training loop, ``_nets`` the FT-Transformer
network.
"""

__all__ = [
    "_nets",
    "_torch",
    "base",
    "ft_transformer",
    "gbdt",
    "mlp",
]
