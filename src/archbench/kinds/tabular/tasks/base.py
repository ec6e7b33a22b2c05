"""The task contract: a loaded table, its target, its feature types and the ID/shift pools.

A task is a frame whose index is the row id (``0..N-1`` in the order of the loaded table,
after rows without a target were dropped) and whose columns are the features and the target.
Two disjoint boolean masks, aligned with the frame's rows, say which rows form the
in-distribution (ID) pool and which the distribution-shift set; rows in neither are excluded.
"""

from __future__ import annotations

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

__all__ = [
    "MAX_CLASSES",
    "TaskData",
    "TaskType",
    "check_classes",
    "count",
    "labels_as_strings",
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
