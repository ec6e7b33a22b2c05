from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from archbench.errors import ConfigError, DataError
from archbench.kinds.text.data import TextData, text_data_from_frame
from archbench.kinds.text.splits import split_text

from .conftest import SETTINGS, SHIFT, make_reviews


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_split_invariants(text_data: TextData, seed: int) -> None:
    s = split_text(text_data, seed=seed)
    ids = [s.rows[k] for k in ("train", "val", "test")]
    union = np.concatenate(ids)
    assert np.unique(union).size == union.size  # disjoint
    assert np.array_equal(np.sort(union), np.flatnonzero(text_data.id_mask))  # covering
    assert np.array_equal(s.rows["shift"], np.flatnonzero(text_data.shift_mask))
    n_id = text_data.id_mask.sum()
    assert abs(s.rows["test"].size - 0.2 * n_id) <= 3 and abs(s.rows["val"].size - 0.2 * n_id) <= 3
    for k in ("train", "val", "test"):  # label-stratified
        share = text_data.labels[s.rows[k]].mean()
        assert abs(share - text_data.labels[text_data.id_mask].mean()) < 0.03


def test_split_seeded(text_data: TextData) -> None:
    a, b, c = (split_text(text_data, seed=k) for k in (5, 5, 6))
    assert all(np.array_equal(a.rows[k], b.rows[k]) for k in a.rows)
    assert not np.array_equal(a.rows["test"], c.rows["test"])


def _with_copies() -> TextData:
    frame = make_reviews()
    copies = frame[frame.dept == "tops"].iloc[:40].copy()
    shift_copy = frame[frame.dept == "tops"].iloc[[41]].copy()
    shift_copy["dept"] = "coats"
    return text_data_from_frame(
        pd.concat([frame, copies, copies.iloc[:10], shift_copy], ignore_index=True),
        SETTINGS,
        SHIFT,
        name="dups",
    )


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_duplicates_kept_in_one_split(seed: int) -> None:
    data = _with_copies()
    s = split_text(data, seed=seed)
    where = {}
    for k in ("train", "val", "test"):
        for t in data.texts[s.rows[k]]:
            assert where.setdefault(t, k) == k, f"text in {where[t]} and {k}"
    assert s.duplicates["val_in_train"] == s.duplicates["test_in_train"] == 0
    assert s.duplicates["id_texts_with_copies"] == 40 and s.duplicates["id_copy_rows"] == 50
    in_train = data.texts[np.flatnonzero(data.shift_mask)[-1]] in set(data.texts[s.rows["train"]])
    assert s.duplicates["shift_in_train"] == int(in_train)
    man = s.manifest(data)
    assert man["rows"]["train"] == s.rows["train"].size and man["duplicates"] == s.duplicates


def test_caps_and_errors(text_data: TextData) -> None:
    s = split_text(text_data, seed=0, caps={"train": 50, "shift": 20})
    assert s.rows["train"].size == 50 and s.rows["shift"].size == 20
    assert any("train capped at 50" in n for n in s.notes)
    with pytest.raises(ConfigError, match="leaves no training rows"):
        split_text(text_data, val_fraction=0.5, test_fraction=0.5)
    with pytest.raises(ConfigError, match="max_train_rows = -1"):
        split_text(text_data, caps={"train": -1})
    with pytest.raises(DataError, match="the training split holds one class only"):
        split_text(text_data, caps={"train": 1})
    tiny = text_data_from_frame(make_reviews(8), SETTINGS, None, name="tiny")
    with pytest.raises(DataError, match=r"the (val|test) split is empty \(\d ID rows\)"):
        split_text(tiny, val_fraction=0.1, test_fraction=0.1)
