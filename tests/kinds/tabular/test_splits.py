from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest

from archbench.errors import DataError
from archbench.kinds.tabular.splits import SPLIT_NAMES, check_splits, make_splits
from archbench.kinds.tabular.tasks.base import TaskData
from archbench.spec.model import SplitSpec


def _task(n: int = 2000, seed: int = 0, dup: int = 0, classes: int = 2) -> TaskData:
    rng = np.random.default_rng(seed)
    x = rng.normal(size=n)
    frame = pd.DataFrame(
        {
            "x": x,
            "g": rng.choice(["a", "b", "c"], size=n),
            "y": rng.integers(0, classes, size=n).astype(str),
        }
    )
    if dup:
        frame.loc[n - dup :, ["x", "g"]] = frame.loc[: dup - 1, ["x", "g"]].to_numpy()
    frame["y"] = frame["y"].astype("string")
    frame["g"] = frame["g"].astype("string")
    shift = x > 1.0
    return TaskData(
        name="t",
        title="t",
        description="",
        provenance="",
        licence="",
        frame=frame,
        target="y",
        task_type="classification",
        numeric=("x",),
        categorical=("g",),
        classes=tuple(str(c) for c in range(classes)),
        id_mask=~shift,
        shift_mask=shift,
        shift_description="x > 1",
    )


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_splits_are_disjoint_cover_the_pools_and_are_stratified(seed: int) -> None:
    task = _task()
    s = make_splits(task, SplitSpec(seed=seed), builtin=True)
    ids = [set(s.ids(n).tolist()) for n in SPLIT_NAMES]
    for i in range(4):
        for j in range(i + 1, 4):
            assert not ids[i] & ids[j]
    id_pool = set(np.flatnonzero(task.id_mask).tolist())
    assert ids[0] | ids[1] | ids[2] == id_pool
    assert ids[3] == set(np.flatnonzero(task.shift_mask).tolist())
    y = task.frame["y"]
    rates = [float((y.loc[s.ids(n)] == "1").mean()) for n in ("train", "val", "test")]
    assert max(rates) - min(rates) < 0.03
    n_id = len(id_pool)
    assert abs(len(s.test) - 0.2 * n_id) <= 2
    assert abs(len(s.val) - 0.2 * n_id) <= 2


def test_same_seed_same_split_other_seed_other_split() -> None:
    task = _task()
    a = make_splits(task, SplitSpec(seed=0), builtin=True)
    b = make_splits(task, SplitSpec(seed=0), builtin=True)
    c = make_splits(task, SplitSpec(seed=1), builtin=True)
    assert a.digest() == b.digest()
    assert a.digest() != c.digest()


def test_caps_are_applied() -> None:
    s = make_splits(
        _task(), SplitSpec(max_train_rows=300, max_shift_rows=50, max_test_rows=100), builtin=True
    )
    assert len(s.train) == 300 and len(s.shift) == 50 and len(s.test) == 100


@pytest.mark.parametrize("builtin", [False, True])
def test_duplicates_grouped_by_default_and_refused_on_request(builtin: bool) -> None:
    task = _task(dup=200)
    with pytest.raises(DataError, match="leakage"):
        make_splits(task, SplitSpec(duplicates="error"), builtin=builtin)
    s = make_splits(task, SplitSpec(), builtin=builtin)  # group: copies stay in one split
    h = pd.util.hash_pandas_object(task.frame[["x", "g"]], index=False)
    train_h = set(h.loc[s.train])
    for name in ("val", "test", "shift"):
        assert not set(h.loc[s.ids(name)]) & train_h
    id_h = h[task.id_mask]
    n_dup = int(id_h.duplicated(keep=False).sum())
    assert n_dup > 0
    assert any(n.startswith(f"{n_dup:,} ID rows have the same features") for n in s.notes)
    assert s.manifest(task)["notes"] == list(s.notes)


def test_no_duplicate_note_without_duplicates() -> None:
    s = make_splits(_task(), SplitSpec(), builtin=False)
    assert not any("same features" in n for n in s.notes)


def test_one_leaking_row_is_one_row() -> None:
    task = _task()
    s = make_splits(task, SplitSpec(), builtin=False)
    frame = task.frame.copy()
    frame.loc[s.val[0], ["x", "g"]] = frame.loc[s.train[0], ["x", "g"]].to_numpy()
    t2 = dataclasses.replace(task, frame=frame)
    with pytest.raises(DataError, match=r"^1 row of the val split has exactly the same features"):
        check_splits(t2, s, SplitSpec())
