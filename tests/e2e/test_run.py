"""End-to-end runs through the CLI: results layout, resume, worker-count identity."""

from __future__ import annotations

import json
import subprocess
import time
from pathlib import Path

import pandas as pd
import pytest

pytestmark = pytest.mark.slow


def _run(cmd: list[str], *args: str, timeout: int = 600) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*cmd, *args], capture_output=True, text=True, timeout=timeout, check=False
    )


def _results(run_dir: Path) -> pd.DataFrame:
    df = pd.read_parquet(run_dir / "results.parquet")
    return df.sort_values(["family", "seed", "split", "metric"]).reset_index(drop=True)


def _trial_mtimes(run_dir: Path) -> dict[str, float]:
    return {str(p): p.stat().st_mtime_ns for p in sorted(run_dir.glob("trials/*/*.json"))}


def test_quick_preset_end_to_end_and_rerun_skips(archbench_cmd, tmp_path: Path) -> None:
    out = tmp_path / "quick"
    r = _run(archbench_cmd, "run", "--preset", "quick", "--out", str(out), "--quiet")
    assert r.returncode == 0, r.stderr
    assert (out / "report" / "report.pdf").stat().st_size > 10_000
    assert (out / "report" / "latex" / "main.tex").exists()
    res = _results(out)
    assert set(res.family) == {"mlp", "ft_transformer", "gbdt"}
    assert set(res.split) == {"val", "test", "shift"}
    per = res.groupby(["family", "split", "metric"]).seed.nunique()
    assert (per == 5).all()
    assert set(res.metric) == {"roc_auc", "accuracy", "log_loss", "brier"}
    trials = pd.read_parquet(out / "trials.parquet")
    assert trials.groupby("family").size().nunique() == 1  # the same budget for everyone
    assert (trials.wall_s > 0).all() and (trials.cpu_s > 0).all()
    for f in (
        "summary.csv",
        "comparisons.csv",
        "stats.json",
        "manifest.json",
        "splits.json",
        "splits.parquet",
        "spec.toml",
        "predictions.parquet",
        "optuna/mlp.db",
    ):
        assert (out / f).exists(), f
    before = _trial_mtimes(out)
    seeds_before = {str(p): p.stat().st_mtime_ns for p in out.glob("final/*/*.json")}
    t0 = time.perf_counter()
    r2 = _run(
        archbench_cmd, "run", "--preset", "quick", "--out", str(out), "--no-report", "--quiet"
    )
    elapsed = time.perf_counter() - t0
    assert r2.returncode == 0, r2.stderr
    assert _trial_mtimes(out) == before  # nothing retrained
    assert {str(p): p.stat().st_mtime_ns for p in out.glob("final/*/*.json")} == seeds_before
    pd.testing.assert_frame_equal(_results(out), res)
    assert elapsed < 60  # generous: a rerun only reloads data and re-assembles


def test_one_and_two_workers_give_identical_numbers(archbench_cmd, tiny_spec, tmp_path) -> None:
    spec = tiny_spec(seeds=2)
    outs = []
    for w in (1, 2):
        out = tmp_path / f"w{w}"
        r = _run(
            archbench_cmd,
            "run",
            "--spec",
            str(spec),
            "--out",
            str(out),
            "--workers",
            str(w),
            "--quiet",
        )
        assert r.returncode == 0, r.stderr
        outs.append(out)
    pd.testing.assert_frame_equal(_results(outs[0]), _results(outs[1]), check_exact=True)
    t1 = pd.read_parquet(outs[0] / "trials.parquet").drop(
        columns=["wall_s", "cpu_s", "fit_s", "started_at", "ended_at"]
    )
    t2 = pd.read_parquet(outs[1] / "trials.parquet").drop(
        columns=["wall_s", "cpu_s", "fit_s", "started_at", "ended_at"]
    )
    pd.testing.assert_frame_equal(t1, t2, check_exact=True)


