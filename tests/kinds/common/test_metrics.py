"""archbench.kinds.metric against scikit-learn (the workers compute ROC-AUC without it)."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.metrics import roc_auc_score

from archbench.kinds.common.metrics import metric, roc_auc


@pytest.mark.parametrize("decimals", [None, 2, 1, 0])
@pytest.mark.parametrize("n", [2, 7, 500, 20_000])
def test_binary_roc_auc_equals_sklearn_with_and_without_ties(n: int, decimals: int | None) -> None:
    rng = np.random.default_rng(n)
    y = rng.integers(0, 2, size=n)
    y[:2] = [0, 1]  # both classes present
    score = rng.random(n) * 0.6 + 0.4 * y
    if decimals is not None:
        score = np.round(score, decimals)
    proba = np.column_stack([1 - score, score])
    want = roc_auc_score(y, score)
    assert roc_auc(y == 1, score) == pytest.approx(want, abs=1e-14)
    assert metric("roc_auc", y, proba) == pytest.approx(want, abs=1e-14)


@pytest.mark.parametrize("k", [3, 5])
def test_multiclass_roc_auc_is_sklearns_macro_one_vs_rest(k: int) -> None:
    rng = np.random.default_rng(k)
    y = rng.integers(0, k, size=2000)
    logits = np.round(rng.normal(size=(2000, k)) + 1.2 * np.eye(k)[y], 1)  # ties
    proba = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    want = roc_auc_score(y, proba, multi_class="ovr", average="macro")
    assert metric("roc_auc", y, proba) == pytest.approx(want, abs=1e-14)


def test_roc_auc_edge_cases() -> None:
    assert roc_auc(np.array([True, False]), np.array([0.9, 0.1])) == 1.0
    assert roc_auc(np.array([True, False]), np.array([0.1, 0.9])) == 0.0
    assert roc_auc(np.array([True, False]), np.array([0.5, 0.5])) == 0.5
    assert np.isnan(roc_auc(np.array([True, True]), np.array([0.2, 0.3])))
    y = np.array([0, 0, 1, 1])
    assert np.isnan(metric("roc_auc", np.zeros(4, dtype=int), np.full((4, 2), 0.5)))
    three = np.full((4, 3), 1 / 3)
    assert np.isnan(metric("roc_auc", y, three))  # class 2 absent: one-vs-rest undefined
    with pytest.raises(ValueError, match="NaN or infinity"):
        metric("roc_auc", y, np.array([[0.5, 0.5], [np.nan, np.nan], [0.2, 0.8], [0.1, 0.9]]))
