"""Forecast metrics, their resamplers, references, and the block bootstrap's coverage."""

from __future__ import annotations

import numpy as np
import pytest

from archbench.errors import DataError
from archbench.kinds.forecasting.metrics import (
    METRICS,
    block_counts,
    default_block_len,
    error_by_step,
    pack_truth,
)
from archbench.kinds.forecasting.references import naive, seasonal_naive


def sample(seed: int, n: int = 30, h: int = 5, seeds: int = 3) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    y = rng.normal(10, 3, size=(n, h))
    truth = pack_truth(y, rng.uniform(0.5, 2.0, size=n))
    preds = y[None] + rng.normal(0, 1, size=(seeds, n, h))
    return truth, preds


@pytest.mark.parametrize("name", list(METRICS))
@pytest.mark.parametrize("seed", [0, 1])
def test_weighted_with_ones_reproduces_fn(name: str, seed: int) -> None:
    truth, preds = sample(seed)
    spec = METRICS[name]
    out = spec.weighted(truth, preds)(np.ones((2, truth.shape[0]), dtype=np.int32))
    assert out.shape == (2, preds.shape[0])
    for s in range(preds.shape[0]):
        assert out[0, s] == pytest.approx(spec.fn(truth, preds[s]), rel=1e-12)


@pytest.mark.parametrize("name", list(METRICS))
def test_integer_counts_equal_repeated_windows(name: str) -> None:
    truth, preds = sample(3, n=12)
    counts = np.random.default_rng(4).integers(0, 3, size=(4, 12))
    counts[:, 0] += 1
    out = METRICS[name].weighted(truth, preds)(counts)
    for b in range(4):
        rep = np.repeat(np.arange(12), counts[b])
        assert out[b, 1] == pytest.approx(METRICS[name].fn(truth[rep], preds[1][rep]), rel=1e-10)


def test_known_values() -> None:
    y = np.array([[1.0, 2.0], [3.0, 4.0]])
    p = np.array([[2.0, 2.0], [3.0, 6.0]])
    truth = pack_truth(y, np.array([1.0, 2.0]))
    assert METRICS["mae"].fn(truth, p) == pytest.approx(0.75)
    assert METRICS["mase"].fn(truth, p) == pytest.approx((0.5 / 1 + 1.0 / 2) / 2)
    assert METRICS["rmse"].fn(truth, p) == pytest.approx(np.sqrt(5 / 4))
    smape = 100 * np.mean([2 * 1 / 3, 0, 0, 2 * 2 / 10])  # M4: 2|e| / (|y| + |p|)
    assert METRICS["smape"].fn(truth, p) == pytest.approx(smape)
    r2 = 1 - 5 / np.sum((y - 2.5) ** 2)
    assert METRICS["r2"].fn(truth, p) == pytest.approx(r2)
    np.testing.assert_allclose(error_by_step(truth, p, "mae"), [0.5, 1.0])
    assert error_by_step(truth, p).mean() == pytest.approx(METRICS["mase"].fn(truth, p))


def test_raw_targets_are_refused() -> None:
    y = np.ones((4, 3))
    with pytest.raises(ValueError, match="pack_truth"):
        METRICS["mae"].fn(y, y)


def test_seasonal_naive_repeats_the_last_season() -> None:
    ctx = np.arange(20.0)[None, :]
    np.testing.assert_array_equal(seasonal_naive(ctx, 7, 3), [[17, 18, 19, 17, 18, 19, 17]])
    np.testing.assert_array_equal(seasonal_naive(ctx, 2, 1), naive(ctx, 2))
    # statsforecast's SeasonalNaive: y_hat[t + h] = y[t + h - m * ceil(h / m)]
    rng = np.random.default_rng(0)
    ctx = rng.normal(size=(5, 50))
    out = seasonal_naive(ctx, 30, 12)
    for h in range(1, 31):
        np.testing.assert_array_equal(out[:, h - 1], ctx[:, 50 - 1 + h - 12 * int(np.ceil(h / 12))])
    with pytest.raises(DataError, match="context >= season"):
        seasonal_naive(ctx, 3, 60)


def test_block_counts_keep_series_sizes_and_are_seeded() -> None:
    groups = np.repeat([0, 1, 2], [10, 25, 7])
    c = block_counts(0, groups, 4, 50)
    assert c.shape == (50, 42) and c.dtype == np.int32
    for g, size in ((0, 10), (1, 25), (2, 7)):
        assert np.all(c[:, groups == g].sum(axis=1) == size)
    np.testing.assert_array_equal(c, block_counts(0, groups, 4, 50))
    assert not np.array_equal(c, block_counts(1, groups, 4, 50))
    assert default_block_len(groups) == 4


