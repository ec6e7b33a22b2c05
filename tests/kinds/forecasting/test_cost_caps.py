"""Caps that follow a window's cost: training window steps (every family) and GBDT cells.

A cap on windows alone let a long context cost many times what a preset budgets (a 100,000-step
half-hourly series with context 336 and horizon 48 took 676 s at the default preset against
159 s for a 2,000-series daily panel). These tests pin what the step and cell caps keep, that
the built-ins stay whole under them, and that every place that reports a cap explains them.
"""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from archbench.errors import ConfigError
from archbench.kinds.forecasting.data import ForecastData, ForecastSettings, load_frame
from archbench.kinds.forecasting.models.gbdt import (
    LightGBMForecaster,
    feature_rows,
    features,
    n_lags_for,
    row_cap,
    steps_per_window,
)
from archbench.kinds.forecasting.presets import (
    MAX_CELLS,
    MAX_TRAIN_STEPS,
    MAX_TRAIN_VALUES,
    PRESETS,
)
from archbench.kinds.forecasting.splits import (
    ForecastInfo,
    ForecastSplit,
    channels_of,
    make_splits,
)


def long_series(steps: int = 6_000, context: int = 336, horizon: int = 48) -> pd.DataFrame:
    t = pd.date_range("2020-01-01", periods=steps, freq="30min")
    rng = np.random.default_rng(0)
    y = 10 + np.sin(np.arange(steps) * 2 * np.pi / 48) + rng.normal(0, 0.3, steps)
    return pd.DataFrame({"t": t, "y": y})


def load(frame: pd.DataFrame, context: int, horizon: int) -> ForecastData:
    s = ForecastSettings(time="t", target="y", horizon=horizon, context=context)
    return load_frame(frame, s)


def test_the_step_cap_is_the_smaller_cap_for_long_windows() -> None:
    split = ForecastSplit(max_train=6_000, max_train_steps=640_000)
    assert split.cap("train", 384) == 1_666
    assert split.size_cap(384) == ("max_train_steps", 640_000, 384)
    assert split.cap("train", 70) == 6_000 and split.size_cap(70) is None
    assert split.cap("val", 384) == 0  # evaluation caps count windows only
    assert ForecastSplit(max_train_steps=1_000).cap("train", 100) == 10  # no window cap
    assert ForecastSplit(max_train=5).cap("train", 10**6) == 5  # no step cap


def test_the_value_cap_counts_channels() -> None:
    split = ForecastSplit(max_train=6_000, max_train_steps=320_000, max_train_values=1_280_000)
    # up to four channels the step cap binds (or the window cap); beyond, the value cap
    assert split.cap("train", 384, 1) == split.cap("train", 384, 4) == 833
    assert split.size_cap(384, 4) == ("max_train_steps", 320_000, 384)
    assert split.cap("train", 384, 11) == 1_280_000 // (384 * 11) == 303
    assert split.size_cap(384, 11) == ("max_train_values", 1_280_000, 384 * 11)
    assert split.cap("train", 41, 8) == 3_902  # nyse: 8 channels of 41 steps
    assert ForecastSplit(max_train_values=1_000).cap("train", 10, 5) == 20


def with_covariates(frame: pd.DataFrame, n: int) -> pd.DataFrame:
    rng = np.random.default_rng(1)
    return frame.assign(**{f"x{i}": rng.normal(size=len(frame)) for i in range(n)})


