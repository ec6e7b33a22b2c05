"""The task contract: a loaded table, its target, its feature types and the ID/shift pools.

A task is a frame whose index is the row id (``0..N-1`` in the order of the loaded table,
after rows without a target were dropped) and whose columns are the features and the target.
Two disjoint boolean masks, aligned with the frame's rows, say which rows form the
in-distribution (ID) pool and which the distribution-shift set; rows in neither are excluded.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from importlib import resources
from typing import Any

import numpy as np
import pandas as pd

from archbench.errors import DataError
from archbench.kinds.metriclib import TaskType

#: More distinct labels than this in a classification target is almost surely a mistake.
MAX_CLASSES = 100


@dataclass(frozen=True, eq=False)
class TaskData:
    """One loaded task. ``N = len(frame)``.

    Attributes:
        frame: ``N`` rows, index ``row_id`` (int64, ``0..N-1``), columns = features + target.
            Categorical features and classification targets are strings (missing = NaN);
            numeric features are float64.
        classes: class labels as strings, sorted (numerically when every label is a number);
            empty for regression.
        id_mask, shift_mask: ``(N,)`` bool, disjoint; rows in neither are excluded.
        source_row: ``(N,)`` int64, each row's position in the source table (for tracing).
        n_source_rows: rows in the source table, before rows without a target were dropped.
        notes: one line per thing dropped, excluded or repaired, with counts.
        shift_rule: the rule that made the masks, as a JSON-able dict.
    """

    name: str
    title: str
    description: str
    provenance: str
    licence: str
    frame: pd.DataFrame
    target: str
    task_type: TaskType
    numeric: tuple[str, ...]
    categorical: tuple[str, ...]
    classes: tuple[str, ...]
    id_mask: np.ndarray
    shift_mask: np.ndarray
    shift_description: str
    notes: tuple[str, ...] = ()
    source_row: np.ndarray | None = None
    n_source_rows: int = 0
    shift_rule: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        n = len(self.frame)
        for name in ("id_mask", "shift_mask"):
            m = np.asarray(getattr(self, name), dtype=bool)
            assert m.shape == (n,), f"{name} has shape {m.shape}, frame has {n} rows"
            m = m.copy()
            m.setflags(write=False)
            object.__setattr__(self, name, m)
        assert not (self.id_mask & self.shift_mask).any(), "ID and shift pools overlap"
        assert self.frame.columns[-1] == self.target, "the target is the frame's last column"
        assert sorted([*self.numeric, *self.categorical]) == sorted(self.features), "feature types"
        assert self.frame.index.equals(pd.RangeIndex(n)), "frame index must be 0..N-1"
        src = np.arange(n) if self.source_row is None else np.asarray(self.source_row)
        src = src.astype(np.int64)
        src.setflags(write=False)
        object.__setattr__(self, "source_row", src)
        object.__setattr__(self, "n_source_rows", max(self.n_source_rows, n))

    @property
    def features(self) -> tuple[str, ...]:
        """Feature names in frame order (numeric and categorical interleaved as loaded)."""
        return tuple(c for c in self.frame.columns if c != self.target)

    @property
    def row_ids(self) -> np.ndarray:
        """``(N,)`` int64 row ids (the frame's index)."""
        return self.frame.index.to_numpy(dtype=np.int64)

    @property
    def rows(self) -> dict[str, int]:
        """Row counts: total = dropped + id_pool + shift_pool + excluded."""
        n = len(self.frame)
        n_id, n_shift = int(self.id_mask.sum()), int(self.shift_mask.sum())
        return {
            "total": int(self.n_source_rows),
            "dropped": int(self.n_source_rows - n),
            "id_pool": n_id,
            "shift_pool": n_shift,
            "excluded": n - n_id - n_shift,
        }

    def to_json(self) -> dict[str, Any]:
        """The content of ``task.json`` (see docs/run-directory.md)."""
        return {
            "name": self.name,
            "title": self.title,
            "description": self.description,
            "provenance": self.provenance,
            "licence": self.licence,
            "target": self.target,
            "task_type": self.task_type,
            "classes": list(self.classes),
            "features": {"numeric": list(self.numeric), "categorical": list(self.categorical)},
            "shift": {"description": self.shift_description, "rule": dict(self.shift_rule)},
            "notes": list(self.notes),
            "rows": self.rows,
        }


# ---------------------------------------------------------------------------------------------
# Helpers shared by the built-in and user tasks


def count(n: int, what: str, one: str = "") -> str:
    """``count(8255, "cancelled flights")`` -> ``"8,255 cancelled flights"``; ``one`` if n == 1."""
    return f"{n:,} {one if n == 1 and one else what}"


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
