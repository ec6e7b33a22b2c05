"""What 0 and 1 of a suite's normalised scores are, per task and split (``suite.normalise``).

1 is always the task's best family mean of the primary metric (over seeds) on that split. 0 is
the task's worst family mean (``"worst"``, the default) or its reference row
(``"reference"``: seasonal naive for forecasting, TF-IDF + logistic regression for text; see
the kind's ``reference_zero``), so that a family worse than the reference
scores below 0. A raw value ``x`` scores ``(x - zero) / scale`` with
``scale = sign * |best - zero|`` (``sign`` the metric's direction): higher is better whatever
the metric, and where the reference beats every family the best family scores -1.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

import archbench.stats.aggregates as ss
from archbench.errors import ConfigError

__all__ = ["DESCRIPTIONS", "Normalised", "SuiteScores", "Zero", "normalise_split"]


@dataclass(frozen=True)
class SuiteScores:
    """The per-task numbers the aggregates use, aligned on common family keys."""

    tasks: list[str]
    families: list[str]  # common keys (names or roles)
    labels: dict[str, str]
    members: dict[str, dict[str, str]]  # task -> key -> the task's family name
    runs: dict[str, dict[str, Any]]  # task -> run.json
    raw: dict[str, np.ndarray]  # split -> (n_tasks, n_seeds, n_families) primary metric
    higher: list[bool]  # (n_tasks,) direction of each task's primary metric


#: suite_stats.json ``normalisation``: the words for each mode.
DESCRIPTIONS = {
    "worst": (
        "per task and split, from the family means of the primary metric over seeds: "
        "1 = the best family, 0 = the worst; direction-aware; fixed anchors, so single "
        "seeds may fall outside [0, 1]"
    ),
    "reference": (
        "per task and split, from the family means of the primary metric over seeds: "
        "1 = the best family, 0 = the task's reference row (zeros names it per task); "
        "direction-aware; fixed anchors: a family worse than the reference scores below 0, "
        "and where the reference beats every family the best family scores -1"
    ),
}


@dataclass(frozen=True)
class Zero:
    """What 0 of one task's normalised score is on one split.

    Attributes:
        source: ``"worst_family"`` or the reference row's key (``"seasonal_naive"``, ...).
        label: its words for the report ("the worst family", "Seasonal naive").
        value: its raw value of the primary metric.
    """

    source: str
    label: str
    value: float


@dataclass(frozen=True)
class Normalised:
    """One split's normalised scores and their anchors.

    Attributes:
        scores: ``(n_tasks, n_seeds, n_families)`` normalised scores.
        zero: ``(n_tasks,)`` the raw value that scores 0.
        scale: ``(n_tasks,)`` the raw distance that scores 1, signed by the direction
            (0 where the anchors coincide; every score is then 0.5).
        zeros: per task, what 0 is.
    """

    scores: np.ndarray
    zero: np.ndarray
    scale: np.ndarray
    zeros: tuple[Zero, ...]

    def interval(self, i: int, low: Any, high: Any) -> tuple[float | None, float | None]:
        """Task ``i``'s raw interval ``[low, high]`` on the normalised scale (ordered)."""
        if low is None or high is None or np.isnan(low) or np.isnan(high) or self.scale[i] == 0:
            return None, None
        lo, hi = ((float(x) - self.zero[i]) / self.scale[i] for x in (low, high))
        return min(lo, hi), max(lo, hi)


def _reference_zero(root: Path, data: SuiteScores, i: int, split: str, chosen: str = "") -> Zero:
    """Task ``i``'s reference row on ``split``, primary metric: ``chosen`` where the task's kind
    has that row (its kind's ``reference_rows``), else the first of its kind's
    ``reference_zero``.

    Raises:
        ConfigError: the task has none of those rows for that metric and split.
    """
    from archbench.kinds import get_kind, kind_names

    t = data.tasks[i]
    kind, prim = data.runs[t]["kind"], data.runs[t]["primary_metric"]
    task = json.loads((root / t / "task.json").read_text())
    refs = task.get("references") or {}
    registered = get_kind(kind) if kind in kind_names() else None
    if chosen and registered is not None and chosen in registered.reference_rows:
        if chosen not in refs:
            why = str(task.get("reference_note") or "the run has no such row")
            raise ConfigError(
                f"suite.reference = {chosen!r}: task {t!r} has no {chosen} row ({why}); choose "
                "another suite.reference or leave it out"
            )
        keys: tuple[str, ...] = (chosen,)
    else:
        keys = registered.reference_zero if registered is not None else ()
    for key in keys:
        entry = refs.get(key)
        if not isinstance(entry, dict):
            continue
        value = (entry.get("metrics", entry).get(split) or {}).get(prim)
        if isinstance(value, int | float) and np.isfinite(value):
            label = str(entry.get("label") or key.replace("_", " ").capitalize())
            return Zero(key, label, float(value))
    wanted = " or ".join(keys) or f"none for {kind} tasks"
    raise ConfigError(
        f'suite.normalise = "reference": task {t!r} has no reference value of {prim} on the '
        f'{split} split (reference rows: {wanted}); use suite.normalise = "worst"'
    )


def normalise_split(
    root: Path, data: SuiteScores, split: str, mode: str, reference: str = ""
) -> Normalised:
    """Normalise one split's primary metric per task (``mode``: "worst" or "reference";
    ``reference``: the row that is 0 where a task's kind has it, see ``suite.reference``)."""
    if mode not in DESCRIPTIONS:
        raise ConfigError(f'suite.normalise = {mode!r}: use "worst" or "reference"')
    v = data.raw[split]
    scores = np.empty_like(v)
    zero = np.empty(len(data.tasks))
    scale = np.empty(len(data.tasks))
    zeros = []
    for i, hib in enumerate(data.higher):
        m = v[i].mean(axis=0)
        best = m.max() if hib else m.min()
        if mode == "reference":
            z = _reference_zero(root, data, i, split, reference)
            zero[i] = z.value
            scores[i] = ss.normalise_scores(v[i : i + 1], hib, zero=zero[i : i + 1])[0]
        else:
            z = Zero("worst_family", "the worst family", float(m.min() if hib else m.max()))
            zero[i] = z.value
            scores[i] = ss.normalise_scores(v[i : i + 1], hib)[0]
        scale[i] = (1.0 if hib else -1.0) * abs(best - zero[i])
        zeros.append(z)
    return Normalised(scores, zero, scale, tuple(zeros))
