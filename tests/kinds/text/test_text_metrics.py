from __future__ import annotations

import numpy as np
import pytest
from sklearn import metrics as skm

from archbench.kinds.text.metrics import METRICS, metrics_for, primary


def _data(k: int, n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    y = rng.integers(0, k, n)
    logits = rng.normal(size=(3, n, k)) + 1.5 * np.eye(k)[y][None]
    p = np.exp(logits)
    return y, p / p.sum(axis=2, keepdims=True)


def _sk(name: str, y: np.ndarray, p: np.ndarray) -> float:
    if name == "roc_auc":
        return skm.roc_auc_score(y, p[:, 1])
    if name == "accuracy":
        return skm.accuracy_score(y, p.argmax(1))
    if name == "macro_f1":
        return skm.f1_score(y, p.argmax(1), average="macro")
    return skm.log_loss(y, p, labels=list(range(p.shape[1])))


@pytest.mark.parametrize("k", [2, 4])
@pytest.mark.parametrize("seed", [0, 1])
def test_fn_and_unit_counts_match_sklearn(k: int, seed: int) -> None:
    y, preds = _data(k, 120, seed)
    for spec in metrics_for(k):
        f = spec.weighted(y, preds)
        ones = f(np.ones((1, y.size), dtype=np.int32))
        assert ones.shape == (1, 3)
        for s in range(3):
            ref = _sk(spec.name, y, preds[s])
            assert spec.fn(y, preds[s]) == pytest.approx(ref, abs=1e-12)
            assert ones[0, s] == pytest.approx(ref, abs=1e-12)


@pytest.mark.parametrize("k", [2, 3])
def test_integer_counts_equal_row_repetition(k: int) -> None:
    y, preds = _data(k, 60, 7)
    rng = np.random.default_rng(3)
    counts = rng.integers(0, 4, size=(5, y.size))
    for spec in metrics_for(k):
        got = spec.weighted(y, preds)(counts)
        for b in range(counts.shape[0]):
            rows = np.repeat(np.arange(y.size), counts[b])
            for s in range(3):
                want = _sk(spec.name, y[rows], preds[s][rows])
                assert got[b, s] == pytest.approx(want, abs=1e-12), spec.name


def test_macro_f1_skips_absent_classes_like_sklearn() -> None:
    y = np.array([0, 0, 1, 1, 2])
    p = np.eye(3)[[0, 1, 1, 1, 2]]
    counts = np.array([[1, 1, 1, 1, 0]])  # class 2 absent from targets and predictions
    got = METRICS["macro_f1"].weighted(y, p[None])(counts)[0, 0]
    assert got == pytest.approx(skm.f1_score(y[:4], p[:4].argmax(1), average="macro"))


def test_primary_and_directions() -> None:
    assert primary(2).name == "roc_auc" and primary(5).name == "macro_f1"
    assert "roc_auc" not in [m.name for m in metrics_for(3)]
    assert not METRICS["log_loss"].higher_is_better and METRICS["accuracy"].count_test
    y, preds = _data(2, 10, 0)
    missing = METRICS["roc_auc"].weighted(y, preds)(np.eye(10, dtype=np.int32)[:1] * 3)
    assert np.isnan(missing).all()
