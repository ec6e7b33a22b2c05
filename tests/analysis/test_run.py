"""analyze_run on small synthetic run directories, checked against an independent scipy pass."""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats as st

from archbench.analysis.run import (
    SUMMARY_COLUMNS,
    analyze_run,
    comparisons_frame,
    summary_frame,
    verdict_lines,
)
from archbench.errors import StoreError
from archbench.kinds.common.metrics import HIGHER_IS_BETTER, compute_metrics, metrics_for

FAMILIES = ["mlp", "ft_transformer", "gbdt"]
LABELS = {"mlp": "MLP", "ft_transformer": "FT-Transformer", "gbdt": "GBDT (LightGBM)"}
# Signal strength per family and split: the MLP is best on validation, GBDT best on test and
# shift, so choosing the top two on test scores would pick a different pair.
STRENGTH = {
    "mlp": {"val": 2.0, "test": 1.2, "shift": 0.6},
    "ft_transformer": {"val": 1.6, "test": 1.5, "shift": 1.3},
    "gbdt": {"val": 1.2, "test": 2.0, "shift": 0.8},
}


def _predict(task: str, z: np.ndarray, strength: float, rng: np.random.Generator, k: int):
    noise = rng.normal(size=(z.shape[0], k if task == "classification" else 1))
    if task == "regression":
        return z * strength / 2.0 + noise[:, 0] * 0.8
    logits = strength * z + noise
    e = np.exp(logits - logits.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def make_run(
    root: Path, task: str = "classification", *, n_rows: int = 240, k: int = 2, seed: int = 0
) -> Path:
    """A run directory whose results.parquet is computed from its predictions.parquet."""
    rng = np.random.default_rng(seed)
    metrics = list(metrics_for(task))  # type: ignore[arg-type]
    data = {}
    for i, split in enumerate(("val", "test", "shift")):
        row_id = np.arange(n_rows) + i * 10_000
        if task == "classification":
            z = rng.normal(size=(n_rows, k))
            y = z.argmax(axis=1) if k > 2 else (z[:, 1] - z[:, 0] + rng.normal(size=n_rows) > 0)
            data[split] = (row_id, y.astype(np.int64), z)
        else:
            z = rng.normal(size=n_rows) * 2.0
            data[split] = (row_id, z + rng.normal(size=n_rows), z)
    results, preds = [], []
    for fam, s, (split, (row_id, y, z)) in itertools.product(FAMILIES, range(5), data.items()):
        pred = _predict(task, z, STRENGTH[fam][split] + 0.05 * s, rng, k)
        for m, v in compute_metrics(task, y, pred).items():  # type: ignore[arg-type]
            results.append({"family": fam, "seed": s, "split": split, "metric": m, "value": v})
        df = pd.DataFrame({"family": fam, "seed": s, "split": split, "row_id": row_id, "y_true": y})
        if task == "classification":
            df["y_pred"] = pred.argmax(axis=1)
            for c in range(k):
                df[f"p_{c}"] = pred[:, c]
        else:
            df["y_pred"] = pred
        preds.append(df.sample(frac=1.0, random_state=s))  # stored order must not matter
    root.mkdir(parents=True, exist_ok=True)
    run = {
        "task_name": "synthetic", "task_type": task, "primary_metric": metrics[0],
        "metrics": metrics, "higher_is_better": {m: HIGHER_IS_BETTER[m] for m in metrics},
        "families": FAMILIES, "family_labels": LABELS, "seeds": list(range(5)), "base_seed": 7,
        "n_classes": k if task == "classification" else None,
    }  # fmt: skip
    (root / "run.json").write_text(json.dumps(run))
    pd.DataFrame(results).to_parquet(root / "results.parquet")
    pd.concat(preds, ignore_index=True).to_parquet(root / "predictions.parquet")
    return root


def _scores(root: Path, family: str, split: str, metric: str) -> np.ndarray:
    r = pd.read_parquet(root / "results.parquet")
    sel = r[(r.family == family) & (r.split == split) & (r.metric == metric)].sort_values("seed")
    return sel["value"].to_numpy()


def _wilcoxon_reference(d: np.ndarray) -> float:
    """Exact sign-flip test of the signed-rank statistic, ties judged after rounding."""
    d = np.round(d, 9)
    d = d[d != 0]
    ranks = st.rankdata(np.abs(d))
    res = st.permutation_test(
        (d,), lambda x: np.sum(ranks * (x > 0)), permutation_type="samples", n_resamples=10_000
    )
    return float(res.pvalue)


def _holm(p: list[float]) -> list[float]:
    """Textbook Holm, written out by hand."""
    order = sorted(range(len(p)), key=lambda i: p[i])
    out, running = [0.0] * len(p), 0.0
    for rank, i in enumerate(order):
        running = max(running, min(1.0, (len(p) - rank) * p[i]))
        out[i] = running
    return out


@pytest.fixture(scope="module", params=["classification", "regression"])
def analysed(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory):
    root = make_run(tmp_path_factory.mktemp(request.param), request.param)
    return root, analyze_run(root, n_boot=300)


def test_files_written_and_match_returned_stats(analysed) -> None:
    root, stats = analysed
    for name in ("summary.csv", "comparisons.csv", "stats.json"):
        assert (root / name).is_file()
    assert not list(root.glob(".*.tmp"))
    assert json.loads((root / "stats.json").read_text()) == stats
    assert stats["boot_seed"] is not None and stats["n_boot"] == 300
    assert summary_frame(stats).shape == (3 * 3 * len(stats["metrics"]), len(SUMMARY_COLUMNS))


def test_top_two_chosen_on_validation_not_test(analysed) -> None:
    root, stats = analysed
    primary = stats["primary_metric"]
    sign = 1 if HIGHER_IS_BETTER[primary] else -1
    val = {f: float(np.mean(_scores(root, f, "val", primary))) for f in FAMILIES}
    test = {f: float(np.mean(_scores(root, f, "test", primary))) for f in FAMILIES}
    by_val = sorted(FAMILIES, key=lambda f: -sign * val[f])
    assert stats["top_two"]["families"] == by_val[:2] == ["mlp", "ft_transformer"]
    assert max(FAMILIES, key=lambda f: sign * test[f]) == "gbdt"  # the trap is real
    assert stats["top_two"]["val_means"] == pytest.approx(val, abs=1e-12)
    assert primary in stats["top_two"]["rule"]


def test_summary_csv_agrees_with_scipy(analysed) -> None:
    root, _ = analysed
    summary = pd.read_csv(root / "summary.csv")
    for row in summary.itertuples():
        v = _scores(root, row.family, row.split, row.metric)
        lo, hi = st.t.interval(0.95, len(v) - 1, loc=np.mean(v), scale=st.sem(v))
        assert row.n == len(v) == 5
        assert row.mean == pytest.approx(np.mean(v), abs=1e-9)
        assert row.sd == pytest.approx(np.std(v, ddof=1), abs=1e-9)
        assert (row.seed_ci_low, row.seed_ci_high) == pytest.approx((lo, hi), abs=1e-9)
        if row.ci_noise == "seeds only":  # no predictions on validation
            assert row.split == "val" and (row.ci_low, row.ci_high) == pytest.approx((lo, hi))
            continue
        # the shown interval: seed and row variance, df on the seed variance's upper bound
        seed_var, row_var = np.var(v, ddof=1) / 5, row.row_se**2
        bound = 4 * seed_var / st.chi2.ppf(0.025, 4)
        df = (bound + row_var) ** 2 / (bound**2 / 4)
        half = st.t.ppf(0.975, df) * np.sqrt(seed_var + row_var)
        assert (row.ci_low, row.ci_high) == pytest.approx((row.mean - half, row.mean + half))


def test_comparisons_csv_agrees_with_scipy(analysed) -> None:
    root, stats = analysed
    comp = pd.read_csv(root / "comparisons.csv")
    top = comp[comp.table == "top_two"]
    assert len(top) == 2 * len(stats["metrics"])
    assert set(zip(top.family_a, top.family_b, strict=True)) == {
        tuple(stats["top_two"]["families"])
    }
    for row in comp.itertuples():
        a = _scores(root, row.family_a, row.split, row.metric)
        b = _scores(root, row.family_b, row.split, row.metric)
        d = a - b
        ttest = st.ttest_rel(a, b)
        lo, hi = st.t.interval(0.95, len(d) - 1, loc=np.mean(d), scale=st.sem(d))
        assert row.mean_diff == pytest.approx(np.mean(d), abs=1e-9)
        assert (row.ci_low, row.ci_high) == pytest.approx((lo, hi), abs=1e-9)
        assert row.t_stat == pytest.approx(ttest.statistic, abs=1e-9)
        assert row.t_pvalue == pytest.approx(ttest.pvalue, abs=1e-9)
        assert row.wilcoxon_pvalue == pytest.approx(_wilcoxon_reference(d), abs=1e-9)
        assert row.cohens_dz == pytest.approx(np.mean(d) / np.std(d, ddof=1), abs=1e-9)
        if row.table == "top_two":
            assert row.bootstrap_ci_low <= row.bootstrap_ci_high
            assert np.isnan(row.mcnemar_pvalue) == (row.metric != "accuracy")
    primary = stats["primary_metric"]
    for split in ("test", "shift"):
        block = comp[(comp.table == "all_pairs") & (comp.split == split)]
        assert len(block) == 3 and set(block.metric) == {primary}
        top_primary = top[(top.split == split) & (top.metric == primary)]
        assert top_primary.p_value.iloc[0] == pytest.approx(block.p_value.iloc[0])
    assert (top[top.metric != primary].role == "exploratory").all()
    assert not top[top.metric != primary].resolved.any()


def test_declared_tests_confirmatory_and_one_holm_family(analysed) -> None:
    _, stats = analysed
    primary, (a, b) = stats["primary_metric"], stats["top_two"]["families"]
    conf = stats["tests"]["confirmatory"]
    assert (conf["family_a"], conf["family_b"], conf["split"], conf["metric"]) == (
        a, b, "test", primary
    )  # fmt: skip
    row = next(r for r in stats["comparisons"] if (r["split"], r["metric"]) == ("test", primary))
    assert row["role"] == "confirmatory" and row["p_value"] == conf["p_value"]
    seed_var, row_var = row["sd_diff"] ** 2 / 5, row["bootstrap_se"] ** 2
    bound = 4 * seed_var / st.chi2.ppf(0.025, 4)  # upper 97.5% bound of the seed variance
    df = (bound + row_var) ** 2 / (bound**2 / 4)  # Welch-Satterthwaite on the bound
    t = row["mean_diff"] / np.sqrt(seed_var + row_var)
    both = max(2 * st.t.sf(abs(t), df), row["t_pvalue"])  # the seed t-test must agree
    assert row["p_value"] == pytest.approx(both, abs=1e-12)
    assert row["holm_pvalue"] is None and row["resolved"] == (row["p_value"] < 0.05)
    members = [r for r in stats["all_pairs"] if r["role"] != "confirmatory"]
    members += [r for r in stats["shift"] if r["metric"] == primary] + [stats["ranking_flip"]]
    assert len(members) == stats["tests"]["secondary"]["size"] == 4 + 3 + 1 + 1
    p = [r["p_value"] for r in members]
    assert [r["holm_pvalue"] for r in members] == pytest.approx(_holm(p), abs=1e-12)
    gate = conf["resolved"]
    for r in members:
        assert r["role"] == ("secondary" if gate else "exploratory")
        assert r.get("gap_resolved", r["resolved"]) == (gate and r["holm_pvalue"] < 0.05)


def test_shift_ranking_power_and_verdicts(analysed) -> None:
    root, stats = analysed
    primary = stats["primary_metric"]
    for row in stats["shift"]:
        idv = _scores(root, row["family"], "test", row["metric"])
        shv = _scores(root, row["family"], "shift", row["metric"])
        assert row["change"] == pytest.approx(np.mean(shv - idv), abs=1e-9)
        assert row["t_pvalue"] == pytest.approx(st.ttest_rel(shv, idv).pvalue, abs=1e-9)
    a, b = stats["top_two"]["families"]
    dd = (_scores(root, a, "shift", primary) - _scores(root, b, "shift", primary)) - (
        _scores(root, a, "test", primary) - _scores(root, b, "test", primary)
    )
    flip = stats["ranking_flip"]
    assert flip["diff_of_diffs"] == pytest.approx(np.mean(dd), abs=1e-9)
    assert flip["t_pvalue"] == pytest.approx(st.ttest_1samp(dd, 0.0).pvalue, abs=1e-9)
    assert flip["flips"] == (np.sign(flip["id_diff"]) != np.sign(flip["shift_diff"]))
    assert len(stats["power"]) == len(stats["comparisons"])
    assert all(p["mde"] > 0 for p in stats["power"])
    lines = verdict_lines(stats)
    assert (
        len(lines)
        == len(stats["verdicts"])
        == 2 * len(stats["metrics"]) + 1 + 3 * len(stats["metrics"])
    )
    assert verdict_lines(stats, metrics=[primary], scopes=["ranking"])[0].startswith("The ")
    text = " ".join(lines)
    assert "no difference" not in text and "significant" not in text
    assert "0.0625" in text and "MLP" in text
    assert not comparisons_frame(stats, "all_pairs").empty


def test_row_bootstrap_estimate_matches_the_seed_means(analysed) -> None:
    _, stats = analysed
    for row in stats["comparisons"]:
        assert row["bootstrap_estimate"] == pytest.approx(row["mean_diff"], abs=1e-9)
        assert row["n_boot"] == 300 and row["bootstrap_n_valid"] == 300


def test_reproducible_and_boot_seed_recorded(tmp_path: Path) -> None:
    root = make_run(tmp_path / "run", n_rows=120)
    first = analyze_run(root, n_boot=200)
    again = analyze_run(root, n_boot=200)
    other = analyze_run(root, n_boot=200, boot_seed=first["boot_seed"] + 1)
    assert first == again
    assert other["boot_seed"] == first["boot_seed"] + 1
    key = "bootstrap_ci_low"
    assert [c[key] for c in first["comparisons"]] != [c[key] for c in other["comparisons"]]
    assert [c["t_pvalue"] for c in first["comparisons"]] == [
        c["t_pvalue"] for c in other["comparisons"]
    ]


def test_multiclass_and_bootstrap_ci_method(tmp_path: Path) -> None:
    root = make_run(tmp_path / "run", n_rows=150, k=3)
    stats = analyze_run(root, n_boot=100, ci_method="bootstrap")
    assert stats["ci_method"] == "bootstrap"
    row = next(r for r in stats["summary"] if r["metric"] == "roc_auc" and r["split"] == "test")
    assert row["ci_low"] <= row["mean"] <= row["ci_high"]
    auc = next(c for c in stats["comparisons"] if c["metric"] == "roc_auc")
    assert auc["bootstrap_ci_low"] < auc["bootstrap_ci_high"]


def test_zero_variance_gives_nulls_and_says_identical(tmp_path: Path) -> None:
    root = make_run(tmp_path / "run", n_rows=100)
    res = pd.read_parquet(root / "results.parquet")
    first = res[res.seed == 0].set_index(["family", "split", "metric"])["value"]
    keys = zip(res.family, res.split, res.metric, strict=True)
    res["value"] = [first[k] for k in keys]  # deterministic families: every seed like seed 0
    res.to_parquet(root / "results.parquet")
    stats = analyze_run(root, n_boot=0)
    assert all(r["sd"] == 0 and r["ci_low"] is None for r in stats["summary"])
    for comp in stats["comparisons"]:
        assert comp["t_pvalue"] is None and comp["ci_low"] is None and comp["cohens_dz"] is None
        assert comp["wilcoxon_pvalue"] is None  # five identical seeds are one experiment
        assert comp["bootstrap_ci_low"] is None and not comp["resolved"]
    assert all(p["mde"] is None for p in stats["power"])
    texts = [v["text"] for v in stats["verdicts"] if v["scope"] in ("test", "shift")]
    assert all("one experiment" in t or "numerical noise" in t for t in texts)
    assert all("Wilcoxon signed-rank" not in t and "0.0625" not in t for t in texts)
    summary = pd.read_csv(root / "summary.csv")
    assert summary["ci_low"].isna().all() and (summary["sd"] == 0).all()


def test_missing_inputs_fail_with_the_path(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match=r"run\.json"):
        analyze_run(tmp_path)
    root = make_run(tmp_path / "run", n_rows=60)
    (root / "predictions.parquet").unlink()
    stats = analyze_run(root, n_boot=50)
    assert stats["comparisons"][0]["bootstrap_ci_low"] is None
    assert any("predictions.parquet" in n for n in stats["notes"])


def test_two_families_without_a_shift_set(tmp_path: Path) -> None:
    root = make_run(tmp_path / "run", "regression", n_rows=80)
    for name in ("results.parquet", "predictions.parquet"):
        df = pd.read_parquet(root / name)
        df = df[(df.split != "shift") & (df.family != "gbdt")]
        df.to_parquet(root / name)
    stats = analyze_run(root, n_boot=100)
    means = stats["top_two"]["val_means"]
    assert stats["top_two"]["families"] == sorted(means, key=means.get)  # RMSE: lower first
    assert {c["split"] for c in stats["comparisons"]} == {"test"}
    assert stats["shift"] == [] and stats["ranking_flip"] is None
    assert len(stats["all_pairs"]) == 1 and stats["tests"]["secondary"]["size"] == 0
    assert stats["all_pairs"][0]["role"] == "confirmatory"
    assert stats["all_pairs"][0]["holm_pvalue"] is None
    assert {v["scope"] for v in stats["verdicts"]} == {"test"}
