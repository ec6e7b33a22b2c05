"""Issue 23, points 3 and 4: one tolerance, a seed-and-row decision that luck cannot loosen,
the deciding numbers printed, and reference sentences backed by a test on the same rows.

Each test names what the parent code (a184042) did in the same scenario.
"""

from __future__ import annotations

import itertools
import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats as st

from archbench import stats as S
from archbench.analysis.run import analyze_run
from archbench.kinds.common.metrics import CLASSIFICATION
from archbench.report.design import _methods_paragraph
from archbench.report.document import plain_text
from archbench.report.rundata import load_run
from archbench.report.tables import paired_table, reference_sentence
from fixtures_report import make_run_dir

from .test_simulation import FLIP, family_preds, global_null_run

ACC = {"accuracy": CLASSIFICATION["accuracy"].weighted}
ISSUE_SEEDS = np.array([0.7935, 0.7901, 0.7991, 0.7898, 0.7936])


def _boot(estimate: float, se: float) -> S.RowBootstrap:
    return S.RowBootstrap("m", estimate, None, None, 0, 0, 300, 0.95, se=se)


# ----------------------------------------------------------------------------- one tolerance
def test_float_noise_seeds_are_identical_seeds() -> None:
    """Seeds 1e-10 apart (relative): parent code printed "95% CI [0.00330, 0.00330], Cohen's
    d_z = 57942240" and, without a row bootstrap, "resolved" (p ~ 1e-30)."""
    a = 0.8 + np.array([0.0, 1.0, -1.0, 2.0, 0.5]) * 0.8e-10
    b = a - 0.0033
    assert S.is_constant(a) and not S.is_constant(np.array([0.8, 0.8 + 1e-6]))
    comp = S.paired_comparison(a, b)
    assert comp.identical and comp.t_pvalue is None and comp.cohens_dz is None
    assert comp.ci_low is None and comp.a_constant and comp.b_constant
    text = S.comparison_verdict("MLP", "GBDT", "AUC", "ID test set", comp, higher_is_better=True)
    assert "not resolved" in text and "d_z" not in text and "one experiment" in text
    assert not S.confirmatory(comp).resolved
    assert S.mean_ci(a).ci_low is None  # the family's own interval: identical seeds too
    # with a row bootstrap the seed-and-row test decides on the rows alone
    test = S.seed_row_test(comp, _boot(0.0033, 0.001), S.PAIR_METHOD)
    assert test.df == math.inf and test.p_value == pytest.approx(2 * st.norm.sf(3.3), rel=1e-9)


def test_one_tolerance_is_the_tie_tolerance() -> None:
    x = np.array([1.0, 1.0 + 0.9 * S.TIE_REL_TOL])
    assert S.is_constant(x) and not S.is_constant(np.array([1.0, 1.0 + 1.1 * S.TIE_REL_TOL]))


# ----------------------------------------------------------------------------- the df rule
def test_issue_example_is_not_resolved_and_caveated_by_a_bounded_df() -> None:
    """MLP seeds against a deterministic GBDT at 0.80, row SE 0.0025: parent code "resolved (p =
    0.0296)" on 41.6 df with no caveat (Wilcoxon 0.0625)."""
    comp = S.paired_comparison(ISSUE_SEEDS, np.full(5, 0.80))
    test = S.seed_row_test(comp, _boot(comp.mean_diff or 0.0, 0.0025), S.PAIR_METHOD)
    assert test.df is not None and test.df < 10
    assert test.p_value is not None and 0.05 < test.p_value < 0.08
    assert test.ci_low is not None and test.ci_low < 0 < (test.ci_high or 0)


def test_seed_row_df_is_bounded_and_monotone() -> None:
    n = 5
    assert S.seed_row_df(0.0, 1.0, n) == math.inf
    assert S.seed_row_df(1.0, 0.0, n) == pytest.approx(n - 1)  # seeds alone: the t-test's df
    dfs = [S.seed_row_df(v, 1.0, n) for v in (1e-4, 1e-2, 0.1, 1.0, 10.0)]
    assert all(x > y for x, y in itertools.pairwise(dfs)) and dfs[-1] >= n - 1
    # the bound: df as if the seed variance were its upper 97.5% chi-square limit
    bound = (n - 1) * 0.1 / st.chi2.ppf(0.025, n - 1)
    assert S.seed_row_df(0.1, 1.0, n) == pytest.approx((bound + 1) ** 2 / (bound**2 / (n - 1)))


