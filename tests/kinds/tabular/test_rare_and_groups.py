"""Tables (issue 22): grouped splits (``split.group``), evaluation caps that grow to keep a rare
class, the minority warning, and row drops counted with the base rate before and after."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from archbench.errors import ConfigError, DataError
from archbench.kinds import kind_of
from archbench.kinds.common.groups import crossing_groups
from archbench.spec.load import spec_from_dict


def _table(n: int = 6000, rate: float = 0.047, seed: int = 0) -> pd.DataFrame:
    """Visits of patients: ~6 rows per patient, a rare outcome that runs in patients."""
    rng = np.random.default_rng(seed)
    pid = rng.integers(0, n // 6, size=n)
    risk = rng.normal(size=n // 6)[pid]
    df = pd.DataFrame(
        {
            "patient": [f"p{p}" for p in pid],
            "a": rng.normal(size=n) + risk,
            "b": rng.choice(["x", "y", "z"], size=n),
            "site": rng.choice(["north", "south", "east"], size=n, p=[0.4, 0.4, 0.2]),
        }
    )
    cut = np.quantile(risk + rng.normal(scale=0.5, size=n), 1 - rate)
    df["event"] = np.where(risk + rng.normal(scale=0.5, size=n) > cut, "yes", "no")
    return df


def _prepare(path: Path, split: dict[str, Any] | None = None, **task: Any):
    raw = {
        "path": str(path),
        "type": "classification",
        "target": "event",
        "shift": {"kind": "groups", "column": "site", "values": ["east"]},
        **task,
    }
    spec = spec_from_dict({"task": raw, "split": {"min_rows": 20, **(split or {})}}, preset="quick")
    kind = kind_of(spec)
    data = kind.load(spec)
    splits = kind.split(data, spec)
    return data, splits, kind.prepare(data, splits, spec)


@pytest.fixture
def visits(tmp_path: Path) -> Path:
    path = tmp_path / "visits.csv"
    _table().to_csv(path, index=False)
    return path


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_no_group_crosses_train_validation_and_test(visits: Path, seed: int) -> None:
    data, splits, prepared = _prepare(visits, {"group": "patient", "seed": seed})
    assert data.groups is not None
    codes = pd.Series(data.groups, index=data.frame.index)
    by_split = {s: codes.loc[splits.ids(s)].to_numpy() for s in ("train", "val", "test", "shift")}
    assert crossing_groups(by_split) == 0
    g = prepared.splits_json["groups"]
    assert g["column"] == "patient"
    assert g["counts"]["train"] == len(np.unique(by_split["train"])) > 100
    # the shift rule is as without groups: a patient seen at 'east' may also be in train
    assert g["shift_groups_in_train"] == len(set(by_split["shift"]) & set(by_split["train"])) > 0
    # without split.group, patients do straddle the splits (the test above is not vacuous)
    data0, splits0, _ = _prepare(visits, {"seed": seed})
    raw = pd.read_csv(visits)["patient"]
    assert data0.groups is None
    src = data0.source_row
    ungrouped = {s: raw.iloc[src[splits0.ids(s)]].to_numpy() for s in ("train", "test")}
    assert crossing_groups(ungrouped) > 0


def test_a_missing_group_column_or_one_group_is_one_clear_line(tmp_path: Path) -> None:
    df = _table(1200)
    df["one"] = "same"
    df.to_csv(tmp_path / "v.csv", index=False)
    with pytest.raises(DataError, match=r"split.group 'patinet' is not a column .*'patient'"):
        _prepare(tmp_path / "v.csv", {"group": "patinet"})
    with pytest.raises(DataError, match=r"split.group 'one' has 1 group in the ID pool"):
        _prepare(tmp_path / "v.csv", {"group": "one"})
    with pytest.raises(ConfigError, match=r"split.group must be a string"):
        spec_from_dict({"task": {"name": "flights"}, "split": {"group": 3}})


def test_split_group_is_refused_for_forecasting() -> None:
    with pytest.raises(ConfigError, match=r"split\.group applies to tables and text"):
        spec_from_dict({"task": {"name": "weather"}, "split": {"group": "origin"}})


def test_evaluation_caps_grow_to_keep_100_positives(tmp_path: Path) -> None:
    # quick caps: 1,000 rows of each evaluation set would hold ~47 events of a 4.7% outcome
    _table(30_000).to_csv(tmp_path / "big.csv", index=False)
    data, splits, prepared = _prepare(tmp_path / "big.csv", positive_class="yes", drop=["patient"])
    y = data.frame["event"]
    for s, word in (("val", "validation"), ("test", "ID test"), ("shift", "shift")):
        assert (y.loc[splits.ids(s)] == "yes").sum() >= 100
        assert 1000 < splits.sizes()[s] < 3000
        assert any(n.startswith(f"{word} cap raised from 1,000 to") for n in splits.notes)
    assert splits.sizes()["train"] == 2000  # the training cap is not the statistics' concern
    # the base rate is kept (stratified), not inflated
    rates = prepared.task_json["positive_class"]["base_rate"]
    assert abs(rates["test"] - rates["train"]) < 0.005
    assert not any("to evaluate on" in w for w in prepared.task_json["warnings"])


def test_too_few_positives_left_by_the_data_are_a_warning_with_the_count(visits: Path) -> None:
    # 6,000 rows: the ID test set (~960 rows, under the cap) holds ~47 events, all there are
    data, splits, prepared = _prepare(visits, positive_class="yes", min_positives=5)
    y = data.frame["event"]
    n_test = int((y.loc[splits.ids("test")] == "yes").sum())
    assert n_test < 100
    w = [x for x in prepared.task_json["warnings"] if x.startswith("few rows of class 'yes'")]
    n = splits.sizes()["test"]
    assert len(w) == 1 and f"ID test {n_test} of {n:,}" in w[0] and "intervals" in w[0]


def test_a_rare_class_without_positive_class_is_warned_about(visits: Path) -> None:
    data, _, prepared = _prepare(visits)
    w = prepared.task_json["warnings"]
    share = f"{(data.frame['event'][data.id_mask] == 'yes').mean():.1%} of the ID pool"
    assert any(f"'yes' is {share}" in x and "average_precision" in x for x in w)
    _, _, prepared = _prepare(visits, positive_class="yes", min_positives=5)
    assert not any("of the ID pool" in x for x in prepared.task_json["warnings"])


def test_shift_rows_dropped_as_copies_of_train_are_counted_with_base_rates(tmp_path: Path) -> None:
    df = _table(3000, rate=0.1)
    df["a"] = df["a"].round(0)  # coarse features: many identical rows
    df = df.drop(columns=["patient"])
    df.to_csv(tmp_path / "c.csv", index=False)
    data, splits, prepared = _prepare(tmp_path / "c.csv", drop=["site"])
    drops = prepared.task_json["row_drops"]
    assert len(drops) == 1 and drops[0]["split"] == "shift"
    d, rows = drops[0], prepared.task_json["rows"]
    assert d["before"] == rows["shift_pool"] == int(data.shift_mask.sum())
    assert rows["shift_dropped"] == d["rows"] > 0 and rows["shift_set"] == d["after"]
    y = data.frame["event"]
    shift_ids = data.frame.index[data.shift_mask]
    assert d["base_rate"]["before"] == pytest.approx((y.loc[shift_ids] == "yes").mean())
    kept = y.loc[shift_ids].drop(splits.ids("shift"), errors="ignore")
    assert len(kept) == d["rows"]  # the quick cap (1,000) is above what is left
    assert d["base_rate"]["after"] == pytest.approx((y.loc[splits.ids("shift")] == "yes").mean())
    assert any("base rate of class 'yes'" in n for n in prepared.splits_json["notes"])
