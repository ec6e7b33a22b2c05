"""LightGBM on lag, rolling-window and calendar features: one direct multi-horizon model.

Strategy: direct, with one model for all steps and the step ``h`` as a feature. Each window
gives ``H`` rows, one per step; every feature of a row is computed from the window's context
(the past of its origin) or from known-in-advance covariates and the calendar at the target
time, so no row sees a value after its origin. Direct forecasting avoids the error accumulation
of the recursive strategy (skforecast's ``ForecasterDirect``, mlforecast's ``max_horizon``)
and one shared model instead of ``H`` models keeps training to a single booster (the M5
practice of pooling many series and steps in one LightGBM model).

Target and lags are in per-series standard units relative to the last observed value
(``(y - y_origin) / std``): trees cannot extrapolate levels, and differencing against the
origin lets a model trained on January-September temperatures forecast colder months.

Features: step; the level ``z_origin``; the last ``n_lags`` values; the values one and two
seasons before the target step (the seasonal-naive value first); mean and standard deviation
over the last season and the whole context, minimum and maximum over the last season;
calendar of the target time (hour below daily steps, day of week below weekly steps, month
from daily steps on; no day of year: a seasonal shift puts its values outside the training range,
where trees answer with the nearest trained season);
known covariates at the target step and at the origin; observed covariates at the origin and
their mean over the last season. Series ids are not features, so series never seen in
training (a groups shift) are handled like any other.

Early stopping: L1 on the validation rows weighted by ``std / mase_scale``, which is the
validation MASE up to a constant; ``history_`` holds the MASE itself.

Cost: a window gives ``H`` rows, so the fixed settings ``max_rows`` (100,000; 0: no cap) and
``max_cells`` (rows x features, 5,120,000: 80,000 rows of 64 features, the weather task's size; the
default preset halves it; 0: no cap) cap the training rows, since a boosting round's cost grows
with rows times features and long seasons bring many lags (a half-hourly season of 48 gives 96 lags
and 108 features, so at most 47,407 rows): above the cap every training window contributes ``k =
rows // n`` of its ``H`` steps (at least one), rotating over windows so that every step is equally
represented, and the same rows for every seed (a half-hourly series with horizon 48 and 1,666
windows trains on 28 steps of each). One model with the step as a feature stays the strategy:
capping rows (and the presets' round caps) bounds the cost without training one booster per step,
and every window still contributes. Features are built in chunks of windows, so no feature matrix
of all ``n * H`` rows is ever held before the cap.
"""

from __future__ import annotations

import warnings
from typing import Any, ClassVar

import numpy as np
import pandas as pd
from optuna.distributions import BaseDistribution, CategoricalDistribution

from archbench.errors import ConfigError
from archbench.kinds.common import lightgbm as lgbm
from archbench.kinds.common.params import DeclaredDefaults
from archbench.kinds.family import Model
from archbench.kinds.forecasting.metrics import PRIMARY
from archbench.kinds.forecasting.models._train import check_windows
from archbench.kinds.forecasting.splits import ForecastInfo, Windows


def n_lags_for(info: ForecastInfo) -> int:
    """Default lag count: two seasons, at least 14, at most the context."""
    return min(info.context, max(2 * info.season, 14))


def _calendar(origin: np.ndarray, info: ForecastInfo) -> np.ndarray:
    """``(n, H, k)`` calendar of the target times; ``k = 0`` for integer time."""
    n, h = len(origin), info.horizon
    if info.frequency == "1":
        return np.zeros((n, h, 0))
    offset = pd.tseries.frequencies.to_offset(info.frequency)
    step_ns = pd.Timedelta(pd.Timestamp("2000-01-03") + offset - pd.Timestamp("2000-01-03"))
    base = pd.DatetimeIndex(origin.astype("datetime64[ns]"))
    with warnings.catch_warnings():  # month offsets are applied element by element
        warnings.simplefilter("ignore", pd.errors.PerformanceWarning)
        steps = [base + k * offset for k in range(1, h + 1)]
    times = pd.DatetimeIndex(np.stack([s.to_numpy() for s in steps], axis=1).ravel())
    cols = []
    if step_ns < pd.Timedelta(days=1):
        cols.append(times.hour + times.minute / 60.0)
    if step_ns < pd.Timedelta(days=7):
        cols.append(times.day_of_week)
    if step_ns >= pd.Timedelta(days=1):
        cols.append(times.month)
    if not cols:
        return np.zeros((n, h, 0))
    return np.stack([np.asarray(c, dtype=np.float64) for c in cols], axis=1).reshape(n, h, -1)


