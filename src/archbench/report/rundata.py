"""Read what the report needs from a run directory, once, with clear errors.

Files and fields read (docs/run-directory.md): run.json, task.json, splits.json, spec.json,
manifest.json, stats.json, summary.csv, results.parquet, trials.parquet, best/<family>.json.
comparisons.csv is not needed (stats.json holds the same rows with more columns).
"""

from __future__ import annotations

import json
import logging
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from archbench.errors import StoreError

log = logging.getLogger(__name__)

REQUIRED = (
    "run.json",
    "task.json",
    "stats.json",
    "summary.csv",
    "results.parquet",
    "trials.parquet",
)


def _read_json(path: Path, *, required: bool) -> dict[str, Any]:
    if not path.exists():
        if required:
            raise StoreError(
                f"{str(path)!r} is missing: the report needs a finished run "
                "(run 'archbench run' or 'archbench stats' first)"
            )
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise StoreError(f"{str(path)!r} is not readable JSON: {exc}") from None
    if not isinstance(data, dict):
        raise StoreError(f"{str(path)!r} must hold a JSON object")
    return data


def _read_table(path: Path, columns: tuple[str, ...]) -> pd.DataFrame:
    if not path.exists():
        raise StoreError(
            f"{str(path)!r} is missing: the report needs a finished run "
            "(run 'archbench run' or 'archbench stats' first)"
        )
    try:
        df = pd.read_csv(path) if path.suffix == ".csv" else pd.read_parquet(path)
    except Exception as exc:  # pandas raises many types for a corrupt file
        raise StoreError(f"{str(path)!r} is not readable: {exc}") from None
    missing = [c for c in columns if c not in df.columns]
    if missing:
        raise StoreError(f"{str(path)!r} lacks the columns {missing}; it has {list(df.columns)}")
    return df


def finite(x: Any) -> float | None:
    """``x`` as a float, or None for null/NaN/inf/non-numbers."""
    try:
        v = float(x)
    except (TypeError, ValueError):
        return None
    return v if math.isfinite(v) else None


