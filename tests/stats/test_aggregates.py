"""Cross-task statistics: known values, scipy and the published formulas, simulations."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats as sps

import archbench.stats.aggregates as ss


def test_normalise_maps_best_family_to_one_and_worst_to_zero() -> None:
    rng = np.random.default_rng(0)
    v = rng.normal(size=(4, 5, 3))
    for hib in (True, False):
        z = ss.normalise_scores(v, hib)
        m = z.mean(axis=1)
        np.testing.assert_allclose(m.max(axis=1), 1.0)
        np.testing.assert_allclose(m.min(axis=1), 0.0, atol=1e-12)
        # Direction-aware: the family with the best raw mean scores 1.
        raw = v.mean(axis=1)
        best = raw.argmax(axis=1) if hib else raw.argmin(axis=1)
        np.testing.assert_array_equal(m.argmax(axis=1), best)


def test_normalise_with_a_reference_and_a_flat_task() -> None:
    v = np.array([[[2.0, 4.0]], [[1.0, 1.0]]])  # (2 tasks, 1 seed, 2 families)
    z = ss.normalise_scores(v, True, zero=np.array([0.0, 0.0]))
    np.testing.assert_allclose(z[0, 0], [0.5, 1.0])
    np.testing.assert_allclose(z[1, 0], [1.0, 1.0])  # both at the best, reference at 0
    flat = ss.normalise_scores(np.ones((1, 3, 2)), True)
    np.testing.assert_allclose(flat, 0.5)


def test_reference_zero_gives_negative_scores_below_the_reference() -> None:
    """0 = the reference row: a family worse than it scores below 0, in either direction; a
    reference that beats every family leaves the order intact (best family -1)."""
    up = np.array([[[0.68, 0.92], [0.72, 0.88]]])  # 1 task, 2 seeds, means 0.70 and 0.90
    np.testing.assert_allclose(
        ss.normalise_scores(up, True, zero=np.array([0.8])).mean(axis=1), [[-1.0, 1.0]]
    )
    down = np.array([[[1.2, 0.8]]])  # lower is better, reference 1.0
    np.testing.assert_allclose(
        ss.normalise_scores(down, False, zero=np.array([1.0]))[0, 0], [-1.0, 1.0]
    )
    for hib, v, ref in ((True, [0.5, 0.6], 0.8), (False, [1.5, 1.4], 1.2)):
        z = ss.normalise_scores(np.array([[v]]), hib, zero=np.array([ref]))[0, 0]
        np.testing.assert_allclose(z, [-1.5, -1.0])  # both worse than the reference


def test_iqm_and_bootstrap_handle_scores_below_the_reference() -> None:
    """With 0 = a reference row most runs of a weak family are negative: the IQM interval
    still brackets its estimate, moves with the zero exactly (translation-equivariant), and
    P(X > Y) and the ranks do not depend on which zero was used."""
    rng = np.random.default_rng(5)
    raw = rng.normal([0.70, 0.85, 0.90], 0.03, size=(6, 5, 3))  # higher is better
    ref = np.full(6, 0.80)
    by_ref = ss.normalise_scores(raw, True, zero=ref)
    by_worst = ss.normalise_scores(raw, True)
    weak = by_ref[:, :, 0]
    assert (weak < 0).mean() > 0.9
    iv = ss.iqm_interval(weak, seed=7, n_boot=500)
    assert iv.low <= iv.estimate <= iv.high < 0
    shifted = ss.iqm_interval(weak - 1.0, seed=7, n_boot=500)
    assert shifted.estimate == pytest.approx(iv.estimate - 1.0)
    assert (shifted.low, shifted.high) == pytest.approx((iv.low - 1.0, iv.high - 1.0))
    for a, b in ((0, 1), (0, 2), (1, 2)):
        assert ss.probability_of_improvement(
            by_ref[:, :, a], by_ref[:, :, b]
        ) == ss.probability_of_improvement(by_worst[:, :, a], by_worst[:, :, b])
    np.testing.assert_array_equal(
        ss.average_ranks(by_ref.mean(axis=1)), ss.average_ranks(by_worst.mean(axis=1))
    )


def test_iqm_is_scipy_trim_mean_of_all_runs() -> None:
    x = np.arange(20, dtype=float).reshape(4, 5)
    assert ss.iqm(x) == pytest.approx(sps.trim_mean(x.ravel(), 0.25))
    # The middle half of 0..19 is 5..14.
    assert ss.iqm(x) == pytest.approx(9.5)


def test_iqm_interval_brackets_and_is_reproducible() -> None:
    x = np.random.default_rng(1).normal(size=(5, 5))
    a = ss.iqm_interval(x, seed=3, n_boot=300)
    b = ss.iqm_interval(x, seed=3, n_boot=300)
    assert a == b
    assert a.low <= a.estimate <= a.high
    t = ss.iqm_interval(x, seed=3, n_boot=300, tasks=True)
    assert t.high - t.low >= 0


def _poi_reference(x: np.ndarray, y: np.ndarray) -> float:
    """rliable: mean over tasks of Mann-Whitney U / (n m)."""
    vals = []
    for xi, yi in zip(x, y, strict=True):
        u = sps.mannwhitneyu(xi, yi, alternative="two-sided").statistic
        vals.append(u / (len(xi) * len(yi)))
    return float(np.mean(vals))


def test_probability_of_improvement_matches_mann_whitney() -> None:
    rng = np.random.default_rng(2)
    x = rng.normal(0.3, 1, size=(6, 5))
    y = np.round(rng.normal(0, 1, size=(6, 5)), 1)
    x[0, :2] = y[0, :2]  # ties count one half
    assert ss.probability_of_improvement(x, y) == pytest.approx(_poi_reference(x, y))
    assert ss.probability_of_improvement(x, y) + ss.probability_of_improvement(
        y, x
    ) == pytest.approx(1.0)
    iv = ss.poi_interval(x, y, seed=0, n_boot=300)
    assert 0 <= iv.low <= iv.estimate <= iv.high <= 1


def test_performance_profile_is_a_decreasing_fraction() -> None:
    x = np.array([[0.0, 1.0], [0.5, 0.5]])
    p = ss.performance_profile(x, np.array([-1.0, 0.25, 0.75, 2.0]))
    np.testing.assert_allclose(p, [1.0, 0.75, 0.25, 0.0])


def test_friedman_matches_scipy_and_demsar_formula() -> None:
    rng = np.random.default_rng(4)
    m = rng.normal(size=(10, 4))
    rt = ss.friedman_test(m, higher_is_better=False)
    ref = sps.friedmanchisquare(*m.T)
    assert rt.statistic == pytest.approx(ref.statistic)
    assert rt.pvalue == pytest.approx(ref.pvalue)
    n, k = m.shape
    r = np.asarray(rt.ranks)
    chi2 = 12 * n / (k * (k + 1)) * (np.sum(r**2) - k * (k + 1) ** 2 / 4)  # Demsar eq.
    assert rt.statistic == pytest.approx(chi2)
    ff = (n - 1) * chi2 / (n * (k - 1) - chi2)
    assert rt.iman_davenport_f == pytest.approx(ff)
    # Higher-is-better ranks of -m equal lower-is-better ranks of m.
    assert ss.friedman_test(-m, True).ranks == pytest.approx(rt.ranks)


def test_nemenyi_cd_matches_demsar_table() -> None:
    # Demsar (2006) Table 5a, q_0.05 for k = 2..6: 1.960 2.343 2.569 2.728 2.850.
    for k, q in zip(range(2, 7), (1.960, 2.343, 2.569, 2.728, 2.850), strict=True):
        assert ss.nemenyi_cd(k, 10) == pytest.approx(q * math.sqrt(k * (k + 1) / 60), rel=1e-3)


def test_tasks_needed_cd_is_the_first_n_whose_cd_fits() -> None:
    n = ss.tasks_needed_cd(0.8, 3)
    assert n is not None
    assert ss.nemenyi_cd(3, n) <= 0.8 < ss.nemenyi_cd(3, n - 1)
    assert ss.tasks_needed_cd(0.0, 3) is None


def test_tasks_needed_paired_grows_with_noise() -> None:
    small = ss.tasks_needed_paired(np.array([0.5, 0.4, 0.6, 0.5]))
    big = ss.tasks_needed_paired(np.array([0.5, -0.3, 0.9, 0.1]))
    assert small == 6  # never below what exact Wilcoxon needs to reach 0.05
    assert big is not None and big > small


def test_wilcoxon_holm_matches_scipy_and_holm() -> None:
    rng = np.random.default_rng(5)
    m = rng.normal(size=(12, 3)) + np.array([0.0, 0.5, 1.0])
    res = ss.wilcoxon_holm(m)
    raw = [sps.wilcoxon(m[:, a] - m[:, b]).pvalue for a, b in ((0, 1), (0, 2), (1, 2))]
    assert [r["pvalue"] for r in res] == pytest.approx(raw)
    order = np.argsort(raw)
    holm = np.maximum.accumulate([min(1, (3 - i) * raw[j]) for i, j in enumerate(order)])
    for i, j in enumerate(order):
        assert res[j]["holm_pvalue"] == pytest.approx(holm[i])
    assert res[0]["min_pvalue"] == pytest.approx(2 / 2**12)


def test_win_tie_loss_and_flips() -> None:
    assert ss.win_tie_loss(np.array([1, 0, -1, 1, np.nan])) == (2, 1, 1)
    fs = ss.ranking_flips(
        np.array([[1.0, 2.0, 3.0], [3.0, 2.0, 1.0]]),
        np.array([[1.0, 3.0, 2.0], [3.0, 2.0, 1.0]]),
        True,
    )
    assert fs.top_changed == (True, False)
    assert fs.pairs_swapped == (1, 0)
    assert fs.kendall_tau[1] == pytest.approx(1.0)
    low = ss.ranking_flips(np.array([[1.0, 2.0]]), np.array([[2.0, 1.0]]), False)
    assert low.top_changed == (True,)


def test_stratified_bootstrap_interval_covers_the_true_iqm() -> None:
    """Runs drawn around fixed per-task centres: the task set is fixed, so the target is
    the IQM of the population of runs of these tasks. ~95% nominal; a few hundred
    repetitions, so a loose band."""
    rng = np.random.default_rng(6)
    centres = np.array([0.1, 0.4, 0.5, 0.8, 1.0])
    pop = centres[:, None] + rng.normal(0, 0.2, size=(5, 200_000))
    truth = ss.iqm(pop)
    hits = 0
    reps = 200
    for _ in range(reps):
        x = centres[:, None] + rng.normal(0, 0.2, size=(5, 10))
        iv = ss.iqm_interval(x, seed=rng, n_boot=300)
        hits += iv.low <= truth <= iv.high
    assert 0.85 <= hits / reps <= 0.99


def test_friedman_false_positive_rate_under_the_null() -> None:
    """Exchangeable families (no difference): rejections at 0.05 stay near 5%."""
    rng = np.random.default_rng(7)
    reps = 1000
    rej = sum(ss.friedman_test(rng.normal(size=(10, 3)), True).pvalue < 0.05 for _ in range(reps))
    assert rej / reps <= 0.075
    rej_id = sum(
        ss.friedman_test(rng.normal(size=(10, 3)), True).iman_davenport_pvalue < 0.05
        for _ in range(reps)
    )
    assert rej_id / reps <= 0.08


def test_friedman_permutation_exact_small_case() -> None:
    # 3 tasks ranking 3 families alike: 6 of the 6^3 arrangements reach the maximum.
    m = np.array([[3.0, 2.0, 1.0]] * 3)
    p, how = ss.friedman_permutation_pvalue(m, True, seed=0)
    assert how == "exact"
    assert p == pytest.approx(6 / 216)
    assert ss.friedman_test(m, True).pvalue == pytest.approx(math.exp(-3))  # chi2 says 0.0498


def test_friedman_permutation_agrees_with_chi2_for_many_tasks() -> None:
    rng = np.random.default_rng(8)
    m = rng.normal(size=(30, 4)) + np.array([0.0, 0.2, 0.4, 0.6])
    p, how = ss.friedman_permutation_pvalue(m, True, seed=1, n_perm=20000)
    assert how == "monte carlo"
    assert p == pytest.approx(ss.friedman_test(m, True).pvalue, abs=0.02)


def test_friedman_permutation_false_positive_rate_under_the_null() -> None:
    rng = np.random.default_rng(9)
    reps = 400
    rej = sum(
        ss.friedman_permutation_pvalue(rng.normal(size=(4, 3)), True, seed=rng)[0] < 0.05
        for _ in range(reps)
    )
    assert rej / reps <= 0.075
