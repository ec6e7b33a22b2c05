"""The shift rule of a forecasting task: a later period, other series, or both.

``range``: the ID series over a later period ``[min, max]`` of time; ``groups``: series never
seen in training, over the ID test period (same calendar span, only the series differ);
``both``: those series over the later period. ``shift_bounds`` turns the rule into times on the
data's axis (the shift period and the last ID time), refusing a rule that leaves no ID range.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import Any, Literal

import numpy as np
import pandas as pd

from archbench.errors import ConfigError, DataError
from archbench.kinds.forecasting.data import ForecastData


@dataclass(frozen=True)
class ForecastShift:
    """The shift rule: a later period (``range``), other series (``groups``) or ``both``.

    ``min``/``max`` bound the shift period (ISO dates or integer steps, inclusive; a date-only
    ``max`` includes its whole day); ``id_max`` ends the ID range early (a gap before the shift
    period; default: the step before ``min``); ``values`` lists the shift series.
    """

    kind: Literal["range", "groups", "both"] = "range"
    min: str | int | None = None
    max: str | int | None = None
    id_max: str | int | None = None
    values: tuple[str, ...] = ()
    description: str = ""

    @classmethod
    def from_table(cls, table: Mapping[str, Any]) -> ForecastShift:
        """From ``[task.shift]``; ``column`` is accepted (it must be the time or series column)."""
        names = [f.name for f in fields(cls)]
        kwargs = {k: v for k, v in table.items() if k != "column"}
        for key in kwargs:
            if key not in names:
                raise ConfigError(f"task.shift.{key} is not a forecasting shift key; use {names}")
        if "values" in kwargs:
            kwargs["values"] = tuple(str(v) for v in kwargs["values"])
        rule = cls(**kwargs)
        if rule.kind not in ("range", "groups", "both"):
            raise ConfigError(f"task.shift.kind = {rule.kind!r}; use 'range', 'groups' or 'both'")
        if rule.kind != "groups" and rule.min is None:
            raise ConfigError(f"task.shift.min is required for kind = {rule.kind!r}")
        if rule.kind != "range" and not rule.values:
            raise ConfigError(f"task.shift.values must list series for kind = {rule.kind!r}")
        return rule


def shift_series_of(data: ForecastData, shift: ForecastShift | None) -> list[str]:
    """The series a ``groups``/``both`` rule names, in order, each once (none for ``range``)."""
    if shift is None or shift.kind == "range":
        return []
    names = list(data.series_names)
    for v in shift.values:
        if v not in names:
            raise DataError(
                f"task.shift.values names series {v!r}, which is not in the data; series are: "
                f"{', '.join(names[:20])}"
            )
    return list(dict.fromkeys(shift.values))


def _to_time(data: ForecastData, value: str | int, key: str, end: bool = False) -> Any:
    """A bound as a time value; a date-only ``max`` includes its whole day."""
    if data.integer_time:
        if isinstance(value, bool) or not isinstance(value, int):
            raise ConfigError(f"task.shift.{key} = {value!r}; integer time needs an integer step")
        return np.int64(value)
    try:
        t = pd.Timestamp(value)
    except (ValueError, TypeError) as exc:
        raise ConfigError(f"task.shift.{key} = {value!r} is not a date; use ISO 8601") from exc
    if t.tzinfo is not None:
        t = t.tz_convert("UTC").tz_localize(None)
    if end and isinstance(value, str) and len(value) == 10:
        t = t + pd.Timedelta(days=1) - pd.Timedelta(1, "ns")
    return np.datetime64(t, "ns")


def shift_bounds(data: ForecastData, shift: ForecastShift | None) -> tuple[Any, Any, Any]:
    """(shift min, shift max, last ID time)."""
    last = max(t[-1] for t in data.times)
    if shift is None or shift.kind == "groups":
        id_end = (
            last
            if shift is None or shift.id_max is None
            else _to_time(data, shift.id_max, "id_max", end=True)
        )
        return None, None, id_end
    assert shift.min is not None
    lo = _to_time(data, shift.min, "min")
    hi = last if shift.max is None else _to_time(data, shift.max, "max", end=True)
    if hi < lo:
        raise ConfigError(f"task.shift.max = {shift.max!r} is before task.shift.min")
    id_end = (
        just_before(lo) if shift.id_max is None else _to_time(data, shift.id_max, "id_max", True)
    )
    if id_end >= lo:
        raise ConfigError("task.shift.id_max must lie before task.shift.min")
    first = min(t[0] for t in data.times)
    if id_end < first:
        raise DataError(
            f"the shift rule leaves no ID range: every step is at or after task.shift.min = "
            f"{shift.min!r}; move min later"
        )
    return lo, hi, id_end


def just_before(t: Any) -> Any:
    """The largest time strictly below ``t`` (inclusive bounds on a discrete grid)."""
    return t - (np.int64(1) if isinstance(t, np.integer) else np.timedelta64(1, "ns"))
