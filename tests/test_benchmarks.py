"""The benchmark scripts' --smoke modes write valid JSON with the expected keys.

No timing is asserted: timings depend on the machine and on what else runs on it.
"""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import torch

ROOT = Path(__file__).resolve().parents[1]
BENCH = ROOT / "benchmarks"
sys.path.insert(0, str(BENCH))

MACHINE_KEYS = {"cpu", "cores", "memory_gib", "gpu", "platform", "python", "versions"}


def run_smoke(script: str, tmp_path: Path, *extra: str) -> dict[str, Any]:
    out = tmp_path / f"{script}.json"
    r = subprocess.run(
        [sys.executable, str(BENCH / f"{script}.py"), "--smoke", *extra, "--out", str(out)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert r.returncode == 0, r.stdout[-2000:] + r.stderr[-2000:]
    data = json.loads(out.read_text())
    assert data["benchmark"] == script
    assert data["smoke"] is True
    assert MACHINE_KEYS <= set(data["machine"])
    assert data["machine"]["cores"] >= 1
    assert len(data["load_average_start"]) == 3 and len(data["load_average_end"]) == 3
    assert "|" in r.stdout  # the printed table
    return data


def finite(x: Any) -> bool:
    return isinstance(x, int | float) and math.isfinite(x)


@pytest.mark.slow
def test_throughput_smoke(tmp_path: Path) -> None:
    data = run_smoke("throughput", tmp_path)
    assert {"matmul_peak", "step_flops", "rows", "setup"} <= set(data)
    assert {(r["family"], r["variant"]) for r in data["rows"]} == {
        ("mlp", "archbench"),
        ("mlp", "foreach"),
        ("ft_transformer", "archbench"),
        ("ft_transformer", "foreach"),
        ("ft_transformer", "rtdl"),
    }
    rows = {(r["family"], r["variant"]): r for r in data["rows"]}
    for (_, variant), r in rows.items():
        assert r["step_gflop"] > 0 and finite(r["ratio_cpu"]) and finite(r["ratio_wall"])
        # foreach AdamW = the for-loop, bit for bit; rtdl's module draws its dropout differently
        assert r["same_results_as_archbench"] is (variant != "rtdl")
    # archbench's FT network skips rtdl's feed-forward pass over the last block's other tokens
    ft, ref = rows[("ft_transformer", "archbench")], rows[("ft_transformer", "rtdl")]
    assert ft["step_gflop"] < ref["step_gflop"]


@pytest.mark.slow
def test_quality_smoke(tmp_path: Path) -> None:
    data = run_smoke("quality_california", tmp_path)
    assert [r["family"] for r in data["rows"]] == ["mlp", "ft_transformer", "gbdt"]
    for r in data["rows"]:
        assert finite(r["test_rmse_mean"]) and r["test_rmse_mean"] > 0
        assert r["published"] > 0 and isinstance(r["within_5pct"], bool)
    assert data["split"]["sizes"]["train"] == 2000


@pytest.mark.slow
def test_peer_smoke(tmp_path: Path) -> None:
    data = run_smoke("peer_pytorch_tabular", tmp_path)
    (row,) = data["ft_transformer"]
    assert row["side"] == "archbench" and 0.0 <= row["val_auc"] <= 1.0 and row["epoch_s"] > 0
    lgb = data["lightgbm"]
    assert lgb["same_predictions"] is True and finite(lgb["overhead"])


@pytest.mark.slow
def test_end_to_end_smoke(tmp_path: Path) -> None:
    data = run_smoke("end_to_end", tmp_path)
    (row,) = data["summary"]
    assert row["preset"] == "quick" and row["runs"] == 1
    for key in (
        "wall_s",
        "cpu_util",
        "peak_rss_gib",
        "overhead",
        "before_units_s",
        "units_phase_s",
        "after_units_s",
        "model_s",
    ):
        assert finite(row[key]), key
    assert 0.0 < row["cpu_util"] and 0.0 < row["overhead"] < 1.0 and row["peak_rss_gib"] > 0
    # a worker idling beside a busy one counts against "overhead" only
    assert 0.0 < row["overhead_wall"] <= row["overhead"]


def test_scaling_spec_is_a_valid_archbench_spec(tmp_path: Path) -> None:
    from scaling import spec_toml

    from archbench.spec.load import load_spec

    path = tmp_path / "s.toml"
    path.write_text(spec_toml(5000, 4, 2))
    spec = load_spec(path)
    assert spec.split.max_train_rows == 5000 and spec.budget.trials == 4
    assert spec.seeds.count == 2 and spec.families.ft_transformer.max_epochs == 4
    assert spec.report.enabled is False


@pytest.mark.skipif(
    torch.cuda.is_available(),
    reason="a CUDA GPU is visible here: this test checks the message on machines without one",
)
def test_gpu_check_fails_clearly_without_cuda() -> None:
    r = subprocess.run(
        ["bash", str(BENCH / "gpu_check")],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        env={"PATH": "/usr/bin:/bin", "PYTHON": sys.executable},
    )
    assert r.returncode != 0
    assert "no CUDA GPU is visible" in r.stderr


def _unit_files(run: Path, units: list[tuple[str, str, int, float]]) -> None:
    for fam, kind, i, seconds in units:
        sub = run / ("trials" if kind == "trial" else "final") / fam
        sub.mkdir(parents=True, exist_ok=True)
        name = f"{i:04d}.json" if kind == "trial" else f"seed{i}.json"
        key = "number" if kind == "trial" else "index"
        rec = {"family": fam, key: i, "started_at": 100.0, "ended_at": 100.0 + seconds}
        (sub / name).write_text(json.dumps(rec))


def test_replay_schedule_reproduces_hand_computed_schedules(tmp_path: Path) -> None:
    import replay_schedule as rs

    # One family, trials of 10, 1, 1, 1 s, then two 5 s seeds, on 2 workers.
    _unit_files(
        tmp_path,
        [
            *[("ft_transformer", "trial", i, s) for i, s in enumerate([10.0, 1.0, 1.0, 1.0])],
            ("ft_transformer", "seed", 0, 5.0),
            ("ft_transformer", "seed", 1, 5.0),
        ],
    )
    dur = rs.durations(tmp_path)
    assert len(dur) == 6
    # window 1: trials one after another (13 s), then both seeds at once (5 s)
    assert rs.replay(dur, 1, 2)["units_s"] == pytest.approx(18.0)
    # window 2: trials 2 and 3 wait for trial 0 (10 s), run side by side to 11; seeds 11..16
    assert rs.replay(dur, 2, 2)["units_s"] == pytest.approx(16.0)
    # window 4: trials 1-3 run beside trial 0 on the other worker; seeds start at 10
    r = rs.replay(dur, 4, 2)
    assert r["units_s"] == pytest.approx(15.0)
    assert r["busy_share"] == pytest.approx(23.0 / 30.0)
    # a second family fills the idle worker, cheapest-last order kept
    _unit_files(tmp_path, [("gbdt", "trial", 0, 2.0), ("gbdt", "seed", 0, 1.0)])
    assert rs.replay(rs.durations(tmp_path), 1, 2)["units_s"] == pytest.approx(18.0)
    with pytest.raises(SystemExit, match="no unit records"):
        rs.durations(tmp_path / "empty")


def test_compare_runs_finds_a_changed_number_and_nothing_else(tmp_path: Path) -> None:
    import shutil

    import pandas as pd
    from compare_runs import compare

    from fixtures_report import make_run_dir

    a = make_run_dir(tmp_path / "a")
    b = tmp_path / "b"
    shutil.copytree(a, b)
    assert compare(a, b) == []
    res = pd.read_parquet(b / "results.parquet")
    res.loc[3, "value"] += 1e-9
    res.to_parquet(b / "results.parquet")
    stats = json.loads((b / "stats.json").read_text())
    stats["alpha"] = 0.1
    (b / "stats.json").write_text(json.dumps(stats))
    diffs = compare(a, b)
    assert [d.split(":")[0] for d in diffs] == ["results.parquet", "stats.json"]


def test_skewed_seed_row_smoke(tmp_path: Path) -> None:
    data = run_smoke("skewed_seed_row", tmp_path)
    assert {(r["noise"], r["k"]) for r in data["rows"]} == {
        (n, k) for n in ("normal", "exponential", "lognormal") for k in (1.0, 2.0, 3.0, 4.0, 8.0)
    }
    for r in data["rows"]:
        assert r["reps"] == 100 and 0 <= r["uncaveated"] <= r["fpr"] <= 1


def test_suite_null_claims_smoke(tmp_path: Path) -> None:
    data = run_smoke("suite_null_claims", tmp_path)
    rows = data["results"]
    assert {r["null"] for r in rows} == {"equal", "cancel"}
    assert all(0.0 <= r["beyond_claim_rate"] <= 1.0 and r["reps"] > 0 for r in rows)


@pytest.mark.slow
def test_forecast_scaling_smoke(tmp_path: Path) -> None:
    data = run_smoke("forecast_scaling", tmp_path, "--data", str(tmp_path / "panels"))
    (row,) = data["rows"]
    assert row["size"] == "5x300" and row["series"] == 5 and row["points"] == 1500
    for key in ("wall_s", "cpu_s", "driver_cpu_s", "workers_cpu_s", "peak_rss_gib"):
        assert finite(row[key]) and row[key] > 0, key
    assert row["peak_rss_gib"] >= row["driver_peak_rss_gib"]
    assert row["windows"]["train"]["used"] <= row["windows"]["train"]["available"]
    assert (tmp_path / "panels" / "5x300" / "data.csv").exists()


def test_gen_panel_is_seeded_and_shaped() -> None:
    from gen_panel import long_series, panel

    a, b, c = panel(3, 400, seed=1), panel(3, 400, seed=1), panel(3, 400, seed=2)
    assert len(a) == 1200 and list(a.columns) == ["series", "date", "value"]
    assert a.equals(b) and not a.equals(c)
    # a weekly season: the weekday profile of each series explains much of its variance
    x = a[a["series"] == "s00000"].assign(dow=lambda f: pd_dow(f["date"]))
    profile = x.groupby("dow")["value"].transform("mean")
    assert (x["value"] - profile).var() < x["value"].var()
    s = long_series(1000, seed=0)
    assert len(s) == 1000 and s["date"].iat[1] == "2015-01-01 00:30"


def pd_dow(dates: Any) -> Any:
    import pandas as pd

    return pd.to_datetime(dates).dt.day_of_week


def test_stats_ranks_smoke(tmp_path: Path) -> None:
    data = run_smoke("stats_ranks", tmp_path)
    rows = data["results"]
    assert {r["metric"] for r in rows} == {"average_precision", "recall_at_1pct_fpr"}
    assert all(r["rows"] == 2_000 and finite(r["ratio"]) and r["ratio"] > 0 for r in rows)