def _skewed_experiments(
    rng: np.random.Generator, k: float, reps: int
) -> tuple[float, float, float]:
    """A deterministic family against one with centred-lognormal seed noise (SD ``k`` row SEs)
    and a shared test-set draw; returns (decision FPR, FPR without the caveat, old Welch FPR)."""
    x = rng.lognormal(0.0, 1.0, (reps, 5))
    e = -(x - math.exp(0.5)) / math.sqrt((math.e - 1) * math.e)
    d = 0.0025 * (rng.standard_normal(reps)[:, None] + k * e)
    fixed = np.full(5, 0.8)
    new = plain_hits = old = 0
    for row in d:
        comp = S.paired_comparison(0.8 + row, fixed)
        test = S.seed_row_test(comp, _boot(float(row.mean()), 0.0025), S.PAIR_METHOD)
        dec = S.Decision("confirmatory", S.COMBINED_TEST, test.p_value)
        new += dec.resolved
        plain_hits += dec.resolved and not S.normality_caveat(comp, dec, test)
        sv = (comp.sd_diff or 0.0) ** 2 / 5
        df = (test.se or 0.0) ** 4 / (sv**2 / 4)
        p_old = max(2 * st.t.sf(abs(row.mean()) / (test.se or 1.0), df), comp.t_pvalue or 1.0)
        old += p_old < 0.05
    return new / reps, plain_hits / reps, old / reps


def test_skewed_seed_noise_with_test_set_noise() -> None:
    """Skewed seed noise plus test-set noise, no true difference (benchmarks/skewed_seed_row.py
    has the full grid). Parent code (Welch df on the estimated seed variance): 8.7-9.1% false
    positives at seed SD = 4 row SEs, mostly without a caveat. Here: <= 6% where the row noise
    matters (seed SD <= 2 row SEs), and wherever seed noise dominates the verdicts that are
    printed without the caveat stay under 5%."""
    rng = np.random.default_rng(2323)
    fpr, _, _ = _skewed_experiments(rng, 2.0, 1500)
    assert fpr <= 0.06
    fpr, uncaveated, old = _skewed_experiments(rng, 4.0, 1500)
    assert old >= 0.075 and fpr < old - 0.01  # the parent rule, measured on the same draws
    assert uncaveated <= 0.05


def test_caveat_states_the_seed_and_row_rate() -> None:
    comp = S.paired_comparison(0.8 + np.array([0.010, 0.012, 0.011, 0.013, 0.004]), np.full(5, 0.8))
    test = S.seed_row_test(comp, _boot(comp.mean_diff or 0.0, 0.0005), S.PAIR_METHOD)
    dec = S.Decision("confirmatory", S.COMBINED_TEST, test.p_value)
    assert dec.resolved and S.normality_caveat(comp, dec, test)
    text = S.comparison_verdict(
        "MLP", "GBDT", "AUC", "ID test set", comp, higher_is_better=True, decision=dec,
        combined=test,
    )  # fmt: skip
    assert S.SKEWED_COMBINED_FPR in text and "seed-and-row test" in text
    # the deciding interval leads; the seed-only one follows, labelled
    assert text.index("with seed and test-set noise") < text.index("seed noise only")


# ----------------------------------------------------------------------------- per-family CI
def test_seed_row_interval_covers_the_population_value() -> None:
    """Parent code showed the seed-only interval: it covers a family's population value in
    about half of the runs on a 300-row test set (issue: 48%). The seed-and-row one: >= 93%."""
    rng = np.random.default_rng(31)
    reps, row_se, seed_sd = 2000, 0.02, 0.01
    hit_both = hit_seed = 0
    for _ in range(reps):
        scores = 0.8 + row_se * rng.standard_normal() + seed_sd * rng.standard_normal(5)
        both = S.seed_row_interval(scores, _boot(float(scores.mean()), row_se))
        seed = S.mean_ci(scores)
        hit_both += (both.ci_low or 0.0) <= 0.8 <= (both.ci_high or 0.0)
        hit_seed += (seed.ci_low or 0.0) <= 0.8 <= (seed.ci_high or 0.0)
    assert hit_both / reps >= 0.93 and hit_seed / reps <= 0.75
    assert S.seed_row_interval(np.full(5, 0.8), None).ci_low is None


