"""archbench.stats: known values (scipy, hand-computed), properties, and seeded simulations."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats as st
from sklearn.metrics import roc_auc_score

from archbench import stats as S
from archbench.kinds.common.metrics import CLASSIFICATION, REGRESSION, metric, resampled
from archbench.report.content import first_clause

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
    assert shifted.wilcoxon_pvalue is None  # five identical differences are one experiment
    assert not shifted.negligible and not shifted.a_constant
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


def _two_point(right: np.ndarray) -> np.ndarray:
    """``(1, n, 2)`` probabilities for class 0 rows: 0.9 on the right class, 0.1 otherwise."""
    p0 = np.where(right, 0.9, 0.1)
    return np.stack([p0, 1 - p0], axis=1)[None]


def test_row_bootstrap_coverage_simulation() -> None:
    """Correlated correctness (a row hard for A is hard for B): the paired bootstrap covers the
    population difference 0.05 about 95% of the time; an unpaired one (rows resampled
    independently per family) covers almost always, so this test tells the two apart."""
    rng = np.random.default_rng(2024)
    paired = unpaired = 0
    n_exp, n = 300, 300
    for _ in range(n_exp):
        u = rng.random(n)  # row difficulty shared by both families
        y = np.zeros(n, dtype=int)
        right_a, right_b = u < 0.80, u < 0.75
        r = S.paired_bootstrap_rows(
            y,
            _two_point(right_a),
            _two_point(right_b),
            _weighted(["accuracy"]),
            n_boot=400,
            seed=rng,
        )["accuracy"]
        paired += r.ci_low <= 0.05 <= r.ci_high
        ia, ib = rng.integers(0, n, (2, 400, n))
        d = right_a[ia].mean(axis=1) - right_b[ib].mean(axis=1)
        lo, hi = np.quantile(d, [0.025, 0.975])
        unpaired += lo <= 0.05 <= hi
    assert 0.91 <= paired / n_exp <= 0.975
    assert unpaired / n_exp >= 0.985


# ----------------------------------------------------------------------------- simulations
def test_t_interval_coverage_simulation() -> None:
    """20,000 intervals: SE 0.0015, so [0.945, 0.955] rejects df = n (0.938) and ddof = 0."""
    rng = np.random.default_rng(12345)
    x = rng.normal(0.75, 0.02, size=(20_000, 5))
    cis = [S.mean_ci(row) for row in x]
    coverage = np.mean([c.ci_low <= 0.75 <= c.ci_high for c in cis])
    assert 0.945 <= coverage <= 0.955
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
    wide = rng.normal(size=(2000, 2, 10))
    w_rate = np.mean([S.wilcoxon_exact(x - y) < 0.05 for x, y in wide])
    assert 0.03 <= w_rate <= 0.06
    shifted = rng.normal(1.5, 1.0, size=(500, 6))  # from 6 pairs the Wilcoxon can reject
    assert np.mean([S.wilcoxon_exact(x) < 0.05 for x in shifted]) > 0.5
    null = rng.random((2000, 2, 150)) < 0.8
    m_rate = np.mean([S.mcnemar_exact(x, y).pvalue < 0.05 for x, y in null])
    assert m_rate <= 0.06


def test_power_rises_with_the_true_difference() -> None:
    """40,000 experiments per effect: SE <= 0.0025, tolerance 0.008 (about 3 SE)."""
    rng = np.random.default_rng(99)
    effects = [0.0, 0.5, 1.0, S.minimal_detectable_effect(5), 2.5]
    rates = []
    for effect in effects:
        d = rng.normal(effect, 1.0, size=(40_000, 5))
        rate = float(np.mean(st.ttest_1samp(d, 0.0, axis=1).pvalue < 0.05))
        assert rate == pytest.approx(S.paired_t_power(effect, 5), abs=0.008)
        rates.append(rate)
    assert rates == sorted(rates) and rates[-1] > 0.95
    assert rates[3] == pytest.approx(0.8, abs=0.008)  # the MDE is detected 80 % of the time


# ----------------------------------------------------------------------------- verdicts
def _verdict(
    a: np.ndarray, b: np.ndarray, *, hib: bool = True, name: str = "ROC-AUC", **kw: object
) -> str:
    comp = S.paired_comparison(a, b)
    return S.comparison_verdict(
        "GBDT", "MLP", name, "ID test set", comp, higher_is_better=hib,
        power=S.power_analysis(comp), **kw,  # type: ignore[arg-type]
    )  # fmt: skip


def _honest(text: str) -> None:
    assert "no difference" not in text.lower() and "significant" not in text.lower()


B = np.array([0.70, 0.71, 0.72, 0.69, 0.70])


def test_verdict_clear_win() -> None:
    text = _verdict(B + np.array([0.012, 0.010, 0.014, 0.011, 0.013]), B)
    assert text.startswith("GBDT has higher (better) ROC-AUC than MLP on the ID test set")
    assert "resolved by the paired t-test at alpha = 0.05" in text and "p < 0.001" in text
    assert "the confirmatory test" in text and "cannot go below 0.0625" in text
    assert "normal per-seed differences" in text  # n = 5: the Wilcoxon cannot back it
    _honest(text)
    rmse = _verdict(
        B - 0.05 + np.array([0.001, 0.0, -0.001, 0.002, 0.0]), B, hib=False, name="RMSE"
    )
    assert rmse.startswith("GBDT has lower (better) RMSE than MLP")


def test_verdict_secondary_and_exploratory_roles() -> None:
    a = B + 0.012 + np.array([0.0, 0.001, -0.001, 0.002, 0.0])
    comp = S.paired_comparison(a, B)
    p = comp.t_pvalue
    holm_hi = S.Decision("secondary", "paired t-test", p, 0.05, 0.09, 9, True)
    text = _verdict(a, B, decision=holm_hi)
    assert "not resolved after Holm's correction over the 9 secondary tests" in text
    assert "Holm-adjusted p = 0.0900" in text and "has higher" not in text
    holm_lo = S.Decision("secondary", "paired t-test", p, 0.05, 0.01, 9, True)
    assert "resolved after Holm's correction" in _verdict(a, B, decision=holm_lo)
    closed = S.Decision("secondary", "paired t-test", p, 0.05, 0.01, 9, False)
    text = _verdict(a, B, decision=closed)
    assert "exploratory, uncorrected" in text and "confirmatory test did not resolve" in text
    assert "resolved" not in text.replace("did not resolve", "")
    expl = _verdict(a, B, decision=S.Decision("exploratory", "paired t-test", p))
    assert "exploratory, uncorrected" in expl and "no claim is made" in expl


def test_verdict_not_resolved_leads_with_the_mde() -> None:
    text = _verdict(B + np.array([0.01, -0.02, 0.015, -0.005, 0.004]), B)
    assert text.startswith("The ROC-AUC difference between GBDT and MLP on the ID test set is not")
    assert "not resolved with 5 seeds" in text and "not resolved by the paired t-test" in text
    mde, hypo = text.index("detect a difference of about"), text.index("if the true difference")
    assert mde < hypo and "were the observed one" in text and "would need about" in text
    _honest(text)


def test_verdict_identical_seeds() -> None:
    same = _verdict(B, B.copy())
    assert "the same ROC-AUC" in same and "neither is ahead" in same
    deterministic = np.full(5, 0.8)
    tiny = _verdict(deterministic + 1e-13, deterministic)
    assert "up to numerical noise" in tiny and "GBDT has" not in tiny and "Wilcoxon" not in tiny
    text = _verdict(B + 0.01, B)
    assert "one experiment" in text and "no Wilcoxon" in text and "0.0625" not in text
    assert "is not resolved: no row bootstrap was run" in first_clause(text)
    _honest(text)


def test_verdict_ranking_flips_only_when_both_resolved() -> None:
    noise = np.array([0.001, -0.002, 0.0015, 0.0, -0.001])
    flip = S.ranking_flip(B + 0.02 + noise, B, B - 0.03 + noise[::-1], B)
    assert flip.flips and flip.flip_resolved
    text = S.ranking_verdict("GBDT", "MLP", "ROC-AUC", flip, higher_is_better=True)
    assert text.startswith("The ranking of GBDT and MLP on ROC-AUC flips under shift")
    assert "GBDT is ahead on the ID test set and MLP on the shift set" in text
    assert flip.change.mean_diff == pytest.approx(-0.05, abs=1e-12)  # (-0.03) - (+0.02)
    _honest(text)
    weak = S.ranking_flip(B + 0.02 + noise, B, B - 0.001 + 5 * noise, B)
    assert weak.flips and not weak.flip_resolved
    text = S.ranking_verdict("GBDT", "MLP", "ROC-AUC", weak, higher_is_better=True)
    assert (
        "point estimates of GBDT and MLP on ROC-AUC reverse under shift, but the reversal is"
        in text
    )
    assert "not resolved" in first_clause(text) and "flips" not in text
    same = S.ranking_flip(B + 0.02 + noise, B, B + 0.01 + noise, B)
    text = S.ranking_verdict("GBDT", "MLP", "ROC-AUC", same, higher_is_better=True)
    assert not same.flips and "rank GBDT and MLP on ROC-AUC the same way" in text
    gap = S.shift_test(same.change, None)
    dec = S.Decision("secondary", "combined seed and row test", 0.001, 0.05, 0.004, 5, True)
    text = S.ranking_verdict("GBDT", "MLP", "ROC-AUC", same, higher_is_better=True, gap=gap,
                             gap_decision=dec)  # fmt: skip
    assert "the gap between them changes" in text and "reverse" not in text


def test_shift_change_verdict() -> None:
    idv = np.array([0.80, 0.81, 0.79, 0.80, 0.82])
    drop = S.shift_change(idv, idv - 0.05 + np.array([0.001, 0.0, -0.002, 0.001, 0.0]))
    rows = S.RowBootstrap("roc_auc", -0.05, -0.07, -0.03, 500, 500, 300, 0.95, 0.01, 0.0, 300)
    test = S.shift_test(drop, rows)
    assert test.se == pytest.approx(math.sqrt(drop.sd_diff**2 / 5 + 0.01**2))
    dec = S.Decision("secondary", "combined seed and row test", test.p_value, 0.05,
                     test.p_value, 1, True)  # fmt: skip
    text = S.shift_change_verdict(
        "GBDT", "ROC-AUC", test, seeds=drop, id_mean=0.804, shift_mean=0.754,
        higher_is_better=True, decision=dec,
    )  # fmt: skip
    assert text.startswith("GBDT's ROC-AUC is worse on the shift set") and "resolved" in text
    assert "with seed and test-set noise" in text and "ignores test-set noise" in text
    alone = S.shift_test(drop, None)
    assert alone.p_value is None and not alone.resolved()
    text = S.shift_change_verdict("GBDT", "ROC-AUC", alone, seeds=drop, id_mean=0.8,
                                  shift_mean=0.75, higher_is_better=True)  # fmt: skip
    assert "exploratory, uncorrected" in text and "with seed noise only" in text
    _honest(text)


def test_verdicts_never_overclaim_on_random_inputs() -> None:
    rng = np.random.default_rng(3)
    for _ in range(200):
        b = rng.normal(0.7, 0.02, 5)
        a = b + rng.normal(rng.normal(0, 0.01), rng.uniform(0.001, 0.02), 5)
        text = _verdict(a, b, hib=bool(rng.integers(2)))
        _honest(text)
        comp = S.paired_comparison(a, b)
        claims = text.startswith(("GBDT has", "MLP has"))
        assert claims == (comp.t_pvalue < 0.05) == (": resolved by the paired t-test" in text)
        assert ("not resolved by the paired t-test" in text) == (comp.t_pvalue >= 0.05)


@pytest.mark.parametrize(
    ("p", "alpha", "want"),
    [(0.04996, 0.05, "p = 0.04996"), (0.050004, 0.05, "p = 0.050004"), (0.05, 0.05, "p = 0.0500"),
     (0.0272, 0.05, "p = 0.0272"), (0.0999996, 0.1, "p = 0.0999996"), (2e-4, 0.05, "p < 0.001"),
     (None, 0.05, "p n/a")],
)  # fmt: skip
def test_p_values_near_alpha_keep_their_side(p: float | None, alpha: float, want: str) -> None:
    assert S.fmt_p(p, alpha) == want


def test_confidence_and_alpha_are_one_setting() -> None:
    rng = np.random.default_rng(4)
    b = rng.normal(0.7, 0.01, 5)
    a = b + 0.01 + rng.normal(0, 0.008, 5)
    comp = S.paired_comparison(a, b, confidence=0.9)
    assert comp.alpha == pytest.approx(0.1) and comp.t_pvalue > 0.05 > 0  # p ~ 0.06
    text = S.comparison_verdict("A", "B", "AUC", "ID test set", comp, higher_is_better=True)
    assert "90% CI" in text and "alpha = 0.1" in text and "alpha = 0.05" not in text
    assert comp.resolved() == (comp.t_pvalue < 0.1)
    assert S.power_analysis(comp).alpha == pytest.approx(0.1)
