"""The store's static files before the units run, and its tables after them.

``write_static`` records what the run is (run.json, the resolved spec, the task and its split)
from the kind's prepared task; ``assemble`` gathers the unit records into trials.parquet,
best/<family>.json, results.parquet (long: family, seed, split, metric, value),
predictions.parquet and the kind's own tables (``Kind.store_tables``).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

import pandas as pd

from archbench.engine.prepare import fixed_params
from archbench.engine.store import atomic_write_json, atomic_write_parquet, atomic_write_text
from archbench.kinds.family import BUDGET_KEYS, Model
from archbench.names import SCORED_SPLITS
from archbench.seeding import derive_seed

if TYPE_CHECKING:
    from archbench.engine.prepare import PreparedRun
    from archbench.engine.store import RunStore
    from archbench.engine.tuning import Proposal
    from archbench.kinds.base import Kind
    from archbench.spec.model import Spec


@dataclass
class FamilyState:
    """What the scheduler knows of one family: its trials, its final seeds, its best trial."""

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


class RunState(Protocol):
    """The plain run state the store's files are written from (the scheduler is one)."""

    p: PreparedRun
    store: RunStore
    spec: Spec
    kind: Kind
    base_seed: int

    @property
    def families(self) -> Mapping[str, FamilyState]:
        """The run's families by name."""

    def export_study(self, fam: FamilyState) -> None:
        """Write optuna/<family>.db from the family's trial records."""


def write_static(runner: RunState) -> None:
    """run.json, spec.toml, task.json, splits.parquet and splits.json, before any unit runs."""
    p, st, spec = runner.p, runner.store, runner.spec
    prep, kind = p.prepared, p.kind
    seeds = list(range(spec.seeds.count))
    run_info = {
        "task_name": prep.task_json["name"],
        "task_type": prep.task_json["task_type"],
        "primary_metric": p.primary,
        "metrics": list(p.metrics),
        "higher_is_better": {s.name: s.higher_is_better for s in prep.metrics.specs},
        "families": list(spec.families.names),
        "family_labels": {
            f: kind.family(f).display(spec.families.gbdt_backend) for f in spec.families.names
        },
        "seeds": seeds,
        "seed_values": [derive_seed(runner.base_seed, "final", i) for i in seeds],
        "base_seed": runner.base_seed,
        **prep.run_fields,
        "trials_per_family": spec.budget.trials,
        "tune_max_rows": spec.budget.tune_max_rows,
        "train_rows": prep.sizes["train"],
        "preset": spec.preset,
        "spec_hash": spec.digest(),
        "data_hash": p.data_hash,
        "title": spec.report.title,
        "author": spec.report.author,
        "kind": kind.name,
        "unit_word": list(kind.unit_word),
        "metric_info": prep.metrics.describe(),
    }
    atomic_write_json(st.path("run.json"), run_info)
    from archbench.spec.model import spec_to_toml

    atomic_write_text(st.path("spec.toml"), spec_to_toml(spec))
    atomic_write_json(st.path("task.json"), prep.task_json)
    atomic_write_parquet(st.path("splits.parquet"), prep.splits_frame)
    atomic_write_json(st.path("splits.json"), prep.splits_json)
    _write_reference_predictions(runner)


def _write_reference_predictions(runner: RunState) -> None:
    """reference_predictions.parquet: each reference row's per-unit predictions (seed 0), in
    the families' prediction layout, for the reference tests of analysis."""
    prep, kind = runner.p.prepared, runner.p.kind
    frames = []
    for name, by_part in prep.reference_predictions.items():
        for split, pred in by_part.items():
            pf = kind.prediction_frame(split, prep.parts[split], pred)
            pf.insert(0, "seed", 0)
            pf.insert(0, "family", name)
            frames.append(pf)
    if frames:
        path = runner.store.path("reference_predictions.parquet")
        atomic_write_parquet(path, pd.concat(frames, ignore_index=True))


def assemble(runner: RunState) -> None:
    """trials.parquet, best/<family>.json, results.parquet, predictions.parquet and the
    kind's own tables."""
    st = runner.store
    rows = []
    for fam in runner.families.values():
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
            runner.export_study(fam)
        best = fam.best or {}
        cls = fam.cls
        atomic_write_json(
            st.path("best", f"{fam.name}.json"),
            {
                "family": fam.name,
                "label": runner.kind.family(fam.name).display(runner.spec.families.gbdt_backend),
                "number": best.get("number"),
                "value": best.get("value"),
                "params": best.get("params"),
                "fixed": fixed_params(runner.spec, fam.name),
                "default_params": cls.default_params(),
                "search_space": cls.space_description(),
                "trials": fam.trials,
                "failed_trials": sum(r["state"] != "COMPLETE" for r in fam.records.values()),
                "wall_s": float(sum(r["wall_s"] for r in fam.records.values())),
                "cpu_s": float(sum(r["cpu_s"] for r in fam.records.values())),
                "final_n_iter": [fam.seeds[i]["n_iter"] for i in sorted(fam.seeds)],
                "iter_cap": _iteration_cap(fam.cls, fixed_params(runner.spec, fam.name)),
                "training_budget": training_budget(fam.cls, fixed_params(runner.spec, fam.name)),
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
    for fam in runner.families.values():
        for i in sorted(fam.seeds):
            rec = fam.seeds[i]
            for split in SCORED_SPLITS:
                for m in runner.p.metrics:
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
    preds = pd.concat(pred_frames, ignore_index=True)
    atomic_write_parquet(st.path("predictions.parquet"), preds)
    for name, frame in runner.kind.store_tables(preds, runner.p.prepared).items():
        atomic_write_parquet(st.path(name), frame)


def _iteration_cap(cls: type[Model[Any, Any]], fixed: dict[str, Any]) -> int | None:
    """The epoch (neural nets) or boosting-round (GBDT) cap a final seed trained under."""
    defaults = {**getattr(cls, "fixed_defaults", {}), **fixed}
    cap = defaults.get("max_epochs", defaults.get("max_rounds"))
    return int(cap) if cap else None


def training_budget(cls: type[Model[Any, Any]], fixed: dict[str, Any]) -> dict[str, int]:
    """The settings that bound one training of a family (defaults filled in), for the report's
    equal-budget statement: epochs, patience and batch size, or rounds and early stopping."""
    merged = {**getattr(cls, "fixed_defaults", {}), **fixed}
    return {k: int(merged[k]) for k in BUDGET_KEYS if merged.get(k) is not None}


def _json(obj: Any) -> str:
    return json.dumps(obj, sort_keys=True, default=str)
