"""From a task to what the families, the metrics and the report need (no I/O).

``prepare`` builds the windows of every split, the packed truth that the metrics read
(``metrics.pack_truth``: targets plus each window's MASE scale), the resampling units (series
of each window, origins in time order) and the reference forecasts (naive, seasonal naive).
``shift_profile`` describes the shift: level, spread and the size of the seasonal cycle of each
series before (training period) and in the shift set.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from archbench.kinds.forecasting.data import ForecastData
from archbench.kinds.forecasting.metrics import block_counts, default_block_len, pack_truth
from archbench.kinds.forecasting.references import REFERENCES, reference_forecast
from archbench.kinds.forecasting.splits import (
    ForecastInfo,
    ForecastShift,
    ForecastSplit,
    ForecastSplits,
    Windows,
    make_splits,
)


@dataclass(frozen=True, eq=False)
class PreparedForecast:
    """Everything a run needs from a forecasting task.

    Attributes:
        info: the ``info`` passed to every family's ``fit``.
        splits: the windows, statistics, cuts and manifest source.
        truth: split -> ``(n, H + 1)`` packed targets (``metrics.pack_truth``).
        groups: split -> ``(n,)`` series index of each window (block-bootstrap strata).
        references: reference name -> split -> ``(n, H)`` forecasts.
    """

    info: ForecastInfo
    splits: ForecastSplits
    truth: dict[str, np.ndarray]
    groups: dict[str, np.ndarray]
    references: dict[str, dict[str, np.ndarray]]

    @property
    def windows(self) -> dict[str, Windows]:
        return self.splits.windows

    def resample_counts(
        self, split: str, seed: int | np.random.Generator, n_boot: int
    ) -> np.ndarray:
        """``(n_boot, n)`` circular-block bootstrap counts of the windows of ``split``."""
        groups = self.groups[split]
        return block_counts(seed, groups, default_block_len(groups), n_boot)


def prepare(
    data: ForecastData, split: ForecastSplit, shift: ForecastShift | None
) -> PreparedForecast:
    """Split, window and score the references; see the module docstring."""
    splits = make_splits(data, split, shift)
    info = ForecastInfo.from_data(data)
    truth = {k: pack_truth(w.target, w.mase_scale) for k, w in splits.windows.items()}
    groups = {k: w.series.copy() for k, w in splits.windows.items()}
    refs = {
        name: {
            k: reference_forecast(name, w.context, info.horizon, info.season)
            for k, w in splits.windows.items()
        }
        for name in REFERENCES
        if name != "seasonal_naive" or info.season <= info.context
    }
    return PreparedForecast(info, splits, truth, groups, refs)


def _seasonal_amplitude(y: np.ndarray, season: int) -> float:
    """Range of the mean seasonal profile (e.g. the mean daily cycle); 0 without a season."""
    if season <= 1 or len(y) < 2 * season:
        return 0.0
    n = len(y) // season * season
    profile = y[:n].reshape(-1, season).mean(axis=0)
    return float(profile.max() - profile.min())


def profile_rows(data: ForecastData, splits: ForecastSplits) -> list[dict[str, Any]]:
    """Per series and period (``train``, ``shift``): steps, mean, std and seasonal amplitude.

    The training period is every step before the validation cut; the shift period is
    ``[shift_min, shift_max]`` (a groups shift: the ID test period).
    """
    cuts = splits.cuts
    rows: list[dict[str, Any]] = []
    for name, t, y in zip(data.series_names, data.times, data.values, strict=True):
        periods = {"train": t < cuts["val_start"]}
        if "shift_min" in cuts:
            periods["shift"] = (t >= cuts["shift_min"]) & (t <= cuts["shift_max"])
        for period, mask in periods.items():
            if not mask.any():
                continue
            v = y[mask]
            rows.append(
                {
                    "series": name,
                    "period": period,
                    "steps": int(mask.sum()),
                    "mean": float(v.mean()),
                    "std": float(v.std()),
                    "seasonal_amplitude": _seasonal_amplitude(v, data.season),
                }
            )
    return rows


def shift_profile(data: ForecastData, prepared: PreparedForecast) -> pd.DataFrame:
    """:func:`profile_rows` as a frame."""
    return pd.DataFrame(profile_rows(data, prepared.splits))
