"""The tabular families' shared checks (the adapter contract is ``archbench.kinds.family``)."""

from __future__ import annotations

import numpy as np

from archbench.errors import DataError
from archbench.kinds.family import Model, resolve_device
from archbench.kinds.tabular.prepare import FeatureInfo, Matrix

__all__ = ["Model", "check_matrix", "resolve_device"]


def check_matrix(data: Matrix, info: FeatureInfo, name: str) -> None:
    """Fail fast when ``data`` does not match ``info`` (column counts, category codes)."""
    n_num, n_cat = len(info.num_names), len(info.cat_names)
    if data.x_num.shape[1] != n_num or data.x_cat.shape[1] != n_cat:
        raise DataError(
            f"{name}: x_num has {data.x_num.shape[1]} columns and x_cat {data.x_cat.shape[1]}, "
            f"but the feature info lists {n_num} numeric and {n_cat} categorical features"
        )
    if n_cat and len(data):
        cards = np.asarray(info.cat_cardinalities)
        bad = (data.x_cat.min(axis=0) < 0) | (data.x_cat.max(axis=0) >= cards)
        if bad.any():
            col = info.cat_names[int(np.argmax(bad))]
            raise DataError(
                f"{name}: categorical column {col!r} has codes outside 0..cardinality-1"
            )
