"""suite_analysis on hand-made task directories: normalisation, verdicts, flips, directions."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from archbench.analysis.suite import analyze_suite
from archbench.errors import ConfigError, StoreError

FAMS = ("mlp", "ft_transformer", "gbdt")


def _task(
    root: Path,
    name: str,
    metric: str,
    higher: bool,
    means: dict,
    pairs: list,
    kind: str = "tabular",
    references: dict | None = None,
) -> None:
    """``means[split][family]``; each seed is the mean +- 0.01. ``pairs``: (a, b, split,
    mean_diff, holm_p) rows of comparisons.csv; ``references``: task.json's reference rows."""
    d = root / name
    d.mkdir(parents=True)
    (d / "task.json").write_text(json.dumps({"name": name, "references": references or {}}))
    run = {
        "families": list(FAMS),
        "family_labels": {f: f.upper() for f in FAMS},
        "kind": kind,
        "primary_metric": metric,
        "higher_is_better": {metric: higher},
    }
    (d / "run.json").write_text(json.dumps(run))
    rows, summ = [], []
    for split, by_fam in means.items():
        for fam, m in by_fam.items():
            for seed, off in enumerate((-0.01, 0.0, 0.01)):
                rows.append((fam, seed, split, metric, m + off))
            summ.append((fam, split, metric, 3, m, 0.01, m - 0.02, m + 0.02))
    pd.DataFrame(rows, columns=["family", "seed", "split", "metric", "value"]).to_parquet(
        d / "results.parquet"
    )
    pd.DataFrame(
        summ, columns=["family", "split", "metric", "n", "mean", "sd", "ci_low", "ci_high"]
    ).to_csv(d / "summary.csv", index=False)
    pd.DataFrame(
        [("all_pairs", a, b, s, metric, diff, p) for a, b, s, diff, p in pairs],
        columns=["table", "family_a", "family_b", "split", "metric", "mean_diff", "holm_pvalue"],
    ).to_csv(d / "comparisons.csv", index=False)
    (d / "stats.json").write_text(
        json.dumps({"alpha": 0.05, "ranking_flip": {"flip_resolved": False}})
    )


def _suite(
    root: Path, tasks: list[str], directions: str = "normalised", normalise: str = "worst"
) -> None:
    (root / "suite.json").write_text(
        json.dumps(
            {
                "name": "t",
                "tasks": tasks,
                "directions": directions,
                "normalise": normalise,
                "alpha": 0.05,
                "preset": "default",
                "trials": dict.fromkeys(tasks, 10),
                "n_boot": 200,
                "seed": 0,
            }
        )
    )


@pytest.fixture
def root(tmp_path: Path) -> Path:
    _task(
        tmp_path,
        "reg",
        "rmse",
        False,
        {
            "test": {"mlp": 0.6, "ft_transformer": 0.5, "gbdt": 0.4},
            "shift": {"mlp": 0.9, "ft_transformer": 1.2, "gbdt": 1.0},
        },
        [
            ("gbdt", "mlp", "test", -0.2, 0.01),
            ("ft_transformer", "mlp", "test", -0.1, 0.2),
            ("gbdt", "ft_transformer", "test", -0.1, 0.03),
        ],
    )
    _task(
        tmp_path,
        "cls",
        "roc_auc",
        True,
        {
            "test": {"mlp": 0.80, "ft_transformer": 0.85, "gbdt": 0.90},
            "shift": {"mlp": 0.70, "ft_transformer": 0.75, "gbdt": 0.80},
        },
        [("mlp", "gbdt", "test", -0.1, 0.001)],
    )
    _suite(tmp_path, ["reg", "cls"])
    return tmp_path


def test_normalised_scores_and_verdicts(root: Path) -> None:
    out = analyze_suite(root)
    summ = pd.read_csv(root / "suite_summary.csv")
    reg = summ[(summ.task == "reg") & (summ.split == "test")].set_index("family")
    assert reg.norm_mean.to_dict() == pytest.approx(
        {"mlp": 0.0, "ft_transformer": 0.5, "gbdt": 1.0}
    )
    lo, hi = reg.loc["gbdt", ["norm_ci_low", "norm_ci_high"]]
    assert lo < 1.0 < hi  # the interval maps through the flipped (lower-is-better) scale
    t = out["splits"]["test"]
    assert t["rank_test"]["ranks"] == pytest.approx(
        {"mlp": 3.0, "ft_transformer": 2.0, "gbdt": 1.0}
    )
    # reg: gbdt beats mlp (resolved, lower rmse); cls: gbdt beats mlp (row stored as mlp - gbdt).
    assert t["verdicts"]["mlp|gbdt"] == [-1.0, -1.0]
    assert t["win_tie_loss"]["mlp|gbdt"] == {"win": 0, "tie": 0, "loss": 2}
    # reg: ft vs mlp not resolved -> tie; cls: no row -> skipped.
    assert t["win_tie_loss"]["mlp|ft_transformer"] == {"win": 0, "tie": 1, "loss": 0}
    assert t["win_tie_loss"]["ft_transformer|gbdt"] == {"win": 0, "tie": 0, "loss": 1}
    assert np.isnan(t["verdicts"]["ft_transformer|gbdt"][1])
    flips = out["ranking_flips"]
    assert (
        flips["per_task"]["reg"]["top_changed"] and flips["per_task"]["reg"]["top_shift"] == "mlp"
    )
    assert not flips["per_task"]["cls"]["top_changed"]
    assert flips["n_top_changed"] == 1
    assert out["directions"]["mixed"]


