"""Seeded simulations: the verdicts never claim more than the data carry (issue 14, points 1-7).

Each test states the rate measured on the parent code (a1c6c63) in the same scenario; the
numbers in docs/statistics.md come from these scenarios (``-m slow`` runs the heavier ones).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats as st

from archbench import stats as S
from archbench.analysis.run import analyze_run
from archbench.kinds.common.metrics import CLASSIFICATION
from archbench.report import content as C
from archbench.report.rundata import load_run
from fixtures_report import make_run_dir

ACCURACY = CLASSIFICATION["accuracy"].weighted

FLIP = 0.05  # share of rows whose correctness a seed changes


def family_preds(rng: np.random.Generator, y: np.ndarray, q: np.ndarray) -> np.ndarray:
    """``(5, n, 2)`` probabilities: row ``i`` is right with probability ``q[i]`` (drawn once per
    family), and each seed flips the correctness of a share ``FLIP`` of the rows."""
    base = rng.random(y.size) < q
    out = []
    for _ in range(5):
        right = base ^ (rng.random(y.size) < FLIP)
        p1 = np.where(right == (y == 1), 0.8, 0.2)
        out.append(np.stack([1 - p1, p1], axis=1))
    return np.stack(out)


def accuracy(pred: np.ndarray, y: np.ndarray) -> np.ndarray:
    """``(n_seeds,)`` accuracy of ``(n_seeds, n, 2)`` probabilities."""
    return (pred.argmax(axis=2) == y).mean(axis=1)


def shift_experiment(rng: np.random.Generator, drop: float, n: int = 300) -> S.SeedRowTest:
    """One family on an ID test set and a shift set of ``n`` rows each; the population
    accuracy is lower on the shift set by ``drop`` (0: the same population)."""
    y_id, y_sh = rng.integers(0, 2, n), rng.integers(0, 2, n)
    q_id = rng.beta(8, 2, n)
    q_sh = np.clip(rng.beta(8, 2, n) - drop / (1 - 2 * FLIP), 0, 1)
    p_id, p_sh = family_preds(rng, y_id, q_id), family_preds(rng, y_sh, q_sh)
    seeds = S.shift_change(accuracy(p_id, y_id), accuracy(p_sh, y_sh))
    rows = S.shift_bootstrap(
        y_id, y_sh, [p_id], [p_sh], {"accuracy": ACCURACY}, n_boot=300, seed=rng
    )
    return S.seed_row_test(seeds, rows["accuracy"])


# ----------------------------------------------------------------------------- point 1
def test_global_null_gatekeeping_controls_every_pair_verdict() -> None:
    """Three families with the same score distribution (shared seed effect), ID and shift.

    Parent code: some pair's raw paired t p < 0.05 in 24.0% of experiments, and the top two's
    own verdicts said "resolved" on the ID or shift set in 9.4%. Here: confirmatory test at
    alpha, the other five pair tests Holm-corrected behind it: any "resolved" <= 6%.
    """
    rng = np.random.default_rng(101)
    n_exp = 4000
    seed = rng.normal(0, 0.02, (n_exp, 1, 1, 5))  # shared by every family and set
    sc = 0.8 + seed + rng.normal(0, 0.01, (n_exp, 3, 3, 5))  # (experiment, set, family, seed)
    pairs = [(i, j, sp) for sp in (1, 2) for i in range(3) for j in range(i + 1, 3)]
    p = {k: st.ttest_rel(sc[:, k[2], k[0]], sc[:, k[2], k[1]], axis=1).pvalue for k in pairs}
    hits = 0
    for e in range(n_exp):
        top = np.sort(np.argsort(-sc[e, 0].mean(axis=1))[:2])
        conf = (int(top[0]), int(top[1]), 1)
        gate = S.gatekeeping(p[conf][e], [v[e] for k, v in p.items() if k != conf])
        hits += gate.gate_open or bool(gate.secondary_resolved.any())
    assert hits / n_exp <= 0.06


def _write_run(root: Path, preds: dict, y: dict) -> Path:
    results, rows = [], []
    for (fam, split), p in preds.items():
        for s in range(p.shape[0]):
            acc = float(np.mean(p[s].argmax(axis=1) == y[split]))
            results.append(
                {"family": fam, "seed": s, "split": split, "metric": "accuracy", "value": acc}
            )
            rows.append(pd.DataFrame({
                "family": fam, "seed": s, "split": split, "row_id": np.arange(y[split].size),
                "y_true": y[split], "y_pred": p[s].argmax(axis=1), "p_0": p[s][:, 0],
                "p_1": p[s][:, 1],
            }))  # fmt: skip
    root.mkdir(parents=True)
    run = {
        "task_type": "classification", "primary_metric": "accuracy", "metrics": ["accuracy"],
        "higher_is_better": {"accuracy": True}, "families": ["a", "b", "c"],
        "seeds": list(range(5)), "base_seed": 1, "n_classes": 2,
    }  # fmt: skip
    (root / "run.json").write_text(json.dumps(run))
    pd.DataFrame(results).to_parquet(root / "results.parquet")
    pd.concat(rows, ignore_index=True).to_parquet(root / "predictions.parquet")
    return root


def global_null_run(rng: np.random.Generator, root: Path, n: int = 300) -> Path:
    """Three families from one population on every set; the shift set is a second ID sample."""
    y, preds = {}, {}
    for split in ("val", "test", "shift"):
        y[split] = rng.integers(0, 2, n)
        q = rng.beta(8, 2, n)  # the same rows are hard for every family
        for f in ("a", "b", "c"):
            preds[(f, split)] = family_preds(rng, y[split], q)
    return _write_run(root, preds, y)


@pytest.mark.slow
def test_global_null_end_to_end_no_verdict_resolved(tmp_path: Path) -> None:
    """``analyze_run`` on run directories under a global null, every verdict counted.

    Parent code: 91.7% of experiments had at least one "resolved" verdict (60 runs; mostly
    shift changes, then the shift and ID comparisons). Here (300 runs): 4.0%.
    """
    rng = np.random.default_rng(7)
    n_exp, hits = 150, 0
    for e in range(n_exp):
        stats = analyze_run(global_null_run(rng, tmp_path / f"r{e}"), n_boot=200)
        hits += any(v["resolved"] for v in stats["verdicts"])
    assert hits / n_exp <= 0.06 + 2 * np.sqrt(0.06 * 0.94 / n_exp)  # 6% up to sampling error


# ----------------------------------------------------------------------------- point 2
def test_shift_change_same_population_is_rarely_resolved() -> None:
    """ID test and "shift" sets are two samples of 300 rows from one population.

    Parent code (seed-only paired t-test): "resolved" in 52% of experiments. Here, with the
    ID and shift rows resampled independently and the seed t-test required to agree: <= 6%.
    """
    rng = np.random.default_rng(202)
    n_exp = 500
    rate = np.mean([shift_experiment(rng, 0.0).resolved() for _ in range(n_exp)])
    assert rate <= 0.06


@pytest.mark.parametrize(("drop", "power"), [(0.05, 0.32), (0.08, 0.66)])
def test_real_shift_detected_with_the_documented_power(drop: float, power: float) -> None:
    """A real accuracy drop with 300 rows per set: detected as often as docs/statistics.md says
    (measured there with 1000 experiments; here 300, so +-0.08 is ~3 standard errors)."""
    rng = np.random.default_rng(303)
    rate = np.mean([shift_experiment(rng, drop).resolved() for _ in range(300)])
    assert rate == pytest.approx(power, abs=0.08)


# ----------------------------------------------------------------------------- point 3
def test_ranking_flip_claimed_only_when_both_differences_resolved() -> None:
    """A leads B by 0.02 on the ID test set; the two are tied on the shift set.

    Parent code: the verdict said "flips under shift" in 49.9% of experiments (whenever the
    shift point estimate reversed). Here: <= 5%, and reversed point estimates are worded as such.
    """
    rng = np.random.default_rng(404)
    n_exp, claimed, worded = 1000, 0, 0
    for _ in range(n_exp):
        seed = rng.normal(0, 0.01, 5)
        b_id, b_sh = 0.8 + seed + rng.normal(0, 0.005, 5), 0.75 + seed + rng.normal(0, 0.005, 5)
        a_id, a_sh = b_id + 0.02 + rng.normal(0, 0.01, 5), b_sh + rng.normal(0, 0.01, 5)
        flip = S.ranking_flip(a_id, b_id, a_sh, b_sh)
        text = S.ranking_verdict("A", "B", "AUC", flip, higher_is_better=True)
        claimed += "flips under shift" in text
        if flip.flips and not flip.flip_resolved:
            first = C.first_clause(text)  # what a compact report keeps
            worded += (
                "point estimates of A and B on AUC reverse" in first and "not resolved" in first
            )
            assert "flips" not in text and "order reverses" not in text
    assert claimed / n_exp <= 0.05
    assert worded > 0.3 * n_exp  # the scenario does reverse the point estimates often


# ----------------------------------------------------------------------------- point 4
def test_wilcoxon_ties_on_count_metrics() -> None:
    """Accuracy differences ``(ka - kb) / 300`` tie in exact arithmetic, not in floats.

    Parent code: p = 0.8125 for the issue's example (tie-exact: 0.875), and 9.9% of random
    binomial draws disagreed with the tie-exact sign-flip reference. Here: none.
    """
    ka, kb = np.array([246, 233, 231, 247, 230]), np.array([240, 231, 235, 239, 238])
    assert S.paired_comparison(ka / 300, kb / 300).wilcoxon_pvalue == pytest.approx(0.875)
    rng = np.random.default_rng(505)
    for _ in range(300):
        ka, kb = rng.binomial(300, 0.8, 5), rng.binomial(300, 0.8, 5)
        d = (ka - kb)[ka != kb].astype(float)  # exact integers: ties are exact
        got = S.paired_comparison(ka / 300, kb / 300).wilcoxon_pvalue
        if d.size == 0:
            assert got is None
            continue
        ranks = st.rankdata(np.abs(d))
        ref = st.permutation_test(
            (d,), lambda x, r=ranks: np.sum(r * (x > 0)), permutation_type="samples"
        ).pvalue
        assert got == pytest.approx(ref, abs=1e-9)


# ----------------------------------------------------------------------------- point 5
def test_identical_seeds_name_no_winner_below_noise_and_print_no_wilcoxon() -> None:
    """Deterministic families: every seed gives the same score.

    Parent code: a 1e-13 gap was "better ... in all 5 seeds" in 100% of draws and the
    Wilcoxon p = 0.0625 was stored. Here: no winner, no Wilcoxon p, the seeds are "one
    experiment" and the row bootstrap is named as the only evidence.
    """
    rng = np.random.default_rng(606)
    for _ in range(200):
        a = np.full(5, rng.uniform(0.7, 0.9))
        comp = S.paired_comparison(a, a - rng.uniform(-1, 1) * 1e-13)
        text = S.comparison_verdict("A", "B", "AUC", "ID test set", comp, higher_is_better=True)
        assert comp.wilcoxon_pvalue is None and comp.negligible
        assert "better) AUC than" not in text and "neither is ahead" in text
    comp = S.paired_comparison(np.full(5, 0.83), np.full(5, 0.80))
    boot = S.RowBootstrap("auc", 0.03, 0.01, 0.05, 500, 500, 300, 0.95, 0.01, 0.004)
    text = S.comparison_verdict(
        "A", "B", "AUC", "ID test set", comp, higher_is_better=True, boot=boot,
        combined=S.seed_row_test(comp, boot, S.PAIR_METHOD),
    )  # fmt: skip
    assert comp.wilcoxon_pvalue is None and "Wilcoxon signed-rank" not in text
    assert "one experiment" in text and "row bootstrap is the only evidence" in text
    assert "deterministic training" in text  # says what the seeds do not vary


# ----------------------------------------------------------------------------- point 6
def test_skewed_seed_noise_fpr_is_measured_and_the_verdict_says_so() -> None:
    """A deterministic family against one whose seed noise is skewed, no true difference.

    The paired t-test at n = 5 rejects in 11.9% (centred exponential) and 17.7% (centred
    lognormal) of 40,000 experiments (normal noise: 5.0%). Parent code: no verdict said that
    the claim rested on normality (0% of the resolved ones). Here: every resolved one does, and
    names the remedy (more seeds, a family that varies with the seed).
    """
    rng = np.random.default_rng(707)
    d = rng.exponential(1.0, (20000, 5)) - 1.0
    fpr = np.mean(st.ttest_1samp(d, 0.0, axis=1).pvalue < 0.05)
    assert 0.10 <= fpr <= 0.14
    lognormal = rng.lognormal(0.0, 1.0, (20000, 5)) - np.exp(0.5)
    assert 0.15 <= np.mean(st.ttest_1samp(lognormal, 0.0, axis=1).pvalue < 0.05) <= 0.20
    fixed = np.full(5, 0.8)
    resolved = 0
    for row in d[:600]:
        comp = S.paired_comparison(0.8 + 0.01 * row, fixed)
        text = S.comparison_verdict(
            "MLP", "GBDT", "AUC", "ID test set", comp, higher_is_better=True,
            power=S.power_analysis(comp),
        )  # fmt: skip
        if comp.resolved():
            resolved += 1
            assert "rests on roughly normal per-seed differences" in text
            assert "seeds.count = " in text and "a seed that varies GBDT" in text
            assert S.SKEWED_FPR in text
    assert resolved > 30


# ----------------------------------------------------------------------------- point 7
def test_confidence_sets_alpha_end_to_end(tmp_path: Path) -> None:
    """``analyze_run(confidence=0.9)``: parent code printed a 90% CI beside alpha = 0.05."""
    rng = np.random.default_rng(808)
    stats = analyze_run(global_null_run(rng, tmp_path / "r"), n_boot=100, confidence=0.9)
    assert stats["alpha"] == pytest.approx(0.1) and stats["tests"]["alpha"] == pytest.approx(0.1)
    text = " ".join(v["text"] for v in stats["verdicts"])
    assert "90% CI" in text and "95% CI" not in text
    assert "alpha = 0.1" in text and "alpha = 0.05" not in text


# ----------------------------------------------------------------------------- report wording
def test_report_flip_and_shift_sentences_follow_the_stored_decisions(tmp_path: Path) -> None:
    """Parent code: the report said "the order ... reverses" whenever the point estimates did
    (49.9% of runs in the point-3 scenario). Here the report follows stats.json's decisions."""
    root = make_run_dir(tmp_path / "run")
    path = root / "stats.json"
    stats = json.loads(path.read_text())
    base = stats["ranking_flip"]
    cases = {
        (True, False): "point estimates of",
        (True, True): "reverses from the ID test set",
        (False, False): "same order on both sets",
    }
    for (flips, both), want in cases.items():
        stats["ranking_flip"] = {**base, "flips": flips, "flip_resolved": both,
                                 "gap_resolved": False, "role": "secondary"}  # fmt: skip
        path.write_text(json.dumps(stats))
        text = C.flip_sentence(load_run(root))
        assert want in text
        assert ("reverses" in text) == both and "gap changes" not in text
    stats["ranking_flip"] = {**base, "flips": False, "flip_resolved": False,
                             "gap_resolved": True, "role": "secondary"}  # fmt: skip
    for row in stats["shift"]:
        row.update(resolved=False, role="exploratory", p_value=0.001)
    path.write_text(json.dumps(stats))
    run = load_run(root)
    assert "Their gap changes under shift" in C.flip_sentence(run)
    assert "reverse" not in C.flip_sentence(run)
    assert "exploratory and uncorrected" in C.shift_summary(run)
