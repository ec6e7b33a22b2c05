"""The task contract: a loaded table, its target, its feature types and the ID/shift pools.

A task is a frame whose index is the row id (``0..N-1`` in the order of the loaded table,
after rows without a target were dropped) and whose columns are the features and the target.
Two disjoint boolean masks, aligned with the frame's rows, say which rows form the
in-distribution (ID) pool and which the distribution-shift set; rows in neither are excluded.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from archbench.kinds.common.labels import (
    MAX_CLASSES,
    check_classes,
    count,
    labels_as_strings,
    read_shipped,
    sort_labels,
)
from archbench.kinds.common.metrics import TaskType
from archbench.kinds.common.pools import freeze_pools, pool_rows

__all__ = [
    "MAX_CLASSES",
    "Builtin",
    "Pools",
    "TaskData",
    "TaskType",
    "check_classes",
    "count",
    "labels_as_strings",
    "number_rows",
    "read_shipped",
    "sort_labels",
]


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
        groups: ``(N,)`` int64 group codes of ``split.group`` (rows of one group stay in one
            of train, validation and test), or None.
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
    groups: np.ndarray | None = None

    def __post_init__(self) -> None:
        n = len(self.frame)
        freeze_pools(self, n)
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
        return pool_rows(self.n_source_rows, len(self.frame), self.id_mask, self.shift_mask)

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


def number_rows(raw: pd.DataFrame) -> int:
    """Number the rows of a source table (column ``source_row``); returns their count."""
    raw["source_row"] = np.arange(len(raw), dtype=np.int64)
    return len(raw)


@dataclass(frozen=True)
class Pools:
    """A built-in's shift rule: the two masks, the words for the report and the JSON rule."""

    id_mask: np.ndarray
    shift_mask: np.ndarray
    description: str
    rule: dict[str, Any]

    @classmethod
    def threshold(cls, frame: pd.DataFrame, column: str, cut: float, description: str) -> Pools:
        """ID pool: ``column < cut``; shift set: ``column >= cut`` (the column stays a feature)."""
        x = frame[column].to_numpy()
        rule = {"column": column, "id": f"< {cut:g}", "shift": f">= {cut:g}"}
        return cls(x < cut, x >= cut, description, rule)


@dataclass(frozen=True)
class Builtin:
    """What a built-in task states about itself: its words for the report and its columns.

    Attributes:
        classes: the class labels, sorted; empty for a regression task.
    """

    name: str
    title: str
    licence: str
    description: str
    provenance: str
    target: str
    numeric: tuple[str, ...]
    categorical: tuple[str, ...] = ()
    classes: tuple[str, ...] = ()

    def frame(self, table: pd.DataFrame, features: Sequence[str]) -> pd.DataFrame:
        """``features`` and the target of ``table``, typed: numbers float64, categories and
        class labels strings, index ``row_id`` ``0..N-1``."""
        frame = table[[*features, self.target]].copy()
        for c in (*self.numeric, *([] if self.classes else [self.target])):
            frame[c] = frame[c].astype(np.float64)
        for c in (*self.categorical, *([self.target] if self.classes else [])):
            frame[c] = frame[c].astype("str")
        frame.index = pd.RangeIndex(len(frame), name="row_id")
        return frame

    def task(
        self,
        frame: pd.DataFrame,
        pools: Pools,
        notes: Sequence[str],
        source: pd.DataFrame,
        n_source: int,
    ) -> TaskData:
        """The loaded task; ``source`` is the source table numbered by :func:`number_rows`
        (``n_source`` rows) cut to the rows of ``frame``."""
        return TaskData(
            name=self.name,
            title=self.title,
            description=self.description,
            provenance=self.provenance,
            licence=self.licence,
            frame=frame,
            target=self.target,
            task_type="classification" if self.classes else "regression",
            numeric=self.numeric,
            categorical=self.categorical,
            classes=self.classes,
            id_mask=pools.id_mask,
            shift_mask=pools.shift_mask,
            shift_description=pools.description,
            notes=tuple(notes),
            source_row=source["source_row"].to_numpy(),
            n_source_rows=n_source,
            shift_rule=pools.rule,
        )
