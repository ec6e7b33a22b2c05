"""Taking rows of a split part takes the same rows of every field, in the given order."""

from __future__ import annotations

import numpy as np

from archbench.kinds.common.parts import take_rows
from archbench.kinds.tabular.prepare import Matrix


def test_take_rows_of_every_field() -> None:
    n = 5
    m = Matrix(
        np.arange(2 * n, dtype=np.float32).reshape(n, 2),
        np.arange(2 * n, dtype=np.float32).reshape(n, 2) + 0.5,
        np.arange(n, dtype=np.int64)[:, None],
        np.arange(n, dtype=np.float32) * 10,
        np.arange(100, 100 + n, dtype=np.int64),
    )
    idx = np.array([3, 0, 3])
    got = take_rows(m, idx)
    assert type(got) is Matrix and len(got) == 3
    assert got.row_id.tolist() == [103, 100, 103] and got.y.tolist() == [30.0, 0.0, 30.0]
    assert np.array_equal(got.x_num_raw, m.x_num_raw[idx]) and got.x_cat.shape == (3, 1)
    assert m.take(idx).row_id.tolist() == got.row_id.tolist()
