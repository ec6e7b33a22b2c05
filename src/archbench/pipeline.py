"""The entry point of a run: spec -> prepared task -> units -> store -> statistics -> report.

``run_benchmark`` binds the run directory to the spec, starts the executor's workers while the
driver prepares the data (:mod:`archbench.engine.prepare`), runs every unit not done yet
(:mod:`archbench.engine.schedule`), assembles the store
(:mod:`archbench.engine.assemble`), computes the
statistics and writes the report. Re-running the same command resumes.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from functools import partial
from pathlib import Path

from archbench.engine.executors.local import (
    GPU_WORKERS,
    Executor,
    default_workers,
    make_executor,
    preload_modules,
)
from archbench.engine.manifest import environment_manifest
from archbench.engine.prepare import PreparedRun, fixed_params, prepare
from archbench.engine.schedule import ProgressFn, Runner
from archbench.engine.store import RunStore, atomic_write_json
from archbench.errors import StoreError
from archbench.kinds import kind_of
from archbench.spec.model import Spec

__all__ = [
    "PreparedRun",
    "ProgressFn",
    "RunOptions",
    "Runner",
    "fixed_params",
    "prepare",
    "run_benchmark",
]


def _import_after(report: bool) -> None:
    """Import what the statistics and the report need (~0.5 s, mostly matplotlib)."""
    from archbench import analysis  # noqa: F401

    if report:
        from archbench.report import build  # noqa: F401


def _cuda_available() -> bool:
    import torch

    return bool(torch.cuda.is_available())


@dataclass(frozen=True)
class RunOptions:
    out: Path
    executor: str = "local"
    workers: int | None = None
    address: str | None = None
    force: bool = False
    report: bool = True
    command: str = ""


def run_benchmark(
    spec: Spec,
    options: RunOptions,
    *,
    progress: ProgressFn | None = None,
    executor: Executor | None = None,
) -> RunStore:
    """The whole protocol; returns the store. Re-running skips every finished unit.

    ``executor``: run the units there instead of a pool of this run's own (a suite's shared
    pool); ``options.executor`` and ``options.workers`` are then ignored.
    """
    t0 = time.perf_counter()
    store = RunStore(options.out)
    store.check_location()
    threads = spec.budget.threads_per_worker
    # Whether a GPU is visible only matters where it would cap the pool (importing torch
    # here costs the driver ~1 s before the first unit).
    gpu_may_cap = options.workers is None and default_workers(threads) > GPU_WORKERS
    preload_modules(kind_of(spec).worker_modules)
    executor = executor or make_executor(
        options.executor,
        workers=options.workers,
        address=options.address,
        threads=threads,
        gpu=spec.device != "cpu" and gpu_may_cap and _cuda_available(),
    )
    if not store.path("results.parquet").exists():
        # Workers import torch while the driver loads and splits the data (not when the run
        # is finished already: a re-run then only checks and re-assembles).
        executor.warm(threads)
    try:
        prepared = prepare(spec)
        resumed = store.claim(
            spec.to_dict(), spec.digest(), force=options.force,
            earlier_hashes=(spec.digest(before_groups=True),),
        )  # fmt: skip
        old_data = store.existing_spec()
        if resumed and old_data is not None:
            old_hash = old_data.get("data_hash")
            if old_hash and old_hash != prepared.data_hash and not options.force:
                raise StoreError(
                    f"the data of {str(options.out)!r} changed since the run started; "
                    "use a new --out directory or --force"
                )
        atomic_write_json(
            store.path("spec.json"),
            {"spec_hash": spec.digest(), "spec": spec.to_dict(), "data_hash": prepared.data_hash},
        )
        report = options.report and spec.report.enabled
        runner = Runner(
            prepared, store, executor, progress=progress, on_tail=partial(_import_after, report)
        )
        runner.write_static()
        runner.load_done()
        t1 = time.perf_counter()
        runner.execute()
        t2 = time.perf_counter()
    except BaseException:
        executor.abort()
        raise
    executor.shutdown()  # a finished run started no units; the warm pool goes
    runner.assemble()
    from archbench.analysis.run import analyze_run

    analyze_run(store.root)
    t3 = time.perf_counter()
    man = environment_manifest(
        spec,
        prepared.prepared,
        executor_name=executor.name,
        workers=executor.workers,
        command=options.command,
        gpu=executor.gpu_info(),
    )
    man["timings"] = {
        "prepare_s": t1 - t0,
        "units_s": t2 - t1,
        "assemble_stats_s": t3 - t2,
        "resumed": resumed,
    }
    man["stale_units_rerun"] = runner.stale
    man["units_wall_s"] = float(
        sum(
            r["wall_s"]
            for f in runner.families.values()
            for r in [*f.records.values(), *f.seeds.values()]
        )
    )
    atomic_write_json(store.path("manifest.json"), man)
    if report:
        progress and progress("report", {})
        from archbench.report.build import write_report

        t4 = time.perf_counter()
        write_report(store.root)
        man["timings"]["report_s"] = time.perf_counter() - t4
    man["timings"]["total_s"] = time.perf_counter() - t0
    atomic_write_json(store.path("manifest.json"), man)
    return store
