"""Temporal splits: property tests over random panels and settings."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from archbench.errors import DataError
from archbench.kinds.forecasting.data import ForecastData, ForecastSettings, load_frame
from archbench.kinds.forecasting.origins import eval_stride
from archbench.kinds.forecasting.splits import (
    ForecastShift,
    ForecastSplit,
    ForecastSplits,
    make_splits,
)


def random_task(seed: int) -> tuple[ForecastData, ForecastSplit, int]:
    """A random panel (3-5 series of different lengths) and random window settings."""
    rng = np.random.default_rng(seed)
    n_series = int(rng.integers(3, 6))
    horizon, context = int(rng.integers(1, 8)), int(rng.integers(4, 30))
    stride = int(rng.integers(1, 2 * horizon + 1))
    parts = []
    for k in range(n_series):
        n = int(rng.integers(300, 500))
        end = pd.Timestamp("2021-01-20") + pd.Timedelta(hours=int(rng.integers(0, 3)))
        parts.append(
            pd.DataFrame(
                {
                    "id": f"s{k}",
                    "t": pd.date_range(end=end, periods=n, freq="h"),
                    "y": rng.normal(size=n).cumsum(),
                    "x": rng.normal(size=n),
                }
            )
        )
    settings = ForecastSettings(
        time="t",
        target="y",
        series="id",
        horizon=horizon,
        context=context,
        stride=stride,
        observed=("x",),
    )
    split = ForecastSplit(
        val_fraction=float(rng.uniform(0.1, 0.25)),
        test_fraction=float(rng.uniform(0.1, 0.25)),
        train_stride=int(rng.integers(1, 4)),
    )
    return load_frame(pd.concat(parts, ignore_index=True), settings), split, seed


def target_times(splits: ForecastSplits, data: ForecastData, name: str) -> set[tuple[int, object]]:
    w = splits.windows[name]
    step = np.timedelta64(1, "h")
    return {
        (int(s), o + k * step)
        for s, o in zip(w.series, w.origin, strict=True)
        for k in range(1, data.settings.horizon + 1)
    }


RULES = [
    None,
    ForecastShift(kind="range", min="2021-01-17"),
    ForecastShift(kind="groups", values=("s1",)),
    ForecastShift(kind="both", min="2021-01-17", values=("s0", "s2")),
]


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("rule", RULES, ids=["none", "range", "groups", "both"])
def test_targets_never_overlap_across_splits(seed: int, rule: ForecastShift | None) -> None:
    data, split, _ = random_task(seed)
    splits = make_splits(data, split, rule)
    names = list(splits.windows)
    sets = {n: target_times(splits, data, n) for n in names}
    for i, a in enumerate(names):
        for b in names[i + 1 :]:
            assert not sets[a] & sets[b], (a, b)


@pytest.mark.parametrize("seed", range(6))
def test_origins_ordered_with_the_stride(seed: int) -> None:
    data, split, _ = random_task(seed)
    splits = make_splits(data, split, RULES[1])
    step = eval_stride(data.settings.step, data.season)
    assert np.gcd(step, data.season) == 1 and data.settings.step <= step
    assert splits.eval_stride == step
    for name, w in splits.windows.items():
        stride = split.train_stride if name == "train" else step
        for s in np.unique(w.series):
            o = w.origin[w.series == s]
            assert np.all(np.diff(o) == stride * np.timedelta64(1, "h")), name


@pytest.mark.parametrize("seed", range(4))
def test_windows_read_the_series_around_each_origin(seed: int) -> None:
    data, split, _ = random_task(seed)
    splits = make_splits(data, split, RULES[1])
    c, h = data.settings.context, data.settings.horizon
    for w in splits.windows.values():
        for i in range(0, len(w), 37):
            s = int(w.series[i])
            p = int(np.flatnonzero(data.times[s] == w.origin[i])[0])
            np.testing.assert_array_equal(w.context[i], data.values[s][p - c + 1 : p + 1])
            np.testing.assert_array_equal(w.target[i], data.values[s][p + 1 : p + h + 1])
            np.testing.assert_array_equal(
                w.observed[i, :, 0], data.observed[s][p - c + 1 : p + 1, 0]
            )


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("rule", RULES, ids=["none", "range", "groups", "both"])
def test_no_statistic_from_later_periods_reaches_training(
    seed: int, rule: ForecastShift | None
) -> None:
    data, split, _ = random_task(seed)
    before = make_splits(data, split, rule)
    cut = before.cuts["val_start"]
    values = tuple(
        np.where(t >= cut, v * 1000.0 + 5e5, v)
        for t, v in zip(data.times, data.values, strict=True)
    )
    changed = ForecastData(**{**data.__dict__, "values": values})
    after = make_splits(changed, split, rule)
    for field in ("mean", "std", "mase_scale"):
        np.testing.assert_array_equal(getattr(before.stats, field), getattr(after.stats, field))
    for field in ("context", "target", "loc", "scale", "mase_scale"):
        np.testing.assert_array_equal(
            getattr(before.windows["train"], field), getattr(after.windows["train"], field)
        )
    assert not np.array_equal(before.windows["test"].target, after.windows["test"].target)


def test_groups_shift_uses_unseen_series_over_the_test_period() -> None:
    data, split, _ = random_task(1)
    splits = make_splits(data, split, ForecastShift(kind="groups", values=("s1",)))
    idx = data.series_names.index("s1")
    for name in ("train", "val", "test"):
        assert idx not in set(splits.windows[name].series)
    shift = splits.windows["shift"]
    assert set(shift.series) == {idx}
    assert shift.origin.min() + np.timedelta64(1, "h") >= splits.cuts["test_start"]


def test_manifest_records_every_origin() -> None:
    data, split, _ = random_task(2)
    splits = make_splits(data, split, RULES[3])
    table = splits.origin_table(data)
    assert len(table) == sum(len(w) for w in splits.windows.values())
    manifest = splits.manifest(data)
    n = sum(v["n"] for per in manifest["origins"].values() for v in per.values())
    assert n == len(table)
    assert manifest["shift_series"] == ["s0", "s2"] and manifest["stride"] == splits.eval_stride


def test_integer_time_range_rule() -> None:
    frame = pd.DataFrame({"t": np.arange(400), "y": np.sin(np.arange(400) / 5.0)})
    data = load_frame(frame, ForecastSettings(time="t", target="y", horizon=1, context=10))
    splits = make_splits(data, ForecastSplit(), ForecastShift(kind="range", min=300))
    assert splits.windows["shift"].origin[0] == 299
    assert splits.windows["test"].origin[-1] + 1 <= 299


def _late_panel(start_late: int) -> ForecastData:
    """Three daily series; ``late`` starts ``start_late`` days after the others (a store that
    opened later), as in a real panel whose series begin at different times."""
    rng = np.random.default_rng(0)
    parts = []
    for name, start in (("a", 0), ("b", 0), ("late", start_late)):
        t = pd.date_range("2020-01-01", periods=600, freq="D")[start:]
        parts.append(pd.DataFrame({"id": name, "t": t, "y": rng.normal(size=len(t)).cumsum()}))
    settings = ForecastSettings(time="t", target="y", series="id", horizon=7, context=28)
    return load_frame(pd.concat(parts, ignore_index=True), settings)


@pytest.mark.parametrize("rule", [None, ForecastShift(kind="range", min="2021-06-01")])
def test_a_series_without_training_history_is_left_out_and_named(
    rule: ForecastShift | None, caplog: pytest.LogCaptureFixture
) -> None:
    """A series that starts after the training period (or with fewer than context + horizon
    steps in it) has no training window and no training-period scale: it is left out of every
    split with a warning that counts and names it, not an error that stops the run."""
    data = _late_panel(start_late=400)
    splits = make_splits(data, ForecastSplit(), rule)
    late = data.series_names.index("late")
    assert splits.left_out == ("late",) and "late" not in splits.id_series
    for w in splits.windows.values():
        assert late not in set(w.series) and len(w) > 0
    assert np.isnan(splits.stats.mase_scale[late])
    assert np.isfinite(splits.stats.mase_scale[[i for i in range(3) if i != late]]).all()
    said = " ".join(splits.notes)
    assert "1 of 3 series" in said and "(late)" in said and "left out" in said
    assert splits.manifest(data)["left_out"] == ["late"]
    # enough history: nothing is left out, and the other series' windows are the same
    full = make_splits(_late_panel(start_late=0), ForecastSplit(), rule)
    assert full.left_out == () and len(full.windows["train"]) > len(splits.windows["train"])


def test_every_series_too_short_before_validation_is_one_line() -> None:
    data = _late_panel(start_late=0)
    with pytest.raises(DataError, match="no series has context \\+ horizon = 35 steps") as err:
        make_splits(data, ForecastSplit(val_fraction=0.5, test_fraction=0.47), None)
    assert "\n" not in str(err.value)
