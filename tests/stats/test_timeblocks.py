"""Joint time blocks, the Politis-White block length and Diebold-Mariano (stats.timeblocks)."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from scipy import stats as st

from archbench.kinds.forecasting.metrics import block_counts, default_block_len
from archbench.stats.timeblocks import (
    MIN_BLOCKS,
    N_BATCHES,
    batch_means_test,
    dm_test,
    hac_variance,
    pw_block_length,
    time_block_counts,
    time_codes,
    time_means,
    too_short,
)


def _ar1(rng: np.random.Generator, shape: tuple[int, int], phi: float) -> np.ndarray:
    k, t = shape
    e = rng.standard_normal((k, t + 50))
    x = np.zeros((k, t + 50))
    for i in range(1, t + 50):
        x[:, i] = phi * x[:, i - 1] + math.sqrt(1 - phi * phi) * e[:, i]
    return x[:, 50:]


def test_pw_block_length_matches_the_ma1_formula() -> None:
    """MA(1), theta = 0.8: the correlogram cuts off after lag 1, so M = 2 and the flat-top
    window keeps R(0), R(1) exactly: b = (6 theta^2 / (1 + theta)^4)^(1/3) n^(1/3) (19.4 at
    n = 20000) up to the sampling error of R(1)."""
    theta, n = 0.8, 20000
    want = (6 * theta**2 / (1 + theta) ** 4) ** (1 / 3) * n ** (1 / 3)
    got = []
    for seed in range(5):
        e = np.random.default_rng(seed).standard_normal(n + 1)
        got.append(pw_block_length(e[1:] + theta * e[:-1]))
    assert abs(np.median(got) - want) <= 0.15 * want, (got, want)


def test_pw_block_length_grows_with_persistence_and_keeps_its_floor() -> None:
    rng = np.random.default_rng(1)
    white = rng.standard_normal(2000)
    assert pw_block_length(white) <= 3
    assert pw_block_length(white, min_len=12) == 12
    # AR(1) phi = 0.5, n = 20000: 2 G^2 / D = 8 / 3, b = 1.387 n^(1/3) = 37.6
    ar = _ar1(rng, (1, 20000), 0.5)[0]
    assert 30 <= pw_block_length(ar) <= 46
    assert pw_block_length(_ar1(rng, (1, 400), 0.9)[0]) > pw_block_length(
        _ar1(rng, (1, 400), 0.3)[0]
    )


def test_hac_variance_equals_the_direct_double_sum() -> None:
    rng = np.random.default_rng(2)
    d = rng.standard_normal(60).cumsum() * 0.1 + rng.standard_normal(60)
    e = d - d.mean()
    for lag in (0, 1, 4, 9):
        k = np.abs(np.subtract.outer(np.arange(60), np.arange(60)))
        w = np.where(k <= lag, 1 - k / (lag + 1), 0.0)
        assert hac_variance(d, lag) == pytest.approx(e @ w @ e / 60, rel=1e-12)


def test_dm_at_horizon_one_and_lag_zero_is_the_one_sample_t_test() -> None:
    """With h = 1 and no lags, HLN's factor sqrt((T - 1) / T) turns the biased variance into
    the unbiased one: DM-HLN equals scipy's one-sample t-test exactly."""
    d = np.random.default_rng(3).normal(0.2, 1.0, 40)
    r = dm_test(d, horizon=1, block_len=1)
    ref = st.ttest_1samp(d, 0.0)
    assert r.lag == 0 and r.df == 39
    assert r.statistic == pytest.approx(ref.statistic, rel=1e-12)
    assert r.p_value == pytest.approx(ref.pvalue, rel=1e-10)
    ci = ref.confidence_interval(0.95)
    assert (r.ci_low, r.ci_high) == pytest.approx((ci.low, ci.high), rel=1e-10)


def test_dm_hand_computation_with_lags() -> None:
    d = np.random.default_rng(4).normal(0.1, 1.0, 80)
    h, blen = 3, 5
    r = dm_test(d, horizon=h, block_len=blen)
    t = d.size
    e = d - d.mean()
    acv = [e[k:] @ e[: t - k] / t for k in range(blen)]
    lrv = acv[0] + 2 * sum((1 - k / blen) * acv[k] for k in range(1, blen))
    stat = d.mean() / math.sqrt(lrv / t) * math.sqrt((t + 1 - 2 * h + h * (h - 1) / t) / t)
    assert r.lag == blen - 1
    assert r.statistic == pytest.approx(stat, rel=1e-12)
    assert r.p_value == pytest.approx(2 * st.t.sf(abs(stat), t - 1), rel=1e-10)
    # the dependence length never goes below the horizon
    assert dm_test(d, horizon=7, block_len=2).lag == 6


def test_time_block_counts_move_every_series_together() -> None:
    codes = np.tile(np.arange(30), 4)  # 4 series x 30 origin times
    c = time_block_counts(7, codes, 5, 200)
    assert c.shape == (200, 120) and c.dtype == np.int32
    per_time = c[:, :30]
    for s in range(1, 4):
        np.testing.assert_array_equal(c[:, s * 30 : (s + 1) * 30], per_time)
    assert np.all(per_time.sum(axis=1) == 30)
    np.testing.assert_array_equal(c, time_block_counts(7, codes, 5, 200))
    assert not np.array_equal(c, time_block_counts(8, codes, 5, 200))


