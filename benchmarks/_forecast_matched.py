"""archbench's side of peer_forecast.py at mlforecast's configuration, and the steps from there
to archbench's LightGBM family (an ablation: one change per variant).

Every variant trains on archbench's weather training windows (their origins; the per-series
training-period mean and standard deviation scale the target and the lags) with archbench's
LightGBM parameters (``LightGBMForecaster._lgb_params``) for a fixed number of rounds:

- ``matched``: mlforecast's direct strategy and features: one model per step, target ``z`` at
  the step, features lags 1..L of ``z``, mean and (sample) standard deviation of the last season,
  hour and day of week of the first target time (origin + 1). Like mlforecast 1.1.0, it predicts
  step ``k`` with the hour and day of week of the target time (origin + k): mlforecast's
  ``predict`` moves the date features to each step's time although ``fit(max_horizon=)``
  trains every step's model on those of the first step;
- ``consistent``: as ``matched``, predicting with the calendar the models were trained on;
- ``relative``: as ``consistent`` with the target relative to the origin (``z_{t+k} - z_t``), as
  archbench's family;
- ``one_model``: as ``relative`` with one model for every step, the step and the calendar of
  the target time as features (archbench's layout).

Trees split on thresholds between distinct feature values, so features equal to 1e-13 (mlforecast
and numpy sum a rolling window in different orders) can give different trees; ``fit(jitter=)``
measures how much the scores move under perturbations of that size.
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np
import pandas as pd

VARIANTS = ("matched", "consistent", "relative", "one_model")


def standard(w: Any) -> tuple[np.ndarray, np.ndarray]:
    """Context ``(n, C)`` and target ``(n, H)`` in per-series standard units."""
    loc, scale = w.loc[:, None], w.scale[:, None]
    return (w.context - loc) / scale, (w.target - loc) / scale


def calendar(times: pd.DatetimeIndex) -> np.ndarray:
    return np.column_stack([times.hour, times.day_of_week]).astype(np.float64)


def matched_features(w: Any, n_lags: int, season: int) -> np.ndarray:
    """``(n, L + 4)``: mlforecast's columns in its order (lag1..lagL, rolling mean and std of
    lag 1 over a season, hour, day of week of the origin + 1 h)."""
    z, _ = standard(w)
    lags = z[:, ::-1][:, :n_lags]
    last = z[:, -season:]
    first = pd.DatetimeIndex(w.origin) + pd.Timedelta(hours=1)
    stats = np.column_stack([last.mean(axis=1), last.std(axis=1, ddof=1)])
    return np.hstack([lags, stats, calendar(first)])


def _stacked(w: Any, x: np.ndarray, h: int) -> np.ndarray:
    """One row per (window, step): ``x`` without its calendar, the step, the target calendar."""
    n = len(w)
    steps = np.tile(np.arange(1, h + 1, dtype=np.float64), n)[:, None]
    times = pd.DatetimeIndex(np.repeat(w.origin, h)) + pd.to_timedelta(
        np.tile(np.arange(1, h + 1), n), unit="h"
    )
    return np.hstack([np.repeat(x[:, :-2], h, axis=0), steps, calendar(times)])


class Variant:
    """One archbench-side variant: ``fit`` on training windows, ``predict`` in target units."""

    def __init__(self, name: str, params: dict[str, Any], rounds: int, n_lags: int, season: int):
        self.name, self.params, self.rounds = name, params, rounds
        self.n_lags, self.season = n_lags, season

    def fit(self, w: Any, h: int, x: np.ndarray | None = None, jitter: int | None = None) -> float:
        """Fit; return the CPU seconds (features and boosting). ``x``: training features to use
        instead of archbench's (mlforecast's own); ``jitter``: seed of a relative perturbation
        of at most 1e-12 of every feature, the size of float rounding (the noise measure)."""
        import lightgbm as lgb

        t0 = time.process_time()
        if x is None:
            x = matched_features(w, self.n_lags, self.season)
        if jitter is not None:
            rng = np.random.default_rng(jitter)
            x = x * (1.0 + rng.uniform(-1e-12, 1e-12, size=x.shape))
        z, y = standard(w)
        if self.name not in ("matched", "consistent"):
            y = y - z[:, -1:]
        if self.name == "one_model":
            data = lgb.Dataset(_stacked(w, x, h), y.ravel())
            self.boosters = [lgb.train(self.params, data, num_boost_round=self.rounds)]
        else:
            self.boosters = [
                lgb.train(self.params, lgb.Dataset(x, y[:, k]), num_boost_round=self.rounds)
                for k in range(h)
            ]
        return time.process_time() - t0

    def predict(self, w: Any, h: int, x: np.ndarray | None = None) -> np.ndarray:
        """``(n, H)`` forecasts in the target's units; ``x`` as in :meth:`fit`."""
        if x is None:
            x = matched_features(w, self.n_lags, self.season)
        if self.name == "one_model":
            z = self.boosters[0].predict(_stacked(w, x, h), num_threads=1).reshape(len(w), h)
        elif self.name == "matched":  # step k sees the calendar of origin + k (mlforecast)
            times = [pd.DatetimeIndex(w.origin) + pd.Timedelta(hours=k + 1) for k in range(h)]
            z = np.column_stack(
                [b.predict(np.hstack([x[:, :-2], calendar(t)]), num_threads=1)
                 for b, t in zip(self.boosters, times, strict=True)]
            )  # fmt: skip
        else:
            z = np.column_stack([b.predict(x, num_threads=1) for b in self.boosters])
        if self.name not in ("matched", "consistent"):
            z = z + standard(w)[0][:, -1:]
        return z * w.scale[:, None] + w.loc[:, None]
