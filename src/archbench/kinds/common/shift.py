"""Shift rules: which rows of a table form the distribution-shift set.

Three kinds (see ``config.ShiftSpec``):

* ``range``: ``min <= column <= max`` (either bound optional). Numbers against a numeric
  column, ISO dates against a datetime column or a column of date strings. A date-only ``max``
  ("2013-12-31") includes that whole day.
* ``groups``: the column's value, compared as a string (1, 1.0 and "1" are the same), is one of
  ``values``.
* ``quantile``: above (``>``) or below (``<``) the ``quantile`` of a numeric or date column.

Rows whose rule column is missing belong to neither pool: they are excluded and counted.
Every other row not in the shift set is in the ID pool.
"""

from __future__ import annotations

import difflib
import re
import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd

from archbench.errors import DataError
from archbench.kinds.common.labels import count, kept_change, labels_as_strings
from archbench.spec.model import ShiftSpec

_DATE_ONLY = re.compile(r"^\d{4}-\d{2}-\d{2}$")


@dataclass(frozen=True, eq=False)
class ShiftResult:
    """Masks ``(N,)`` bool for the ID pool and the shift set, plus what the rule did."""

    id_mask: np.ndarray
    shift_mask: np.ndarray
    description: str
    notes: tuple[str, ...]


def shift_mask(frame: pd.DataFrame, spec: ShiftSpec) -> np.ndarray:
    """``(N,)`` bool: the rows of ``frame`` the rule puts in the shift set."""
    return apply_shift(frame, spec).shift_mask


def apply_shift(
    frame: pd.DataFrame,
    spec: ShiftSpec,
    *,
    source: str = "the data",
    target: str = "",
    positive: object | None = None,
) -> ShiftResult:
    """Apply a shift rule; ID = rows with a value in the rule column that are not shifted.

    Rows with a missing rule value are excluded and counted; with ``target`` (a column of
    ``frame``) the note gives the class share or target mean before and after
    (:func:`~archbench.kinds.common.labels.kept_change`).

    Raises:
        DataError: the column is missing or of the wrong kind, a bound or group value does not
            fit the column, or the rule leaves the shift set or the ID pool empty.
    """
    col = spec.column
    if col not in frame.columns:
        raise DataError(
            f"task.shift.column {col!r} is not a column of {source}"
            f"{did_you_mean(col, [str(c) for c in frame.columns])}"
        )
    s = frame[col]
    if spec.kind == "range":
        shifted, known, desc = _range(s, spec)
    elif spec.kind == "groups":
        shifted, known, desc = _groups(s, spec)
    else:
        shifted, known, desc = _quantile(s, spec)
    shifted = shifted & known
    ids = known & ~shifted
    notes: list[str] = []
    n_unknown = int((~known).sum())
    if n_unknown:
        change = (
            f" ({kept_change(frame[target], known, positive)})" if target in frame.columns else ""
        )
        notes.append(
            count(
                n_unknown,
                f"rows with a missing {col!r} excluded (shift rule column)",
                f"row with a missing {col!r} excluded (shift rule column)",
            )
            + change
        )
    if not shifted.any():
        fix = (
            "many rows share the quantile value: choose another quantile, side or column"
            if spec.kind == "quantile"
            else "widen the rule so the shift set is not empty"
        )
        raise DataError(f"task.shift ({desc}) selects no rows of {source}; {fix}")
    if not ids.any():
        raise DataError(
            f"task.shift ({desc}) selects every row of {source}; narrow the rule so rows remain "
            "for the ID pool"
        )
    return ShiftResult(ids, shifted, spec.description or desc, tuple(notes))


def did_you_mean(name: str, options: list[str], listing: str = "columns are") -> str:
    """``"; did you mean 'x'?"`` for close matches, else ``"; columns are: ..."`` (20 shown).

    Matching ignores case, so "y" finds "Y" and "outcome y" finds "Outcome Y".
    """
    folded: dict[str, list[str]] = {}
    for o in options:
        folded.setdefault(o.casefold(), []).append(o)
    hits = difflib.get_close_matches(name.casefold(), list(folded), n=3, cutoff=0.6)
    close = [o for h in hits for o in folded[h] if o != name][:3]
    if close:
        return "; did you mean " + " or ".join(repr(c) for c in close) + "?"
    shown = ", ".join(repr(c) for c in options[:20])
    more = f" (+{len(options) - 20} more)" if len(options) > 20 else ""
    return f"; {listing}: {shown}{more}"


def _is_number(v: object) -> bool:
    return isinstance(v, int | float | np.integer | np.floating) and not isinstance(v, bool)


def _as_dates(s: pd.Series, what: str) -> pd.Series | None:
    """``s`` as datetimes, or None when it is neither datetime nor (mostly) date strings."""
    if pd.api.types.is_datetime64_any_dtype(s.dtype):
        return s
    if pd.api.types.is_numeric_dtype(s.dtype) or pd.api.types.is_bool_dtype(s.dtype):
        return None
    nonmissing = s.dropna()
    if nonmissing.empty:
        return None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            d = pd.to_datetime(s.astype("str"), errors="coerce", format="ISO8601")
        except (ValueError, TypeError):
            d = pd.to_datetime(s.astype("str"), errors="coerce")
        if d[nonmissing.index].isna().all():  # not ISO 8601: "May 30, 2011", "30 May 2011"
            d = pd.to_datetime(s.astype("str"), errors="coerce", format="mixed")
    if d[nonmissing.index].isna().all():
        return None
    bad = int(d[nonmissing.index].isna().sum())
    if bad:
        example = nonmissing[d[nonmissing.index].isna()].iloc[0]
        raise DataError(
            f"{what}: {bad:,} values of column {s.name!r} are not dates (e.g. {example!r}); "
            "fix them or drop those rows"
        )
    return d


