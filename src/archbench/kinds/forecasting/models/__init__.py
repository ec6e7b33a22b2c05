"""The forecasting families (layer: kinds): N-HiTS-style MLP, PatchTST and LightGBM on lags.

``_nets`` holds the torch modules (imported only when a network is built), ``_train`` the
training loop the two networks share.
"""

__all__ = [
    "_nets",
    "_train",
    "gbdt",
    "mlp",
    "patchtst",
]
