from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from archbench.errors import ConfigError, DataError
from archbench.kinds.text.data import (
    TextPart,
    TextSettings,
    read_text_table,
    text_data_from_frame,
)
from archbench.kinds.text.tasks import load
from archbench.spec.model import ShiftSpec

from .conftest import SETTINGS, SHIFT


def test_settings_from_table() -> None:
    s = TextSettings.from_table(
        {
            "name": "x",
            "path": "r.csv",
            "type": "text_classification",
            "text": ["a", "b"],
            "target": "y",
            "separator": " | ",
            "positive_class": "yes",
        }
    )
    assert s.text == ("a", "b") and s.separator == " | " and s.positive_class == "yes"
    assert TextSettings.from_table({"text": "a", "target": "y"}).text == ("a",)


@pytest.mark.parametrize(
    ("table", "match"),
    [
        ({"text": "a", "target": "y", "txet": 1}, "task.txet is not a text-task key"),
        ({"target": "y"}, "task.text is missing"),
        ({"text": "a"}, "task.target is missing"),
        ({"text": ["a", "a"], "target": "y"}, "names a column twice"),
        ({"text": [1], "target": "y"}, "must be a column name"),
        ({"text": "a", "target": "y", "max_empty_fraction": 2}, "max_empty_fraction"),
    ],
)
def test_settings_errors(table: dict, match: str) -> None:
    with pytest.raises(ConfigError, match=match):
        TextSettings.from_table(table)


def test_joined_text_masks_and_labels(reviews: pd.DataFrame) -> None:
    data = text_data_from_frame(reviews, SETTINGS, SHIFT, name="t")
    assert data.texts[0] == reviews.title[0] + " \n " + reviews.body[0]
    assert data.classes == ("c0", "c1")
    assert data.shift_mask.sum() == (reviews.dept == "coats").sum()
    assert not (data.id_mask & data.shift_mask).any()
    assert np.array_equal(data.labels, (reviews.label == "c1").to_numpy().astype(np.int64))
    assert "dept" in data.columns and "label" not in data.columns


def test_positive_class_reorders(reviews: pd.DataFrame) -> None:
    s = TextSettings(text=("body",), target="label", positive_class="c0")
    data = text_data_from_frame(reviews, s, SHIFT, name="t")
    assert data.classes == ("c1", "c0")
    assert np.array_equal(data.labels, (reviews.label == "c0").to_numpy().astype(np.int64))


def test_empty_texts_dropped_and_counted(reviews: pd.DataFrame) -> None:
    reviews.loc[[3, 5], ["title", "body"]] = ["  ", None]
    data = text_data_from_frame(reviews, SETTINGS, SHIFT, name="t")
    assert len(data.texts) == len(reviews) - 2
    assert any("2 rows with an empty" in n for n in data.notes)
    assert data.rows["dropped"] == 2 and all(t.strip() == t and t for t in data.texts)


# ---------------------------------------------------------------- bad input: one line each
def _bad(frame: pd.DataFrame, settings: TextSettings = SETTINGS, shift: ShiftSpec | None = SHIFT):
    return text_data_from_frame(frame, settings, shift, name="t")


def test_missing_text_column(reviews: pd.DataFrame) -> None:
    with pytest.raises(DataError, match=r"task.text column 'bodyy'.*did you mean 'body'"):
        _bad(reviews, TextSettings(text=("bodyy",), target="label"))


def test_numeric_text_column(reviews: pd.DataFrame) -> None:
    with pytest.raises(DataError, match=r"'length' .* holds only numbers"):
        _bad(reviews, TextSettings(text=("length",), target="label"))
    reviews["as_str"] = reviews["length"].astype(str)
    with pytest.raises(DataError, match=r"'as_str' .* holds only numbers"):
        _bad(reviews, TextSettings(text=("as_str",), target="label"))


def test_too_many_empty_texts(reviews: pd.DataFrame) -> None:
    reviews.loc[:100, ["title", "body"]] = " \t "
    with pytest.raises(DataError, match=r"101 of 400 labelled rows .* empty or whitespace-only"):
        _bad(reviews)


