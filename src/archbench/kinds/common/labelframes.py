"""The per-unit prediction frames of kinds that predict a label or a value per unit (tables,
text): one row per unit with ``split``, ``row_id``, ``y_true``, ``y_pred`` and, for
classifiers, the class probabilities ``p_0 .. p_{K-1}``; and the way back from those frames to
the arrays the paired bootstrap resamples (``Kind.prediction_frame``, ``Kind.unit_arrays``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd


def prediction_frame(
    split: str, row_id: np.ndarray, y: np.ndarray, pred: np.ndarray
) -> pd.DataFrame:
    """``split, row_id, y_true, y_pred`` and, for ``(n, K)`` probabilities, ``y_pred`` = the
    argmax and ``p_0 .. p_{K-1}``; ``(n,)`` predictions are ``y_pred`` itself."""
    d: dict[str, Any] = {"split": split, "row_id": row_id, "y_true": y.astype(np.float64)}
    if pred.ndim == 2:
        d["y_pred"] = pred.argmax(axis=1).astype(np.float64)
        for k in range(pred.shape[1]):
            d[f"p_{k}"] = pred[:, k].astype(np.float64)
    else:
        d["y_pred"] = pred.astype(np.float64)
    return pd.DataFrame(d)


def probability_columns(frame: pd.DataFrame) -> list[str]:
    """``p_0 .. p_{K-1}`` of ``frame`` in class order.

    Raises:
        ValueError: fewer than two probability columns.
    """
    cols = sorted(
        (c for c in frame.columns if c.startswith("p_") and c[2:].isdigit()),
        key=lambda c: int(c[2:]),
    )
    if len(cols) < 2:
        raise ValueError(f"no probability columns p_0 .. p_K-1: {list(frame.columns)}")
    return cols


def unit_arrays(
    frames: Sequence[pd.DataFrame],
    *,
    probabilities: bool,
    labels: bool = False,
    what: str = "rows or targets",
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """One frame per seed (sorted by ``row_id``) -> unit ids ``(n,)``, ``y_true`` ``(n,)``
    (integer class labels with ``labels``) and predictions: ``(n_seeds, n, K)``
    probabilities with ``probabilities``, else ``(n_seeds, n)`` values.

    Raises:
        ValueError: the seeds' frames differ in units or targets (``what`` names them).
    """
    ids = y = None
    preds = []
    for sub in frames:
        rid, yt = sub["row_id"].to_numpy(), sub["y_true"].to_numpy()
        if labels:
            yt = yt.astype(np.int64)
        if ids is None or y is None:
            ids, y = rid, yt
        elif not (np.array_equal(ids, rid) and np.array_equal(y, yt)):
            raise ValueError(f"predictions differ in {what} across seeds")
        if probabilities:
            preds.append(sub[probability_columns(sub)].to_numpy(dtype=np.float64))
        else:
            preds.append(sub[["y_pred"]].to_numpy(dtype=np.float64)[:, 0])
    assert ids is not None and y is not None
    return ids, y, np.stack(preds)