def test_bootstrap_rows_matches_the_binomial_se() -> None:
    rng = np.random.default_rng(5)
    y = rng.integers(0, 2, 400)
    right = rng.random(400) < 0.8
    p1 = np.where(right == (y == 1), 0.9, 0.1)
    pred = np.stack([1 - p1, p1], axis=1)[None]
    boot = S.bootstrap_rows(y, pred, ACC, n_boot=2000, seed=1)["accuracy"]
    acc = float(np.mean(right))
    assert boot.estimate == pytest.approx(acc)
    assert boot.se == pytest.approx(math.sqrt(acc * (1 - acc) / 400), rel=0.1)
    assert boot.p_value is None


# ----------------------------------------------------------------------------- references
def _reference_experiment(rng: np.random.Generator, gain: float, n: int = 300) -> S.SeedRowTest:
    """A family (5 seeds, each flipping 5% of the rows) and a deterministic reference on the
    same rows; the family's population accuracy is higher by ``gain``."""
    y = rng.integers(0, 2, n)
    fam = family_preds(rng, y, np.full(n, 0.8))
    p_family = 0.8 * (1 - FLIP) + 0.2 * FLIP
    right = rng.random(n) < p_family - gain
    p1 = np.where(right == (y == 1), 0.8, 0.2)
    ref = np.stack([1 - p1, p1], axis=1)
    return S.reference_test(y, fam, ref, ACC, n_boot=200, seed=rng)["accuracy"]


@pytest.mark.parametrize(("gain", "worse_max", "better_min"), [(0.0, 0.06, 0.0), (0.05, 0.0, 0.15)])
def test_reference_test_both_directions(gain: float, worse_max: float, better_min: float) -> None:
    """Parent code (the reference value against the family's seed interval, no test): "worse
    than" the reference in 30% of runs with equal populations, "does not beat" in 32% with the
    family better by 0.02. Here: "worse" (a resolved negative difference) in <= 6% under
    equality and never when the family is better; better is found with some power."""
    rng = np.random.default_rng(int(gain * 1000) + 9)
    tests = [_reference_experiment(rng, gain) for _ in range(250)]
    worse = np.mean([t.resolved() and (t.estimate or 0) < 0 for t in tests])
    better = np.mean([t.resolved() and (t.estimate or 0) > 0 for t in tests])
    assert worse <= worse_max and better >= better_min


def _with_references(tmp_path: Path) -> Path:
    rng = np.random.default_rng(12)
    root = global_null_run(rng, tmp_path / "r")
    rows = []
    for split in ("val", "test", "shift"):
        pf = pd.read_parquet(root / "predictions.parquet")
        sub = pf[(pf.family == "a") & (pf.seed == 0) & (pf.split == split)]
        y = sub["y_true"].to_numpy()
        p1 = np.where(rng.random(y.size) < 0.78, y, 1 - y) * 0.6 + 0.2
        rows.append(pd.DataFrame({"family": "lin", "seed": 0, "split": split,
                                  "row_id": sub["row_id"].to_numpy(), "y_true": y,
                                  "y_pred": (p1 > 0.5).astype(float), "p_0": 1 - p1,
                                  "p_1": p1}))  # fmt: skip
    pd.concat(rows).to_parquet(root / "reference_predictions.parquet")
    return root


def test_analysis_stores_reference_tests_and_seed_row_intervals(tmp_path: Path) -> None:
    """Parent code stored no reference comparison and only seed-only family intervals."""
    stats = analyze_run(_with_references(tmp_path), n_boot=200)
    refs = stats["references"]
    assert {(r["family"], r["split"]) for r in refs} == {
        (f, s) for f in "abc" for s in ("test", "shift")
    }
    for r in refs:
        assert r["reference"] == "lin" and r["test"] == S.REFERENCE_TEST
        assert r["ci_low"] <= r["diff"] <= r["ci_high"] and 0 <= r["p_value"] <= 1
        assert r["resolved"] == (r["p_value"] < 0.05)
    test_rows = [r for r in stats["summary"] if r["split"] == "test"]
    assert all(r["ci_noise"] == "seeds and rows" for r in test_rows)
    for r in test_rows:  # the shown interval holds the seed-only one's centre, and is wider
        assert r["ci_high"] - r["ci_low"] > r["seed_ci_high"] - r["seed_ci_low"]
    assert all(r["ci_noise"] == "seeds only" for r in stats["summary"] if r["split"] == "val")


