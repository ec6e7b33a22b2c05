"""Run a suite: every task as ``archbench run`` would, on one shared worker pool, resumable.

Each task gets its own run directory ``<suite>/<task>/`` and runs through
:func:`archbench.pipeline.run_benchmark` (so resuming works task by task and unit by unit). The
units of up to ``suite.parallel_tasks`` tasks share one pool of warm workers
(:mod:`archbench.engine.executors.shared`): while one task's driver prepares its data or
computes its
statistics, the other's units keep the workers busy. The task reports are written afterwards,
one after another (matplotlib is not thread-safe), then the statistics across tasks
(:mod:`archbench.analysis.suite`) and the suite report.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from archbench.engine.executors.local import preload_modules
from archbench.engine.executors.shared import SuitePool, make_pool
from archbench.engine.store import atomic_write_json
from archbench.errors import ArchbenchError, RunFailed, StoreError
from archbench.kinds import kind_of
from archbench.pipeline import RunOptions, run_benchmark
from archbench.spec.suite import SuiteSpec, SuiteTask

__all__ = ["SuiteOptions", "SuiteOutcome", "pool_usage", "run_suite"]

log = logging.getLogger(__name__)

#: ``progress(event, info)``: "task_start" / "task_done" / "task_failed" with ``task``, or
#: "unit" with ``task`` and the runner's unit info.
SuiteProgress = Callable[[str, dict[str, Any]], None]


@dataclass(frozen=True)
class SuiteOptions:
    out: Path
    executor: str = "local"  # "local" (one shared pool), "ray" (one Ray job) or "inline"
    workers: int | None = None
    address: str | None = None  # with "ray": the cluster's HOST:PORT (None: a local Ray)
    force: bool = False
    report: bool = True
    command: str = ""


@dataclass
class SuiteOutcome:
    """What happened: finished task directories, failures (task -> one line), timings."""

    root: Path
    done: list[str] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)
    timings: dict[str, float] = field(default_factory=dict)


def _claim(suite: SuiteSpec, out: Path, force: bool) -> None:
    """Write suite.json; refuse a directory that holds another suite's tasks (unless force)."""
    out.mkdir(parents=True, exist_ok=True)
    path = out / "suite.json"
    ids = [t.id for t in suite.tasks]
    if path.exists() and not force:
        old = json.loads(path.read_text())
        gone = [t for t in old.get("tasks", []) if t not in ids]
        if gone:
            raise StoreError(
                f"{str(out)!r} holds a suite with other tasks ({', '.join(gone)}); "
                "use a new --out directory or --force"
            )
    s = suite.settings
    atomic_write_json(
        path,
        {
            "name": s.name,
            "tasks": ids,
            "sources": {t.id: t.source for t in suite.tasks},
            "kinds": {t.id: kind_of(t.spec).name for t in suite.tasks},
            "preset": s.preset,
            "parallel_tasks": s.parallel_tasks,
            "directions": s.directions,
            "normalise": s.normalise,
            "reference": s.reference,
            "primary_metrics": {
                t.id: None
                if t.primary is None
                else {"metric": t.primary.name, "higher_is_better": t.primary.higher_is_better}
                for t in suite.tasks
            },
            "n_boot": s.n_boot,
            "seed": s.seed,
            "alpha": s.alpha,
            "trials": {t.id: t.spec.budget.trials for t in suite.tasks},
            "seeds": {t.id: t.spec.seeds.count for t in suite.tasks},
            "families": {t.id: list(t.spec.families.names) for t in suite.tasks},
        },
    )


def _run_one(
    task: SuiteTask,
    options: SuiteOptions,
    pool: SuitePool | None,
    progress: SuiteProgress | None,
) -> None:
    def unit_progress(event: str, info: dict[str, Any]) -> None:
        if progress is not None and event in ("unit", "start"):
            progress(event, {**info, "task": task.id})

    run_options = RunOptions(
        out=options.out / task.id,
        executor=options.executor,
        workers=options.workers,
        force=options.force,
        report=False,
        command=options.command,
    )
    run_benchmark(
        task.spec,
        run_options,
        progress=unit_progress,
        executor=None if pool is None else pool.view(),
    )


def _run_tasks(
    suite: SuiteSpec,
    options: SuiteOptions,
    pool: SuitePool | None,
    progress: SuiteProgress | None,
    outcome: SuiteOutcome,
) -> None:
    """Run the tasks, ``parallel_tasks`` at a time; a failed task is recorded, not raised."""
    parallel = 1 if pool is None else suite.settings.parallel_tasks
    pending = list(suite.tasks)
    running: dict[Future[None], SuiteTask] = {}
    tp = ThreadPoolExecutor(max_workers=parallel, thread_name_prefix="archbench-task")
    try:
        while pending or running:
            while pending and len(running) < parallel:
                task = pending.pop(0)
                progress and progress("task_start", {"task": task.id})
                running[tp.submit(_run_one, task, options, pool, progress)] = task
            done, _ = wait(list(running), return_when=FIRST_COMPLETED)
            for fut in done:
                _record(running.pop(fut), fut, outcome, progress)
    except BaseException:
        # Interrupted: stop the workers and leave without waiting for the task threads (a
        # driver busy assembling a task would hold the exit up; every write is atomic).
        if pool is not None:
            pool.kill()
        tp.shutdown(wait=False, cancel_futures=True)
        raise
    tp.shutdown(wait=True)


