"""The time axis of a forecasting table: parsing times, the frequency and the regular grid.

Time is either a timestamp column (ISO strings, datetimes or YYYYMMDD integers; time zones are
converted to UTC) or an integer step column. ``frequency_of`` infers the frequency when the
spacing is regular (or checks the declared one), refusing series that step at different rates
and times off the grid; ``fill_gaps`` adds missing steps when ``task.fill_gaps`` asks for it;
``season_of`` gives the default season of a frequency. Every bad input raises one
``DataError``/``ConfigError`` line that names the field and the fix.
"""

from __future__ import annotations

import logging
import re
import warnings
from typing import Any, Protocol

import numpy as np
import pandas as pd

from archbench.errors import ConfigError, DataError


class AxisSettings(Protocol):
    """What of ``data.ForecastSettings`` the time axis reads."""

    @property
    def time(self) -> str: ...
    @property
    def series(self) -> str: ...
    @property
    def frequency(self) -> str: ...
    @property
    def fill_gaps(self) -> str: ...


log = logging.getLogger(__name__)

#: Seasonal period by frequency prefix (pandas offset aliases), used when ``season`` is unset.
SEASONS: dict[str, int] = {
    "min": 60,
    "h": 24,
    "D": 7,
    "B": 5,
    "W": 52,
    "MS": 12,
    "ME": 12,
    "M": 12,
    "QS": 4,
    "QE": 4,
    "Q": 4,
}


_TZ = re.compile(r"(?:Z|[+-]\d{2}:?\d{2})$")


def _yyyymmdd(raw: pd.Series) -> pd.Series | None:
    """Integers that are dates written as YYYYMMDD (19580329), or None.

    Read as integer steps they would be irregular (the 31st jumps to the 1st of the next month
    by 70 steps), so integers count as dates when every value is an 8-digit valid date and
    their differences are not all equal (equal differences stay steps).
    """
    v = raw.to_numpy(dtype=np.int64)
    if v.size < 3 or v.min() < 10000101 or v.max() > 99991231:
        return None
    if np.unique(np.diff(np.unique(v))).size <= 1:
        return None
    dates = pd.to_datetime(
        pd.Series(v, index=raw.index).astype(str), format="%Y%m%d", errors="coerce"
    )
    return None if dates.isna().any() else dates.astype("datetime64[ns]")


def parse_time(raw: pd.Series, col: str, notes: list[str] | None = None) -> pd.Series:
    """int64 steps or naive-UTC datetime64[ns]; errors name the first bad row; integers
    written as YYYYMMDD dates are read as dates (with a note)."""
    if raw.isna().any():
        row = int(np.flatnonzero(raw.isna().to_numpy())[0])
        raise DataError(
            f"time column {col!r} has {int(raw.isna().sum())} missing values (first in row "
            f"{row}); drop those rows or fill the timestamps"
        )
    if pd.api.types.is_integer_dtype(raw):
        dates = _yyyymmdd(raw)
        if dates is None:
            return raw.astype(np.int64)
        note = (
            f"time column {col!r} holds integers written as YYYYMMDD dates "
            f"({int(raw.iat[0])}, ...): read as dates"
        )
        log.warning("%s (write ISO dates such as 1958-03-29 to make it explicit)", note)
        if notes is not None:
            notes.append(note)
        return dates
    if isinstance(raw.dtype, pd.DatetimeTZDtype):
        return raw.dt.tz_convert("UTC").dt.tz_localize(None).astype("datetime64[ns]")
    if pd.api.types.is_datetime64_dtype(raw):
        return raw.astype("datetime64[ns]")
    text = raw.astype(str).str.strip()
    has_tz = text.str.contains(_TZ)
    if has_tz.any() and not has_tz.all():
        minority = has_tz if has_tz.sum() <= (~has_tz).sum() else ~has_tz
        row = int(np.flatnonzero(minority.to_numpy())[0])
        raise DataError(
            f"time column {col!r} mixes timestamps with and without a time zone (row {row}: "
            f"{text.iat[row]!r}); write every timestamp with its offset or none"
        )
    try:
        parsed = pd.to_datetime(text, format="ISO8601", utc=bool(has_tz.any()))
    except (ValueError, TypeError) as exc:
        bad = pd.to_datetime(text, format="ISO8601", errors="coerce", utc=bool(has_tz.any()))
        row = int(np.flatnonzero(bad.isna().to_numpy())[0]) if bad.isna().any() else 0
        raise DataError(
            f"time column {col!r} has a value that is not a timestamp (row {row}: "
            f"{text.iat[row]!r}); use ISO 8601 like 2013-01-01 06:00"
        ) from exc
    if isinstance(parsed.dtype, pd.DatetimeTZDtype):
        parsed = parsed.dt.tz_convert("UTC").dt.tz_localize(None)
    return parsed.astype("datetime64[ns]")


