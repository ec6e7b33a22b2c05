"""Rows dropped or excluded while loading are counted with the class share or target mean
before and after (issue 22's row accounting)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from archbench.kinds.common.labels import kept_change
from archbench.kinds.common.shift import apply_shift
from archbench.spec.model import ShiftSpec


def test_class_share_before_and_after_uses_the_rarest_class_or_the_positive_one() -> None:
    y = pd.Series(["ham"] * 90 + ["spam"] * 10)
    keep = np.ones(100, dtype=bool)
    keep[90:95] = False  # five spam rows dropped
    assert kept_change(y, keep) == "rows 100 -> 95; share of class 'spam' 10.00% -> 5.26%"
    assert kept_change(y, keep, "ham").endswith("share of class 'ham' 90.00% -> 94.74%")


def test_a_numeric_target_reports_its_mean_and_missing_targets_are_left_out() -> None:
    y = pd.Series(np.arange(100, dtype=float))
    keep = np.arange(100) < 50
    assert kept_change(y, keep) == "rows 100 -> 50; target mean 49.5 -> 24.5"
    y[0] = np.nan
    assert kept_change(y, keep).endswith("target mean 50 -> 25")


@pytest.mark.parametrize("seed", [0, 1])
def test_rows_without_the_shift_column_are_counted_with_the_rates(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n = 400
    frame = pd.DataFrame({
        "region": rng.choice(["north", "south", None], size=n, p=[0.5, 0.3, 0.2]),
        "y": rng.choice(["no", "yes"], size=n, p=[0.8, 0.2]),
    })  # fmt: skip
    res = apply_shift(frame, ShiftSpec(kind="groups", column="region", values=("south",)),
                      target="y", positive="yes")  # fmt: skip
    known = frame["region"].notna().to_numpy()
    before = (frame["y"] == "yes").mean()
    after = (frame["y"][known] == "yes").mean()
    (note,) = res.notes
    assert note.startswith(f"{int((~known).sum())} rows with a missing 'region' excluded")
    assert (
        f"rows {n} -> {int(known.sum())}; share of class 'yes' {before:.2%} -> {after:.2%}" in note
    )
