"""Forecasting data: the ``[task]`` settings and a validated long frame with per-series arrays.

A forecasting table is long: one row per (series, time step) with the target and optional
covariates. ``known`` covariates are known in advance for the whole forecast horizon
(calendar, holidays, planned prices); ``observed`` covariates are only known up to the
forecast origin (other sensors). String covariates are one-hot encoded at load time.

Time is either a timestamp column (ISO strings or datetime; time zones are converted to UTC)
or an integer step column (e.g. a trading-day number). Every series must lie on one regular
grid: ``frequency`` is inferred when the spacing is regular (:mod:`.timeaxis`), and every bad
input raises one ``DataError``/``ConfigError`` line that names the field and the fix.
"""

from __future__ import annotations

import difflib
import logging
from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import Any

import numpy as np
import pandas as pd

from archbench.errors import ConfigError, DataError
from archbench.kinds.forecasting.timeaxis import fill_gaps, frequency_of, parse_time, season_of

log = logging.getLogger(__name__)


#: How task.fill_gaps fills missing time steps ("": refuse them).
FILL_GAPS = ("", "zero", "interpolate")


@dataclass(frozen=True)
class ForecastSettings:
    """The forecasting keys of ``[task]``.

    Attributes:
        time: timestamp or integer step column.
        target: the numeric column to forecast.
        horizon: steps ahead (>= 1).
        context: lookback length in steps (>= 1).
        series: series id column of a panel; empty for a single series.
        frequency: pandas offset alias ("h", "D", "MS", ...); inferred when empty.
        stride: steps between consecutive forecast origins; 0 means ``horizon``.
        known: covariates known in advance over the horizon.
        observed: covariates observed up to the origin only.
        season: seasonal period (seasonal naive, MASE); 0 infers it from the frequency.
        fill_gaps: missing time steps inside a series: "" refuses them (one error naming the
            first), "zero" adds them with a target of 0 (counts: no event was recorded),
            "interpolate" with the target interpolated linearly; covariates carry their last
            value forward in both. The report counts the filled steps.
    """

    time: str
    target: str
    horizon: int
    context: int
    series: str = ""
    frequency: str = ""
    stride: int = 0
    known: tuple[str, ...] = ()
    observed: tuple[str, ...] = ()
    season: int = 0
    fill_gaps: str = ""

    def __post_init__(self) -> None:
        if self.fill_gaps not in FILL_GAPS:
            raise ConfigError(
                f'task.fill_gaps = {self.fill_gaps!r} is not allowed; use "zero" or '
                '"interpolate" (or leave it out to refuse gaps)'
            )
        for key in ("time", "target"):
            if not isinstance(getattr(self, key), str) or not getattr(self, key):
                raise ConfigError(f'task.{key} must name a column, e.g. {key} = "{key}"')
        for key, low in (("horizon", 1), ("context", 1), ("stride", 0), ("season", 0)):
            v = getattr(self, key)
            if isinstance(v, bool) or not isinstance(v, int) or v < low:
                raise ConfigError(f"task.{key} = {v!r} must be an integer >= {low}")
        both = sorted(set(self.known) & set(self.observed))
        if both:
            raise ConfigError(
                f"task.known and task.observed both list {both[0]!r}; a covariate is either "
                "known in advance or observed only in the past"
            )
        reserved = {self.time, self.target, self.series} - {""}
        for key in ("known", "observed"):
            clash = sorted(set(getattr(self, key)) & reserved)
            if clash:
                raise ConfigError(
                    f"task.{key} lists {clash[0]!r}, which is the time, target or series "
                    "column; list other columns only"
                )

    @property
    def step(self) -> int:
        """Steps between consecutive origins (``stride``, default ``horizon``)."""
        return self.stride or self.horizon

    @classmethod
    def from_table(cls, table: Mapping[str, Any]) -> ForecastSettings:
        """Build from a TOML ``[task]`` table; unknown keys are rejected with a suggestion.

        Keys that the spine owns (``type``, ``name``, ``path``, ``description``, ``shift``)
        are ignored here.
        """
        names = [f.name for f in fields(cls)]
        spine = {"type", "name", "path", "description", "shift"}
        kwargs: dict[str, Any] = {}
        for key, value in table.items():
            if key in spine:
                continue
            if key not in names:
                raise ConfigError(f"task.{key} is not a forecasting key{_hint(key, names)}")
            kwargs[key] = tuple(value) if key in ("known", "observed") else value
        for key in ("time", "target", "horizon", "context"):
            if key not in kwargs:
                raise ConfigError(f'task.{key} is required for type = "forecasting"')
        return cls(**kwargs)


