"""suite_analysis on hand-made task directories: normalisation, verdicts, flips, directions."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from archbench.errors import ConfigError, StoreError
from archbench.suite_analysis import analyze_suite

FAMS = ("mlp", "ft_transformer", "gbdt")


def _task(root: Path, name: str, metric: str, higher: bool, means: dict, pairs: list) -> None:
    """``means[split][family]``; each seed is the mean +- 0.01. ``pairs``: (a, b, split,
    mean_diff, holm_p) rows of comparisons.csv."""
    d = root / name
    d.mkdir(parents=True)
    run = {
        "families": list(FAMS),
        "family_labels": {f: f.upper() for f in FAMS},
        "kind": "tabular",
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


def _suite(root: Path, tasks: list[str], directions: str = "normalised") -> None:
    (root / "suite.json").write_text(
        json.dumps(
            {
                "name": "t",
                "tasks": tasks,
                "directions": directions,
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
    from archbench.report.suite_build import write_suite_report

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