def test_many_covariates_get_fewer_training_windows_and_the_run_says_why() -> None:
    frame = with_covariates(long_series(4_000, context=96, horizon=24), 9)
    s = ForecastSettings(time="t", target="y", horizon=24, context=96,
                         known=tuple(f"x{i}" for i in range(9)))  # fmt: skip
    data = load_frame(frame, s)
    assert channels_of(data) == 10
    split = ForecastSplit(max_train_steps=120 * 1_000, max_train_values=120 * 4 * 1_000)
    capped = make_splits(data, split, None)
    assert len(capped.windows["train"]) == 400 < capped.available["train"]
    note = next(n for n in capped.notes if "train" in n)
    assert "split.max_train_values = 480,000 window values" in note
    assert "windows of 1,200 values" in note
    # the same task with three covariates: four channels, the step cap binds
    few = load_frame(frame, ForecastSettings(time="t", target="y", horizon=24, context=96,
                                             known=("x0", "x1", "x2")))  # fmt: skip
    assert len(make_splits(few, split, None).windows["train"]) == 1_000
    one = (
        r"split.max_train_values = 1,000 is less than one window "
        r"\(\(context \+ horizon\) x channels = 120 x 10 = 1,200 values\)"
    )
    with pytest.raises(ConfigError, match=one):
        make_splits(data, ForecastSplit(max_train_values=1_000), None)
    with pytest.raises(ConfigError, match=r"split.max_train_values = -5 must be an integer >= 0"):
        ForecastSplit(max_train_values=-5)


def test_long_windows_get_fewer_training_windows_and_the_run_says_why() -> None:
    data = load(long_series(), context=336, horizon=48)
    split = ForecastSplit(max_train=4_000, max_train_steps=384 * 1_000, seed=2)
    capped = make_splits(data, split, None)
    whole = make_splits(data, ForecastSplit(max_train=4_000), None)
    w = capped.windows["train"]
    assert len(w) == 1_000 < len(whole.windows["train"]) == capped.available["train"]
    assert np.isin(w.row_id, whole.windows["train"].row_id).all()  # a draw of the same windows
    note = next(n for n in capped.notes if "train" in n)
    assert "1,000 of" in note and "split.max_train_steps = 384,000 window steps" in note
    assert "windows of 384 steps" in note
    assert capped.windows["val"].row_id.tolist() == whole.windows["val"].row_id.tolist()


def test_a_step_cap_below_one_window_is_refused() -> None:
    data = load(long_series(2_000), context=336, horizon=48)
    with pytest.raises(ConfigError, match=r"split.max_train_steps = 100 is less than one window "
                       r"\(context \+ horizon = 384 steps\)"):  # fmt: skip
        make_splits(data, ForecastSplit(max_train_steps=100), None)
    with pytest.raises(ConfigError, match=r"split.max_train_steps = -1 must be an integer >= 0"):
        ForecastSplit(max_train_steps=-1)


def test_quick_keeps_weather_whole_and_default_halves_its_window_steps() -> None:
    """weather: 3,294 training windows of 168 + 24 steps; its GBDT rows: 79,056 of 64 features.
    Quick keeps them all; the default (sized for its worst case) draws 1,666 windows and its
    GBDT keeps every horizon step of those."""
    from archbench.kinds.forecasting.tasks import WEATHER_SETTINGS, weather

    window = WEATHER_SETTINGS.context + WEATHER_SETTINGS.horizon
    task = weather()
    splits = make_splits(task.data, task.split, task.shift)
    train = splits.windows["train"]
    assert len(train) == splits.available["train"] == 3_294
    info = ForecastInfo.from_data(task.data)
    n_features = features(train.take(np.arange(1)), info, n_lags_for(info)).shape[1]
    assert n_features == 64
    expect = {"quick": 3_294, "default": 1_666}
    for name, windows in expect.items():
        p = PRESETS[name]
        sp = p["split"]
        assert sp["max_train_steps"] == MAX_TRAIN_STEPS[name]
        assert sp["max_train_values"] == MAX_TRAIN_VALUES[name] == 4 * MAX_TRAIN_STEPS[name]
        cap = ForecastSplit(
            max_train=sp["max_train_rows"], max_train_steps=sp["max_train_steps"],
            max_train_values=sp["max_train_values"],
        )  # fmt: skip
        assert min(cap.cap("train", window, channels_of(task.data)), 3_294) == windows
        cells = (
            p["families"]["gbdt"]
            .get("params", {})
            .get("max_cells", LightGBMForecaster.fixed_defaults["max_cells"])
        )
        assert cells == MAX_CELLS[name]
        rows = row_cap(LightGBMForecaster.fixed_defaults["max_rows"], cells, n_features)
        assert steps_per_window(windows, info.horizon, rows) == info.horizon  # every GBDT row
    assert PRESETS["thorough"]["split"]["max_train_steps"] == 0
    assert PRESETS["thorough"]["split"]["max_train_values"] == 0


