"""A tiny suite end to end: shared pool, per-task results identical to a plain run, the
cross-task files and report, a failing task that leaves the others intact, kill and resume."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from archbench.analysis.suite import analyze_suite
from archbench.errors import ConfigError, RunFailed
from archbench.kinds import kind_of
from archbench.pipeline import RunOptions, run_benchmark
from archbench.spec.suite import load_suite
from archbench.suite import SuiteOptions, run_suite

pytestmark = pytest.mark.slow

SUITE = """\
[suite]
name = "tiny"
tasks = ["california.toml", "adult.toml"]
preset = "quick"
n_boot = 200
[seeds]
count = 2
"""


def _write_suite(folder: Path, tiny_text: str, extra_tasks: str = "") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name in ("california", "adult"):
        text = tiny_text.replace('name = "california"', f'name = "{name}"')
        (folder / f"{name}.toml").write_text(text)
    p = folder / "suite.toml"
    p.write_text(SUITE.replace('"adult.toml"]', f'"adult.toml"{extra_tasks}]'))
    return p


@pytest.fixture(scope="module")
def tiny_text() -> str:
    from tests.conftest import TINY_SPEC

    return TINY_SPEC.format(seeds=2)


@pytest.fixture(scope="module")
def reference(tmp_path_factory, tiny_text: str) -> Path:
    """One uninterrupted suite on a shared pool of 2 workers, with its report."""
    folder = tmp_path_factory.mktemp("suite")
    suite = load_suite(_write_suite(folder, tiny_text))
    out = folder / "out"
    run_suite(suite, SuiteOptions(out=out, workers=2))
    return out


def _results(run_dir: Path) -> pd.DataFrame:
    df = pd.read_parquet(run_dir / "results.parquet")
    return df.sort_values(["family", "seed", "split", "metric"]).reset_index(drop=True)


def test_suite_files_and_report(reference: Path) -> None:
    for f in ("suite.json", "suite_summary.csv", "suite_stats.json", "suite_manifest.json"):
        assert (reference / f).exists(), f
    assert (reference / "report" / "suite_report.pdf").stat().st_size > 10_000
    assert (reference / "report" / "latex" / "main.tex").exists()
    summ = pd.read_csv(reference / "suite_summary.csv")
    assert set(summ.task) == {"california", "adult"} and set(summ.split) == {"test", "shift"}
    # Every mean traces to the task's own summary.csv.
    for _, r in summ.iterrows():
        own = pd.read_csv(reference / r.task / "summary.csv")
        o = own[(own.family == r.task_family) & (own.split == r.split) & (own.metric == r.metric)]
        assert r["mean"] == pytest.approx(float(o["mean"].iloc[0]))
    for _key, g in summ.groupby(["task", "split"]):
        assert g.norm_mean.max() == pytest.approx(1.0) and g.norm_mean.min() == pytest.approx(0.0)
    stats = json.loads((reference / "suite_stats.json").read_text())
    assert stats["directions"]["mixed"]  # rmse (lower) and roc_auc (higher)
    for split in ("test", "shift"):
        s = stats["splits"][split]
        for a in s["aggregate"].values():
            assert a["ci_low"] <= a["iqm"] <= a["ci_high"]
        for wtl in s["win_tie_loss"].values():
            assert sum(wtl.values()) == 2
    pool = json.loads((reference / "suite_manifest.json").read_text())["pool"]
    assert pool["units"] > 0 and 0 < pool["utilisation"] <= 1.0 + 1e-9


def test_each_task_matches_a_plain_run(reference: Path, tmp_path: Path) -> None:
    """The shared pool changes nothing: a task's numbers equal 'archbench run' on its own."""
    suite = load_suite(reference.parent / "suite.toml")
    task = suite.tasks[0]
    out = tmp_path / task.id
    run_benchmark(task.spec, RunOptions(out=out, executor="inline", report=False))
    pd.testing.assert_frame_equal(_results(out), _results(reference / task.id), check_exact=True)


def test_directions_same_refuses_mixed_metrics(reference: Path, tmp_path: Path) -> None:
    import shutil

    copy = tmp_path / "copy"
    shutil.copytree(reference, copy, ignore=shutil.ignore_patterns("report"))
    meta = json.loads((copy / "suite.json").read_text())
    meta["directions"] = "same"
    (copy / "suite.json").write_text(json.dumps(meta))
    with pytest.raises(ConfigError, match=r"differ in direction .*california: rmse"):
        analyze_suite(copy)