@dataclass
class RunData:
    """Everything the report reads, already parsed."""

    root: Path
    run: dict[str, Any]
    task: dict[str, Any]
    splits: dict[str, Any]
    spec: dict[str, Any]
    spec_hash: str
    manifest: dict[str, Any]
    stats: dict[str, Any]
    summary: pd.DataFrame
    results: pd.DataFrame
    trials: pd.DataFrame
    best: dict[str, dict[str, Any]] = field(default_factory=dict)
    #: For runs older than run.json's ``metric_info``: ``metric -> info`` from the run's kind
    #: (set by the report layer, ``kindparts.load_run_for_report``; this module imports no kind).
    metric_fallback: Callable[[str], dict[str, Any]] | None = None

    # -- identities ------------------------------------------------------------------------
    @property
    def families(self) -> list[str]:
        return [str(f) for f in self.run.get("families") or sorted(self.summary["family"].unique())]

    @property
    def metrics(self) -> list[str]:
        return [str(m) for m in self.run.get("metrics") or sorted(self.summary["metric"].unique())]

    @property
    def primary(self) -> str:
        return str(
            self.run.get("primary_metric") or self.stats.get("primary_metric") or self.metrics[0]
        )

    @property
    def n_seeds(self) -> int:
        seeds = self.run.get("seeds")
        if isinstance(seeds, list) and seeds:
            return len(seeds)
        return int(self.results["seed"].nunique())

    @property
    def confidence(self) -> float:
        return float(self.stats.get("confidence") or 0.95)

    def label(self, family: str) -> str:
        labels = self.run.get("family_labels") or {}
        return str(labels.get(family) or (self.best.get(family) or {}).get("label") or family)

    def labels(self) -> dict[str, str]:
        return {f: self.label(f) for f in self.families}

    def metric_info(self, metric: str) -> dict[str, Any]:
        """What run.json records of ``metric`` (older runs: the kind's spec of it)."""
        info = (self.run.get("metric_info") or {}).get(metric)
        if info:
            return dict(info)
        return self.metric_fallback(metric) if self.metric_fallback is not None else {}

    def higher(self, metric: str) -> bool:
        hib = self.run.get("higher_is_better") or {}
        if metric in hib:
            return bool(hib[metric])
        return bool(self.metric_info(metric).get("higher_is_better", True))

    def is_error(self, metric: str) -> bool:
        """An error measure (lower is better, 0 is perfect)."""
        return bool(self.metric_info(metric).get("error", False))

    def metric_label(self, metric: str) -> str:
        labels = self.stats.get("metric_labels") or {}
        label = labels.get(metric) or self.metric_info(metric).get("label") or metric
        return str(label).replace("R^2", "R\u00b2")

    # -- look-ups --------------------------------------------------------------------------
    def summary_row(self, family: str, split: str, metric: str) -> dict[str, Any] | None:
        row = self._summary_index.get((family, split, metric))
        return None if row is None else dict(row)

    @cached_property
    def _summary_index(self) -> dict[tuple[str, str, str], dict[str, Any]]:
        """``(family, split, metric) -> row`` of summary.csv (the first row of each key)."""
        index: dict[tuple[str, str, str], dict[str, Any]] = {}
        for row in self.summary.to_dict("records"):
            index.setdefault((row["family"], row["split"], row["metric"]), row)
        return index

    def top_two(self) -> tuple[str, str] | None:
        fams = (self.stats.get("top_two") or {}).get("families") or []
        return (str(fams[0]), str(fams[1])) if len(fams) >= 2 else None

    def comparison(self, split: str, metric: str) -> dict[str, Any] | None:
        """The top two's paired comparison on ``split`` and ``metric`` (family_a - family_b)."""
        top = self.top_two()
        for c in self.stats.get("comparisons") or []:
            if (
                c.get("split") == split
                and c.get("metric") == metric
                and (top is None or (c.get("family_a"), c.get("family_b")) == top)
            ):
                return dict(c)
        return None

    def pair(self, fa: str, fb: str, split: str, metric: str) -> dict[str, Any] | None:
        """A row of ``all_pairs`` oriented as ``fa - fb`` (the sign is flipped if stored b-a)."""
        for c in self.stats.get("all_pairs") or []:
            if c.get("split") != split or c.get("metric") != metric:
                continue
            if (c.get("family_a"), c.get("family_b")) == (fa, fb):
                return dict(c)
            if (c.get("family_a"), c.get("family_b")) == (fb, fa):
                out = dict(c)
                for k in ("mean_diff", "ci_low", "ci_high"):
                    v = finite(c.get(k))
                    out[k] = None if v is None else -v
                out["ci_low"], out["ci_high"] = out["ci_high"], out["ci_low"]
                out["family_a"], out["family_b"] = fa, fb
                return out
        return None

    def shift_row(self, family: str, metric: str) -> dict[str, Any] | None:
        for r in self.stats.get("shift") or []:
            if r.get("family") == family and r.get("metric") == metric:
                return dict(r)
        return None

    def power_row(self, split: str, metric: str) -> dict[str, Any] | None:
        for r in self.stats.get("power") or []:
            if r.get("split") == split and r.get("metric") == metric:
                return dict(r)
        return None

    def trial_table(self) -> pd.DataFrame:
        """trials.parquet with ``value`` in the metric's own units (see below)."""
        t = self.trials.copy()
        vals = pd.to_numeric(t["value"], errors="coerce").to_numpy(dtype=float)
        ok = vals[np.isfinite(vals)]
        # A store may hold Optuna's maximised score (the negated error) instead of the metric.
        if (
            not self.higher(self.primary)
            and self.is_error(self.primary)
            and len(ok)
            and np.all(ok < 0)
        ):
            vals = -vals
        t["value"] = vals
        return t


def load_run(root: Path) -> RunData:
    """Read a finished run directory.

    Raises:
        StoreError: ``root`` is not a directory, or a required file is missing or unreadable.
    """
    root = Path(root)
    if not root.is_dir():
        raise StoreError(f"run directory {str(root)!r} does not exist or is not a directory")
    run = _read_json(root / "run.json", required=True)
    spec_file = _read_json(root / "spec.json", required=False)
    spec = (
        spec_file.get("spec", spec_file) if isinstance(spec_file.get("spec"), dict) else (spec_file)
    )
    spec_hash = str(spec_file.get("spec_hash") or run.get("spec_hash") or "")
    summary = _read_table(
        root / "summary.csv", ("family", "split", "metric", "mean", "ci_low", "ci_high")
    )
    results = _read_table(root / "results.parquet", ("family", "seed", "split", "metric", "value"))
    trials = _read_table(root / "trials.parquet", ("family", "number", "state", "value"))
    data = RunData(
        root=root,
        run=run,
        task=_read_json(root / "task.json", required=True),
        splits=_read_json(root / "splits.json", required=False),
        spec=spec,
        spec_hash=spec_hash,
        manifest=_read_json(root / "manifest.json", required=False),
        stats=_read_json(root / "stats.json", required=True),
        summary=summary,
        results=results,
        trials=trials,
    )
    for fam in data.families:
        data.best[fam] = _read_json(root / "best" / f"{fam}.json", required=False)
    return data
