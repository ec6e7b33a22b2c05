"""archbench.stats: known values (scipy, hand-computed), properties, and seeded simulations."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats as st
from sklearn.metrics import roc_auc_score

from archbench import stats as S
from archbench.kinds.metriclib import CLASSIFICATION, REGRESSION, metric, resampled

N_SIM = 4000  # simulated 5-seed experiments per check (SE of a 5 % rate: 0.34 points)


def _weighted(names: list[str]) -> dict:  # type: ignore[type-arg]
    """The weighted forms of ``names`` as the tabular kind declares them."""
    specs = {**CLASSIFICATION.by_name, **REGRESSION.by_name}
    return {n: specs[n].weighted for n in names}


# ----------------------------------------------------------------------------- intervals
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_t_interval_matches_scipy(seed: int) -> None:
    x = np.random.default_rng(seed).normal(0.8, 0.01, size=5)
    ci = S.mean_ci(x)
    lo, hi = st.t.interval(0.95, 4, loc=x.mean(), scale=st.sem(x))
    assert (ci.n, ci.mean, ci.sd) == (5, pytest.approx(x.mean()), pytest.approx(x.std(ddof=1)))
    assert (ci.ci_low, ci.ci_high) == pytest.approx((lo, hi), abs=1e-12)
    assert ci.ci_low <= ci.mean <= ci.ci_high


def test_t_interval_hand_computed() -> None:
    # mean 3, sd sqrt(2.5), t_{0.975,4} = 2.776445105 -> half width 1.963243...
    ci = S.mean_ci(np.array([1.0, 2.0, 3.0, 4.0, 5.0]))
    assert ci.ci_high - ci.mean == pytest.approx(2.776445105 * math.sqrt(2.5) / math.sqrt(5))


def test_mean_ci_degenerate_inputs() -> None:
    one = S.mean_ci(np.array([0.7]))
    assert (one.n, one.mean, one.sd, one.ci_low) == (1, 0.7, None, None)
    same = S.mean_ci(np.full(5, 0.1 + 0.2))
    assert same.sd == 0 and same.ci_low is None and same.ci_high is None
    nan = S.mean_ci(np.array([1.0, np.nan, 3.0]))
    assert nan.n == 2 and nan.mean == 2.0
    assert S.mean_ci(np.array([])).mean is None
    with pytest.raises(ValueError, match="ci method"):
        S.mean_ci(np.arange(5.0), method="normal")  # type: ignore[arg-type]


def test_bootstrap_interval_seeded_and_inside_the_data() -> None:
    x = np.array([0.81, 0.79, 0.83, 0.80, 0.82])
    a = S.mean_ci(x, method="bootstrap", n_boot=500, seed=3)
    b = S.mean_ci(x, method="bootstrap", n_boot=500, seed=np.random.default_rng(3))
    assert a == b
    assert x.min() <= a.ci_low <= a.mean <= a.ci_high <= x.max()
    assert a.ci_high - a.ci_low < S.mean_ci(x).ci_high - S.mean_ci(x).ci_low  # the caveat


# ----------------------------------------------------------------------------- wilcoxon
@pytest.mark.parametrize(
    "d",
    [[1, 2, 3, 4, 5], [-1, 2, 3, 4, 5], [0.3, -0.1, 0.25, -0.4, 0.05], [1, 2, 3, -4, 5, 6, -7, 8]],
)
def test_wilcoxon_equals_scipy_exact_without_ties(d: list[float]) -> None:
    assert S.wilcoxon_exact(np.array(d)) == pytest.approx(
        st.wilcoxon(d, method="exact").pvalue, abs=1e-12
    )


def test_wilcoxon_zeros_ties_and_floor() -> None:
    assert S.wilcoxon_exact(np.array([0.0, 1.0, 2.0, 3.0, 4.0])) == pytest.approx(0.125)
    assert S.wilcoxon_exact(np.zeros(5)) is None
    assert S.wilcoxon_exact(np.array([0.0, 0.0, 0.0, 0.0, 2.0])) == 1.0
    # |d| = 1,1,1,2,3 -> mid-ranks 2,2,2,4,5, T+ = 13; by hand 8 of 32 sign patterns are as
    # extreme (T+ <= 2 or >= 13), so p = 0.25 (scipy's no-ties "exact" would say 0.1875).
    assert S.wilcoxon_exact(np.array([1.0, 1.0, -1.0, 2.0, 3.0])) == pytest.approx(0.25)
    assert S.wilcoxon_min_pvalue(5) == 0.0625
    rng = np.random.default_rng(0)
    ps = [S.wilcoxon_exact(rng.normal(size=5)) for _ in range(300)]
    assert min(ps) == pytest.approx(0.0625)  # five seeds can never reach 0.05


# ----------------------------------------------------------------------------- paired
@pytest.mark.parametrize("seed", [0, 1])
def test_paired_comparison_matches_scipy(seed: int) -> None:
    rng = np.random.default_rng(seed)
    b = rng.normal(0.8, 0.01, size=5)
    a = b + rng.normal(0.005, 0.004, size=5)
    c = S.paired_comparison(a, b)
    d = a - b
    res = st.ttest_rel(a, b)
    lo, hi = st.t.interval(0.95, 4, loc=d.mean(), scale=st.sem(d))
    assert (c.t_stat, c.t_pvalue) == pytest.approx((res.statistic, res.pvalue), abs=1e-12)
    assert (c.ci_low, c.ci_high) == pytest.approx((lo, hi), abs=1e-12)
    assert c.cohens_dz == pytest.approx(d.mean() / d.std(ddof=1))
    assert c.wilcoxon_pvalue == pytest.approx(st.wilcoxon(d, method="exact").pvalue)
    swapped = S.paired_comparison(b, a)
    assert swapped.mean_diff == pytest.approx(-c.mean_diff)
    assert swapped.t_pvalue == pytest.approx(c.t_pvalue)
    assert swapped.wilcoxon_pvalue == pytest.approx(c.wilcoxon_pvalue)
    assert (swapped.ci_low, swapped.ci_high) == pytest.approx((-c.ci_high, -c.ci_low))


def test_paired_comparison_zero_variance_and_missing() -> None:
    b = np.array([0.70, 0.71, 0.72, 0.69, 0.70])
    shifted = S.paired_comparison(b + 0.25, b)  # float noise only: still "identical"
    assert shifted.identical and shifted.t_pvalue is None and shifted.cohens_dz is None
    assert shifted.wilcoxon_pvalue == pytest.approx(0.0625)
    same = S.paired_comparison(b, b.copy())
    assert same.identical and same.mean_diff == 0 and same.wilcoxon_pvalue is None
    assert same.sd_diff == 0 and not same.resolved()
    nan = S.paired_comparison(np.array([1.0, np.nan, 3.0]), np.array([0.5, 1.0, 2.0]))
    assert nan.n == 2 and nan.mean_diff == pytest.approx(0.75)
    one = S.paired_comparison(np.array([1.0]), np.array([0.0]))
    assert one.n == 1 and one.sd_diff is None and not one.identical
    with pytest.raises(ValueError, match="shape"):
        S.paired_comparison(np.zeros(3), np.zeros(4))


def test_mcnemar_hand_computed() -> None:
    a = np.array([True] * 8 + [False] * 2 + [True] * 30)
    b = np.array([False] * 8 + [True] * 2 + [True] * 30)
    res = S.mcnemar_exact(a, b)
    assert (res.a_only, res.b_only) == (8, 2)
    assert res.pvalue == pytest.approx(2 * (1 + 10 + 45) / 1024)  # 2 P(X <= 2), X ~ B(10, 1/2)
    assert S.mcnemar_exact(b, a).pvalue == pytest.approx(res.pvalue)
    assert S.mcnemar_exact(a, a).pvalue == 1.0


def test_holm_hand_computed() -> None:
    assert S.holm([0.01, 0.04, 0.03]) == pytest.approx([0.03, 0.06, 0.06])
    assert S.holm([0.5, 0.9]) == pytest.approx([1.0, 1.0])
    out = S.holm([0.02, None, 0.04])
    assert out[0] == pytest.approx(0.04) and np.isnan(out[1]) and out[2] == pytest.approx(0.04)
    assert S.holm([]).size == 0


# ----------------------------------------------------------------------------- power
def test_power_reference_values() -> None:
    assert S.paired_t_power(0.0, 5) == pytest.approx(0.05)
    # Classic sample sizes for a two-sided paired t-test, alpha 0.05, power 0.8 (G*Power).
    assert S.seeds_needed(0.5) == 34
    assert S.seeds_needed(0.8) == 15
    assert S.seeds_needed(-0.8) == 15
    assert S.seeds_needed(0.0) is None
    effect = S.minimal_detectable_effect(5)
    assert effect == pytest.approx(1.682, abs=1e-3)
    assert S.paired_t_power(effect, 5) == pytest.approx(0.8)
    assert S.minimal_detectable_effect(10) < effect
    assert S.minimal_detectable_effect(1) is None


def test_power_analysis_scales_with_sd() -> None:
    b = np.array([0.70, 0.71, 0.72, 0.69, 0.70])
    a = b + np.array([0.01, 0.03, 0.02, 0.00, 0.02])
    comp = S.paired_comparison(a, b)
    pw = S.power_analysis(comp)
    assert pw.mde == pytest.approx(S.minimal_detectable_effect(5) * comp.sd_diff)
    assert pw.seeds_needed == S.seeds_needed(comp.cohens_dz)
    assert S.paired_t_power(comp.cohens_dz, pw.seeds_needed) >= 0.8
    assert S.paired_t_power(comp.cohens_dz, pw.seeds_needed - 1) < 0.8
    flat = S.power_analysis(S.paired_comparison(b + 0.1, b))
    assert flat.mde is None and flat.seeds_needed is None


# ----------------------------------------------------------------------------- row bootstrap
def _problem(kind: str, n: int = 60, seeds: int = 3, seed: int = 0):
    rng = np.random.default_rng(seed)
    if kind == "regression":
        y = rng.normal(size=n)
        return y, y + rng.normal(size=(seeds, n)), ("rmse", "mae", "r2")
    k = 3 if kind == "multiclass" else 2
    y = rng.integers(0, k, size=n)
    logits = rng.normal(size=(seeds, n, k)) + 1.5 * np.eye(k)[y]
    p = np.exp(logits) / np.exp(logits).sum(axis=2, keepdims=True)
    if kind == "binary_ties":
        p = np.round(p, 1)
        p[..., 0] = 1 - p[..., 1]
    return y, p, ("roc_auc", "accuracy", "log_loss", "brier")


@pytest.mark.parametrize("kind", ["binary", "binary_ties", "multiclass", "regression"])
def test_resampled_metric_equals_metric_on_the_resampled_rows(kind: str) -> None:
    y, pred, names = _problem(kind)
    rng = np.random.default_rng(1)
    counts = np.stack([np.bincount(rng.integers(0, y.size, y.size), minlength=y.size)
                       for _ in range(4)]).astype(float)  # fmt: skip
    counts = np.vstack([np.ones(y.size), counts])
    for name in names:
        got = resampled(name, y, pred)(counts)
        for b, c in enumerate(counts):
            idx = np.repeat(np.arange(y.size), c.astype(int))
            want = [metric(name, y[idx], pred[s][idx]) for s in range(pred.shape[0])]
            assert got[b] == pytest.approx(want, abs=1e-10), (name, b)


def test_weighted_auc_equals_sklearn_with_ties() -> None:
    rng = np.random.default_rng(5)
    y = rng.integers(0, 2, size=500)
    score = np.round(rng.random(500) * 0.5 + 0.3 * y, 1)
    p = np.stack([1 - score, score], axis=1)[None]
    got = resampled("roc_auc", y, p)(np.ones((1, 500)))
    assert got[0, 0] == pytest.approx(roc_auc_score(y, score), abs=1e-12)


def test_paired_bootstrap_rows_seeded_and_consistent() -> None:
    y, p, names = _problem("binary", n=200)
    pa, pb = p, np.clip(p + np.random.default_rng(9).normal(0, 0.05, p.shape), 1e-6, 1)
    pb /= pb.sum(axis=2, keepdims=True)
    one = S.paired_bootstrap_rows(y, pa, pb, _weighted(names), n_boot=300, seed=11)
    two = S.paired_bootstrap_rows(
        y, pa, pb, _weighted(names), n_boot=300, seed=np.random.default_rng(11)
    )
    other = S.paired_bootstrap_rows(y, pa, pb, _weighted(names), n_boot=300, seed=12)
    assert one == two and one["roc_auc"] != other["roc_auc"]
    for name in names:
        r = one[name]
        want = np.mean([metric(name, y, pa[s]) for s in range(3)]) - np.mean(
            [metric(name, y, pb[s]) for s in range(3)]
        )
        assert r.estimate == pytest.approx(want, abs=1e-12)
        assert r.ci_low <= r.estimate <= r.ci_high
        assert (r.n_boot, r.n_valid, r.n_rows) == (300, 300, 200)
    same = S.paired_bootstrap_rows(y, pa, pa, _weighted(names), n_boot=50, seed=0)
    assert all(r.ci_low == r.ci_high == 0 for r in same.values())


def test_row_bootstrap_coverage_simulation() -> None:
    """The paired row bootstrap covers the population accuracy difference about 95 % of the time."""
    rng = np.random.default_rng(2024)
    hits, n_exp, n = 0, 300, 300
    for _ in range(n_exp):
        y = np.zeros(n, dtype=int)
        right_a, right_b = rng.random(n) < 0.80, rng.random(n) < 0.75
        pa = np.where(right_a, 0.9, 0.1)[None, :, None] * [[[1, 0]]] + np.where(right_a, 0.1, 0.9)[
            None, :, None
        ] * [[[0, 1]]]
        pb = np.where(right_b, 0.9, 0.1)[None, :, None] * [[[1, 0]]] + np.where(right_b, 0.1, 0.9)[
            None, :, None
        ] * [[[0, 1]]]
        r = S.paired_bootstrap_rows(y, pa, pb, _weighted(["accuracy"]), n_boot=400, seed=rng)[
            "accuracy"
        ]
        hits += r.ci_low <= 0.05 <= r.ci_high
    assert 0.90 <= hits / n_exp <= 0.99


# ----------------------------------------------------------------------------- simulations
def test_t_interval_coverage_simulation() -> None:
    rng = np.random.default_rng(12345)
    x = rng.normal(0.75, 0.02, size=(N_SIM, 5))
    cis = [S.mean_ci(row) for row in x]
    coverage = np.mean([c.ci_low <= 0.75 <= c.ci_high for c in cis])
    assert 0.93 <= coverage <= 0.97
    boot = [S.mean_ci(row, method="bootstrap", n_boot=400, seed=rng) for row in x[:1000]]
    assert np.mean([c.ci_low <= 0.75 <= c.ci_high for c in boot]) < 0.90  # documented caveat


def test_false_positive_rate_under_identical_families() -> None:
    rng = np.random.default_rng(777)
    seed_effect = rng.normal(0, 0.02, size=(N_SIM, 1))  # shared split: positively correlated
    a = 0.8 + seed_effect + rng.normal(0, 0.01, size=(N_SIM, 5))
    b = 0.8 + seed_effect + rng.normal(0, 0.01, size=(N_SIM, 5))
    comps = [S.paired_comparison(x, y) for x, y in zip(a, b, strict=True)]
    t_rate = np.mean([c.t_pvalue < 0.05 for c in comps])
    assert 0.035 <= t_rate <= 0.06
    assert np.mean([c.wilcoxon_pvalue < 0.05 for c in comps]) == 0.0  # n = 5: cannot reject
    wide = rng.normal(size=(2000, 2, 10))
    w_rate = np.mean([S.wilcoxon_exact(x - y) < 0.05 for x, y in wide])
    assert w_rate <= 0.06
    null = rng.random((2000, 2, 150)) < 0.8
    m_rate = np.mean([S.mcnemar_exact(x, y).pvalue < 0.05 for x, y in null])
    assert m_rate <= 0.06


def test_power_rises_with_the_true_difference() -> None:
    rng = np.random.default_rng(99)
    effects = [0.0, 0.5, 1.0, S.minimal_detectable_effect(5), 2.5]
    rates = []
    for effect in effects:
        d = rng.normal(effect, 1.0, size=(2000, 5))
        rate = np.mean([S.paired_comparison(x, np.zeros(5)).t_pvalue < 0.05 for x in d])
        assert rate == pytest.approx(S.paired_t_power(effect, 5), abs=0.035)
        rates.append(rate)
    assert rates == sorted(rates) and rates[-1] > 0.95
    assert rates[3] == pytest.approx(0.8, abs=0.035)  # the MDE is detected 80 % of the time


# ----------------------------------------------------------------------------- verdicts
def _verdict(a: np.ndarray, b: np.ndarray, *, hib: bool = True, name: str = "ROC-AUC") -> str:
    comp = S.paired_comparison(a, b)
    return S.comparison_verdict(
        "GBDT", "MLP", name, "ID test set", comp, higher_is_better=hib,
        power=S.power_analysis(comp),
    )  # fmt: skip


def _honest(text: str) -> None:
    assert "no difference" not in text.lower() and "significant" not in text.lower()


def test_verdict_clear_win() -> None:
    b = np.array([0.70, 0.71, 0.72, 0.69, 0.70])
    text = _verdict(b + np.array([0.012, 0.010, 0.014, 0.011, 0.013]), b)
    assert text.startswith("GBDT has higher (better) ROC-AUC than MLP on the ID test set")
    assert "resolved by the paired t-test" in text and "paired t p < 0.001" in text
    assert "cannot go below 0.0625" in text
    _honest(text)
    comp = S.paired_comparison(b + 0.012 + np.array([0.0, 0.001, -0.001, 0.002, 0.0]), b)
    holm = S.comparison_verdict(
        "GBDT", "MLP", "ROC-AUC", "ID test set", comp, higher_is_better=True, holm_pvalue=0.09
    )
    assert "Holm-corrected over all pairs of families, paired t p = 0.0900" in holm
    rmse = _verdict(
        b - 0.05 + np.array([0.001, 0.0, -0.001, 0.002, 0.0]), b, hib=False, name="RMSE"
    )
    assert rmse.startswith("GBDT has lower (better) RMSE than MLP")


def test_verdict_not_resolved() -> None:
    b = np.array([0.70, 0.71, 0.72, 0.69, 0.70])
    text = _verdict(b + np.array([0.01, -0.02, 0.015, -0.005, 0.004]), b)
    assert text.startswith("The ROC-AUC difference between GBDT and MLP on the ID test set is not")
    assert "not resolved with 5 seeds" in text and "includes 0" in text
    assert "5 seeds detect a difference of about" in text and "would need about" in text
    _honest(text)


def test_verdict_identical_seeds() -> None:
    b = np.array([0.70, 0.71, 0.72, 0.69, 0.70])
    assert "gave identical ROC-AUC" in _verdict(b, b.copy())
    text = _verdict(b + 0.01, b)
    assert "identical differences" in text and "0.0625" in text
    _honest(text)


def test_verdict_ranking_flips_under_shift() -> None:
    b = np.array([0.70, 0.71, 0.72, 0.69, 0.70])
    noise = np.array([0.001, -0.002, 0.0015, 0.0, -0.001])
    flip = S.ranking_flip(b + 0.02 + noise, b, b - 0.03 + noise[::-1], b)
    assert flip.flips and flip.flip_resolved
    text = S.ranking_verdict("GBDT", "MLP", "ROC-AUC", flip, higher_is_better=True)
    assert text.startswith("The ranking of GBDT and MLP on ROC-AUC flips under shift")
    assert "GBDT is ahead on the ID test set" in text and "MLP is ahead on the shift set" in text
    assert "reversal" not in text and "both differences are resolved" in text
    assert flip.change.mean_diff == pytest.approx(-0.05, abs=1e-12)  # (-0.03) - (+0.02)
    _honest(text)
    weak = S.ranking_flip(b + 0.02 + noise, b, b - 0.001 + 5 * noise, b)
    assert weak.flips and not weak.flip_resolved
    text = S.ranking_verdict("GBDT", "MLP", "ROC-AUC", weak, higher_is_better=True)
    assert "the reversal is not resolved" in text
    same = S.ranking_flip(b + 0.02 + noise, b, b + 0.01 + noise, b)
    text = S.ranking_verdict("GBDT", "MLP", "ROC-AUC", same, higher_is_better=True)
    assert not same.flips and "rank GBDT and MLP on ROC-AUC the same way" in text


def test_shift_change_verdict() -> None:
    idv = np.array([0.80, 0.81, 0.79, 0.80, 0.82])
    drop = S.shift_change(idv, idv - 0.05 + np.array([0.001, 0.0, -0.002, 0.001, 0.0]))
    text = S.shift_change_verdict("GBDT", "ROC-AUC", drop, id_mean=0.804, shift_mean=0.754,
                                  higher_is_better=True)  # fmt: skip
    assert text.startswith("GBDT's ROC-AUC is worse on the shift set") and "resolved" in text
    flat = S.shift_change(idv, idv + np.array([0.01, -0.01, 0.0, 0.005, -0.004]))
    text = S.shift_change_verdict("GBDT", "ROC-AUC", flat, id_mean=0.8, shift_mean=0.8,
                                  higher_is_better=True)  # fmt: skip
    assert "is not resolved" in text
    _honest(text)


def test_verdicts_never_overclaim_on_random_inputs() -> None:
    rng = np.random.default_rng(3)
    for _ in range(200):
        b = rng.normal(0.7, 0.02, 5)
        a = b + rng.normal(rng.normal(0, 0.01), rng.uniform(0.001, 0.02), 5)
        text = _verdict(a, b, hib=bool(rng.integers(2)))
        _honest(text)
        comp = S.paired_comparison(a, b)
        assert ("resolved by the paired t-test" in text) == (comp.t_pvalue < 0.05)
        assert ("not resolved" in text) == (comp.t_pvalue >= 0.05)