# ----------------------------------------------------------------------------- the report
def _edit_stats(root: Path, **changes: object) -> None:
    path = root / "stats.json"
    stats = json.loads(path.read_text())
    stats.update(changes)
    path.write_text(json.dumps(stats))


def test_reference_sentence_follows_the_stored_tests(tmp_path: Path) -> None:
    root = make_run_dir(tmp_path)
    run = load_run(root)
    fam, name, m = run.families[0], "linear", run.primary
    mean = (run.summary_row(fam, "test", m) or {})["mean"]
    task = json.loads((root / "task.json").read_text())
    value = mean + (0.01 if run.higher(m) else -0.01)
    ref = {"label": "Logistic regression", "metrics": {"test": {m: value}}}
    task["references"] = {name: ref}
    (root / "task.json").write_text(json.dumps(task))
    run = load_run(root)
    base = {"reference": name, "family": fam, "split": "test", "metric": run.primary,
            "ci_low": -0.03, "ci_high": 0.01, "p_value": 0.3, "alpha": 0.05}  # fmt: skip
    hi = run.higher(run.primary)
    worse = -0.01 if hi else 0.01
    _edit_stats(root, references=[{**base, "diff": worse, "resolved": False}])
    text = reference_sentence(load_run(root)) or ""
    assert "is not resolved against" in text and "does not beat" not in text
    assert "is worse than" not in text and "seed-and-row t-test" in text
    assert "[-0.03" in text.replace("\u2212", "-")  # the interval
    short = reference_sentence(load_run(root), compact=5) or ""  # near the page limit
    assert "is not resolved against" in short and "p = 0.3" in short
    assert "[-0.03" not in short.replace("\u2212", "-") and "intervals in stats.json" in short
    _edit_stats(root, references=[{**base, "diff": worse, "p_value": 0.001, "resolved": True}])
    assert "is worse than" in (reference_sentence(load_run(root)) or "")
    _edit_stats(root, references=[{**base, "diff": -worse, "p_value": 0.001, "resolved": True}])
    assert reference_sentence(load_run(root)) is None  # resolved better: nothing to say
    _edit_stats(root, references=[])  # untested: point estimates, said so
    text = reference_sentence(load_run(root)) or ""
    assert "does not beat" not in text and "is worse than" not in text
    assert "point estimates only" in text and "the logistic regression (" in text


def test_paired_table_prints_the_deciding_numbers(tmp_path: Path) -> None:
    """Parent code printed the seed-only t p and interval beside the deciding "resolved"."""
    root = make_run_dir(tmp_path)
    stats = json.loads((root / "stats.json").read_text())
    for c in stats["comparisons"]:
        c.update(p_value=0.0777, t_pvalue=0.0123, combined_ci_low=-0.0456,
                 combined_ci_high=0.0654, ci_low=0.0011, ci_high=0.0022)  # fmt: skip
    (root / "stats.json").write_text(json.dumps(stats))
    table = paired_table(load_run(root))
    assert table is not None
    text = " ".join(plain_text(cell.spans) for row in table.body for cell in row.cells)
    assert "0.0777" in text and "0.0123" not in text
    assert "0.0654" in text and "0.0022" not in text
    assert "deciding test" in plain_text(table.caption)


def test_methods_paragraph_states_the_declared_rule(tmp_path: Path) -> None:
    """Parent code at confidence 0.90: "resolved when p < 0.05 and its 90% CI excludes 0"."""
    root = make_run_dir(tmp_path)
    stats = json.loads((root / "stats.json").read_text())
    stats["alpha"], stats["confidence"] = 0.1, 0.9
    stats["tests"] = {"alpha": 0.1, "confirmatory": {"test": S.COMBINED_TEST},
                      "secondary": {"size": 5}}  # fmt: skip
    (root / "stats.json").write_text(json.dumps(stats))
    text = plain_text(_methods_paragraph(load_run(root)).spans)
    assert "p < 0.1" in text and "p < 0.05" not in text
    assert S.COMBINED_TEST in text and "Holm-adjusted p < 0.1" in text and "gatekeeping" in text