def test_a_failing_task_leaves_the_others_intact(tiny_text: str, tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    n = 400
    pd.DataFrame(
        {"x": rng.normal(size=n), "g": np.where(np.arange(n) < 300, "a", "b"), "y": 1}
    ).to_csv(tmp_path / "flat.csv", index=False)
    (tmp_path / "flat.toml").write_text(
        '[task]\npath = "flat.csv"\ntarget = "y"\ntype = "classification"\n'
        '[task.shift]\nkind = "groups"\ncolumn = "g"\nvalues = ["b"]\n[report]\nenabled = false\n'
    )
    suite = load_suite(_write_suite(tmp_path, tiny_text, ', "flat.toml"'))
    suite = type(suite)(suite.settings, (suite.tasks[0], suite.tasks[2]), suite.threads)
    out = tmp_path / "out"
    with pytest.raises(RunFailed) as exc:
        run_suite(suite, SuiteOptions(out=out, workers=2, report=False))
    msg = str(exc.value)
    assert "task 'flat' failed" in msg and "\n" not in msg
    assert (out / "california" / "results.parquet").exists()
    man = json.loads((out / "suite_manifest.json").read_text())
    assert man["done"] == ["california"] and list(man["failed"]) == ["flat"]


def _done_units(root: Path) -> dict[str, int]:
    out = {}
    for marker in root.glob("*/*/*/*.done"):
        art = marker.with_name(marker.name[: -len(".done")])
        out[str(art)] = art.stat().st_mtime_ns
    return out


def test_killed_suite_resumes_without_retraining(
    archbench_cmd, reference: Path, tmp_path: Path
) -> None:
    out = tmp_path / "killed"
    cmd = [
        *archbench_cmd,
        "suite",
        str(reference.parent / "suite.toml"),
        "--out",
        str(out),
        "--workers",
        "2",
        "--no-report",
        "--quiet",
    ]
    done: dict[str, int] = {}
    for minimum in (3, 12):
        proc = subprocess.Popen(
            cmd, start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        t0 = time.time()
        try:
            while time.time() - t0 < 300 and proc.poll() is None:
                if len(_done_units(out)) >= minimum:
                    break
                time.sleep(0.05)
            assert proc.poll() is None, "the suite ended before it could be killed"
        finally:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=30)
        now = _done_units(out)
        assert all(now[a] == m for a, m in done.items())  # nothing finished was retrained
        done = now
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=600, check=False)
    assert r.returncode == 0, r.stderr[-2000:]
    final = _done_units(out)
    assert all(final[a] == m for a, m in done.items())
    assert len(final) > len(done)
    for task in ("california", "adult"):
        pd.testing.assert_frame_equal(
            _results(out / task), _results(reference / task), check_exact=True
        )
    assert (out / "suite_stats.json").exists()


def test_a_suite_mixes_kinds_by_family_role(tiny_text: str, tmp_path: Path) -> None:
    """A toy kind (families constant, ridge, knn) beside a table: matched by their slot."""
    from archbench.kinds import register_kind, unregister_kind
    from kinds.toy import ToyKind

    register_kind(ToyKind(), replace=True)
    try:
        path = _write_suite(tmp_path, tiny_text)
        path.write_text(path.read_text().replace('"adult.toml"', '"toy_sine"'))
        suite = load_suite(path)
        assert [kind_of(t.spec).name for t in suite.tasks] == ["tabular", "toy"]
        out = tmp_path / "out"
        run_suite(suite, SuiteOptions(out=out, executor="inline", report=False))
    finally:
        unregister_kind("toy")
    stats = json.loads((out / "suite_stats.json").read_text())
    assert stats["families"] == ["mlp", "transformer", "gbdt"]
    assert stats["members"]["toy_sine"] == {
        "mlp": "constant",
        "transformer": "ridge",
        "gbdt": "knn",
    }
    assert stats["kinds"] == {"california": "tabular", "toy_sine": "toy"}
    summ = pd.read_csv(out / "suite_summary.csv")
    assert set(summ[summ.task == "toy_sine"].task_family) == {"constant", "ridge", "knn"}