def test_resume_with_a_different_spec_is_refused(archbench_cmd, tiny_spec, tmp_path) -> None:
    out = tmp_path / "run"
    r = _run(archbench_cmd, "run", "--spec", str(tiny_spec(seeds=2)), "--out", str(out), "--quiet")
    assert r.returncode == 0, r.stderr
    r2 = _run(
        archbench_cmd,
        "run",
        "--spec",
        str(tiny_spec(seeds=3, name="other.toml")),
        "--out",
        str(out),
        "--quiet",
    )
    assert r2.returncode == 2
    assert "seeds.count: 2 -> 3" in r2.stderr
    assert "Traceback" not in r2.stderr
    assert json.loads((out / "run.json").read_text())["seeds"] == [0, 1]


def _check_stats_against_scipy(run_dir: Path) -> None:
    """Recompute summary.csv and the top-two paired tests from results.parquet with scipy."""
    from scipy import stats as st

    res = pd.read_parquet(run_dir / "results.parquet")
    summary = pd.read_csv(run_dir / "summary.csv")
    for _, row in summary.iterrows():
        x = (
            res[(res.family == row.family) & (res.split == row.split) & (res.metric == row.metric)]
            .sort_values("seed")
            .value.to_numpy()
        )
        n = len(x)
        half = st.t.ppf(0.975, n - 1) * x.std(ddof=1) / n**0.5
        assert abs(row["mean"] - x.mean()) < 1e-9
        # ci_low/ci_high: the seed-and-row interval where predictions exist (ci_noise says
        # which); the Student-t interval over seeds alone is seed_ci_low/seed_ci_high
        lo, hi = (
            ("seed_ci_low", "seed_ci_high") if "seed_ci_low" in summary else ("ci_low", "ci_high")
        )
        if pd.isna(row[lo]):  # every seed gave the same score: no seed interval
            assert x.std(ddof=1) < 1e-12 and row.sd == 0
        else:
            assert abs(row[lo] - (x.mean() - half)) < 1e-9
            assert abs(row[hi] - (x.mean() + half)) < 1e-9
        if not pd.isna(row.ci_low):
            assert row.ci_low <= row["mean"] <= row.ci_high
    stats = json.loads((run_dir / "stats.json").read_text())
    run = json.loads((run_dir / "run.json").read_text())
    val = res[(res.split == "val") & (res.metric == run["primary_metric"])]
    means = val.groupby("family").value.mean()
    order = means.sort_values(ascending=not run["higher_is_better"][run["primary_metric"]])
    assert stats["top_two"]["families"] == list(order.index[:2])
    comps = pd.read_csv(run_dir / "comparisons.csv")
    a, b = stats["top_two"]["families"]
    top = comps[comps.table == "top_two"]
    assert len(top) == 2 * len(run["metrics"])
    for _, row in top.iterrows():
        xa = res[(res.family == a) & (res.split == row.split) & (res.metric == row.metric)]
        xb = res[(res.family == b) & (res.split == row.split) & (res.metric == row.metric)]
        d = xa.sort_values("seed").value.to_numpy() - xb.sort_values("seed").value.to_numpy()
        assert abs(row.mean_diff - d.mean()) < 1e-9
        if not pd.isna(row.t_pvalue):
            t = st.ttest_rel(xa.sort_values("seed").value, xb.sort_values("seed").value)
            assert abs(row.t_pvalue - t.pvalue) < 1e-9


def test_stats_of_a_real_run_match_scipy_and_stats_command_recomputes(
    archbench_cmd, tiny_spec, tmp_path: Path
) -> None:
    out = tmp_path / "run"
    r = _run(archbench_cmd, "run", "--spec", str(tiny_spec(seeds=5)), "--out", str(out), "--quiet")
    assert r.returncode == 0, r.stderr
    _check_stats_against_scipy(out)
    before = (out / "summary.csv").read_bytes(), (out / "comparisons.csv").read_bytes()
    (out / "summary.csv").unlink()
    r = _run(archbench_cmd, "stats", str(out))
    assert r.returncode == 0, r.stderr
    assert "Top two" in r.stdout
    assert ((out / "summary.csv").read_bytes(), (out / "comparisons.csv").read_bytes()) == before
    r = _run(archbench_cmd, "report", str(out))
    assert r.returncode == 0, r.stderr
    assert (out / "report" / "report.pdf").exists()
