"""Text on a par with tables for rare labels and grouped splits (issue 22): the positive class,
the imbalanced-label metrics with the base rate, min_positives, grown evaluation caps, the
minority warning and ``split.group`` (no product crosses train, validation and test)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from archbench.errors import ConfigError, DataError
from archbench.kinds import kind_of
from archbench.kinds.common.groups import crossing_groups
from archbench.kinds.common.imbalanced import IMBALANCED_METRICS
from archbench.spec.load import spec_from_dict

WORDS = ("shirt", "coat", "fit", "size", "colour", "fabric", "wash", "order", "price", "hem")


def _reviews(n: int = 3000, rate: float = 0.05, seed: int = 0) -> pd.DataFrame:
    """Reviews of ~n/5 products; a rare 'defect' label signalled by a few words."""
    rng = np.random.default_rng(seed)
    product = rng.integers(0, n // 5, size=n)
    defect = rng.random(n) < rate
    texts = []
    for i in range(n):
        words = [*rng.choice(WORDS, size=8), f"p{product[i]}", f"r{i}"]
        if defect[i] and rng.random() < 0.8:
            words += ["broken", "torn"]
        texts.append(" ".join(words))
    return pd.DataFrame(
        {
            "body": texts,
            "product": product,
            "shop": rng.choice(["a", "b", "c"], size=n, p=[0.45, 0.4, 0.15]),
            "label": np.where(defect, "defect", "fine"),
        }
    )


def _spec(path: Path, split: dict[str, Any] | None = None, metrics: Any = None, **task: Any):
    raw = {
        "type": "text_classification",
        "path": str(path),
        "text": "body",
        "target": "label",
        "shift": {"kind": "groups", "column": "shop", "values": ["c"]},
        **task,
    }
    d: dict[str, Any] = {"task": raw, "split": {"min_rows": 20, **(split or {})}}
    if metrics is not None:
        d["metrics"] = metrics
    return spec_from_dict(d, preset="quick")


def _prepare(path: Path, split: dict[str, Any] | None = None, metrics: Any = None, **task: Any):
    spec = _spec(path, split, metrics, **task)
    kind = kind_of(spec)
    data = kind.load(spec)
    splits = kind.split(data, spec)
    return data, splits, kind.prepare(data, splits, spec)


@pytest.fixture
def reviews(tmp_path: Path) -> Path:
    path = tmp_path / "reviews.csv"
    _reviews().to_csv(path, index=False)
    return path


def test_positive_class_and_the_imbalanced_metrics_work_as_in_tables(reviews: Path) -> None:
    metrics = ["average_precision", "recall_at_1pct_fpr", "f1_at_val"]
    data, _, prepared = _prepare(
        reviews, metrics=metrics, positive_class="defect", primary_metric="average_precision"
    )
    assert data.classes == ("fine", "defect")
    ms = prepared.metrics
    assert ms.primary.name == "average_precision"
    assert set(IMBALANCED_METRICS) <= set(ms.names)
    # the same metric objects as the tables' (one implementation)
    from archbench.kinds.tabular.kind import _SETS

    assert ms["average_precision"].fn is _SETS["classification"]["average_precision"].fn
    rates = prepared.task_json["positive_class"]["base_rate"]
    assert prepared.task_json["positive_class"]["label"] == "defect"
    y_test = prepared.parts["test"].y
    assert rates["test"] == pytest.approx(np.mean(y_test == 1))
    assert f"{rates['test']:.2%} (ID test)" in ms["average_precision"].note
    # the reference rows score F1 at the threshold chosen on their validation predictions
    refs = prepared.task_json["references"]["tfidf_logreg"]["metrics"]
    assert 0 <= refs["test"]["f1_at_val"] <= 1 and 0 < refs["test"]["average_precision"] <= 1


def test_the_rare_keys_are_checked_as_in_tables(reviews: Path, tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="primary_metric 'average_precison' is unknown"):
        _spec(reviews, primary_metric="average_precison")
    with pytest.raises(ConfigError, match="min_positives"):
        _spec(reviews, min_positives=0)
    with pytest.raises(DataError, match=r"the train split holds \d+ texts of the positive class"):
        _prepare(reviews, positive_class="defect", min_positives=1000)
    df = _reviews()
    df["label"] = np.where(df["label"] == "defect", 1, 0)
    df.to_csv(tmp_path / "num.csv", index=False)
    data, _, _ = _prepare(tmp_path / "num.csv", positive_class=0.0, min_positives=1)
    assert data.classes == ("1", "0")  # a number is spelled as the labels are
    df["label"] = np.random.default_rng(0).choice(["x", "y", "z"], size=len(df))
    df.to_csv(tmp_path / "three.csv", index=False)
    with pytest.raises(ConfigError, match=r"set task\.positive_class"):
        _prepare(tmp_path / "three.csv", metrics=["average_precision"])
    data, _, prepared = _prepare(
        tmp_path / "three.csv", metrics=["average_precision"], positive_class="x"
    )
    assert data.classes[-1] == "x" and "average_precision" in prepared.metrics


def test_a_rare_label_without_positive_class_is_warned_and_caps_keep_it(tmp_path: Path) -> None:
    _reviews(20_000, rate=0.04).to_csv(tmp_path / "big.csv", index=False)
    data, splits, prepared = _prepare(tmp_path / "big.csv")
    w = prepared.task_json["warnings"]
    k = data.classes.index("defect")
    share = f"{np.mean(data.labels[data.id_mask] == k):.1%} of the ID pool"
    assert any(f"'defect' is {share}" in x and "average_precision" in x for x in w)
    # quick caps (1,000 per evaluation set) would keep ~40 defects; they grow, stratified
    for s in ("val", "test", "shift"):
        y = data.labels[splits.rows[s]]
        assert (y == k).sum() >= 100
    notes = prepared.splits_json["notes"]
    assert any(n.startswith("ID test cap raised from 1,000 to") for n in notes)
    assert splits.sizes["train"] == 2000


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_no_product_crosses_the_text_splits(reviews: Path, seed: int) -> None:
    data, splits, prepared = _prepare(reviews, {"group": "product", "seed": seed})
    product = data.columns["product"].to_numpy()
    by_split = {s: product[splits.rows[s]] for s in ("train", "val", "test", "shift")}
    assert crossing_groups(by_split) == 0
    g = prepared.splits_json["groups"]
    assert g["column"] == "product" and g["counts"]["test"] == len(set(by_split["test"])) > 20
    _, plain, _ = _prepare(reviews, {"seed": seed})
    assert crossing_groups({s: product[plain.rows[s]] for s in ("train", "test")}) > 0


def test_a_missing_or_single_text_group_column_is_one_clear_line(reviews: Path) -> None:
    with pytest.raises(DataError, match=r"split.group 'prodcut' is not a column .*'product'"):
        _prepare(reviews, {"group": "prodcut"})
    with pytest.raises(DataError, match=r"split\.group 'body' is the target or a text column"):
        _prepare(reviews, {"group": "body"})
    with pytest.raises(DataError, match=r"split.group 'shop' has 2 groups in the ID pool"):
        _prepare(reviews, {"group": "shop"})


def test_the_text_report_names_base_rate_and_groups() -> None:
    from types import SimpleNamespace

    from archbench.kinds.text.report import _split_paragraph
    from archbench.report.document import plain_text

    run = SimpleNamespace(
        task={
            "rows": {"id_pool": 900},
            "shift": {"description": "shop c"},
            "positive_class": {"label": "defect", "set": True,
                               "base_rate": {"train": 0.05, "test": 0.04, "shift": 0.06}},
        },
        splits={
            "sizes": {"train": 500, "val": 200, "test": 200, "shift": 300},
            "groups": {"column": "product", "counts": {"train": 60, "val": 20, "test": 21,
                                                       "shift": 40}, "shift_groups_in_train": 12},
        },
        run={"class_names": ["fine", "defect"]},
        metrics=["roc_auc", "average_precision"],
    )  # fmt: skip
    text = plain_text(_split_paragraph(run).spans)  # type: ignore[arg-type]
    assert "grouped by product" in text and "21 in ID test" in text and "12 of them" in text
    assert "base rate 5.00% (train), 4.00% (ID test), 6.00% (shift)" in text
