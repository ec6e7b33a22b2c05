"""Forecasting data: settings, frequency inference, and one test per bad input."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from archbench.errors import ConfigError, DataError
from archbench.kinds.forecasting.data import ForecastSettings, load_frame
from archbench.kinds.forecasting.splits import ForecastShift, ForecastSplit, make_splits


def panel(n: int = 200, series: tuple[str, ...] = ("a", "b"), freq: str = "h") -> pd.DataFrame:
    """A regular panel with a daily cycle, a known and an observed covariate."""
    rng = np.random.default_rng(0)
    times = pd.date_range("2020-01-01", periods=n, freq=freq)
    parts = []
    for k, s in enumerate(series):
        y = 10 * k + np.sin(2 * np.pi * np.arange(n) / 24) + rng.normal(0, 0.1, n)
        parts.append(
            pd.DataFrame(
                {
                    "id": s,
                    "ts": times.strftime("%Y-%m-%d %H:%M:%S"),
                    "y": y,
                    "promo": (np.arange(n) % 7 == 0).astype(float),
                    "sensor": rng.normal(size=n),
                }
            )
        )
    return pd.concat(parts, ignore_index=True)


SETTINGS = ForecastSettings(
    time="ts",
    target="y",
    series="id",
    horizon=4,
    context=12,
    known=("promo",),
    observed=("sensor",),
)


def test_loads_a_regular_panel() -> None:
    data = load_frame(panel(), SETTINGS)
    assert data.frequency == "h" and data.season == 24
    assert data.series_names == ("a", "b")
    assert data.values[0].shape == (200,) and data.known[1].shape == (200, 1)
    assert np.all(np.diff(data.times[0]) == np.timedelta64(1, "h"))


def test_from_table_rejects_unknown_keys_and_requires_fields() -> None:
    table = {"type": "forecasting", "time": "ts", "target": "y", "horizon": 4, "context": 8}
    s = ForecastSettings.from_table({**table, "known": ["promo"]})
    assert s.known == ("promo",) and s.step == 4
    with pytest.raises(ConfigError, match=r"task.horizn is not a forecasting key; did you mean"):
        ForecastSettings.from_table({**table, "horizn": 3})
    with pytest.raises(ConfigError, match=r"task.context is required"):
        ForecastSettings.from_table({k: v for k, v in table.items() if k != "context"})


def test_monthly_frequency_is_inferred() -> None:
    frame = pd.DataFrame(
        {"ts": pd.date_range("2000-01-01", periods=60, freq="MS"), "y": np.arange(60.0)}
    )
    data = load_frame(frame, ForecastSettings(time="ts", target="y", horizon=3, context=12))
    assert data.frequency == "MS" and data.season == 12


@pytest.mark.parametrize(
    ("freq", "season"),
    [("30min", 48), ("15min", 96), ("2h", 12), ("h", 24), ("min", 60), ("2W", 26), ("7h", 1)],
)
def test_a_multiple_of_a_unit_has_the_season_of_its_length(freq: str, season: int) -> None:
    """Half-hourly data repeat daily: 48 steps, not the 60 of one-minute steps (a user's
    half-hourly electricity demand got season 60 and origins every 49 steps). A multiple of a
    sub-daily unit takes one day when a day is whole steps; other multiples divide the unit's
    season when they can, else 1."""
    frame = pd.DataFrame(
        {"ts": pd.date_range("2014-01-01", periods=400, freq=freq), "y": np.arange(400.0)}
    )
    data = load_frame(frame, ForecastSettings(time="ts", target="y", horizon=2, context=100))
    assert data.frequency.split("-")[0] == freq and data.season == season


def test_integer_time_and_timezone_offsets() -> None:
    frame = pd.DataFrame({"t": np.arange(50), "y": np.arange(50.0)})
    data = load_frame(frame, ForecastSettings(time="t", target="y", horizon=2, context=5))
    assert data.integer_time and data.season == 1
    ts = pd.date_range("2020-03-01", periods=48, freq="h", tz="America/New_York")
    frame = pd.DataFrame({"t": [t.isoformat() for t in ts], "y": np.arange(48.0)})
    data = load_frame(frame, ForecastSettings(time="t", target="y", horizon=2, context=5))
    assert data.frequency == "h"  # mixed UTC offsets (DST) are one UTC grid


def _bad(frame: pd.DataFrame, **kw: object) -> None:
    load_frame(frame, ForecastSettings(**{**SETTINGS.__dict__, **kw}))  # type: ignore[arg-type]


def test_unparseable_timestamp() -> None:
    f = panel()
    f.loc[5, "ts"] = "yesterday noon"
    with pytest.raises(DataError, match=r"not a timestamp \(row 5: 'yesterday noon'\)"):
        _bad(f)


def test_missing_timestamp() -> None:
    f = panel()
    f.loc[7, "ts"] = None
    with pytest.raises(DataError, match=r"1 missing values .first in row 7"):
        _bad(f)


def test_duplicated_series_time() -> None:
    f = pd.concat([panel(), panel().iloc[[3]]], ignore_index=True)
    with pytest.raises(DataError, match=r"2 rows share a \(series, time\) pair \(series 'a'"):
        _bad(f)


def test_irregular_spacing_without_frequency() -> None:
    rng = np.random.default_rng(1)
    times = pd.Timestamp("2020-01-01") + pd.to_timedelta(np.cumsum(rng.integers(50, 70, 80)), "m")
    f = pd.DataFrame({"ts": times, "y": np.arange(80.0)})
    with pytest.raises(DataError, match=r"irregularly spaced .* set task.frequency"):
        load_frame(f, ForecastSettings(time="ts", target="y", horizon=2, context=5))


def test_gap_in_a_series() -> None:
    f = panel().drop(index=[10, 11])
    with pytest.raises(
        DataError,
        match=r"series 'a' has 2 missing time steps \(first: 2020-01-01 10:00:00\); "
        r'set task.fill_gaps = "zero"',
    ):
        _bad(f)
    one = panel(series=("a",)).drop(index=[10]).drop(columns="id")
    with pytest.raises(DataError, match=r"^the series has 1 missing time steps"):
        load_frame(one, ForecastSettings(time="ts", target="y", horizon=2, context=5))


@pytest.mark.parametrize("how", ["zero", "interpolate"])
def test_fill_gaps_adds_the_missing_steps_and_says_so(how: str) -> None:
    full = panel()
    f = full.drop(index=[10, 11, 250])  # two steps of 'a', one of 'b'
    s = ForecastSettings(**{**SETTINGS.__dict__, "fill_gaps": how})
    data = load_frame(f, s)
    ref = load_frame(full, SETTINGS)
    assert [len(v) for v in data.values] == [200, 200]
    assert np.array_equal(data.times[0], ref.times[0])
    y = data.values[0]
    if how == "zero":
        assert y[10] == 0.0 and y[11] == 0.0
    else:  # linear between the neighbours
        a, b = ref.values[0][9], ref.values[0][12]
        assert y[10] == pytest.approx(a + (b - a) / 3) and y[11] == pytest.approx(
            a + 2 * (b - a) / 3
        )
    assert np.array_equal(np.delete(y, [10, 11]), np.delete(ref.values[0], [10, 11]))
    # covariates carry their last value forward
    assert data.observed[0][10, 0] == ref.observed[0][9, 0] == data.observed[0][11, 0]
    assert data.known[1][50, 0] == ref.known[1][49, 0]
    assert any("3 missing time steps in 2 series filled" in n for n in data.notes)


def test_fill_gaps_accepts_only_its_words() -> None:
    with pytest.raises(ConfigError, match=r'task.fill_gaps = .mean. is not allowed; use "zero"'):
        ForecastSettings(**{**SETTINGS.__dict__, "fill_gaps": "mean"})


def test_off_grid_time_with_declared_frequency() -> None:
    f = panel()
    f.loc[20, "ts"] = "2020-01-01 20:30:00"
    with pytest.raises(DataError, match=r"off the h grid"):
        _bad(f, frequency="h")


def test_unknown_frequency_alias() -> None:
    with pytest.raises(ConfigError, match=r"task.frequency = 'hourly' is not a pandas frequency"):
        _bad(panel(), frequency="hourly")


def test_series_too_short() -> None:
    f = pd.concat([panel(series=("a",)), panel(n=10, series=("b",))], ignore_index=True)
    with pytest.raises(DataError, match=r"series 'b' has 10 steps, fewer than context \+ horizon"):
        _bad(f)


def test_series_too_short_for_the_splits() -> None:
    data = load_frame(panel(n=20), SETTINGS)
    with pytest.raises(DataError, match=r"no series has context \+ horizon = 16 steps before the "
                       r"validation period .* lower task.context"):  # fmt: skip
        make_splits(data, ForecastSplit(), None)


@pytest.mark.parametrize("horizon", [0, -3])
def test_horizon_not_positive(horizon: int) -> None:
    with pytest.raises(ConfigError, match=f"task.horizon = {horizon} must be an integer >= 1"):
        ForecastSettings(time="ts", target="y", horizon=horizon, context=4)


def test_non_numeric_target() -> None:
    f = panel()
    f["y"] = f["y"].astype(object)
    f.loc[3, "y"] = "n/a!"
    with pytest.raises(DataError, match=r"target 'y' is not numeric \(row 3: 'n/a!'\)"):
        _bad(f)


def test_missing_target_inside_a_series() -> None:
    f = panel()
    f.loc[50, "y"] = np.nan
    with pytest.raises(
        DataError, match=r"1 missing values inside series .* task.fill_gaps = .interpolate"
    ):
        _bad(f)


def test_missing_target_at_the_ends_is_trimmed() -> None:
    f = panel()
    f.loc[[0, 1, 199], "y"] = np.nan
    data = load_frame(f, SETTINGS)
    assert len(data.values[0]) == 197 and "3 leading or trailing" in data.notes[0]


def test_unknown_series_in_groups_shift() -> None:
    data = load_frame(panel(), SETTINGS)
    with pytest.raises(DataError, match=r"names series 'zz', which is not in the data"):
        make_splits(data, ForecastSplit(), ForecastShift(kind="groups", values=("zz",)))


def test_groups_shift_leaving_no_id_series() -> None:
    data = load_frame(panel(), SETTINGS)
    with pytest.raises(DataError, match=r"leaves no ID series"):
        make_splits(data, ForecastSplit(), ForecastShift(kind="groups", values=("a", "b")))


def test_range_shift_leaving_no_id_range() -> None:
    data = load_frame(panel(), SETTINGS)
    with pytest.raises(DataError, match=r"leaves no ID range"):
        make_splits(data, ForecastSplit(), ForecastShift(kind="range", min="2019-06-01"))


def test_range_shift_leaving_no_shift_window() -> None:
    data = load_frame(panel(), SETTINGS)
    rule = ForecastShift(kind="range", min="2020-01-09 06:00", max="2020-01-09 07:00")
    with pytest.raises(DataError, match=r"leaves no shift window"):
        make_splits(data, ForecastSplit(), rule)


def test_known_covariate_missing_in_the_future() -> None:
    f = panel()
    f.loc[195:199, "promo"] = np.nan
    with pytest.raises(DataError, match=r"known covariate 'promo' is missing at 5 steps .* future"):
        _bad(f)


def test_observed_covariate_missing() -> None:
    f = panel()
    f.loc[40, "sensor"] = np.nan
    with pytest.raises(DataError, match=r"observed covariate 'sensor' is missing at 1 steps"):
        _bad(f)


def test_timezone_mix() -> None:
    f = panel()
    f.loc[100, "ts"] = "2020-01-05 04:00:00+00:00"
    with pytest.raises(DataError, match=r"mixes timestamps with and without a time zone .row 100"):
        _bad(f)


def test_missing_column_suggests_a_name() -> None:
    with pytest.raises(DataError, match=r"column 'yy' is not in the data; did you mean 'y'"):
        _bad(panel(), target="yy")


def test_covariate_declared_known_and_observed() -> None:
    with pytest.raises(ConfigError, match=r"both list 'promo'"):
        ForecastSettings(
            time="ts", target="y", horizon=2, context=4, known=("promo",), observed=("promo",)
        )


def test_string_covariate_is_one_hot_encoded() -> None:
    f = panel()
    f["day"] = np.where(f.index % 2 == 0, "even", "odd")
    data = _load(f, known=("day",))
    assert data.known_names == ("day=even", "day=odd")
    assert np.all(data.known[0].sum(axis=1) == 1.0)


def _load(frame: pd.DataFrame, **kw: object):  # type: ignore[no-untyped-def]
    return load_frame(frame, ForecastSettings(**{**SETTINGS.__dict__, **kw}))  # type: ignore[arg-type]


@pytest.mark.parametrize("how", ["zero", "interpolate"])
def test_fill_gaps_also_fills_missing_values_of_present_steps(how: str) -> None:
    full = panel()
    f = full.copy()
    f.loc[50, "y"] = np.nan  # a row that is there, without its value
    f = f.drop(index=[10])  # and a missing row
    data = load_frame(f, ForecastSettings(**{**SETTINGS.__dict__, "fill_gaps": how}))
    ref = load_frame(full, SETTINGS)
    y = data.values[0]
    if how == "zero":
        assert y[50] == 0.0 and y[10] == 0.0
    else:
        assert y[50] == pytest.approx((ref.values[0][49] + ref.values[0][51]) / 2)
    assert any(
        "1 missing time steps and 1 missing target values in 1 series filled" in n
        for n in data.notes
    )


def test_integer_yyyymmdd_dates_are_read_as_dates() -> None:
    """Weekly dates written as integers (19580329, 19580405, ...): as steps they would be
    irregular (70 steps from the 29th to the 5th), so they are read as dates, with a note."""
    times = pd.date_range("1958-03-29", periods=120, freq="W-SAT")
    f = pd.DataFrame(
        {"date": times.strftime("%Y%m%d").astype(int), "co2": np.linspace(315, 320, 120)}
    )
    data = load_frame(f, ForecastSettings(time="date", target="co2", horizon=4, context=12))
    assert data.frequency.startswith("W") and data.times[0][0] == np.datetime64("1958-03-29")
    assert any("YYYYMMDD" in n for n in data.notes)
    # equally spaced integers stay steps, even in the date range
    steps = pd.DataFrame({"t": np.arange(19580301, 19580301 + 120), "y": np.arange(120.0)})
    data = load_frame(steps, ForecastSettings(time="t", target="y", horizon=4, context=12))
    assert data.frequency == "1" and not any("YYYYMMDD" in n for n in data.notes)


def test_split_times_in_the_report_drop_a_midnight() -> None:
    from archbench.kinds.forecasting.report import _cut

    assert _cut("1981-11-14T00:00:00") == "1981-11-14"
    assert _cut("2013-06-01T06:00:00") == "2013-06-01 06:00"
    assert _cut(1200) == "1200" and _cut(None) == "n/a"