def test_the_value_cap_leaves_nyse_whole() -> None:
    """nyse: 8 channels (day of week one-hot, two observed covariates) of 41 steps."""
    from archbench.kinds.forecasting.tasks import nyse

    task = nyse()
    splits = make_splits(task.data, task.split, task.shift)
    n = splits.available["train"]
    assert channels_of(task.data) == 8 and n == 2_957
    window = task.data.settings.context + task.data.settings.horizon
    for name in ("quick", "default"):
        sp = PRESETS[name]["split"]
        cap = ForecastSplit(
            max_train=sp["max_train_rows"], max_train_steps=sp["max_train_steps"],
            max_train_values=sp["max_train_values"],
        )  # fmt: skip
        assert cap.cap("train", window, 8) >= n


def test_row_cap_takes_the_smaller_of_rows_and_cells() -> None:
    assert row_cap(100_000, 5_120_000, 108) == 47_407
    assert row_cap(100_000, 5_120_000, 20) == 100_000
    assert row_cap(0, 1_000, 10) == 100 and row_cap(50, 0, 10) == 50 and row_cap(0, 0, 10) == 0
    assert row_cap(10, 5, 100) == 1  # at least one row


def test_gbdt_trains_on_the_cell_cap() -> None:
    data = load(long_series(3_000, context=96, horizon=24), context=96, horizon=24)
    splits = make_splits(data, ForecastSplit(), None)
    info = ForecastInfo.from_data(data)
    train, val = splits.windows["train"], splits.windows["val"]
    model = LightGBMForecaster(max_cells=40_000, max_rounds=5, early_stopping_rounds=5).fit(
        train, val, info, seed=0
    )
    n_features = features(train.take(np.arange(1)), info, model.n_lags_).shape[1]
    assert model.max_rows_ == 40_000 // n_features
    k = model.steps_per_window_
    assert k == max(1, model.max_rows_ // len(train)) < info.horizon
    assert len(feature_rows(train, info, model.n_lags_, k)[0]) == len(train) * k
    assert model.predict(val).shape == (len(val), info.horizon)
    with pytest.raises(ConfigError, match=r"gbdt: max_cells = -1 must be an integer >= 0"):
        LightGBMForecaster(max_cells=-1).fit(train, val, info, seed=0)


def test_report_explains_the_step_cap() -> None:
    from archbench.kinds.forecasting.report import _setup
    from archbench.report.document import plain_text

    windows = {
        "train": {"used": 1_666, "available": 62_617, "cap": 1_666, "max_steps": 640_000,
                  "window_steps": 384},
        "val": {"used": 275, "available": 275, "cap": 4_000},
        "test": {"used": 275, "available": 275, "cap": 4_000},
        "shift": {"used": 204, "available": 204, "cap": 4_000},
    }  # fmt: skip
    task = {
        "series": ["a"], "target": "load", "frequency": "30min", "season": 48, "context": 336,
        "horizon": 48, "stride": 49, "stride_requested": 48, "train_stride": 1,
        "windows": windows, "origins_per_phase": {}, "known": [], "observed": [],
    }  # fmt: skip
    run = SimpleNamespace(task=task, splits={"sizes": {k: v["used"] for k, v in windows.items()}})
    text = plain_text(_setup(run, 0))  # type: ignore[arg-type]
    assert "1,666 of 62,617 training" in text
    assert "training windows of 384 steps are capped at 1,666 by a cap of 640,000 window steps" in (
        text
    )
    del windows["train"]["max_steps"]
    assert "window steps" not in plain_text(_setup(run, 0))  # type: ignore[arg-type]
    windows["train"].update(max_values=1_280_000, window_values=4_224, channels=11)
    text = plain_text(_setup(run, 0))  # type: ignore[arg-type]
    assert "training windows of 4,224 values (steps times 11 channels: the target and its " in text
    assert "by a cap of 1,280,000 window values" in text