def test_time_codes_order_numbers_and_dates() -> None:
    np.testing.assert_array_equal(time_codes(np.array(["10", "9", "10", "100"])), [1, 0, 1, 2])
    dates = np.array(["2013-01-02T00:00:00", "2013-01-01T12:00:00", "2013-01-02T00:00:00"])
    np.testing.assert_array_equal(time_codes(dates), [1, 0, 1])
    np.testing.assert_allclose(time_means(np.array([1.0, 2.0, 3.0]), np.array([1, 0, 1])), [2, 2])


def _percentile_covers(means: np.ndarray) -> bool:
    lo, hi = np.quantile(means, [0.025, 0.975])
    return bool(lo <= 0.0 <= hi)


def test_shared_shock_panel_needs_joint_time_blocks() -> None:
    """10 series x 100 origins, AR(1) phi 0.3 with a shock shared by every series (half the
    variance), true mean 0. Blocks drawn within each series treat the series as independent
    and cover about half the time; one draw of time blocks for the panel covers about 93%."""
    rng = np.random.default_rng(2025)
    k, t, sims, boot = 10, 100, 150, 300
    groups, codes = np.repeat(np.arange(k), t), np.tile(np.arange(t), k)
    old = new = dm_reject = 0
    for _ in range(sims):
        d = math.sqrt(0.5) * _ar1(rng, (k, t), 0.3) + math.sqrt(0.5) * _ar1(rng, (1, t), 0.3)
        x = d.ravel()
        old += _percentile_covers(
            block_counts(rng, groups, default_block_len(groups), boot) @ x / x.size
        )
        dt = time_means(x, codes)
        blen = pw_block_length(dt)
        new += _percentile_covers(time_block_counts(rng, codes, blen, boot) @ x / x.size)
        r = dm_test(dt, block_len=blen)
        dm_reject += int(r.p_value is not None and r.p_value < 0.05 and not r.too_short)
    assert old / sims <= 0.75, old / sims
    assert new / sims >= 0.86, new / sims
    assert dm_reject / sims <= 0.11, dm_reject / sims


def test_too_short_refuses_persistent_short_panels() -> None:
    """40 origin times of a persistent panel (phi 0.9) leave fewer than MIN_BLOCKS blocks in
    most draws; 400 origins of a mildly persistent one do not."""
    rng = np.random.default_rng(5)
    short = [dm_test(_ar1(rng, (10, 40), 0.9).mean(axis=0)).too_short for _ in range(40)]
    long = [dm_test(_ar1(rng, (1, 400), 0.3)[0]).too_short for _ in range(40)]
    assert np.mean(short) >= 0.6 and not any(long)
    assert too_short(MIN_BLOCKS * 4 - 1, 4) and not too_short(MIN_BLOCKS * 4, 4)


def test_batch_means_is_the_t_test_on_contiguous_batch_means() -> None:
    d = np.random.default_rng(6).normal(0.1, 1.0, 103)
    r = batch_means_test(d, block_len=2, confidence=0.9)
    edges = np.linspace(0, 103, N_BATCHES + 1).round().astype(int)
    means = [d[a:b].mean() for a, b in itertools.pairwise(edges)]
    ref = st.ttest_1samp(means, 0.0)
    ci = ref.confidence_interval(0.9)
    assert r.df == N_BATCHES - 1 and r.n_batches == N_BATCHES and not r.too_short
    assert r.statistic == pytest.approx(ref.statistic, rel=1e-12)
    assert r.p_value == pytest.approx(ref.pvalue, rel=1e-10)
    assert (r.ci_low, r.ci_high) == pytest.approx((ci.low, ci.high), rel=1e-10)
    # each batch must be at least one forecast overlap long, else too short
    assert batch_means_test(d, horizon=25, block_len=2).too_short


def test_persistent_series_needs_batch_means() -> None:
    """One series of 400 origins, AR(1) phi 0.9, true mean 0: blocks of sqrt(m) origins
    within the series reject far more than 5% (about 17%); Diebold-Mariano at the
    Politis-White lag about 15%; the batch-means t-test stays near 5% (5.6% in 2,000 runs)."""
    rng = np.random.default_rng(2026)
    sims, boot, t = 300, 300, 400
    groups = np.zeros(t, dtype=int)
    old = new = dm = 0
    for _ in range(sims):
        x = _ar1(rng, (1, t), 0.9)[0]
        means = block_counts(rng, groups, default_block_len(groups), boot) @ x / t
        old += not _percentile_covers(means)
        r = batch_means_test(x)
        new += int(r.p_value is not None and r.p_value < 0.05 and not r.too_short)
        dm += int(r.dm is not None and r.dm.p_value is not None and r.dm.p_value < 0.05)
        assert (r.ci_low <= 0 <= r.ci_high) == (r.p_value >= 0.05)  # type: ignore[operator]
    assert old / sims >= 0.11, old / sims
    assert dm / sims >= 0.10, dm / sims
    assert 0.02 <= new / sims <= 0.085, new / sims