def test_blocks_are_runs_of_consecutive_origins() -> None:
    # one series of 12 units, blocks of 12: every resample is the series itself (circular)
    assert np.all(block_counts(0, np.zeros(12, int), 12, 20) == 1)
    # blocks of 3 over 9 units: each resample is 3 runs of 3 consecutive (circular) units
    c = block_counts(5, np.zeros(9, int), 3, 200)
    assert np.all(c.sum(axis=1) == 9)
    assert (c == 0).sum(axis=1).max() <= 6


def _ar1(rng: np.random.Generator, n: int, phi: float) -> np.ndarray:
    e = rng.normal(size=n + 100)
    x = np.empty(n + 100)
    x[0] = e[0]
    for t in range(1, n + 100):
        x[t] = phi * x[t - 1] + e[t]
    return x[100:]


def test_block_bootstrap_covers_the_mean_of_ar1_errors_and_iid_does_not() -> None:
    """400 simulated AR(1) error series (phi = 0.5, 400 origins, true mean 0): the 95%
    percentile interval of the circular block bootstrap covers the mean about 92% of the time,
    the iid bootstrap of single windows about 75% (its variance misses the factor
    (1 + phi) / (1 - phi) = 3)."""
    rng = np.random.default_rng(2024)
    n, sims, boot = 400, 400, 500
    groups = np.zeros(n, dtype=np.int64)
    covered = {1: 0, 20: 0}
    for _ in range(sims):
        x = _ar1(rng, n, 0.5)
        for block in covered:
            means = block_counts(rng, groups, block, boot) @ x / n
            lo, hi = np.quantile(means, [0.025, 0.975])
            covered[block] += int(lo <= 0.0 <= hi)
    iid, blocks = covered[1] / sims, covered[20] / sims
    assert 0.89 <= blocks <= 0.98, blocks
    assert iid <= 0.82, iid
    assert blocks - iid >= 0.1


def test_step_metrics_average_to_the_kind_metrics() -> None:
    """The horizon table's per-step MASE, MAE and sMAPE average over steps to the kind's pooled
    metrics (equal windows per step), and each step's RMSE is over that step's errors only."""
    from archbench.kinds.forecasting.horizon import step_metrics
    from archbench.kinds.forecasting.metrics import FORECAST_METRICS, pack_truth

    rng = np.random.default_rng(3)
    y, p = rng.normal(5, 2, (40, 6)), rng.normal(5, 2, (40, 6))
    scale = rng.uniform(0.5, 2.0, 40)
    m = step_metrics(y, p, scale)
    truth = pack_truth(y, scale)
    for name in ("mase", "mae", "smape"):
        np.testing.assert_allclose(m[name].mean(), FORECAST_METRICS[name].fn(truth, p), rtol=1e-12)
    np.testing.assert_allclose(m["rmse"][2], np.sqrt(((p[:, 2] - y[:, 2]) ** 2).mean()))
    assert m["mase"].shape == (6,)


def _block_counts_loop(seed: int, groups: np.ndarray, block_len: int, n_boot: int) -> np.ndarray:
    """The reference: one group at a time, one bincount each (the former implementation)."""
    gen = np.random.default_rng(seed)
    n = groups.size
    counts = np.zeros(n_boot * n, dtype=np.int64)
    rows = np.arange(n_boot)[:, None] * n
    for g in np.unique(groups):
        idx = np.flatnonzero(groups == g)
        m = idx.size
        ln = min(block_len, m)
        starts = gen.integers(0, m, size=(n_boot, -(-m // ln)))
        pos = ((starts[:, :, None] + np.arange(ln)) % m).reshape(n_boot, -1)[:, :m]
        counts += np.bincount((rows + idx[pos]).ravel(), minlength=n_boot * n)
    return counts.reshape(n_boot, n).astype(np.int32)


@pytest.mark.parametrize("seed", range(4))
def test_block_counts_batched_equal_the_group_loop(seed: int) -> None:
    """Groups of one size are drawn together (2,000 one-window series: 100x faster); the draws,
    and so every stored bootstrap number, are those of the loop over groups."""
    rng = np.random.default_rng(seed)
    groups = np.concatenate([rng.integers(0, 40, 300), np.arange(100, 400), rng.integers(0, 3, 7)])
    rng.shuffle(groups)
    for block_len, n_boot in ((1, 50), (3, 101), (20, 7)):
        got = block_counts(seed, groups, block_len, n_boot)
        np.testing.assert_array_equal(got, _block_counts_loop(seed, groups, block_len, n_boot))
