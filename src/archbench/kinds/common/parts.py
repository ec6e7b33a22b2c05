"""Parts the families see: frozen dataclasses whose every field holds one row per unit.

A kind's split part (tabular ``Matrix``, forecasting ``Windows``) is such a record. It derives
from :class:`Rows`: its length is the rows of its first field, and taking a subsample (the
tuning rows, a batch of units) takes the same rows of every field.
"""

from __future__ import annotations

from dataclasses import fields, replace
from typing import TYPE_CHECKING, Self, TypeVar, cast

import numpy as np

if TYPE_CHECKING:
    from _typeshed import DataclassInstance

__all__ = ["Rows", "take_rows"]

P = TypeVar("P", bound="DataclassInstance")


def take_rows(part: P, idx: np.ndarray) -> P:
    """The rows ``idx`` of every field of ``part`` (arrays indexed on their first axis)."""
    return replace(part, **{f.name: getattr(part, f.name)[idx] for f in fields(part)})


class Rows:
    """Base of a dataclass of row-aligned arrays (the first axis of every field is the row)."""

    def __len__(self) -> int:
        first = fields(cast("DataclassInstance", self))[0].name
        return int(np.shape(getattr(self, first))[0])

    def take(self, idx: np.ndarray) -> Self:
        """The rows ``idx`` of every field (a subsample, e.g. for tuning)."""
        return cast(Self, take_rows(cast("DataclassInstance", self), idx))