def features(w: Windows, info: ForecastInfo, n_lags: int) -> np.ndarray:
    """``(n * H, F)`` float32 rows, window-major (row ``i * H + h - 1`` is window ``i``, step h)."""
    n, c, h, m = len(w), info.context, info.horizon, max(info.season, 1)
    z = (w.context - w.loc[:, None]) / w.scale[:, None]
    last = z[:, -1:]
    rel = z - last
    steps = np.arange(1, h + 1)
    per_window = [last, rel[:, ::-1][:, :n_lags]]
    season = z[:, -min(m, c) :]
    per_window += [
        season.mean(1, keepdims=True) - last,
        season.std(1, keepdims=True),
        season.min(1, keepdims=True) - last,
        season.max(1, keepdims=True) - last,
        z.mean(1, keepdims=True) - last,
        z.std(1, keepdims=True),
    ]
    obs = w.observed
    if obs.shape[2]:
        per_window += [obs[:, -1, :], obs[:, -min(m, c) :, :].mean(axis=1)]
    k = len(info.known_names)
    if k:
        per_window.append(w.known[:, c - 1, :])
    base = np.hstack(per_window)  # (n, F_w)
    per_step = [np.broadcast_to(steps[None, :, None], (n, h, 1)).astype(np.float64)]
    for back in (1, 2):  # one and two seasons before the target step, when inside the context
        lag = m * (np.ceil(steps / m).astype(int) + back - 1)
        ok = lag - steps < c
        idx = np.clip(c - 1 + steps - lag, 0, c - 1)
        vals = np.where(ok[None, :], rel[:, idx], np.nan)
        per_step.append(vals[:, :, None])
    per_step.append(_calendar(w.origin, info))
    if k:
        per_step.append(w.known[:, c:, :])
    step_part = np.concatenate(per_step, axis=2)
    rows = np.concatenate([np.repeat(base[:, None, :], h, axis=1), step_part], axis=2)
    return rows.reshape(n * h, -1).astype(np.float32)


def _target(w: Windows) -> np.ndarray:
    """``(n * H,)`` target relative to the origin, in standard units."""
    return ((w.target - w.context[:, -1:]) / w.scale[:, None]).ravel()


