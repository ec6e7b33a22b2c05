"""The error-by-horizon table of a forecasting run (``horizon_errors.parquet``).

One row per (model, seed, split, step): the MASE, MAE, RMSE and sMAPE of the forecasts at that
horizon step over every window of the split, computed from predictions.parquet (families, one
row per seed) and from the naive, seasonal-naive and (when fitted) AutoETS forecasts of the same
windows (reference rows, ``seed`` missing: they do not depend on the seed). The report's
error-by-horizon figure reads this table.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from archbench.names import SCORED_SPLITS

if TYPE_CHECKING:
    from archbench.kinds.forecasting.splits import ForecastInfo, Windows

FILE = "horizon_errors.parquet"
#: Columns of the table, in order.
COLUMNS = ("model", "reference", "seed", "split", "step", "mase", "mae", "rmse", "smape")
#: Fitted reference forecasts: reference name -> split -> ``(n, H)`` forecasts.
Forecasts = Mapping[str, Mapping[str, np.ndarray]]


def step_metrics(y: np.ndarray, pred: np.ndarray, scale: np.ndarray) -> dict[str, np.ndarray]:
    """``(H,)`` per metric: each step's error over the ``n`` windows of ``y``/``pred`` ``(n, H)``
    (``scale``: each window's MASE scale)."""
    err = np.asarray(pred, dtype=np.float64) - np.asarray(y, dtype=np.float64)
    denom = np.abs(y) + np.abs(pred)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(denom > 0, 2.0 * np.abs(err) / denom, 0.0)
    return {
        "mase": (np.abs(err) / np.asarray(scale, dtype=np.float64)[:, None]).mean(axis=0),
        "mae": np.abs(err).mean(axis=0),
        "rmse": np.sqrt((err**2).mean(axis=0)),
        "smape": 100.0 * ratio.mean(axis=0),
    }


def _rows(model: str, reference: bool, seed: Any, split: str, m: dict[str, np.ndarray]) -> Any:
    h = len(m["mase"])
    return pd.DataFrame(
        {"model": model, "reference": reference, "seed": pd.array([seed] * h, dtype="Int64"),
         "split": split, "step": np.arange(1, h + 1, dtype=np.int64), **m}
    )  # fmt: skip


def horizon(preds: pd.DataFrame) -> int:
    """The horizon ``H`` of a predictions frame (its ``f_1..f_H`` columns)."""
    return sum(1 for c in preds.columns if c.startswith("f_") and c[2:].isdigit())


def family_rows(preds: pd.DataFrame) -> pd.DataFrame:
    """The families' rows of the table from predictions.parquet's frame."""
    h = horizon(preds)
    ys, fs = [f"y_{k}" for k in range(1, h + 1)], [f"f_{k}" for k in range(1, h + 1)]
    parts = []
    for (fam, seed, split), g in preds.groupby(["family", "seed", "split"], sort=False):
        y, p = g[ys].to_numpy(np.float64), g[fs].to_numpy(np.float64)
        m = step_metrics(y, p, g["mase_scale"].to_numpy(np.float64))
        parts.append(_rows(str(fam), False, int(seed), str(split), m))
    return pd.concat(parts, ignore_index=True)


def reference_rows(
    parts: Mapping[str, Windows], info: ForecastInfo, fitted: Forecasts | None = None
) -> pd.DataFrame:
    """The naive and seasonal-naive rows on every scored split of ``parts`` (the geometry of
    ``info``), then those of ``fitted`` (e.g. AutoETS)."""
    from archbench.kinds.forecasting.references import REFERENCES, reference_forecast

    out = []
    for ref in REFERENCES:
        if ref == "seasonal_naive" and info.season > info.context:
            continue
        for split in SCORED_SPLITS:
            w = parts[split]
            pred = reference_forecast(ref, w.context, info.horizon, info.season)
            out.append(_rows(ref, True, None, split, step_metrics(w.target, pred, w.mase_scale)))
    for ref, per in (fitted or {}).items():
        for split in SCORED_SPLITS:
            w = parts[split]
            m = step_metrics(w.target, per[split], w.mase_scale)
            out.append(_rows(ref, True, None, split, m))
    return pd.concat(out, ignore_index=True)


def horizon_table(
    preds: pd.DataFrame,
    parts: Mapping[str, Windows],
    info: ForecastInfo,
    fitted: Forecasts | None = None,
) -> pd.DataFrame:
    """The whole table: the families' rows, then the reference rows; columns ``COLUMNS``."""
    refs = reference_rows(parts, info, fitted)
    table = pd.concat([family_rows(preds), refs], ignore_index=True)
    return table[list(COLUMNS)]


def mean_over_seeds(table: pd.DataFrame, split: str, metric: str = "mase") -> pd.DataFrame:
    """``model, step, value``: ``metric`` at each step of ``split``, averaged over seeds
    (reference rows have one value per step)."""
    df = table[table["split"] == split]
    g = df.groupby(["model", "step"], sort=False)[metric].mean().reset_index()
    return g.rename(columns={metric: "value"})
