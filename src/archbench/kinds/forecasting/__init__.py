"""The forecasting kind (layer: kinds): rolling-origin windows of one or many series.

``kind`` declares it; ``models/`` holds N-HiTS-style MLP, PatchTST and LightGBM on lags;
``data``, ``tasks``, ``splits``, ``prepare``, ``metrics``, ``references``, ``report``,
``figures`` and ``templates`` the rest of its shape.
"""

from __future__ import annotations

from archbench.kinds.forecasting.kind import ForecastingKind

__all__ = [
    "ForecastingKind",
]
