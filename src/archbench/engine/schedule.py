"""Scheduling: tuning trials of every family and final seeds on one executor, resumable.

Each family's study proposes its next trials as soon as the earlier ones are told (a window of
``budget.batch``); once a family's trials are done its best configuration is retrained with
every seed. Every unit is written to the store when it finishes; units found done are skipped.
Queued units go to the family with the most estimated work left (longest work first, from the
times of its finished trials), so that the costliest family of a task, whichever it is, does
not run its last units alone while the other workers idle.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path
from typing import Any, Literal

import pandas as pd

from archbench.engine.assemble import FamilyState
from archbench.engine.executors.local import Executor
from archbench.engine.prepare import PreparedRun, fixed_params
from archbench.engine.store import RunStore, atomic_write_json
from archbench.engine.tuning import Proposal, best_record, export_study, propose_trial
from archbench.engine.units import Unit, UnitResult
from archbench.errors import RunFailed
from archbench.seeding import derive_seed

log = logging.getLogger(__name__)

ProgressFn = Callable[[str, dict[str, Any]], None]


class Runner:
    """Runs one spec into one run directory."""

    def __init__(
        self,
        prepared: PreparedRun,
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
        self.kind = prepared.kind
        self.primary = prepared.prepared.metrics.primary
        self.families = {
            f: FamilyState(
                f,
                self.kind.family(f).load(self.spec.families.gbdt_backend),
                self.spec.budget.trials,
                self.spec.budget.batch,
            )
            for f in self.spec.families.names
        }
        self.cost_rank = {f.name: f.cost_rank for f in self.kind.families}
        self.threads = self.spec.budget.threads_per_worker
        self.stale: list[str] = []

    # -- the store's files before and after the units (archbench.engine.assemble) -------------
    def write_static(self) -> None:
        from archbench.engine.assemble import write_static

        write_static(self)

    def assemble(self) -> None:
        from archbench.engine.assemble import assemble

        assemble(self)

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
    def _propose(self, fam: FamilyState) -> list[Unit]:
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

    def _trial_unit(self, fam: FamilyState, prop: Proposal) -> Unit:
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

    def _seed_units(self, fam: FamilyState) -> list[Unit]:
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
                bootstrap_seed=(
                    derive_seed(self.spec.split.seed, "train_bootstrap", i)
                    if self.spec.seeds.vary == "model+data"
                    else None
                ),
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
            "score": self.primary.maximised(value) if value is not None else None,
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
        parts = self.p.payload.parts
        preds = pd.concat(
            [self.kind.prediction_frame(s, parts[s], pred) for s, pred in res.predictions.items()],
            ignore_index=True,
        )
        rec = {
            "family": fam.name,
            "index": res.unit.index,
            "params": res.unit.params,
            "best_trial": fam.best["number"] if fam.best else None,
            "metrics": res.metrics,
            **_unit_fields(res),
        }
        from archbench.engine.store import parquet_bytes

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

    def _priority(self, unit: Unit) -> tuple[float, int, bool, int]:
        """Sort key of a queued unit: the family with the most work left goes first.

        A family none of whose trials has finished yet goes before every measured one (in the
        kind's ``cost_rank`` order), so that each family's cost is known early; then families
        are ordered by their estimated remaining seconds, so the costliest family's final
        seeds do not run alone at the end while the other worker idles (longest work first).
        Scheduling never changes a number: each trial is proposed from the same inputs
        whatever finished first, and every unit carries its own seed.
        """
        rank = self.cost_rank.get(unit.family, 9)
        left = self._work_left(self.families[unit.family])
        return (-left if left is not None else -math.inf, rank, unit.kind != "trial", unit.index)

    def _work_left(self, fam: FamilyState) -> float | None:
        """Estimated wall seconds of ``fam``'s units not started yet; None before any trial ends.

        Trials cost their family's mean trial so far; a final seed what its seeds took so far,
        else the best trial's time scaled by how many more training rows a seed has than a
        trial (the tuning subsample).
        """
        walls = [float(r["wall_s"]) for r in fam.records.values() if r.get("wall_s")]
        if not walls:
            return None
        running = [u for u in self._inflight.values() if u.family == fam.name]
        trials_left = fam.trials - len(fam.records) - sum(u.kind == "trial" for u in running)
        seeds_left = self.spec.seeds.count - len(fam.seeds) - sum(u.kind == "seed" for u in running)
        done = [float(r["wall_s"]) for r in fam.seeds.values() if r.get("wall_s")]
        if done:
            seed_s = sum(done) / len(done)
        else:
            best = best_record(list(fam.records.values()))
            base = float(best["wall_s"]) if best and best.get("wall_s") else max(walls)
            seed_s = base * self._seed_rows_ratio
        return max(trials_left, 0) * sum(walls) / len(walls) + max(seeds_left, 0) * seed_s

    @property
    def _seed_rows_ratio(self) -> float:
        """Training rows of a final seed over those of a trial (>= 1)."""
        n = int(self.p.prepared.sizes.get("train", 0))
        tune = self.spec.budget.tune_max_rows
        return n / tune if 0 < tune < n else 1.0

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
                self._queued.sort(key=self._priority)
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
                        chore_futures.append(chores.submit(self.export_study, fam))
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
    def export_study(self, fam: FamilyState) -> None:
        direction: Literal["minimize", "maximize"] = (
            "maximize" if self.primary.higher_is_better else "minimize"
        )
        export_study(
            self.store.path("optuna", f"{fam.name}.db"),
            fam.name,
            [fam.records[n] for n in sorted(fam.records)],
            direction,
        )
        fam.exported = True


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