def _rule_dates(s: pd.Series, refusal: str) -> pd.Series:
    """Column ``s`` as dates for a shift rule; ``refusal`` completes the error when it holds
    none ("task.shift: column 'x' <refusal>")."""
    dates = _as_dates(s, "task.shift")
    if dates is None:
        raise DataError(f"task.shift: column {s.name!r} {refusal}")
    return dates


def _timestamp(v: object, key: str, like: pd.Series) -> pd.Timestamp:
    try:
        t = pd.Timestamp(str(v))
    except (ValueError, TypeError):
        raise DataError(
            f'{key} = {v!r} is not an ISO date (use e.g. "2013-11-01") for date column '
            f"{like.name!r}"
        ) from None
    tz = getattr(like.dt, "tz", None)
    if tz is not None and t.tzinfo is None:
        t = t.tz_localize(tz)
    elif tz is None and t.tzinfo is not None:
        t = t.tz_convert("UTC").tz_localize(None)
    return t


def _bound_text(v: object) -> str:
    """A bound as written: ``1986`` (the spec keeps numbers as floats), ``'2013-11-01'``."""
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return repr(v)


def _range(s: pd.Series, spec: ShiftSpec) -> tuple[np.ndarray, np.ndarray, str]:
    bounds = [(k, getattr(spec, k)) for k in ("min", "max") if getattr(spec, k) is not None]
    text = ", ".join(f"{k} = {_bound_text(v)}" for k, v in bounds)
    desc = f"range on {s.name!r}: {text}"
    numeric_col = pd.api.types.is_numeric_dtype(s.dtype) and not pd.api.types.is_bool_dtype(s.dtype)
    if numeric_col:
        x = s.to_numpy(dtype=np.float64, na_value=np.nan)
        known = ~np.isnan(x)
        inside = known.copy()
        vals = {}
        for k, v in bounds:
            if not _is_number(v):
                try:
                    v = float(str(v))
                except ValueError:
                    raise DataError(
                        f"task.shift.{k} = {v!r} is not a number, but column {s.name!r} is "
                        "numeric; give a number"
                    ) from None
            vals[k] = float(v)
        if "min" in vals and "max" in vals and vals["min"] > vals["max"]:
            raise DataError(
                f"task.shift: min = {vals['min']} is above max = {vals['max']}; swap them"
            )
        if "min" in vals:
            inside &= x >= vals["min"]
        if "max" in vals:
            inside &= x <= vals["max"]
        return inside, known, desc
    dates = _rule_dates(
        s,
        "is neither numeric nor dates, so a range rule does not apply; "
        'use kind = "groups" with the values of the shift set',
    )
    known = dates.notna().to_numpy()
    inside = known.copy()
    lo = hi = None
    for k, v in bounds:
        if _is_number(v):
            raise DataError(
                f"task.shift.{k} = {v!r} is a number, but column {s.name!r} holds dates; give an "
                'ISO date such as "2013-11-01"'
            )
        t = _timestamp(v, f"task.shift.{k}", dates)
        if k == "min":
            lo = t
            inside &= (dates >= t).fillna(False).to_numpy(dtype=bool)
        elif _DATE_ONLY.match(str(v).strip()):
            hi = t
            inside &= (dates < t + pd.Timedelta(days=1)).fillna(False).to_numpy(dtype=bool)
        else:
            hi = t
            inside &= (dates <= t).fillna(False).to_numpy(dtype=bool)
    if lo is not None and hi is not None and lo > hi:
        raise DataError(f"task.shift: min = {spec.min!r} is after max = {spec.max!r}; swap them")
    return inside, known, desc


def _groups(s: pd.Series, spec: ShiftSpec) -> tuple[np.ndarray, np.ndarray, str]:
    labels = labels_as_strings(s)
    wanted = labels_as_strings(pd.Series(list(spec.values), dtype=object)).tolist()
    known = labels.notna().to_numpy()
    present = set(labels.dropna().unique())
    for w in wanted:
        if w not in present:
            raise DataError(
                f"task.shift.values: {w!r} never occurs in column {s.name!r}"
                f"{did_you_mean(w, sorted(present), 'its values are')}"
            )
    inside = labels.isin(wanted).to_numpy(dtype=bool)
    shown = ", ".join(repr(w) for w in wanted)
    return inside, known, f"groups of {s.name!r}: {shown}"


def _quantile(s: pd.Series, spec: ShiftSpec) -> tuple[np.ndarray, np.ndarray, str]:
    dates = None
    if pd.api.types.is_numeric_dtype(s.dtype) and not pd.api.types.is_bool_dtype(s.dtype):
        x = s.to_numpy(dtype=np.float64, na_value=np.nan)
    else:
        dates = _rule_dates(
            s,
            'is not numeric, so a quantile rule does not apply; use kind = "groups" or a '
            "numeric column",
        )
        known_d = dates.notna().to_numpy()
        x = np.full(len(s), np.nan)
        ns = dates[known_d].dt.as_unit("ns").astype("int64")
        x[known_d] = ns.to_numpy(dtype=np.float64)
    known = ~np.isnan(x)
    if not known.any():
        raise DataError(f"task.shift: column {s.name!r} has no values (all missing)")
    q = float(np.quantile(x[known], spec.quantile))
    inside = known & ((x > q) if spec.side == "above" else (x < q))
    shown: object = q
    if dates is not None:
        shown = str(pd.Timestamp(int(q), tz=getattr(dates.dt, "tz", None)))
    else:
        shown = f"{q:.6g}"
    desc = f"{s.name!r} {spec.side} its {spec.quantile:g} quantile ({shown})"
    return inside, known, desc
