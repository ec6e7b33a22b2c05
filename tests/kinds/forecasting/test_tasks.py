"""Built-in forecasting tasks load offline and match their sources."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from archbench.kinds.forecasting.splits import make_splits
from archbench.kinds.forecasting.tasks import NYSE_TEST_START, nyse, nyse_frame, weather


def test_weather_task_shape_and_splits() -> None:
    task = weather()
    data = task.data
    assert data.series_names == ("EWR", "JFK", "LGA") and data.frequency == "h"
    assert [len(v) for v in data.values] == [8730, 8730, 8730]
    assert data.observed_names == ("dewp", "humid") and data.season == 24
    splits = make_splits(data, task.split, task.shift)
    sizes = {k: len(w) for k, w in splits.windows.items()}
    # evaluation origins every 25 h, not 24 (the horizon): each hour of the day is an origin
    assert sizes == {"train": 3294, "val": 116, "test": 116, "shift": 171}
    assert splits.eval_stride == 25 and min(splits.per_phase["test"]) >= 4
    assert (
        len(np.unique(splits.windows["test"].origin.astype("datetime64[h]").astype(int) % 24)) == 24
    )
    shift = splits.windows["shift"]
    first_target = shift.origin.min() + np.timedelta64(1, "h")
    assert first_target == np.datetime64("2013-11-01T00:00")
    assert splits.windows["test"].origin.max() < np.datetime64("2013-10-01")


def _ar5_r2(frame: pd.DataFrame, with_day: bool) -> float:
    """ISLP's AR(5) on standardised series: lags 1-5 of the three series (+ day of week)."""
    cols = ["DJ_return", "log_volume", "log_volatility"]
    x = (frame[cols] - frame[cols].mean()) / frame[cols].std()
    lagged = pd.concat([x.shift(k).add_suffix(f"_{k}") for k in range(1, 6)], axis=1)
    if with_day:
        lagged = lagged.join(pd.get_dummies(frame["day_of_week"], drop_first=True, dtype=float))
    ok = lagged.notna().all(axis=1).to_numpy()
    design = np.column_stack([np.ones(ok.sum()), lagged[ok].to_numpy(np.float64)])
    y = x["log_volume"].to_numpy()[ok]
    train = frame["day"].to_numpy()[ok] < NYSE_TEST_START
    beta = np.linalg.lstsq(design[train], y[train], rcond=None)[0]
    err = y[~train] - design[~train] @ beta
    return float(1 - np.sum(err**2) / np.sum((y[~train] - y[~train].mean()) ** 2))


def test_nyse_reproduces_the_published_linear_results() -> None:
    frame = nyse_frame()
    assert len(frame) == 6051
    assert frame.loc[NYSE_TEST_START, "date"] == pd.Timestamp("1980-01-02")
    assert _ar5_r2(frame, with_day=False) == pytest.approx(0.413, abs=5e-4)
    assert _ar5_r2(frame, with_day=True) == pytest.approx(0.460, abs=5e-4)


def test_nyse_shift_set_is_the_book_test_period() -> None:
    task = nyse()
    splits = make_splits(task.data, task.split, task.shift)
    shift = splits.windows["shift"]
    assert len(shift) == 6051 - NYSE_TEST_START
    assert shift.origin[0] + 1 == NYSE_TEST_START
    assert task.data.known_names == tuple(
        f"day_of_week={d}" for d in ("fri", "mon", "thur", "tues", "wed")
    )
