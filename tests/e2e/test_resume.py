"""kill -9 of the whole process tree mid-tuning and mid-seeds, then resume: identical results,
no finished unit trained again; and the Ray executor gives the local executor's numbers."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from pathlib import Path

import pandas as pd
import pytest

pytestmark = pytest.mark.slow

_SHM = Path("/dev/shm")


def _mapped_shm() -> set[str]:
    """Names of /dev/shm files that some live process has mapped."""
    names = set()
    for maps in Path("/proc").glob("[0-9]*/maps"):
        try:
            text = maps.read_text()
        except OSError:
            continue
        names.update(
            m.split("/dev/shm/", 1)[1].strip() for m in text.splitlines() if "/dev/shm/" in m
        )
    return names


@pytest.fixture(autouse=True)
def _no_leaked_semaphores():
    """SIGKILL of a whole run (driver, workers and multiprocessing's resource tracker) leaves
    the pool's named semaphores in /dev/shm; remove the ones these tests created once nothing
    maps them."""
    before = set(os.listdir(_SHM)) if _SHM.is_dir() else set()
    yield
    if not _SHM.is_dir():
        return
    new = {n for n in os.listdir(_SHM) if n.startswith("sem.mp-")} - before
    for name in new - _mapped_shm():
        (_SHM / name).unlink(missing_ok=True)


def _results(run_dir: Path) -> pd.DataFrame:
    df = pd.read_parquet(run_dir / "results.parquet")
    return df.sort_values(["family", "seed", "split", "metric"]).reset_index(drop=True)


def _done_units(run_dir: Path) -> dict[str, int]:
    """Every unit with a DONE marker -> the artifact's mtime."""
    out = {}
    for marker in run_dir.glob("*/*/*.done"):
        art = marker.with_name(marker.name[: -len(".done")])
        out[str(art)] = art.stat().st_mtime_ns
    return out


def _run_and_kill(cmd: list[str], until: str, minimum: int, timeout: float = 300) -> None:
    """Start ``cmd`` in its own process group and SIGKILL the group once ``minimum`` files
    match the glob ``until``."""
    proc = subprocess.Popen(
        cmd, start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    run_dir = Path(cmd[cmd.index("--out") + 1])
    t0 = time.time()
    try:
        while time.time() - t0 < timeout:
            if proc.poll() is not None:
                pytest.fail(f"the run ended before it could be killed ({until} >= {minimum})")
            if len(list(run_dir.glob(until))) >= minimum:
                break
            time.sleep(0.05)
    finally:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        proc.wait(timeout=30)


def test_killed_five_times_then_resumed_gives_identical_results(
    archbench_cmd, tiny_spec, tmp_path: Path
) -> None:
    spec = tiny_spec(seeds=3)
    ref = tmp_path / "ref"
    r = subprocess.run(
        [*archbench_cmd, "run", "--spec", str(spec), "--out", str(ref), "--quiet"],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert r.returncode == 0, r.stderr

    out = tmp_path / "killed"
    cmd = [*archbench_cmd, "run", "--spec", str(spec), "--out", str(out), "--quiet"]
    # 9 trials and 9 final seeds in all: kill mid-tuning three times, mid-seeds twice.
    kills = [
        ("trials/*/*.json.done", 1),
        ("trials/*/*.json.done", 4),
        ("trials/*/*.json.done", 7),
        ("final/*/*.json.done", 1),
        ("final/*/*.json.done", 4),
    ]
    done_before: dict[str, int] = {}
    for pattern, minimum in kills:
        _run_and_kill(cmd, pattern, minimum)
        now = _done_units(out)
        # Units finished before a kill were never trained again.
        for art, mtime in done_before.items():
            assert now[art] == mtime, art
        done_before = now
    assert len([k for k in done_before if "/final/" in k]) < 9
    # A torn write: truncate one finished seed's predictions; resume must redo that unit.
    torn = sorted(out.glob("final/*/seed*.parquet"))[0]
    torn.write_bytes(torn.read_bytes()[:10])
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=600, check=False)
    assert r.returncode == 0, r.stderr
    final = _done_units(out)
    for art, mtime in done_before.items():
        if art != str(torn.with_suffix(".json")):
            assert final[art] == mtime, art
    assert final[str(torn.with_suffix(".json"))] != done_before[str(torn.with_suffix(".json"))]
    assert not list(out.glob("*/*/*.running"))
    pd.testing.assert_frame_equal(_results(out), _results(ref), check_exact=True)
    t_ref = pd.read_parquet(ref / "trials.parquet").drop(
        columns=["wall_s", "cpu_s", "fit_s", "started_at", "ended_at"]
    )
    t_out = pd.read_parquet(out / "trials.parquet").drop(
        columns=["wall_s", "cpu_s", "fit_s", "started_at", "ended_at"]
    )
    pd.testing.assert_frame_equal(t_out, t_ref, check_exact=True)
    p_ref = pd.read_parquet(ref / "predictions.parquet")
    p_out = pd.read_parquet(out / "predictions.parquet")
    pd.testing.assert_frame_equal(p_out, p_ref, check_exact=True)


def test_ray_executor_matches_local(archbench_cmd, tiny_spec, tmp_path: Path) -> None:
    pytest.importorskip("ray", reason="Ray is an optional extra (pip install archbench[ray])")
    spec = tiny_spec(seeds=2)
    outs = {}
    for ex in ("local", "ray"):
        out = tmp_path / ex
        r = subprocess.run(
            [
                *archbench_cmd,
                "run",
                "--spec",
                str(spec),
                "--out",
                str(out),
                "--executor",
                ex,
                "--workers",
                "2",
                "--quiet",
            ],
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
        )
        assert r.returncode == 0, r.stderr[-2000:]
        outs[ex] = out
        assert json.loads((out / "manifest.json").read_text())["executor"] == ex
    pd.testing.assert_frame_equal(_results(outs["local"]), _results(outs["ray"]), check_exact=True)


def test_sigterm_stops_the_workers_and_the_run_resumes(
    archbench_cmd, tiny_spec, tmp_path: Path
) -> None:
    """SIGTERM to the driver alone (kill PID, a scheduler's limit) must not leave its fork
    server and workers computing: the driver stops them as on Ctrl-C, exits 130, and the same
    command then finishes the run."""
    import psutil

    spec = tiny_spec(seeds=2)
    out = tmp_path / "run"
    cmd = [*archbench_cmd, "run", "--spec", str(spec), "--out", str(out), "--quiet"]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    t0 = time.time()
    while time.time() - t0 < 300 and not list(out.glob("trials/*/*.done")):
        assert proc.poll() is None, "the run ended before it could be stopped"
        time.sleep(0.05)
    children = psutil.Process(proc.pid).children(recursive=True)
    assert children, "the run has worker processes"
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=60) == 130
    _, alive = psutil.wait_procs(children, timeout=20)
    assert [p.pid for p in alive] == []
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=600, check=False)
    assert r.returncode == 0, r.stderr
    assert (out / "results.parquet").is_file()
