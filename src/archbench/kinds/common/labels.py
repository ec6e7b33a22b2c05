"""Helpers every kind that reads a labelled table uses: counts in words, labels as strings,
class checks against the ID and shift pools, and data files shipped with the package."""

from __future__ import annotations

import math
from collections.abc import Iterable
from importlib import resources
from typing import Any

import numpy as np
import pandas as pd

from archbench.errors import DataError

#: More distinct labels than this in a classification target is almost surely a mistake.
MAX_CLASSES = 100


def count(n: int, what: str, one: str = "") -> str:
    """``count(8255, "cancelled flights")`` -> ``"8,255 cancelled flights"``; ``one`` if n == 1."""
    return f"{n:,} {one if n == 1 and one else what}"


def kept_change(target: pd.Series, keep: np.ndarray, positive: object | None = None) -> str:
    """What dropping the rows outside ``keep`` did: ``"rows 4,870 -> 4,858; share of class
    'spam' 4.90% -> 4.91%"`` (labels: ``positive``, else the rarest class before the drop) or
    ``"...; target mean 12.75 -> 12.80"`` (a numeric target with more than 20 values). Rows
    whose target is missing are left out of both rates.

    Args:
        target: ``(N,)`` the target of every row before the drop.
        keep: ``(N,)`` bool, the rows kept.
    """
    keep = np.asarray(keep, dtype=bool)
    out = f"rows {keep.size:,} -> {int(keep.sum()):,}"
    known = target.notna().to_numpy()
    if not known.any() or not (keep & known).any():
        return out
    numeric = pd.api.types.is_numeric_dtype(target) and not pd.api.types.is_bool_dtype(target)
    if numeric and target[known].nunique() > 20:
        before = float(target[known].astype(float).mean())
        after = float(target[keep & known].astype(float).mean())
        return out + f"; target mean {before:.4g} -> {after:.4g}"
    labels = labels_as_strings(target[known]).to_numpy()
    cls = str(positive) if positive is not None else str(pd.Series(labels).value_counts().idxmin())
    before = float(np.mean(labels == cls))
    after = float(np.mean(labels[keep[known]] == cls))
    return out + f"; share of class {cls!r} {before:.2%} -> {after:.2%}"


def labels_as_strings(values: pd.Series) -> pd.Series:
    """Map labels to strings so that 1, 1.0 and True/"1" spell the same way within a column.

    Integral numbers become their integer form ("1"), other numbers ``repr`` of the float
    ("0.5"), booleans "False"/"True", strings are kept. Missing values stay missing (NaN).
    """
    s = values
    missing = s.isna().to_numpy()
    if pd.api.types.is_bool_dtype(s.dtype):
        out = np.where(s.fillna(False).to_numpy(dtype=bool), "True", "False").astype(object)
    elif pd.api.types.is_numeric_dtype(s.dtype):
        x = s.to_numpy(dtype=np.float64, na_value=np.nan)
        with np.errstate(invalid="ignore"):
            integral = np.isfinite(x) & (x == np.round(x)) & (np.abs(x) < 2**53)
        out = np.full(len(x), np.nan, dtype=object)
        out[integral] = x[integral].astype(np.int64).astype(str)
        rest = ~integral & ~np.isnan(x)
        out[rest] = [_number_label(v) for v in x[rest]]
    else:
        out = np.array([_any_label(v) for v in s.to_numpy(dtype=object)], dtype=object)
    out[missing] = np.nan
    return pd.Series(out, index=s.index, name=s.name, dtype="str")


def _number_label(v: float) -> str:
    if not math.isfinite(v):
        return str(v)
    if v == round(v) and abs(v) < 2**53:
        return str(int(v))
    return repr(float(v))


def _any_label(v: Any) -> str:
    if isinstance(v, bool | np.bool_):
        return str(bool(v))
    if isinstance(v, int | float | np.integer | np.floating):
        return _number_label(float(v))
    return str(v)


def sort_labels(labels: Iterable[str]) -> tuple[str, ...]:
    """Sorted class labels: numerically when every label is a number, else as strings."""
    uniq = set(labels)
    try:
        return tuple(sorted(uniq, key=lambda s: (float(s), s)))
    except ValueError:
        return tuple(sorted(uniq))


def check_classes(y: pd.Series, id_mask: np.ndarray, shift_mask: np.ndarray) -> tuple[str, ...]:
    """Classes of a classification target (string labels), checked against both pools.

    Raises:
        DataError: fewer than two classes in the ID pool or in the shift set, a class seen
            only in the shift set, or implausibly many classes.
    """
    name = y.name
    in_id = set(y[id_mask].dropna().unique())
    in_shift = set(y[shift_mask].dropna().unique())
    if len(in_id) > MAX_CLASSES:
        raise DataError(
            f"target column {name!r} has {len(in_id):,} distinct values in the ID pool; "
            'that is not a classification target: use task.type = "regression"'
        )
    if len(in_id) < 2:
        only = ", ".join(repr(c) for c in sorted(in_id)) or "none"
        raise DataError(
            f"target column {name!r} has one class ({only}) in the ID pool; classification "
            "needs at least two: pick another target or another shift rule"
        )
    if len(in_shift) < 2:
        only = ", ".join(repr(c) for c in sorted(in_shift)) or "none"
        raise DataError(
            f"target column {name!r} has one class ({only}) in the shift set; ROC-AUC needs "
            "both outcomes there: change task.shift so the shift set holds at least two classes"
        )
    unseen = sorted(in_shift - in_id)
    if unseen:
        raise DataError(
            f"target column {name!r}: class {unseen[0]!r} occurs only in the shift set, never "
            "in the ID pool the models train on; change task.shift or drop those rows"
        )
    return sort_labels(in_id)


def read_shipped(name: str) -> pd.DataFrame:
    """A Parquet file from ``archbench/data/`` (shipped with the package)."""
    ref = resources.files("archbench").joinpath("data", name)
    if not ref.is_file():
        raise DataError(
            f"the packaged data file archbench/data/{name} is missing; reinstall archbench"
        )
    with resources.as_file(ref) as path:
        return pd.read_parquet(path)