@dataclass(frozen=True, eq=False)
class ForecastData:
    """A validated forecasting table.

    Attributes:
        settings: the task settings.
        frame: long frame sorted by (series, time) with columns ``series`` (str), ``time``,
            ``target`` and the encoded covariates.
        frequency: the pandas offset alias, or ``"1"`` for integer time.
        season: the seasonal period in steps.
        series_names: one name per series, in order.
        times: per series, ``(T_s,)`` datetime64[ns] or int64 times.
        values: per series, ``(T_s,)`` float64 targets.
        known: per series, ``(T_s, n_known)`` float64 known covariates.
        observed: per series, ``(T_s, n_observed)`` float64 observed covariates.
        known_names / observed_names: covariate names after one-hot encoding.
        notes: what loading did (trimmed values, encodings), one line each.
    """

    settings: ForecastSettings
    frame: pd.DataFrame
    frequency: str
    season: int
    series_names: tuple[str, ...]
    times: tuple[np.ndarray, ...]
    values: tuple[np.ndarray, ...]
    known: tuple[np.ndarray, ...]
    observed: tuple[np.ndarray, ...]
    known_names: tuple[str, ...]
    observed_names: tuple[str, ...]
    notes: tuple[str, ...] = ()

    @property
    def integer_time(self) -> bool:
        return self.frequency == "1"

    def offset(self) -> pd.DateOffset | int:
        """One time step: a pandas offset, or 1 for integer time."""
        return 1 if self.integer_time else pd.tseries.frequencies.to_offset(self.frequency)


def load_frame(
    frame: pd.DataFrame, settings: ForecastSettings, *, source: str = "the data"
) -> ForecastData:
    """Validate ``frame`` against ``settings`` and build the per-series arrays.

    Raises:
        DataError: a missing column, bad timestamps, duplicated (series, time), irregular or
            gappy spacing, a non-numeric or interior-missing target, missing covariates, a
            series shorter than ``context + horizon``.
        ConfigError: an unknown ``frequency`` alias.
    """
    s = settings
    cols = [s.time, s.target, *([s.series] if s.series else []), *s.known, *s.observed]
    for col in cols:
        if col not in frame.columns:
            raise DataError(f"column {col!r} is not in {source}{_hint(col, list(frame.columns))}")
    notes: list[str] = []
    out = pd.DataFrame(
        {
            "series": _series_ids(frame, s.series),
            "time": parse_time(frame[s.time], s.time, notes),
            "target": _numeric_target(frame[s.target], s.target),
        }
    )
    known = _covariates(frame, s.known, "known", notes)
    observed = _covariates(frame, s.observed, "observed", notes)
    out = pd.concat([out, known, observed], axis=1)
    _no_duplicates(out, s)
    out = out.sort_values(["series", "time"], kind="stable").reset_index(drop=True)
    out = _trim_missing_ends(out, s, notes)
    frequency = frequency_of(out, s)
    if s.fill_gaps:
        out = fill_gaps(out, s, frequency, notes)
    _check_target_inside(out, s)
    _check_covariates(out, list(known.columns), "known", s)
    _check_covariates(out, list(observed.columns), "observed", s)
    return _build_data(out, s, frequency, list(known.columns), list(observed.columns), notes)


def _build_data(
    out: pd.DataFrame, s: ForecastSettings, frequency: str, known: list[str],
    observed: list[str], notes: list[str],
) -> ForecastData:  # fmt: skip
    """The per-series arrays of a validated long frame."""
    groups = [g for _, g in out.groupby("series", sort=False)]
    season = s.season or season_of(frequency)
    if season > s.context:
        if s.season:
            raise ConfigError(
                f"task.season = {season} is longer than task.context = {s.context}: the seasonal "
                f"naive and the seasonal features need a whole season in each context; raise "
                f"task.context to at least {season} or lower task.season (1: no season)"
            )
        note = (
            f"the season inferred from the frequency {frequency!r} ({season} steps) is longer "
            f"than task.context = {s.context}: no seasonal-naive reference (raise task.context "
            "to at least the season, or set task.season)"
        )
        log.warning("%s", note)
        notes.append(note)
    for g in groups:
        if len(g) <= s.horizon:
            raise DataError(
                f"task.horizon = {s.horizon} is longer than series {g['series'].iat[0]!r} "
                f"({len(g)} steps); lower task.horizon or drop the series"
            )
        if len(g) < s.context + s.horizon:
            raise DataError(
                f"series {g['series'].iat[0]!r} has {len(g)} steps, fewer than context + horizon"
                f" = {s.context + s.horizon}; lower task.context or drop the series"
            )
    return ForecastData(
        settings=s,
        frame=out,
        frequency=frequency,
        season=season,
        series_names=tuple(str(g["series"].iat[0]) for g in groups),
        times=tuple(g["time"].to_numpy() for g in groups),
        values=tuple(g["target"].to_numpy(np.float64) for g in groups),
        known=tuple(g[known].to_numpy(np.float64) for g in groups),
        observed=tuple(g[observed].to_numpy(np.float64) for g in groups),
        known_names=tuple(known),
        observed_names=tuple(observed),
        notes=tuple(notes),
    )


