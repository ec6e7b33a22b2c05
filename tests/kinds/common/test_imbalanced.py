"""Imbalanced-label metrics: plain forms against scikit-learn, weighted forms against the plain
forms (counts of ones) and against scikit-learn with sample weights (bootstrap counts)."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.metrics import average_precision_score, f1_score, roc_curve

import archbench.kinds.common.imbalanced as im
from archbench.kinds.metric import MetricSet


def _data(seed: int, n: int = 400, rate: float = 0.05, k: int = 2, ties: bool = False):
    rng = np.random.default_rng(seed)
    y = (rng.random(n) < rate).astype(np.int64) * (k - 1)
    if k > 2:
        y = np.where(y == 0, rng.integers(0, k - 1, size=n), y)
    logit = rng.normal(size=n) + 2.0 * (y == k - 1)
    p_pos = 1 / (1 + np.exp(-logit))
    if ties:
        p_pos = np.round(p_pos, 1)
    rest = rng.dirichlet(np.ones(k - 1), size=n) * (1 - p_pos)[:, None]
    return y, np.column_stack([rest, p_pos])


def _sk_recall(pos: np.ndarray, s: np.ndarray, w: np.ndarray | None = None) -> float:
    fpr, tpr, _ = roc_curve(pos, s, sample_weight=w, drop_intermediate=False)
    return float(tpr[fpr <= im.MAX_FPR].max())


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("ties", [False, True])
@pytest.mark.parametrize("k", [2, 3])
def test_plain_forms_match_scikit_learn(seed: int, ties: bool, k: int) -> None:
    y, p = _data(seed, ties=ties, k=k)
    pos, s = y == k - 1, p[:, -1]
    assert im.average_precision(y, p) == pytest.approx(average_precision_score(pos, s), abs=1e-12)
    assert im.recall_at_fpr(y, p) == pytest.approx(_sk_recall(pos, s), abs=1e-12)
    t = float(np.quantile(s, 0.9))
    assert im.f1_at(y, p, t) == pytest.approx(f1_score(pos, s >= t), abs=1e-12)


@pytest.mark.parametrize("ties", [False, True])
def test_best_threshold_maximises_f1_over_every_cut(ties: bool) -> None:
    y, p = _data(3, ties=ties)
    pos, s = y == 1, p[:, 1]
    best = max(f1_score(pos, s >= t) for t in np.unique(s))
    t = im.best_f1_threshold(y, p)
    assert f1_score(pos, s >= t) == pytest.approx(best, abs=1e-12)
    assert im.f1_best(y, p) == pytest.approx(best, abs=1e-12)


def test_weighted_forms_reproduce_plain_with_ones_and_sklearn_with_counts() -> None:
    rng = np.random.default_rng(7)
    ys, ps = _data(4, ties=True)
    preds = np.stack([ps, _data(5, ties=True)[1]])  # two seeds
    counts = rng.integers(0, 3, size=(6, ys.size))
    counts[0] = 1
    pos = ys == 1
    ap = im.resampled("average_precision", ys, preds)(counts)
    rec = im.resampled("recall_at_1pct_fpr", ys, preds)(counts)
    thr = [im.best_f1_threshold(ys, preds[i]) for i in range(2)]
    f1 = im.resampled_f1_at(ys, preds, thr)(counts)
    assert ap.shape == rec.shape == f1.shape == (6, 2)
    for i in range(2):
        s = preds[i, :, 1]
        assert ap[0, i] == im.average_precision(ys, preds[i])
        assert rec[0, i] == im.recall_at_fpr(ys, preds[i])
        assert f1[0, i] == im.f1_at(ys, preds[i], thr[i])
        for b in range(6):
            w = counts[b]
            assert ap[b, i] == pytest.approx(average_precision_score(pos, s, sample_weight=w))
            assert rec[b, i] == pytest.approx(_sk_recall(pos, s, w.astype(float)))
            assert f1[b, i] == pytest.approx(f1_score(pos, s >= thr[i], sample_weight=w))


def test_undefined_without_positives_is_nan() -> None:
    y, p = _data(0)
    counts = np.ones((1, y.size), dtype=np.int64)
    counts[0, y == 1] = 0  # a resample without positives
    assert np.isnan(im.resampled("average_precision", y, p[None])(counts)[0, 0])
    assert np.isnan(im.resampled("recall_at_1pct_fpr", y, p[None])(counts)[0, 0])


def test_calibrated_metric_uses_the_validation_state() -> None:
    y_val, p_val = _data(10)
    y_te, p_te = _data(11)
    spec = im.F1_AT_VAL
    assert spec.weighted is None and spec.weighted_at is not None
    ms = MetricSet((im.AVERAGE_PRECISION, spec))
    states = ms.calibrate(y_val, p_val)
    t = im.best_f1_threshold(y_val, p_val)
    assert states == {"f1_at_val": t}
    got = ms.compute(y_te, p_te, states)
    assert got["f1_at_val"] == im.f1_at(y_te, p_te, t)
    assert got["f1_at_val"] != im.f1_best(y_te, p_te)  # not re-tuned on the test rows
    assert ms.compute(y_val, p_val)["f1_at_val"] == im.f1_at(y_val, p_val, t)
    w = spec.weighted_given([t])
    assert w is not None
    assert w(y_te, p_te[None])(np.ones((1, y_te.size)))[0, 0] == got["f1_at_val"]
    assert ms.describe()["f1_at_val"]["calibrated_on"] == "val"
    assert "calibrated_on" not in ms.describe()["average_precision"]


@pytest.mark.parametrize("ties", [False, True])
@pytest.mark.parametrize("rate", [0.01, 0.3])
def test_integer_counts_read_at_positive_steps_equal_the_running_sums(
    ties: bool, rate: float
) -> None:
    # integer counts take the positive-steps path, the same counts as floats the running sums
    # over every row: equal to the last bit (the bootstrap's stored intervals do not move)
    rng = np.random.default_rng(11)
    y, p = _data(8, n=3_000, rate=rate, ties=ties)
    preds = np.stack([p, _data(9, n=3_000, rate=rate, ties=ties)[1]])
    counts = rng.poisson(1.0, size=(40, y.size)).astype(np.int16)
    counts[1, y == 1] = 0  # a resample without positives
    counts[2] = 0
    counts[2, :5] = 1  # almost empty
    for name in ("average_precision", "recall_at_1pct_fpr"):
        form = im.resampled(name, y, preds)
        fast, slow = form(counts), form(counts.astype(np.float64))
        np.testing.assert_array_equal(fast, slow)
        assert np.isnan(fast[1]).all()
        assert np.isfinite(fast[3:]).all()