def test_invalid_utf8_values(reviews: pd.DataFrame) -> None:
    reviews["body"] = reviews["body"].astype(object)
    reviews.loc[7, "body"] = b"caf\xe9 great"
    with pytest.raises(DataError, match=r"row 7 .* not valid UTF-8"):
        _bad(reviews)
    reviews.loc[7, "body"] = b"caf\xe9".decode("utf-8", "surrogateescape")
    with pytest.raises(DataError, match="lone surrogates"):
        _bad(reviews)


def test_invalid_utf8_file(tmp_path: Path, reviews: pd.DataFrame) -> None:
    p = tmp_path / "r.csv"
    reviews.to_csv(p, index=False, encoding="latin-1")
    p.write_bytes(p.read_bytes() + b"shirt,caf\xe9 ok,tops,3,c1\n")
    with pytest.raises(DataError, match=r"not valid UTF-8 \(byte .*, line 402\)"):
        read_text_table(p)


def test_read_text_table_roundtrip(tmp_path: Path, reviews: pd.DataFrame) -> None:
    p = tmp_path / "r.csv"
    reviews.to_csv(p, index=False, encoding="utf-8-sig")
    back = read_text_table(p)
    assert list(back.columns) == list(reviews.columns)
    data = _bad(back)
    assert len(data.texts) == len(reviews)
    quantile = ShiftSpec(kind="quantile", column="length", quantile=0.8, side="above")
    assert _bad(back, shift=quantile).shift_mask.sum() > 0  # numbers stay numbers
    with pytest.raises(DataError, match="does not exist"):
        read_text_table(tmp_path / "none.csv")


def test_one_class_in_id_pool(reviews: pd.DataFrame) -> None:
    reviews.loc[reviews.dept == "tops", "label"] = "c1"
    with pytest.raises(DataError, match=r"one class .* in the ID pool"):
        _bad(reviews)


def test_groups_rule_naming_no_category(reviews: pd.DataFrame) -> None:
    shift = ShiftSpec(kind="groups", column="dept", values=("coat",))
    with pytest.raises(DataError, match=r"'coat' never occurs in column 'dept'.*'coats'"):
        _bad(reviews, shift=shift)


def test_positive_class_unknown(reviews: pd.DataFrame) -> None:
    with pytest.raises(DataError, match="positive_class 'yes' is not a class"):
        _bad(reviews, TextSettings(text=("body",), target="label", positive_class="yes"))


def test_quantile_shift_on_numeric_column(reviews: pd.DataFrame) -> None:
    shift = ShiftSpec(kind="quantile", column="length", quantile=0.8, side="above")
    data = _bad(reviews, shift=shift)
    assert 0 < data.shift_mask.sum() < 0.3 * len(reviews)


def test_subsample_is_stratified_and_seeded() -> None:
    y = np.array([0] * 80 + [1] * 20, dtype=np.int64)
    part = TextPart(np.array([f"t{i}" for i in range(100)], dtype=object), y)
    a, b = part.subsample(50, seed=3), part.subsample(50, seed=3)
    assert np.array_equal(a.texts, b.texts) and len(a) == 50 and a.y.sum() == 10
    assert not np.array_equal(a.texts, part.subsample(50, seed=4).texts)
    assert part.subsample(0, seed=1) is part


def test_builtin_clothing_reviews() -> None:
    data = load()
    assert data.rows["total"] == 23_486
    assert data.rows["dropped"] == 844  # reviews with neither a title nor a text
    assert data.rows["shift_pool"] == 2_773 and data.rows["excluded"] == 13
    assert data.classes == ("0", "1")
    assert 0.80 < data.labels[data.id_mask].mean() < 0.84
    depts = set(data.columns.loc[data.shift_mask, "Department Name"])
    assert depts == {"Intimate", "Jackets", "Trend"}


def test_load_user_text_parquet(tmp_path: Path, reviews: pd.DataFrame) -> None:
    from archbench.kinds.text.data import load_user_text

    p = tmp_path / "shop.parquet"
    reviews.to_parquet(p)
    data = load_user_text(p, SETTINGS, SHIFT)
    assert data.name == "shop" and len(data.texts) == len(reviews)
    assert "'title' + 'body'" in data.description
