"""Ranking metrics read at the positive groups (integer weights) equal the running sums over
every row (the same weights as floats) to the last bit, and scikit-learn with sample weights."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.metrics import roc_auc_score

from archbench.kinds.common import metrics as cm
from archbench.kinds.common.ranks import PositiveSteps


def _scores(seed: int, n: int, rate: float, ties: bool) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    positive = rng.random(n) < rate
    score = rng.normal(size=n) + 1.5 * positive
    return positive, (np.round(score, 1) if ties else score)


def _counts(seed: int, n: int, positive: np.ndarray) -> np.ndarray:
    counts = np.random.default_rng(seed).poisson(1.0, size=(30, n)).astype(np.int16)
    counts[1, positive] = 0  # no positive drawn
    counts[2, ~positive] = 0  # no negative drawn
    return counts


@pytest.mark.parametrize("ties", [False, True])
@pytest.mark.parametrize("rate", [0.01, 0.05, 0.5, 0.97])  # the first two: positive groups
def test_auc_at_positive_groups_equals_running_sums_and_sklearn(ties: bool, rate: float) -> None:
    positive, score = _scores(3, 2_000, rate, ties)
    counts = _counts(4, score.size, positive)
    auc = cm.weighted_roc_auc(score, positive)
    fast, slow = auc(counts), auc(counts.astype(np.float64))
    np.testing.assert_array_equal(fast, slow)
    assert np.isnan(fast[1:3]).all()
    for b in (0, 5, 29):
        assert fast[b] == pytest.approx(roc_auc_score(positive, score, sample_weight=counts[b]))
    assert cm.roc_auc(positive, score) == pytest.approx(roc_auc_score(positive, score), abs=1e-15)


def test_multiclass_resampled_auc_is_unchanged_by_the_integer_path() -> None:
    rng = np.random.default_rng(5)
    y = rng.integers(0, 3, 900)
    p = rng.dirichlet(np.ones(3), size=(2, 900))
    p = np.round(p, 2)  # ties
    counts = rng.poisson(1.0, size=(20, 900)).astype(np.int32)
    form = cm.resampled("roc_auc", y, p)
    np.testing.assert_array_equal(form(counts), form(counts.astype(np.float64)))


def test_positive_steps_counts_at_the_edges_of_positive_groups() -> None:
    # descending scores 5 5 | 4 | 3 3 3 | 2 ; positives at one 5, the 4 and one 3
    score = np.array([3, 5, 4, 2, 5, 3, 3], dtype=float)
    positive = np.array([1, 0, 1, 0, 1, 0, 0], dtype=bool)
    counts = np.array([[1, 2, 3, 4, 5, 6, 7]], dtype=np.int32)
    tp, seen, before, total = PositiveSteps(score, positive).read(counts)  # type: ignore[misc]
    # groups: {5: rows 1, 4 -> weights 2 + 5, pos 5}, {4: row 2 -> 3, pos 3},
    # {3: rows 0, 5, 6 -> 1 + 6 + 7, pos 1}
    assert tp.tolist() == [[5, 8, 9]]
    assert seen.tolist() == [[7, 10, 24]]
    assert before.tolist() == [[0, 7, 10]]
    assert total.tolist() == [28]
    assert PositiveSteps(score, positive).read(counts.astype(float)) is None
