"""The rare-label and grouped-split helpers every kind shares (kinds/common/rare.py, groups.py):
grown caps checked against scikit-learn's stratified split, the minority warning, merged group
keys against a brute-force union, drop records against pandas."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
from sklearn.model_selection import train_test_split

from archbench.errors import ConfigError, DataError
from archbench.kinds.common import groups as gr
from archbench.kinds.common import rare


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
@pytest.mark.parametrize("rate", [0.01, 0.047, 0.08])
def test_a_grown_cap_keeps_100_positives_under_a_stratified_cap(seed: int, rate: float) -> None:
    rng = np.random.default_rng(seed)
    n = 20_000
    y = (rng.random(n) < rate).astype(int)
    cap = 1000
    grown = rare.grown_cap(cap, n, int(y.sum()))
    assert grown > cap  # 1000 rows of a <= 8% class hold fewer than 100 of it
    kept, _ = train_test_split(np.arange(n), train_size=grown, random_state=seed, stratify=y)
    assert y[kept].sum() >= rare.MIN_EVAL_POSITIVES
    # the smallest such cap: one row fewer may keep fewer than 100
    assert ((grown - 1) * int(y.sum())) // n < rare.MIN_EVAL_POSITIVES


def test_a_cap_that_keeps_enough_or_no_cap_is_left_alone_and_growth_stops_at_the_data() -> None:
    assert rare.grown_cap(1000, 5000, 1000) == 1000  # 200 positives at the cap
    assert rare.grown_cap(0, 5000, 10) == 0  # no cap
    assert rare.grown_cap(6000, 5000, 10) == 6000  # the cap keeps every row
    assert rare.grown_cap(1000, 5000, 50) == 5000  # only 50 positives exist: keep all rows


def test_few_positives_counts_each_evaluation_set() -> None:
    y = {"train": np.r_[np.zeros(900), np.ones(100)], "val": np.r_[np.zeros(500), np.ones(47)]}
    y["test"], y["shift"] = np.r_[np.zeros(900), np.ones(150)], np.r_[np.zeros(800), np.ones(42)]
    w = rare.few_positives(y, "yes", 1)
    assert len(w) == 1
    assert "few rows of class 'yes' to evaluate on (validation 47 of 547; shift 42 of 842;" in w[0]
    assert "ID test" not in w[0] and "intervals" in w[0]
    y["val"] = y["shift"] = y["test"]
    assert rare.few_positives(y, "yes", 1) == []


def test_minority_warning_suggests_the_positive_class_and_average_precision() -> None:
    y = np.r_[np.zeros(953), np.ones(47)].astype(int)
    w = rare.minority_warning(y, ("no", "yes"), {})
    assert w is not None and "'yes' is 4.7% of the ID pool (47 rows)" in w
    assert 'positive_class = "yes"' in w and "average_precision" in w
    assert rare.minority_warning(y, ("no", "yes"), {"positive_class": "yes"}) is None
    balanced = np.r_[np.zeros(880), np.ones(120)].astype(int)
    assert rare.minority_warning(balanced, ("a", "b"), {}) is None


def test_focus_class_is_the_positive_when_asked_else_a_class_under_ten_percent() -> None:
    y = np.r_[np.zeros(50), np.ones(950)].astype(int)
    assert rare.focus_class(y, 2, requested=False) == 0  # class 0 is the rare one
    assert rare.focus_class(y, 2, requested=True) == 1  # the positive class, as asked
    assert rare.focus_class(np.r_[np.zeros(500), np.ones(500)].astype(int), 2, False) is None


def test_order_classes_puts_the_positive_last_and_checks_it() -> None:
    assert rare.order_classes(("a", "b", "c"), {"positive_class": "a"}, (), "t") == ("b", "c", "a")
    assert rare.order_classes(("0", "1"), {"positive_class": 0.0}, (), "t") == ("1", "0")
    with pytest.raises(DataError, match="positive_class 'z' is not a class of target 't'"):
        rare.order_classes(("a", "b"), {"positive_class": "z"}, (), "t")
    with pytest.raises(ConfigError, match=r"set task\.positive_class"):
        rare.order_classes(("a", "b", "c"), {}, ("average_precision",), "t")


def test_base_rates_and_check_positives() -> None:
    y = {s: np.r_[np.zeros(90), np.ones(10)].astype(int) for s in ("train", "val", "test")}
    y["shift"] = np.r_[np.zeros(95), np.ones(5)].astype(int)
    assert rare.base_rates(y, 2) == {"train": 0.1, "val": 0.1, "test": 0.1, "shift": 0.05}
    rare.check_positives(y, ("n", "p"), {}, ())  # nothing asked: no check
    with pytest.raises(DataError, match=r"the shift split holds 5 texts of the positive class"):
        rare.check_positives(y, ("n", "p"), {"positive_class": "p"}, (), unit="texts")
    rare.check_positives(y, ("n", "p"), {"positive_class": "p", "min_positives": 5}, ())


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_merged_keys_are_the_connected_components_of_both_keyings(seed: int) -> None:
    rng = np.random.default_rng(seed)
    a, b = rng.integers(0, 40, size=200), rng.integers(0, 60, size=200)
    comp = gr.merge_keys(a, b)
    # brute force: union rows that share a or b
    parent = list(range(200))

    def find(i: int) -> int:
        while parent[i] != i:
            i = parent[i]
        return i

    for key in (a, b):
        first: dict[int, int] = {}
        for i, k in enumerate(key.tolist()):
            if k in first:
                parent[find(i)] = find(first[k])
            else:
                first[k] = i
    roots = np.array([find(i) for i in range(200)])
    assert pd.crosstab(comp, roots).astype(bool).sum(axis=1).eq(1).all()
    assert len(np.unique(comp)) == len(np.unique(roots))


def test_group_codes_name_the_column_and_give_missing_values_their_own_group() -> None:
    df = pd.DataFrame({"pid": ["a", "a", None, "b", None], "y": [0, 1, 0, 1, 0]})
    codes = gr.group_codes(df, "pid", "f.csv")
    assert codes[0] == codes[1] and len(np.unique(codes)) == 4
    with pytest.raises(DataError, match=r"split.group 'pdi' is not a column of f.csv.*'pid'"):
        gr.group_codes(df, "pdi", "f.csv")
    with pytest.raises(DataError, match=r"split\.group 'y' is the target"):
        gr.group_codes(df, "y", "f.csv", not_allowed=("y",))
    with pytest.raises(DataError, match=r"split.group 'pid' has 1 group in the ID pool"):
        gr.check_group_count(np.zeros(10, dtype=int), "pid", "rows")


def test_a_drop_record_has_the_base_rate_or_mean_before_and_after() -> None:
    y = np.array(["1"] * 42 + ["0"] * 958)
    keep = np.ones(1000, dtype=bool)
    keep[500:700] = False  # drops 200 negatives
    d = gr.row_drop("shift", "identical features in train", keep, y, "1")
    assert (d["rows"], d["before"], d["after"]) == (200, 1000, 800)
    assert d["base_rate"] == {"before": 0.042, "after": 42 / 800}
    note = gr.drop_note(d)
    assert note.startswith("200 shift rows dropped: identical features in train")
    assert "1,000 -> 800 rows; base rate of class '1' 4.20% -> 5.25%" in note
    m = gr.row_drop("shift", "x", keep, np.arange(1000.0), None)
    assert m["target_mean"]["before"] == pytest.approx(499.5)
    assert m["target_mean"]["after"] == pytest.approx(np.arange(1000.0)[keep].mean())
    rows = gr.account_drops({"shift_pool": 1000, "id_pool": 5}, [d])
    assert rows["shift_dropped"] == 200 and rows["shift_set"] == 800


def _run(
    acc: dict[str, float],
    balance: dict[str, dict[str, float]],
    shift: dict[str, float] | None = None,
) -> SimpleNamespace:
    by_split = {"test": acc, "shift": shift or {}}
    return SimpleNamespace(
        metrics=["roc_auc", "accuracy"],
        families=list(acc),
        splits={"class_balance": balance, "sizes": {"test": 1000, "shift": 500}},
        summary_row=lambda f, s, m: {"mean": by_split[s][f]} if f in by_split[s] else None,
        label=lambda f: f.upper(),
    )


def test_an_accuracy_at_the_majority_rate_is_named() -> None:
    balance = {"test": {"0": 0.953, "1": 0.047}, "shift": {"0": 0.9, "1": 0.1}}
    notes = rare.majority_accuracy_notes(_run({"mlp": 0.953, "gbdt": 0.9712}, balance))
    assert len(notes) == 1 and "MLP 0.953" in notes[0] and "GBDT" not in notes[0]
    assert "majority-class rate (95.3%)" in notes[0]
    assert rare.majority_accuracy_notes(_run({"mlp": 0.96}, balance)) == []


def test_the_same_families_at_the_majority_rate_on_both_sets_share_one_sentence() -> None:
    balance = {"test": {"0": 0.99, "1": 0.01}, "shift": {"0": 0.992, "1": 0.008}}
    acc, shift = {"mlp": 0.990, "gbdt": 0.995}, {"mlp": 0.992, "gbdt": 0.996}
    (note,) = rare.majority_accuracy_notes(_run(acc, balance, shift))
    assert "ID test / shift" in note and "MLP 0.990 / 0.992" in note and "GBDT" not in note
    assert "(99.0% / 99.2%)" in note
    # different families on the two sets: one sentence each
    shift = {"mlp": 0.995, "gbdt": 0.992}
    notes = rare.majority_accuracy_notes(_run(acc, balance, shift))
    assert len(notes) == 2 and "MLP 0.990" in notes[0] and "GBDT 0.992" in notes[1]


def test_the_cap_note_says_whether_the_cap_grew_or_was_lifted() -> None:
    grew = rare.cap_note("test", 1000, 2122, "yes", 4800)
    assert grew.startswith("ID test cap raised from 1,000 to 2,122 rows to keep 100 rows")
    lifted = rare.cap_note("val", 1000, 3230, "1", 3230)
    assert lifted.startswith("validation cap (1,000 rows) lifted: all 3,230 rows are kept")