def _record(
    task: SuiteTask, fut: Future[None], outcome: SuiteOutcome, progress: SuiteProgress | None
) -> None:
    """Note a finished task, or its failure as one line (a traceback in the log for bugs)."""
    exc = fut.exception()
    if exc is None:
        outcome.done.append(task.id)
        progress and progress("task_done", {"task": task.id})
        return
    if not isinstance(exc, ArchbenchError):
        log.error("task %s failed", task.id, exc_info=exc)
    msg = " ".join(str(exc).split()) or type(exc).__name__
    outcome.failed[task.id] = msg
    progress and progress("task_failed", {"task": task.id, "error": msg})


def _write_task_reports(suite: SuiteSpec, outcome: SuiteOutcome) -> None:
    from archbench.report.build import write_report

    for task in suite.tasks:
        if task.id not in outcome.done or not task.spec.report.enabled:
            continue
        try:
            write_report(outcome.root / task.id)
        except ArchbenchError as exc:
            outcome.failed[task.id] = f"report: {' '.join(str(exc).split())}"


def pool_usage(root: Path, tasks: list[str], since: float, workers: int) -> dict[str, float]:
    """Busy and idle worker-seconds of the units that started after ``since``.

    Reads every task's trials.parquet and final/<family>/seed*.json. ``idle_s`` is
    ``workers * span - busy`` over the span from the first unit's start to the last one's end.
    """
    import pandas as pd

    spans: list[tuple[float, float]] = []
    for t in tasks:
        trials = root / t / "trials.parquet"
        if trials.exists():
            df = pd.read_parquet(trials, columns=["started_at", "ended_at"]).dropna()
            spans.extend(zip(df.started_at, df.ended_at, strict=True))
        for f in (root / t / "final").glob("*/seed*.json"):
            r = json.loads(f.read_text())
            if r.get("started_at") and r.get("ended_at"):
                spans.append((float(r["started_at"]), float(r["ended_at"])))
    spans = [(a, b) for a, b in spans if a >= since]
    if not spans:
        return {"units": 0, "busy_s": 0.0, "span_s": 0.0, "idle_s": 0.0, "utilisation": 0.0}
    start = min(a for a, _ in spans)
    end = max(b for _, b in spans)
    busy = float(sum(b - a for a, b in spans))
    span = end - start
    return {
        "units": len(spans),
        "busy_s": busy,
        "span_s": span,
        "idle_s": max(0.0, workers * span - busy),
        "utilisation": busy / (workers * span) if span > 0 else 1.0,
    }


def run_suite(
    suite: SuiteSpec, options: SuiteOptions, *, progress: SuiteProgress | None = None
) -> SuiteOutcome:
    """Run every task, then the statistics across tasks and the suite report.

    Returns the outcome; raises ``RunFailed`` (one line naming each failed task) after the other
    tasks have finished and kept their results, and ``ConfigError`` when the tasks' primary
    metrics differ in direction and ``suite.directions = "same"`` (refused when the suite was
    loaded, unless a task's primary metric could only be known from its run).
    """
    t0 = time.perf_counter()
    since = time.time()
    out = options.out
    pool = make_pool(
        options.executor, workers=options.workers, threads=suite.threads, address=options.address
    )
    for t in suite.tasks:
        preload_modules(kind_of(t.spec).worker_modules)
    outcome = SuiteOutcome(out)
    try:
        if pool is not None:
            pool.warm()  # a Ray cluster that refuses this driver says so before anything is written
        _claim(suite, out, options.force)
        _run_tasks(suite, options, pool, progress, outcome)
    except BaseException:
        if pool is not None:
            pool.kill()
        raise
    if pool is not None:
        pool.close()
    t1 = time.perf_counter()
    if options.report:
        progress and progress("report", {})
        _write_task_reports(suite, outcome)
    t2 = time.perf_counter()
    workers = pool.workers if pool is not None else 1
    usage = pool_usage(out, outcome.done, since, workers)
    outcome.timings = {"tasks_s": t1 - t0, "task_reports_s": t2 - t1}
    if outcome.failed:
        _write_manifest(out, outcome, usage, workers, options)
        lines = "; ".join(f"task {t!r} failed: {m}" for t, m in outcome.failed.items())
        raise RunFailed(
            f"{lines} (finished tasks keep their results in {str(out)!r}; fix it and run the "
            "same command again to resume)"
        )
    from archbench.analysis.suite import analyze_suite

    analyze_suite(out)
    t3 = time.perf_counter()
    outcome.timings["suite_stats_s"] = t3 - t2
    if options.report:
        from archbench.report.suite.build import write_suite_report

        write_suite_report(out)
        outcome.timings["suite_report_s"] = time.perf_counter() - t3
    outcome.timings["total_s"] = time.perf_counter() - t0
    _write_manifest(out, outcome, usage, workers, options)
    return outcome


def _write_manifest(
    out: Path, outcome: SuiteOutcome, usage: dict[str, float], workers: int, opt: SuiteOptions
) -> None:
    atomic_write_json(
        out / "suite_manifest.json",
        {
            "command": opt.command,
            "executor": opt.executor,
            "workers": workers,
            "done": outcome.done,
            "failed": outcome.failed,
            "timings": outcome.timings,
            "pool": usage,
        },
    )