def test_same_directions_refuses_mixed(root: Path) -> None:
    _suite(root, ["reg", "cls"], directions="same")
    with pytest.raises(ConfigError, match="differ in direction"):
        analyze_suite(root)


def test_unfinished_task_is_named(root: Path) -> None:
    (root / "cls" / "stats.json").unlink()
    with pytest.raises(StoreError, match=r"cls.*has no stats.json"):
        analyze_suite(root)


def test_report_of_twelve_tasks_fits_four_pages(tmp_path: Path, caplog) -> None:
    from archbench.report.suite.build import write_suite_report

    rng = np.random.default_rng(0)
    names = []
    for i in range(12):
        m = rng.uniform(0.5, 0.9, size=(2, 3))
        means = {
            s: dict(zip(FAMS, m[j].tolist(), strict=True)) for j, s in enumerate(("test", "shift"))
        }
        _task(
            tmp_path, f"task_{i:02d}", "accuracy", True, means, [("gbdt", "mlp", "test", 0.1, 0.01)]
        )
        names.append(f"task_{i:02d}")
    _suite(tmp_path, names)
    out = analyze_suite(tmp_path)
    assert out["splits"]["test"]["rank_test"]["n_tasks"] == 12
    with caplog.at_level("WARNING"):
        pdf = write_suite_report(tmp_path)
    assert pdf.stat().st_size > 10_000
    assert not [r for r in caplog.records if "past" in r.getMessage()]
    main = (tmp_path / "report" / "latex" / "main.tex").read_text()
    assert "Nemenyi" in main
    tasks_tex = (tmp_path / "report" / "latex" / "tables" / "tasks.tex").read_text()
    assert r"task\_\allowbreak{}11" in tasks_tex


@pytest.fixture
def ref_root(tmp_path: Path) -> Path:
    """A forecasting task (MASE, lower is better; 0 = seasonal naive) and a text task (ROC-AUC;
    0 = TF-IDF + logistic regression), each with a family worse than its reference."""
    _task(
        tmp_path,
        "fc",
        "mase",
        False,
        {
            "test": {"mlp": 0.9, "ft_transformer": 1.1, "gbdt": 0.8},
            "shift": {"mlp": 1.3, "ft_transformer": 1.25, "gbdt": 1.4},
        },
        [("gbdt", "mlp", "test", -0.1, 0.01)],
        kind="forecasting",
        references={
            "naive": {"test": {"mase": 1.5}, "shift": {"mase": 1.6}},
            "seasonal_naive": {"test": {"mase": 1.0}, "shift": {"mase": 1.2}},
        },
    )
    _task(
        tmp_path,
        "tx",
        "roc_auc",
        True,
        {
            "test": {"mlp": 0.80, "ft_transformer": 0.84, "gbdt": 0.90},
            "shift": {"mlp": 0.70, "ft_transformer": 0.75, "gbdt": 0.80},
        },
        [("mlp", "gbdt", "test", -0.1, 0.001)],
        kind="text",
        references={
            "majority": {"label": "Majority class", "metrics": {"test": {"roc_auc": 0.5}}},
            "tfidf_logreg": {
                "label": "TF-IDF + logistic regression",
                "metrics": {"test": {"roc_auc": 0.85}, "shift": {"roc_auc": 0.72}},
            },
        },
    )
    _suite(tmp_path, ["fc", "tx"], normalise="reference")
    return tmp_path