def row_cap(max_rows: int, max_cells: int, n_features: int) -> int:
    """The most training rows under ``max_rows`` and ``max_cells`` (0: no cap)."""
    caps = [max_rows] if max_rows > 0 else []
    if max_cells > 0:
        caps.append(max_cells // max(n_features, 1))
    return max(1, min(caps)) if caps else 0


def steps_per_window(n: int, horizon: int, max_rows: int) -> int:
    """How many of its ``horizon`` steps each of ``n`` windows contributes under ``max_rows``."""
    if max_rows <= 0 or n * horizon <= max_rows:
        return horizon
    return max(1, max_rows // max(n, 1))


def feature_rows(
    w: Windows, info: ForecastInfo, n_lags: int, k: int = 0
) -> tuple[np.ndarray, np.ndarray | None]:
    """:func:`features` built in chunks of windows, keeping ``k`` steps of each (0: all).

    Returns:
        ``(rows, F)`` float32 features and, when steps were dropped, the flat index of each kept
        row into the ``(n, H)`` grid (``window * H + step - 1``), else None.
    """
    n, h = len(w), info.horizon
    keep = 0 < k < h
    chunk = max(256, 400_000 // h)
    xs, flat = [], []
    for start in range(0, n, chunk):
        idx = np.arange(start, min(start + chunk, n))
        x = features(w if len(idx) == n else w.take(idx), info, n_lags)
        if keep:
            x = x.reshape(len(idx), h, -1)
            steps = (idx[:, None] * k + np.arange(k)) % h
            x = x[np.arange(len(idx))[:, None], steps].reshape(len(idx) * k, -1)
            flat.append((idx[:, None] * h + steps).ravel())
        xs.append(x)
    rows = xs[0] if len(xs) == 1 else np.concatenate(xs)
    return rows, (np.concatenate(flat) if keep else None)


class LightGBMForecaster(DeclaredDefaults, Model[Windows, ForecastInfo]):
    """The GBDT family of the forecasting kind (LightGBM, native API)."""

    family: ClassVar[str] = "gbdt"
    fixed_defaults: ClassVar[dict[str, Any]] = {
        **lgbm.rounds_defaults(1000),
        "n_lags": 0,
        "max_rows": 100_000,
        "max_cells": 5_120_000,
    }
    fixed_keys: ClassVar[tuple[str, ...]] = tuple(fixed_defaults)

    defaults: ClassVar[dict[str, Any]] = {
        "objective": "l2",
        **lgbm.boosting_defaults(lambda_l1=False),
    }

    space: ClassVar[dict[str, BaseDistribution]] = {
        "objective": CategoricalDistribution(["l2", "l1"]),
        **lgbm.boosting_space(max_leaves=128, min_child_samples=(5, 200), lambda_l1=False),
    }

    def fit(
        self, train: Windows, val: Windows, info: ForecastInfo, *, seed: int
    ) -> LightGBMForecaster:
        import lightgbm as lgb

        p = self.resolved_params()
        lgbm.check_rounds(p)
        check_windows(train, info, "train")
        check_windows(val, info, "val")
        self.info_, self.threads_ = info, p["threads"]
        for key in ("max_rows", "max_cells"):
            if isinstance(p[key], bool) or not isinstance(p[key], int) or p[key] < 0:
                raise ConfigError(f"gbdt: {key} = {p[key]!r} must be an integer >= 0 (0: all)")
        self.n_lags_ = int(p["n_lags"]) or n_lags_for(info)
        params = self._lgb_params(p, seed)
        h = info.horizon
        n_features = features(train.take(np.arange(1)), info, self.n_lags_).shape[1]
        self.max_rows_ = row_cap(p["max_rows"], p["max_cells"], n_features)
        self.steps_per_window_ = steps_per_window(len(train), h, self.max_rows_)
        x_train, kept = feature_rows(train, info, self.n_lags_, self.steps_per_window_)
        y_train = _target(train) if kept is None else _target(train)[kept]
        w_val = np.repeat(val.scale / val.mase_scale, h)
        dtrain = lgb.Dataset(x_train, y_train, free_raw_data=True)
        dval = lgb.Dataset(
            feature_rows(val, info, self.n_lags_)[0], _target(val), weight=w_val, reference=dtrain
        )
        self.booster_, history, self.best_iter_ = lgbm.train_early_stopped(params, dtrain, dval, p)
        factor = float(w_val.sum()) / len(w_val)
        self.history_ = [v * factor for v in history]
        self.n_iter_ = len(self.history_)
        self.history_metric_, self.best_score_ = PRIMARY, self.history_[self.best_iter_ - 1]
        return self

    def _lgb_params(self, p: dict[str, Any], seed: int) -> dict[str, Any]:
        if p["objective"] not in ("l2", "l1"):
            raise ConfigError(f"gbdt: objective = {p['objective']!r}; use 'l2' or 'l1'")
        boost = {k: p[k] for k in self.default_params()}
        return {**lgbm.seeded_params(boost, threads=p["threads"], seed=seed), "metric": "l1"}

    def predict(self, data: Windows) -> np.ndarray:
        """``(n, H)`` forecasts in the target's units."""
        if not hasattr(self, "booster_"):
            raise RuntimeError("gbdt: predict called before fit")
        check_windows(data, self.info_, "data")
        x = feature_rows(data, self.info_, self.n_lags_)[0]
        rel = lgbm.predict_best(self.booster_, x, best_iter=self.best_iter_, threads=self.threads_)
        rel = rel.reshape(len(data), self.info_.horizon)
        return rel * data.scale[:, None] + data.context[:, -1:]
