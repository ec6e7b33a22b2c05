"""A loaded task's pools: frozen disjoint masks, row counts that add up, threshold rules."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import pytest

from archbench.kinds.common.pools import freeze_pools, pool_rows
from archbench.kinds.tabular.tasks.base import Builtin, Pools


@dataclass(frozen=True)
class _Task:
    id_mask: np.ndarray
    shift_mask: np.ndarray


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_rows_add_up(seed: int) -> None:
    rng = np.random.default_rng(seed)
    side = rng.integers(0, 3, size=50)  # 0 ID, 1 shift, 2 excluded
    t = _Task(side == 0, [bool(v) for v in side == 1])  # type: ignore[arg-type]
    freeze_pools(t, 50)
    assert t.shift_mask.dtype == bool and not t.id_mask.flags.writeable
    rows = pool_rows(60, 50, t.id_mask, t.shift_mask)
    assert rows["total"] == 60 and rows["dropped"] == 10
    assert rows["dropped"] + rows["id_pool"] + rows["shift_pool"] + rows["excluded"] == 60
    assert rows["excluded"] == int((side == 2).sum())


def test_overlap_and_shape_are_refused() -> None:
    with pytest.raises(AssertionError, match="overlap"):
        freeze_pools(_Task(np.ones(3, bool), np.ones(3, bool)), 3)
    with pytest.raises(AssertionError, match="shape"):
        freeze_pools(_Task(np.ones(3, bool), np.zeros(3, bool)), 4)


def test_threshold_rule_and_typed_frame() -> None:
    about = Builtin("t", "T", "CC0", "d", "p", "y", ("x",), ("c",), classes=("a", "b"))
    raw = pd.DataFrame({"c": ["u", None, "v"], "x": [1, 5, 9], "y": ["a", "b", "a"], "z": 0})
    frame = about.frame(raw, ["c", "x"])
    assert list(frame.columns) == ["c", "x", "y"] and frame["x"].dtype == np.float64
    assert frame.index.name == "row_id" and frame["c"].iat[0] == "u"
    pools = Pools.threshold(frame, "x", 5.0, "x >= 5")
    assert pools.id_mask.tolist() == [True, False, False]
    assert pools.rule == {"column": "x", "id": "< 5", "shift": ">= 5"}
    task = about.task(frame, pools, ["n"], raw.assign(source_row=[4, 5, 6]), 9)
    assert task.task_type == "classification" and task.rows["dropped"] == 6
