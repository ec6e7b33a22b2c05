"""Shift rules shared by every kind: a range rule on dates written in several styles."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from archbench.errors import DataError
from archbench.kinds.common.shift import apply_shift
from archbench.spec.model import ShiftSpec


@pytest.mark.parametrize(
    "dates",
    [
        ["2011-05-30", "2017-10-04", "2016-09-14", "2015-12-31"],  # ISO 8601
        ["May 30, 2011", "October 4, 2017", "September 14, 2016", "December 31, 2015"],
        ["30 May 2011", "4 Oct 2017", "14 Sep 2016", "31 Dec 2015"],
    ],
)
def test_a_range_rule_reads_dates_in_the_usual_styles(dates: list[str]) -> None:
    frame = pd.DataFrame({"date": dates, "x": np.arange(4.0)})
    rule = ShiftSpec(kind="range", column="date", min="2016-01-01")
    got = apply_shift(frame, rule)
    assert got.shift_mask.tolist() == [False, True, True, False]


def test_a_column_of_words_is_still_not_dates() -> None:
    frame = pd.DataFrame({"date": ["north", "south", "east", "west"], "x": np.arange(4.0)})
    with pytest.raises(DataError, match="neither numeric nor dates"):
        apply_shift(frame, ShiftSpec(kind="range", column="date", min="2016-01-01"))


def test_a_numeric_bound_reads_as_the_user_wrote_it() -> None:
    """The spec keeps numeric bounds as floats; ``min = 1986`` is not described as 1986.0."""
    frame = pd.DataFrame({"year": [1984, 1985, 1986, 1987], "x": np.arange(4.0)})
    got = apply_shift(frame, ShiftSpec(kind="range", column="year", min=1986.0, max=1987.5))
    assert got.shift_mask.tolist() == [False, False, True, True]
    assert got.description == "range on 'year': min = 1986, max = 1987.5"