def _hint(name: str, options: list[Any]) -> str:
    close = difflib.get_close_matches(name, [str(o) for o in options], n=1)
    return (
        f"; did you mean {close[0]!r}?"
        if close
        else f"; columns are: {', '.join(map(str, options[:20]))}"
    )


def _series_ids(frame: pd.DataFrame, col: str) -> pd.Series:
    if not col:
        return pd.Series("series", index=frame.index, dtype=object)
    ids = frame[col]
    if ids.isna().any():
        row = int(np.flatnonzero(ids.isna().to_numpy())[0])
        raise DataError(f"series column {col!r} is missing in row {row}; fill or drop those rows")
    return ids.astype(str).astype(object)


def _numeric_target(raw: pd.Series, col: str) -> pd.Series:
    if pd.api.types.is_bool_dtype(raw) or not (
        pd.api.types.is_numeric_dtype(raw)
        or raw.dtype == object
        or pd.api.types.is_string_dtype(raw)
    ):
        raise DataError(f"target {col!r} has dtype {raw.dtype}; forecasting needs numbers")
    values = pd.to_numeric(raw, errors="coerce")
    bad = values.isna() & raw.notna()
    if bad.any():
        row = int(np.flatnonzero(bad.to_numpy())[0])
        raise DataError(
            f"target {col!r} is not numeric (row {row}: {raw.iat[row]!r}); forecasting needs "
            "numbers: clean the column or pick another target"
        )
    return values.astype(np.float64)


def _covariates(
    frame: pd.DataFrame, names: tuple[str, ...], kind: str, notes: list[str]
) -> pd.DataFrame:
    """Numeric columns as float64; string columns one-hot (``col=value``)."""
    parts: list[pd.DataFrame] = []
    for col in names:
        x = frame[col]
        if pd.api.types.is_numeric_dtype(x) or pd.api.types.is_bool_dtype(x):
            parts.append(pd.DataFrame({col: x.astype(np.float64)}, index=frame.index))
            continue
        levels = sorted(x.dropna().astype(str).unique())
        onehot = {f"{col}={v}": (x.astype(str) == v).astype(np.float64) for v in levels}
        part = pd.DataFrame(onehot, index=frame.index)
        part[x.isna().to_numpy()] = np.nan
        parts.append(part)
        notes.append(f"{kind} covariate {col!r} one-hot encoded into {len(levels)} columns")
    if not parts:
        return pd.DataFrame(index=frame.index)
    return pd.concat(parts, axis=1)


def _no_duplicates(out: pd.DataFrame, s: ForecastSettings) -> None:
    dup = out.duplicated(["series", "time"], keep=False)
    if dup.any():
        row = int(np.flatnonzero(dup.to_numpy())[0])
        where = f"series {out['series'].iat[row]!r}, " if s.series else ""
        raise DataError(
            f"{int(dup.sum())} rows share a (series, time) pair ({where}time "
            f"{out['time'].iat[row]}); keep one row per step (aggregate or set task.series)"
        )


def _trim_missing_ends(out: pd.DataFrame, s: ForecastSettings, notes: list[str]) -> pd.DataFrame:
    """Drop leading and trailing steps whose target is missing (each series)."""
    present = out["target"].notna()
    grp = present.groupby(out["series"], sort=False)
    keep = (grp.cumsum() > 0) & (grp.transform(lambda p: p[::-1].cumsum()[::-1]) > 0)
    n = int((~keep).sum())
    if n:
        notes.append(f"{n} leading or trailing steps with a missing target dropped")
    if not keep.any():
        raise DataError(f"target {s.target!r} is missing everywhere")
    return out[keep.to_numpy()].reset_index(drop=True)


def _check_target_inside(out: pd.DataFrame, s: ForecastSettings) -> None:
    miss = out["target"].isna()
    if miss.any():
        row = int(np.flatnonzero(miss.to_numpy())[0])
        raise DataError(
            f"target {s.target!r} has {int(miss.sum())} missing values inside series "
            f"(first: series {out['series'].iat[row]!r} at {out['time'].iat[row]}); they would "
            'fall inside a context window: set task.fill_gaps = "interpolate" (or "zero" for '
            "counts), or fill them in the file"
        )


def _check_covariates(out: pd.DataFrame, cols: list[str], kind: str, s: ForecastSettings) -> None:
    for col in cols:
        miss = out[col].isna()
        if miss.any():
            row = int(np.flatnonzero(miss.to_numpy())[0])
            where = f"series {out['series'].iat[row]!r} at {out['time'].iat[row]}"
            if kind == "known":
                raise DataError(
                    f"known covariate {col!r} is missing at {int(miss.sum())} steps (first: "
                    f"{where}); a known-in-advance covariate must be given for every step, "
                    "the future ones included; fill it or list it under task.observed"
                )
            raise DataError(
                f"observed covariate {col!r} is missing at {int(miss.sum())} steps (first: "
                f"{where}); fill it (e.g. interpolate) or drop it from task.observed"
            )
