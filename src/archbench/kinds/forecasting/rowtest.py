"""Forecasting's resampling and row-level test: joint time blocks and Diebold-Mariano.

Units are windows of a panel (series x origin time). Both procedures work on origin *time*:

* :func:`draw_counts`: circular blocks of origin times drawn once for the whole panel
  (:func:`archbench.stats.timeblocks.time_block_counts`), the block length chosen by
  Politis-White on the cross-series mean of the windows' MASE terms, never below the origins
  one forecast's targets overlap (``ceil(H / stride)``).
* :func:`paired_test`: the deciding row-level test, Ibragimov-Mueller's t-test on
  :data:`archbench.stats.timeblocks.N_BATCHES` contiguous batch means of origin time of the
  cross-series mean of the seed-averaged per-window loss differential, with the
  Diebold-Mariano test (HAC variance, HLN correction) beside it; ``too_short`` when fewer
  than :data:`archbench.stats.timeblocks.MIN_BLOCKS` blocks of the Politis-White length of
  that differential fit.

The frame ``units`` is one seed's prediction frame of one split (sorted by ``row_id``):
columns ``series``, ``origin``, ``row_id``, ``mase_scale``, ``y_k`` and ``f_k``.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from archbench.kinds.forecasting.metrics import _per_window, unpack_truth
from archbench.stats.timeblocks import (
    BatchMeans,
    batch_means_test,
    pw_block_length,
    time_block_counts,
    time_codes,
    time_means,
)

#: Metric -> the per-window loss its Diebold-Mariano test compares (R^2 has none).
LOSSES = {"mase": "mase", "mae": "mae", "rmse": "mse", "smape": "smape"}


def _horizon(units: pd.DataFrame) -> int:
    return sum(1 for c in units.columns if c.startswith("f_") and c[2:].isdigit())


def layout(units: pd.DataFrame) -> tuple[np.ndarray, int]:
    """``(time codes (n,), overlap)``: each window's origin-time code and the number of
    consecutive origins whose targets overlap, ``ceil(H / stride)`` (stride in steps: the
    median gap of ``row_id`` between consecutive origins of a series)."""
    codes = time_codes(units["origin"].to_numpy())
    rid = units["row_id"].to_numpy(np.int64)
    same = units["series"].to_numpy()[1:] == units["series"].to_numpy()[:-1]
    gaps = np.diff(rid)[same]
    stride = max(1, int(np.median(gaps))) if gaps.size else 1
    return codes, max(1, math.ceil(_horizon(units) / stride))


def block_length(units: pd.DataFrame) -> tuple[np.ndarray, int]:
    """``(time codes, L)``: Politis-White on the cross-series mean MASE term, ``>= overlap``."""
    codes, overlap = layout(units)
    h = _horizon(units)
    f = units[[f"f_{k}" for k in range(1, h + 1)]].to_numpy(np.float64)
    y = units[[f"y_{k}" for k in range(1, h + 1)]].to_numpy(np.float64)
    loss = np.abs(f - y).mean(axis=1) / units["mase_scale"].to_numpy(np.float64)
    return codes, pw_block_length(time_means(loss, codes), min_len=overlap)


def draw_counts(rng: np.random.Generator, units: pd.DataFrame, size: int) -> np.ndarray:
    """``(size, n)`` counts: joint circular blocks of origin time (see the module docstring)."""
    codes, blen = block_length(units)
    return time_block_counts(rng, codes, blen, size)


def paired_test(
    units: pd.DataFrame,
    metric: str,
    y_true: np.ndarray,
    pred_a: np.ndarray,
    pred_b: np.ndarray,
    *,
    confidence: float,
) -> BatchMeans | None:
    """Batch-means t-test (Diebold-Mariano beside) of A - B on ``metric``'s per-window loss,
    ``None`` for R^2.

    ``pred_a``/``pred_b`` are ``(n_seeds, n, H)``; losses are averaged over seeds, then over
    the series at each origin time.
    """
    loss = LOSSES.get(metric)
    if loss is None:
        return None
    pa, pb = np.asarray(pred_a, np.float64), np.asarray(pred_b, np.float64)
    y, s = unpack_truth(y_true, pa)
    d = (_per_window(loss, y, s, pa) - _per_window(loss, y, s, pb)).mean(axis=0)
    codes, overlap = layout(units)
    return batch_means_test(time_means(d, codes), horizon=overlap, confidence=confidence)
