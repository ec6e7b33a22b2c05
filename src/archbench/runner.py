"""Plan -> tuning trials -> final seeds -> results, resumable at every unit.

``prepare`` does everything that can fail on bad input (spec, data, splits, preprocessing)
before a single file is written. ``run`` then binds the run directory to the spec, schedules
the units of all families on one executor (each family's study proposes its next batch as
soon as its previous batch is told), retrains each family's best configuration with every
seed, and assembles the results store.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd

from .config import Spec
from .errors import ConfigError, RunFailed, StoreError
from .executor import GPU_WORKERS, Executor, default_workers, make_executor
from .manifest import data_digest, environment_manifest
from .metrics import HIGHER_IS_BETTER, PRIMARY, metrics_for, score_for_maximisation
from .models.base import Model
from .models.registry import family_label, get_family
from .preprocess import Preprocessor
from .seeding import derive_seed
from .splits import SPLIT_NAMES, Splits, make_splits
from .store import RunStore, atomic_write_json, atomic_write_parquet, atomic_write_text
from .tasks import load_task
from .tasks.base import TaskData
from .tuning import Proposal, best_record, export_study, propose_trial
from .work import Payload, Unit, UnitResult

log = logging.getLogger(__name__)

# Scheduling priority: the costliest family first keeps both workers busy at the end.
_COST_ORDER = {"ft_transformer": 0, "mlp": 1, "gbdt": 2}

ProgressFn = Callable[[str, dict[str, Any]], None]


@dataclass
class Prepared:
    """Everything a run needs in memory, built without touching the disk."""

    spec: Spec
    task: TaskData
    splits: Splits
    pre: Preprocessor
    payload: Payload
    metrics: tuple[str, ...]
    primary: str
    data_hash: str


def prepare(spec: Spec, *, make_split: Callable[[TaskData], Splits] | None = None) -> Prepared:
    """Load the task, split it, fit the preprocessing on train; raise on any bad input.

    ``make_split`` replaces the spec's split (benchmarks use it for a random split).
    """
    task = load_task(spec.task)
    primary = PRIMARY[task.task_type]
    allowed = metrics_for(task.task_type)
    for m in spec.metrics:
        if m not in allowed:
            raise ConfigError(
                f"metrics: {m!r} does not apply to {task.task_type}; "
                f"use some of {', '.join(allowed)}"
            )
    metrics = (primary, *[m for m in (spec.metrics or allowed) if m != primary])
    if make_split is not None:
        splits = make_split(task)
    else:
        splits = make_splits(task, spec.split, builtin=spec.task.is_builtin)
    pre = Preprocessor(
        num_cols=list(task.numeric),
        cat_cols=list(task.categorical),
        target=task.target,
        task_type=task.task_type,
        classes=list(task.classes),
        numeric_transform=spec.split.numeric_transform,
        max_categories=spec.split.max_categories,
        seed=derive_seed(spec.split.seed, "preprocess"),
    ).fit(task.frame.loc[splits.train])
    matrices = {s: pre.transform(task.frame.loc[splits.ids(s)]) for s in SPLIT_NAMES}
    data_hash = data_digest(task.frame)
    payload = Payload(matrices, pre.info, primary, metrics, key=f"{splits.digest()}:{data_hash}")
    return Prepared(spec, task, splits, pre, payload, metrics, primary, data_hash)


@dataclass
class _FamilyState:
    name: str
    cls: type[Model]
    trials: int
    batch: int
    records: dict[int, dict[str, Any]] = field(default_factory=dict)
    proposed: dict[int, Proposal] = field(default_factory=dict)
    seeds: dict[int, dict[str, Any]] = field(default_factory=dict)
    best: dict[str, Any] | None = None
    exported: bool = False  # optuna/<family>.db holds every trial record

    @property
    def tuned(self) -> bool:
        return len(self.records) >= self.trials


def fixed_params(spec: Spec, family: str) -> dict[str, Any]:
    """Settings of ``family`` that the spec fixes (not tuned)."""
    s = spec.families.settings(family)
    out: dict[str, Any] = {}
    if family == "gbdt":
        for key in ("max_rounds", "early_stopping_rounds"):
            if getattr(s, key):
                out[key] = getattr(s, key)
    else:
        for key in ("max_epochs", "patience", "batch_size"):
            if getattr(s, key):
                out[key] = getattr(s, key)
        out["device"] = spec.device
        if spec.matmul_precision != "highest":
            out["matmul_precision"] = spec.matmul_precision
    out.update(s.params)
    return out


class Runner:
    """Runs one spec into one run directory."""

    def __init__(
        self,
        prepared: Prepared,
        store: RunStore,
        executor: Executor,
        *,
        progress: ProgressFn | None = None,
        on_tail: Callable[[], None] | None = None,
    ) -> None:
        """``on_tail`` runs once, when a worker first has nothing left to run (the driver's
        own later work can use that idle core)."""
        self.p = prepared
        self.on_tail = on_tail
        self.spec = prepared.spec
        self.store = store
        self.executor = executor
        self.progress = progress or (lambda event, info: None)
        self.base_seed = self.spec.seeds.base
        self.families = {
            f: _FamilyState(
                f,
                get_family(f, gbdt_backend=self.spec.families.gbdt_backend),
                self.spec.budget.trials,
                self.spec.budget.batch,
            )
            for f in self.spec.families.names
        }
        self.threads = self.spec.budget.threads_per_worker
        self.stale: list[str] = []

    # -- static artifacts --------------------------------------------------------------------
    def write_static(self) -> None:
        p, st, spec = self.p, self.store, self.spec
        seeds = list(range(spec.seeds.count))
        run_info = {
            "task_name": p.task.name,
            "task_type": p.task.task_type,
            "primary_metric": p.primary,
            "metrics": list(p.metrics),
            "higher_is_better": {m: HIGHER_IS_BETTER[m] for m in p.metrics},
            "families": list(spec.families.names),
            "family_labels": {
                f: family_label(f, spec.families.gbdt_backend) for f in spec.families.names
            },
            "seeds": seeds,
            "seed_values": [derive_seed(self.base_seed, "final", i) for i in seeds],
            "base_seed": self.base_seed,
            "n_classes": p.pre.info.n_classes,
            "class_names": list(p.pre.info.class_names),
            "trials_per_family": spec.budget.trials,
            "tune_max_rows": spec.budget.tune_max_rows,
            "train_rows": len(p.splits.train),
            "preset": spec.preset,
            "spec_hash": spec.digest(),
            "data_hash": p.data_hash,
            "title": spec.report.title,
            "author": spec.report.author,
        }
        atomic_write_json(st.path("run.json"), run_info)
        from .config import spec_to_toml

        atomic_write_text(st.path("spec.toml"), spec_to_toml(spec))
        task_json = p.task.to_json()
        task_json["preprocessing"] = {
            "numeric_transform": spec.split.numeric_transform,
            "numeric_used": list(p.pre.info.num_names),
            "categorical_used": list(p.pre.info.cat_names),
            "dropped_features": [list(x) for x in p.pre.dropped_],
        }
        atomic_write_json(st.path("task.json"), task_json)
        atomic_write_parquet(st.path("splits.parquet"), p.splits.frame())
        man = p.splits.manifest(p.task)
        man["dropped_features"] = [list(x) for x in p.pre.dropped_]
        atomic_write_json(st.path("splits.json"), man)

    # -- loading finished units ----------------------------------------------------------------
    def load_done(self) -> None:
        for fam in self.families.values():
            for n in range(fam.trials):
                rec = self.store.read_unit(self.store.trial_path(fam.name, n))
                if rec is not None:
                    fam.records[n] = rec
            for i in range(self.spec.seeds.count):
                rec = self.store.read_unit(
                    self.store.seed_path(fam.name, i), self.store.seed_predictions_path(fam.name, i)
                )
                if rec is not None:
                    fam.seeds[i] = rec
        # Units that were running when an earlier process died: stale, re-run from scratch.
        for marker in sorted(self.store.root.glob("*/*/*.running")):
            artifact = marker.with_name(marker.name[: -len(".running")])
            if not self.store.is_done(artifact):
                rel = str(artifact.relative_to(self.store.root))
                self.stale.append(rel)
                log.warning("%s was running when the previous run stopped; it is run again", rel)
            marker.unlink(missing_ok=True)

    def _artifact(self, unit: Unit) -> Path:
        if unit.kind == "trial":
            return self.store.trial_path(unit.family, unit.index)
        return self.store.seed_path(unit.family, unit.index)

    # -- scheduling --------------------------------------------------------------------------
    def _propose(self, fam: _FamilyState) -> list[Unit]:
        """Trials that may start now: trial ``n`` once trials ``0 .. n - window`` are told.

        At most ``window`` (= budget.batch) trials of a family run at once, and trial ``n``
        is proposed from the same inputs whoever finished first (see tuning.propose_trial).
        """
        units = []
        w = fam.batch
        for n in range(fam.trials):
            if n in fam.records or n in fam.proposed:
                continue
            if any(j not in fam.records for j in range(n - w + 1)):
                break
            pending = []
            for j in range(max(0, n - w + 1), n):
                known = fam.records.get(j) or fam.proposed.get(j)
                if known is None:  # pragma: no cover - proposals are made in number order
                    raise RunFailed(f"trial {fam.name}/{j} has no proposal (internal error)")
                pending.append(known if isinstance(known, dict) else known.as_record())
            prop = propose_trial(
                fam.cls,
                fam.name,
                [fam.records[j] for j in range(n - w + 1)],
                pending,
                number=n,
                base_seed=self.base_seed,
                startup=self.spec.budget.startup_trials,
            )
            fam.proposed[n] = prop
            units.append(self._trial_unit(fam, prop))
        return units

    def _trial_unit(self, fam: _FamilyState, prop: Proposal) -> Unit:
        return Unit(
            "trial",
            fam.name,
            prop.number,
            derive_seed(self.base_seed, "trial", fam.name, prop.number),
            prop.params,
            fixed_params(self.spec, fam.name),
            self.spec.families.gbdt_backend,
            self.threads,
            self.spec.budget.tune_max_rows,
            self.spec.split.seed,
        )

    def _seed_units(self, fam: _FamilyState) -> list[Unit]:
        if fam.best is None:
            fam.best = best_record(list(fam.records.values()))
            if fam.best is None:
                first = next(iter(fam.records.values()), {})
                raise RunFailed(
                    f"every trial of {fam.name} failed (first reason: {first.get('reason', '?')}); "
                    "see trials/ in the run directory"
                )
        return [
            Unit(
                "seed",
                fam.name,
                i,
                derive_seed(self.base_seed, "final", i),
                fam.best["params"],
                fixed_params(self.spec, fam.name),
                self.spec.families.gbdt_backend,
                self.threads,
            )
            for i in range(self.spec.seeds.count)
            if i not in fam.seeds
        ]

    def _record_trial(self, res: UnitResult) -> None:
        fam = self.families[res.unit.family]
        prop = fam.proposed[res.unit.index]
        value = res.metrics.get("val", {}).get(self.p.primary) if res.state == "COMPLETE" else None
        rec = {
            "family": fam.name,
            "number": res.unit.index,
            "state": res.state,
            "value": value,
            "score": score_for_maximisation(self.p.primary, value) if value is not None else None,
            "val_metrics": res.metrics.get("val", {}),
            "params": prop.params,
            "suggested": prop.suggested,
            "distributions": prop.distributions,
            "reason": res.reason,
            **_unit_fields(res),
        }
        self.store.write_unit(self.store.trial_path(fam.name, res.unit.index), rec)
        fam.records[res.unit.index] = rec

    def _record_seed(self, res: UnitResult) -> None:
        fam = self.families[res.unit.family]
        if res.state != "COMPLETE":
            raise RunFailed(
                f"final seed {res.unit.index} of {fam.name} failed: {res.reason}; fix the cause "
                "and run the same command again (finished units are kept)"
            )
        preds = prediction_frame(self.p, res)
        rec = {
            "family": fam.name,
            "index": res.unit.index,
            "params": res.unit.params,
            "best_trial": fam.best["number"] if fam.best else None,
            "metrics": res.metrics,
            **_unit_fields(res),
        }
        from .store import parquet_bytes

        pp = self.store.seed_predictions_path(fam.name, res.unit.index)
        self.store.write_unit(
            self.store.seed_path(fam.name, res.unit.index), rec, extra={pp: parquet_bytes(preds)}
        )
        fam.seeds[res.unit.index] = rec

    def _ready_units(self) -> list[Unit]:
        out: list[Unit] = []
        for fam in self.families.values():
            if not fam.tuned:
                out.extend(self._propose(fam))
            elif len(fam.seeds) < self.spec.seeds.count:
                if not any(
                    u.family == fam.name and u.kind == "seed" for u in self._queued
                ) and not any(
                    u.family == fam.name and u.kind == "seed" for u in self._inflight.values()
                ):
                    out.extend(self._seed_units(fam))
        return out

    def execute(self) -> None:
        """Run every unit that is not done yet."""
        self._queued: list[Unit] = []
        self._inflight: dict[Future[UnitResult], Unit] = {}
        totals = {
            f: {
                "trials": fam.trials,
                "seeds": self.spec.seeds.count,
                "trials_done": len(fam.records),
                "seeds_done": len(fam.seeds),
            }
            for f, fam in self.families.items()
        }
        self.progress(
            "start",
            {"families": totals, "workers": self.executor.workers, "executor": self.executor.name},
        )
        started = False
        ok = False
        # Driver chores that must not delay the next unit's dispatch: writing the Optuna study
        # of a family that finished tuning, the tail hook. One thread, joined below.
        chores = ThreadPoolExecutor(max_workers=1, thread_name_prefix="archbench-chores")
        chore_futures: list[Future[None]] = []
        exporting: set[str] = set()
        try:
            while True:
                self._queued.extend(self._ready_units())
                self._queued.sort(
                    key=lambda u: (_COST_ORDER.get(u.family, 9), u.kind != "trial", u.index)
                )
                if self._queued and not started:
                    self.executor.start(self.p.payload, self.threads)
                    started = True
                while self._queued and len(self._inflight) < self.executor.workers:
                    unit = self._queued.pop(0)
                    running = RunStore.running_path(self._artifact(unit))
                    atomic_write_json(running, {"unit": unit.label, "started": time.time()})
                    self._inflight[self.executor.submit(unit)] = unit
                if not self._inflight:
                    break
                for fam in self.families.values():
                    if fam.tuned and not fam.exported and fam.name not in exporting:
                        exporting.add(fam.name)
                        chore_futures.append(chores.submit(self._export_study, fam))
                if self.on_tail and len(self._inflight) < self.executor.workers:
                    chore_futures.append(chores.submit(self.on_tail))
                    self.on_tail = None
                done, _ = wait(list(self._inflight), return_when=FIRST_COMPLETED)
                for fut in sorted(done, key=lambda f: self._inflight[f].label):
                    unit = self._inflight.pop(fut)
                    try:
                        res = fut.result()
                    except BrokenProcessPool:
                        raise RunFailed(
                            f"a worker process died while running {unit.label} (out of memory "
                            "or killed?); run the same command again to resume"
                        ) from None
                    if unit.kind == "trial":
                        self._record_trial(res)
                    else:
                        self._record_seed(res)
                    RunStore.running_path(self._artifact(unit)).unlink(missing_ok=True)
                    self.progress(
                        "unit",
                        {
                            "family": unit.family,
                            "kind": unit.kind,
                            "index": unit.index,
                            "state": res.state,
                            "wall_s": res.wall_s,
                        },
                    )
            ok = True
        finally:
            if started:
                self.executor.shutdown() if ok else self.executor.abort()
            chores.shutdown(wait=True, cancel_futures=not ok)
        for chore in chore_futures:
            chore.result()  # a failed chore (say, the study could not be written) surfaces here
        for fam in self.families.values():
            if fam.best is None:
                fam.best = best_record(list(fam.records.values()))

    # -- assembling the store ----------------------------------------------------------------
    def _export_study(self, fam: _FamilyState) -> None:
        direction: Literal["minimize", "maximize"] = (
            "maximize" if HIGHER_IS_BETTER[self.p.primary] else "minimize"
        )
        export_study(
            self.store.path("optuna", f"{fam.name}.db"),
            fam.name,
            [fam.records[n] for n in sorted(fam.records)],
            direction,
        )
        fam.exported = True

    def assemble(self) -> None:
        st = self.store
        rows = []
        for fam in self.families.values():
            for n in sorted(fam.records):
                r = fam.records[n]
                rows.append(
                    {
                        "family": fam.name,
                        "number": n,
                        "state": r["state"],
                        "value": r["value"],
                        "wall_s": r["wall_s"],
                        "cpu_s": r["cpu_s"],
                        "fit_s": r.get("fit_s"),
                        "n_iter": r["n_iter"],
                        "reason": r.get("reason", ""),
                        "started_at": r.get("started_at"),
                        "ended_at": r.get("ended_at"),
                        "params": _json(r["params"]),
                    }
                )
            if not fam.exported:
                self._export_study(fam)
            best = fam.best or {}
            cls = fam.cls
            atomic_write_json(
                st.path("best", f"{fam.name}.json"),
                {
                    "family": fam.name,
                    "label": family_label(fam.name, self.spec.families.gbdt_backend),
                    "number": best.get("number"),
                    "value": best.get("value"),
                    "params": best.get("params"),
                    "fixed": fixed_params(self.spec, fam.name),
                    "default_params": cls.default_params(),
                    "search_space": cls.space_description(),
                    "trials": fam.trials,
                    "failed_trials": sum(r["state"] != "COMPLETE" for r in fam.records.values()),
                    "wall_s": float(sum(r["wall_s"] for r in fam.records.values())),
                    "cpu_s": float(sum(r["cpu_s"] for r in fam.records.values())),
                    "final_n_iter": [fam.seeds[i]["n_iter"] for i in sorted(fam.seeds)],
                    "iter_cap": _iteration_cap(fam.cls, fixed_params(self.spec, fam.name)),
                    "capped_seeds": sum(
                        r["n_iter"] >= (_iteration_cap(fam.cls, r["fixed"]) or 10**9)
                        for r in fam.seeds.values()
                    ),
                    "final_wall_s": float(sum(r["wall_s"] for r in fam.seeds.values())),
                    "final_cpu_s": float(sum(r["cpu_s"] for r in fam.seeds.values())),
                },
            )
        atomic_write_parquet(st.path("trials.parquet"), pd.DataFrame(rows))
        res_rows, pred_frames = [], []
        for fam in self.families.values():
            for i in sorted(fam.seeds):
                rec = fam.seeds[i]
                for split in ("val", "test", "shift"):
                    for m in self.p.metrics:
                        res_rows.append(
                            {
                                "family": fam.name,
                                "seed": i,
                                "split": split,
                                "metric": m,
                                "value": float(rec["metrics"][split][m]),
                            }
                        )
                pf = pd.read_parquet(st.seed_predictions_path(fam.name, i))
                pf.insert(0, "seed", i)
                pf.insert(0, "family", fam.name)
                pred_frames.append(pf)
        atomic_write_parquet(st.path("results.parquet"), pd.DataFrame(res_rows))
        atomic_write_parquet(
            st.path("predictions.parquet"), pd.concat(pred_frames, ignore_index=True)
        )


def _iteration_cap(cls: type[Model], fixed: dict[str, Any]) -> int | None:
    """The epoch (neural nets) or boosting-round (GBDT) cap a final seed trained under."""
    defaults = {**getattr(cls, "fixed_defaults", {}), **fixed}
    cap = defaults.get("max_epochs", defaults.get("max_rounds"))
    return int(cap) if cap else None


def _import_after(report: bool) -> None:
    """Import what the statistics and the report need (~0.5 s, mostly matplotlib)."""
    from . import analysis  # noqa: F401

    if report:
        from .report import build  # noqa: F401


def _cuda_available() -> bool:
    import torch

    return bool(torch.cuda.is_available())


def _unit_fields(res: UnitResult) -> dict[str, Any]:
    """What every unit record holds: its seed, fixed settings, timings and worker."""
    return {
        "fixed": res.unit.fixed,
        "seed": res.unit.seed,
        "wall_s": res.wall_s,
        "cpu_s": res.cpu_s,
        "fit_s": res.fit_s,
        "predict_s": res.predict_s,
        "n_iter": res.n_iter,
        "best_iter": res.best_iter,
        "worker": res.worker,
        "started_at": res.started_at,
        "ended_at": res.ended_at,
    }


def prediction_frame(p: Prepared, res: UnitResult) -> pd.DataFrame:
    """Per-row predictions of one seed: split, row_id, y_true, y_pred[, p_k]."""
    parts = []
    for split, pred in res.predictions.items():
        m = p.payload.matrices[split]
        d: dict[str, Any] = {"split": split, "row_id": m.row_id, "y_true": m.y.astype(np.float64)}
        if pred.ndim == 2:
            d["y_pred"] = pred.argmax(axis=1).astype(np.float64)
            for k in range(pred.shape[1]):
                d[f"p_{k}"] = pred[:, k].astype(np.float64)
        else:
            d["y_pred"] = pred.astype(np.float64)
        parts.append(pd.DataFrame(d))
    return pd.concat(parts, ignore_index=True)


def _json(obj: Any) -> str:
    import json

    return json.dumps(obj, sort_keys=True, default=str)


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
    spec: Spec, options: RunOptions, *, progress: ProgressFn | None = None
) -> RunStore:
    """The whole protocol; returns the store. Re-running skips every finished unit."""
    t0 = time.perf_counter()
    store = RunStore(options.out)
    store.check_location()
    threads = spec.budget.threads_per_worker
    # Whether a GPU is visible only matters where it would cap the pool (importing torch
    # here costs the driver ~1 s before the first unit).
    gpu_may_cap = options.workers is None and default_workers(threads) > GPU_WORKERS
    executor = make_executor(
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
        resumed = store.claim(spec.to_dict(), spec.digest(), force=options.force)
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
    from .analysis import analyze_run

    analyze_run(store.root)
    t3 = time.perf_counter()
    man = environment_manifest(
        spec,
        prepared,
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
        from .report.build import write_report

        t4 = time.perf_counter()
        write_report(store.root)
        man["timings"]["report_s"] = time.perf_counter() - t4
    man["timings"]["total_s"] = time.perf_counter() - t0
    atomic_write_json(store.path("manifest.json"), man)
    return store
