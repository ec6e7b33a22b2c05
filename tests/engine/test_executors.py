"""One contract for every executor: the same units give the same numbers, wherever they run."""

from __future__ import annotations

import pytest

from archbench.engine.executors.local import Executor, default_workers, make_executor
from archbench.engine.units import Payload, Unit, UnitResult
from archbench.kinds.tabular.families import get_family
from archbench.pipeline import prepare
from archbench.spec.load import spec_from_dict

SPEC = {
    "task": {"name": "california"},
    "split": {
        "max_train_rows": 400,
        "max_val_rows": 200,
        "max_test_rows": 200,
        "max_shift_rows": 200,
    },
}
FIXED = {
    "mlp": {"max_epochs": 2, "patience": 1},
    "ft_transformer": {"max_epochs": 1, "patience": 1, "n_blocks": 1, "d_block": 16},
    "gbdt": {"max_rounds": 30, "early_stopping_rounds": 5},
}


@pytest.fixture(scope="module")
def payload() -> Payload:
    return prepare(spec_from_dict(SPEC)).payload


def _units() -> list[Unit]:
    out = []
    for i, fam in enumerate(("mlp", "ft_transformer", "gbdt")):
        params = get_family(fam).default_params()
        out.append(Unit("trial", fam, 0, 100 + i, params, FIXED[fam]))
        out.append(Unit("seed", fam, 0, 200 + i, params, FIXED[fam]))
    out.append(Unit("trial", "mlp", 1, 7, {"no_such_param": 1}, FIXED["mlp"]))  # must FAIL
    return out


def _run(ex: Executor, payload: Payload) -> list[UnitResult]:
    ex.start(payload, threads=1)
    try:
        futures = [ex.submit(u) for u in _units()]
        return [f.result(timeout=300) for f in futures]
    finally:
        ex.shutdown()


@pytest.fixture(scope="module")
def reference(payload: Payload) -> list[UnitResult]:
    return _run(make_executor("inline"), payload)


KINDS = ["inline", "local", pytest.param("ray", marks=pytest.mark.slow)]


@pytest.mark.parametrize("kind", KINDS)
def test_executor_runs_units_and_matches_inline(kind: str, payload, reference) -> None:
    if kind == "ray":
        pytest.importorskip("ray", reason="Ray is an optional extra (pip install archbench[ray])")
    ex = make_executor(kind, workers=2)
    results = _run(ex, payload)
    assert [r.unit for r in results] == _units()
    for got, ref in zip(results, reference, strict=True):
        assert got.state == ref.state
        assert got.metrics == ref.metrics  # bit-identical
        for split, pred in ref.predictions.items():
            assert (got.predictions[split] == pred).all()
        assert got.ended_at >= got.started_at > 0
    ok = [r for r in results if r.unit.index == 0]
    assert all(r.state == "COMPLETE" for r in ok)
    assert {s for r in ok if r.unit.kind == "seed" for s in r.metrics} == {"val", "test", "shift"}
    bad = results[-1]
    assert bad.state == "FAIL" and "no_such_param" in bad.reason


def test_default_workers_caps_gpu_sharing() -> None:
    assert default_workers(1) >= 1
    assert default_workers(1, gpu=True) <= 4
    assert default_workers(10**6) == 1


def test_local_pool_warms_early_and_cleans_up(payload, reference) -> None:
    import os
    from pathlib import Path

    from archbench.engine.executors.local import LocalExecutor

    ex = LocalExecutor(workers=2)
    ex.warm(1)  # returns at once; the driver would be preparing the data now
    pool = ex._pool
    ex._started()
    assert pool is not None and len(pool._processes) == 2  # started before any unit exists
    # forked from a server that imported torch and LightGBM once (Linux)
    assert pool._mp_context.get_start_method() == "forkserver"
    ex.start(payload, threads=1)
    assert ex._pool is pool  # the warm workers are the ones that run the units
    data_file = Path(str(ex._payload_file))
    assert data_file.exists() and data_file.stat().st_mode & 0o077 == 0  # private temp file
    try:
        got = ex.submit(_units()[0]).result(timeout=300)
    finally:
        ex.shutdown()
    assert got.metrics == reference[0].metrics
    assert not data_file.exists()
    # the workers' view of CUDA, for the manifest, without importing torch in the driver
    from archbench.engine.manifest import gpu_info

    assert ex.gpu_info() == gpu_info()
    # abort (after an error or Ctrl-C) kills the workers and removes the data file too
    ex = LocalExecutor(workers=2)
    ex.start(payload, threads=1)
    data_file = Path(str(ex._payload_file))
    pids = [p.pid for p in ex._pool._processes.values()]  # type: ignore[union-attr]
    ex.abort()
    assert not data_file.exists()
    for pid in pids:
        try:
            os.waitpid(pid, 0)
        except ChildProcessError:
            pass
        with pytest.raises(ProcessLookupError):
            os.kill(pid, 0)


def test_data_files_of_killed_drivers_are_removed(payload) -> None:
    import os
    import subprocess
    import sys
    import tempfile
    from pathlib import Path

    from archbench.engine.executors.local import LocalExecutor

    gone = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        text=True,
        capture_output=True,
        check=True,
    )
    tmp = Path(tempfile.gettempdir())
    orphan = tmp / f"archbench-payload-{int(gone.stdout)}-x.pkl"  # its driver has exited
    live = tmp / f"archbench-payload-{os.getppid()}-x.pkl"  # a running process's
    for f in (orphan, live):
        f.write_bytes(b"stale")
    ex = LocalExecutor(workers=1)
    try:
        ex.start(payload, threads=1)
        assert not orphan.exists()
        assert live.exists()
    finally:
        ex.abort()
        live.unlink(missing_ok=True)


def test_units_run_with_torchs_deterministic_algorithms_in_warn_only_mode() -> None:
    import torch

    from archbench.seeding import configure_determinism

    configure_determinism(3, torch.get_num_threads())
    assert torch.are_deterministic_algorithms_enabled()
    assert torch.is_deterministic_algorithms_warn_only_enabled()
    assert torch.initial_seed() == 3