def test_reference_zero_is_used_and_recorded(ref_root: Path) -> None:
    out = analyze_suite(ref_root)
    summ = pd.read_csv(ref_root / "suite_summary.csv")

    def norm(task: str, split: str) -> dict:
        sel = summ[(summ.task == task) & (summ.split == split)].set_index("family")
        return sel.norm_mean.to_dict()

    # MASE: (x - 1.0) / -(1.0 - 0.8); the FT-Transformer (1.1) is worse than seasonal naive.
    assert norm("fc", "test") == pytest.approx({"mlp": 0.5, "ft_transformer": -0.5, "gbdt": 1.0})
    assert norm("tx", "test") == pytest.approx({"mlp": -1.0, "ft_transformer": -0.2, "gbdt": 1.0})
    # Shift: seasonal naive (1.2) beats every family; the best (1.25) scores -1, order kept.
    assert norm("fc", "shift") == pytest.approx({"mlp": -2.0, "ft_transformer": -1.0, "gbdt": -4.0})
    assert set(summ[summ.task == "fc"].zero) == {"seasonal_naive"}
    assert set(summ[summ.task == "tx"].zero) == {"tfidf_logreg"}
    assert summ[(summ.task == "tx") & (summ.split == "shift")].zero_value.iloc[0] == 0.72
    for _, r in summ.iterrows():  # each normalised interval holds its normalised mean
        assert r.norm_ci_low <= r.norm_mean <= r.norm_ci_high
    assert out["normalise"] == "reference" and "reference row" in out["normalisation"]
    assert out["zeros"]["test"]["fc"] == {
        "source": "seasonal_naive",
        "label": "Seasonal naive",
        "value": 1.0,
    }
    t = out["splits"]["test"]
    assert t["rank_test"]["ranks"] == pytest.approx(
        {"mlp": 2.5, "ft_transformer": 2.5, "gbdt": 1.0}
    )
    mlp = t["aggregate"]["mlp"]
    assert mlp["ci_low"] <= mlp["iqm"] <= mlp["ci_high"] and mlp["ci_low"] < 0
    sh = out["splits"]["shift"]["task_means_normalised"]["fc"]
    assert max(sh, key=sh.get) == "ft_transformer"  # lowest MASE on the shift set


def test_worst_zero_is_recorded_too(root: Path) -> None:
    out = analyze_suite(root)
    assert out["normalise"] == "worst"
    assert out["zeros"]["test"]["reg"] == {
        "source": "worst_family",
        "label": "the worst family",
        "value": pytest.approx(0.6),
    }
    assert set(pd.read_csv(root / "suite_summary.csv").zero) == {"worst_family"}


def test_missing_reference_row_is_named(ref_root: Path) -> None:
    task = ref_root / "fc" / "task.json"
    task.write_text(json.dumps({"name": "fc", "references": {}}))
    with pytest.raises(ConfigError, match=r"task 'fc' has no reference value of mase on the test"):
        analyze_suite(ref_root)


def _choose_ets(root: Path, ets: dict | None) -> None:
    """suite.json with ``reference = "ets"``; the forecasting task's AutoETS row (or a note)."""
    settings = json.loads((root / "suite.json").read_text())
    (root / "suite.json").write_text(json.dumps({**settings, "reference": "ets"}))
    task = json.loads((root / "fc" / "task.json").read_text())
    if ets is None:
        task["reference_note"] = "the AutoETS reference row is left out: no extra"
    else:
        task["references"]["ets"] = ets
    (root / "fc" / "task.json").write_text(json.dumps(task))


def test_chosen_reference_row_is_zero_where_the_kind_has_it(ref_root: Path) -> None:
    _choose_ets(ref_root, {"label": "AutoETS", "metrics": {"test": {"mase": 0.85},
                                                           "shift": {"mase": 1.3}}})  # fmt: skip
    analyze_suite(ref_root)
    summ = pd.read_csv(ref_root / "suite_summary.csv")
    sel = summ[(summ.task == "fc") & (summ.split == "test")].set_index("family")
    # MASE: (x - 0.85) / -(0.85 - 0.8): the MLP (0.9) is worse than AutoETS
    assert sel.norm_mean.to_dict() == pytest.approx({"mlp": -1.0, "ft_transformer": -5.0,
                                                     "gbdt": 1.0})  # fmt: skip
    assert set(summ[summ.task == "fc"].zero) == {"ets"}
    assert set(summ[summ.task == "tx"].zero) == {"tfidf_logreg"}  # text has no AutoETS row


def test_chosen_reference_row_missing_names_why(ref_root: Path) -> None:
    _choose_ets(ref_root, None)
    with pytest.raises(ConfigError, match=r"suite.reference = 'ets': task 'fc' has no ets row "
                       r"\(the AutoETS reference row is left out: no extra\)"):  # fmt: skip
        analyze_suite(ref_root)


def test_report_names_each_tasks_reference_row(ref_root: Path) -> None:
    from archbench.report.suite.build import write_suite_report

    analyze_suite(ref_root)
    write_suite_report(ref_root)
    main = " ".join((ref_root / "report" / "latex" / "main.tex").read_text().split())
    assert "0 the task's reference row (Seasonal naive for fc; TF-IDF + logistic" in main
    assert "worse than the reference scores below 0" in main
    tasks_tex = (ref_root / "report" / "latex" / "tables" / "tasks.tex").read_text()
    assert "its reference row" in tasks_tex