def _same_frequency(out: pd.DataFrame, s: AxisSettings) -> None:
    """Refuse a panel whose series step at different rates (daily next to weekly, say).

    A series' rate is its median step (a stray off-grid time or a gap leaves it alone); rates
    within a factor 1.5 count as one (months of 28 to 31 days). Without this check the coarser
    series would read as one full of gaps.
    """
    if not s.series:
        return
    steps = out.groupby("series", sort=False)["time"].apply(lambda t: t.diff().median()).dropna()
    if steps.empty:
        return
    fine, coarse = steps.idxmin(), steps.idxmax()
    if steps[coarse] <= 1.5 * steps[fine]:
        return
    raise DataError(
        f"series {coarse!r} steps every {_span(steps[coarse])} but series {fine!r} every "
        f"{_span(steps[fine])}: a panel needs one frequency; resample the series to one grid "
        "(e.g. aggregate the finer ones) or benchmark them as separate tasks"
    )


def _span(step: Any) -> str:
    """A step as a user reads it: ``1 day``, ``7 days``, ``30 minutes`` or ``5 steps``."""
    if not isinstance(step, pd.Timedelta):
        return f"{int(step)} steps" if int(step) != 1 else "1 step"
    for unit, size in (("day", "1D"), ("hour", "1h"), ("minute", "1min"), ("second", "1s")):
        n = step / pd.Timedelta(size)
        if n >= 1 and float(n).is_integer():
            return f"{int(n)} {unit}" + ("s" if n != 1 else "")
    return str(step)


def frequency_of(out: pd.DataFrame, s: AxisSettings) -> str:
    """The validated frequency alias ("1" for integer time)."""
    _same_frequency(out, s)
    integer = pd.api.types.is_integer_dtype(out["time"])
    if integer:
        if s.frequency not in ("", "1"):
            raise ConfigError(
                f"task.frequency = {s.frequency!r} but {s.time!r} holds integer steps; "
                "leave frequency out"
            )
        _check_grid(out, s, 1)
        return "1"
    if s.frequency:
        try:
            offset = pd.tseries.frequencies.to_offset(s.frequency)
        except ValueError as exc:
            raise ConfigError(
                f"task.frequency = {s.frequency!r} is not a pandas frequency; use e.g. 'h', "
                "'D', 'B', 'W', 'MS'"
            ) from exc
        _check_grid(out, s, offset)
        return s.frequency
    diffs = out.groupby("series", sort=False)["time"].diff().dropna()
    if diffs.empty:
        raise DataError("every series has a single step; forecasting needs a history")
    step = diffs.min()
    if (diffs == step).all():
        longest = max((g["time"] for _, g in out.groupby("series", sort=False)), key=len)
        return _infer(longest) or pd.tseries.frequencies.to_offset(step).freqstr
    if (diffs % step == pd.Timedelta(0)).all():
        _check_grid(out, s, pd.tseries.frequencies.to_offset(step))
        if s.fill_gaps:  # a regular grid with holes that the filling closes
            return _infer_grid(out, step)
    inferred = {_infer(g["time"]) for _, g in out.groupby("series", sort=False)}
    if len(inferred) == 1 and None not in inferred:
        return str(inferred.pop())
    raise DataError(
        f"time column {s.time!r} is irregularly spaced (steps from {step} to {diffs.max()}); "
        "set task.frequency (e.g. 'h', 'D', 'B', 'MS') or use an integer step column"
    )


def _infer(times: pd.Series) -> str | None:
    """pandas' inferred frequency alias, or None."""
    if len(times) < 3:
        return None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        found = pd.infer_freq(pd.DatetimeIndex(times))
    return None if found is None else str(getattr(found, "freqstr", found))


