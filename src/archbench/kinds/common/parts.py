"""Parts the families see: frozen dataclasses whose every field holds one row per unit.

A kind's split part (tabular ``Matrix``, forecasting ``Windows``) is such a record; taking a
subsample of it (the tuning rows, a batch of units) takes the same rows of every field.
"""

from __future__ import annotations

from dataclasses import fields, replace
from typing import TYPE_CHECKING, TypeVar

import numpy as np

if TYPE_CHECKING:
    from _typeshed import DataclassInstance

__all__ = ["take_rows"]

P = TypeVar("P", bound="DataclassInstance")


def take_rows(part: P, idx: np.ndarray) -> P:
    """The rows ``idx`` of every field of ``part`` (arrays indexed on their first axis)."""
    return replace(part, **{f.name: getattr(part, f.name)[idx] for f in fields(part)})
