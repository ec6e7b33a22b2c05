from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from archbench.errors import DataError
from archbench.kinds.tabular.prepare import Preprocessor


def _frame(n: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame(
        {
            "a": rng.normal(10, 3, size=n),
            "b": np.where(rng.random(n) < 0.1, np.nan, rng.exponential(size=n)),
            "const": 1.0,
            "empty": np.nan,
            "c": pd.Series(rng.choice(["x", "y", "z", None], size=n), dtype="string"),
            "y": pd.Series(rng.choice(["0", "1"], size=n), dtype="string"),
        }
    )


def _pre(**kw: object) -> Preprocessor:
    args = dict(
        num_cols=["a", "b", "const", "empty"],
        cat_cols=["c"],
        target="y",
        task_type="classification",
        classes=["0", "1"],
    )
    args.update(kw)
    return Preprocessor(**args)  # type: ignore[arg-type]


def test_fitted_on_train_only() -> None:
    train, other = _frame(500, 0), _frame(500, 1)
    other["a"] += 100.0  # a shifted evaluation set must not move the fitted transform
    p1 = _pre().fit(train)
    p2 = _pre().fit(train)
    assert np.array_equal(p1.transform(other).x_num, p2.transform(other).x_num)
    p3 = _pre().fit(pd.concat([train, other]))
    assert not np.array_equal(p1.transform(train).x_num, p3.transform(train).x_num)


def test_constant_and_empty_columns_dropped_with_reason() -> None:
    p = _pre().fit(_frame(300, 0))
    assert p.info.num_names == ("a", "b")
    assert dict(p.dropped_) == {
        "const": "constant in train",
        "empty": "all values missing in train",
    }


def test_quantile_output_is_finite_and_normalish() -> None:
    p = _pre().fit(_frame(2000, 0))
    m = p.transform(_frame(2000, 0))
    assert np.isfinite(m.x_num).all()
    assert abs(float(m.x_num[:, 0].mean())) < 0.1
    assert np.isnan(m.x_num_raw[:, 1]).any()  # GBDT keeps the missing values


def test_unseen_and_missing_categories_map_to_zero() -> None:
    train = _frame(300, 0)
    test = train.copy()
    test["c"] = pd.Series(["never-seen"] * 150 + [None] * 150, dtype="string")
    p = _pre().fit(train)
    assert (p.transform(test).x_cat == 0).all()
    codes = p.transform(train).x_cat[:, 0]
    assert set(np.unique(codes)) <= {0, 1, 2, 3}
    assert p.info.cat_cardinalities == (4,)


def test_standard_transform_and_regression_target() -> None:
    f = _frame(400, 0)
    f["t"] = f["a"] * 2.0
    p = Preprocessor(
        num_cols=["a"],
        cat_cols=[],
        target="t",
        task_type="regression",
        numeric_transform="standard",
    ).fit(f)
    m = p.transform(f)
    assert abs(float(m.x_num.mean())) < 1e-5
    assert p.info.y_mean == pytest.approx(float(f["t"].mean()), rel=1e-6)
    assert m.y.dtype == np.float32


def test_too_many_levels_is_an_error_naming_the_column() -> None:
    f = _frame(300, 0)
    f["id"] = pd.Series([f"u{i}" for i in range(300)], dtype="string")
    with pytest.raises(DataError, match="'id' has 300 distinct values"):
        _pre(cat_cols=["c", "id"], max_categories=100).fit(f)