def _check_grid(out: pd.DataFrame, s: AxisSettings, offset: Any) -> None:
    """Every series must cover its grid from first to last time without holes."""
    for name, g in out.groupby("series", sort=False):
        t = g["time"]
        if isinstance(offset, int):
            grid = np.arange(int(t.iat[0]), int(t.iat[-1]) + 1)
        else:
            grid = pd.date_range(t.iat[0], t.iat[-1], freq=offset).to_numpy()
        on_grid = np.isin(t.to_numpy(), grid)
        if not on_grid.all():
            bad = t.iat[int(np.flatnonzero(~on_grid)[0])]
            who = f"series {name!r}" if s.series else "the series"
            raise DataError(
                f"{who}: time {_when(bad)} is off the {s.frequency or offset} grid that "
                f"starts at {_when(t.iat[0])}; fix task.frequency or the timestamps"
            )
        missing = len(grid) - len(t)
        if missing and not s.fill_gaps:
            first = grid[~np.isin(grid, t.to_numpy())][0]
            who = f"series {name!r}" if s.series else "the series"
            raise DataError(
                f"{who} has {missing:,} missing time steps (first: {_when(first)}); set "
                'task.fill_gaps = "zero" (counts) or "interpolate", or fill them in the file'
            )


def _when(t: Any) -> str:
    """A time step as a user writes it: an integer, a date, or a date and time."""
    if isinstance(t, int | np.integer):
        return str(int(t))
    ts = pd.Timestamp(t)
    return str(ts.date()) if ts == ts.normalize() else str(ts)


def _infer_grid(out: pd.DataFrame, step: pd.Timedelta) -> str:
    """The frequency alias of a gappy regular grid: pandas' own name for the filled grid."""
    t = out["time"]
    grid = pd.Series(pd.date_range(t.min(), periods=min(len(t), 50), freq=step))
    return _infer(grid) or pd.tseries.frequencies.to_offset(step).freqstr


def _grid(times: pd.Series, frequency: str) -> np.ndarray:
    """Every step from a series' first to its last time."""
    if frequency == "1":
        return np.arange(int(times.iat[0]), int(times.iat[-1]) + 1)
    return pd.date_range(times.iat[0], times.iat[-1], freq=frequency).to_numpy()


def fill_gaps(out: pd.DataFrame, s: AxisSettings, frequency: str, notes: list[str]) -> pd.DataFrame:
    """Add the missing steps of every series and fill their target, and the missing target
    values of steps that are there, by task.fill_gaps; say how many."""
    parts, steps, values, where = [], 0, 0, 0
    covariates = [c for c in out.columns if c not in ("series", "time", "target")]
    for name, g in out.groupby("series", sort=False):
        full = g.set_index("time").reindex(_grid(g["time"], frequency))
        n_values = int(g["target"].isna().sum())
        n_steps = int(full["target"].isna().sum()) - n_values
        if n_steps or n_values:
            steps, values, where = steps + n_steps, values + n_values, where + 1
            full["target"] = (
                full["target"].fillna(0.0)
                if s.fill_gaps == "zero"
                else full["target"].interpolate(method="linear", limit_area="inside")
            )
            if n_steps:
                full[covariates] = full[covariates].ffill()
        full["series"] = name
        parts.append(full.rename_axis("time").reset_index())
    if steps or values:
        how = "a target of 0" if s.fill_gaps == "zero" else "the target interpolated"
        what = " and ".join(
            part
            for part in (
                f"{steps:,} missing time steps" if steps else "",
                f"{values:,} missing target values" if values else "",
            )
            if part
        )
        notes.append(
            f"{what} in {where} series filled with {how} (task.fill_gaps)"
            + ("; covariates carry their last value forward" if steps else "")
        )
    return pd.concat(parts, ignore_index=True)[out.columns]


#: Seconds per step of the sub-daily units, whose multiples take one day as their season.
_SUBDAILY_S = {"h": 3600, "min": 60, "s": 1}


def season_of(frequency: str) -> int:
    """The seasonal period of a frequency: SEASONS for a unit alias; a multiple of a sub-daily
    unit (30min, 15min, 2h) has one day as its season when a day is a whole number of steps
    (30min: 48, not the 60 of one-minute steps); another multiple (2W, 3MS) divides the unit's
    season when it can (26, 4); otherwise 1."""
    if frequency == "1":
        return 1
    match = re.match(r"^(\d*)(.*)$", frequency.split("-")[0])
    k = int(match.group(1) or 1) if match else 1
    alias = match.group(2) if match else frequency
    if k <= 1:
        return SEASONS.get(alias, 1)
    if alias in _SUBDAILY_S:
        step = k * _SUBDAILY_S[alias]
        return 86400 // step if 86400 % step == 0 and step < 86400 else 1
    unit = SEASONS.get(alias, 1)
    return unit // k if unit % k == 0 and unit > k else 1
