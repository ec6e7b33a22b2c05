"""The tabular kind's own ``[task]`` settings: row identifiers, the positive class, the primary
metric and the positives every split must hold.

* ``keep_ids``: columns that identify rows (excluded from the features by default) to keep.
* ``positive_class``: the class the imbalanced-label metrics (average precision, recall at 1%
  FPR, F1 at the validation threshold) score; it becomes the last class index. Default for two
  classes: the second in sorted order.
* ``primary_metric``: the metric that tunes, selects and leads the report (default ROC-AUC for
  classification, RMSE for regression), e.g. ``"average_precision"``.
* ``min_positives`` (default 10): with a positive class or an imbalanced-label metric, every
  split must hold at least this many positive rows, else the run stops before training.
"""

from __future__ import annotations

import dataclasses
import logging
from typing import TYPE_CHECKING, Any

from archbench.errors import ConfigError, DataError
from archbench.kinds.base import SPLIT_NAMES
from archbench.kinds.imbalanced import IMBALANCED_METRICS
from archbench.metrics import MetricSet

if TYPE_CHECKING:
    from archbench.config import Spec
    from archbench.kinds.base import Kind

    from .splits import Splits
    from .tasks.base import TaskData

log = logging.getLogger(__name__)

TASK_KEYS: tuple[str, ...] = ("keep_ids", "positive_class", "primary_metric", "min_positives")
#: Positive rows every split needs by default: fewer make average precision and recall at a
#: fixed FPR rest on a handful of rows (their bootstrap intervals degenerate).
MIN_POSITIVES = 10


def validate(spec: Spec, kind: Kind) -> None:
    """Types and values of the tabular ``[task]`` settings; raise ConfigError naming the key."""
    o = spec.task.options
    keep = o.get("keep_ids", [])
    if not isinstance(keep, list | tuple) or not all(isinstance(c, str) for c in keep):
        raise ConfigError(f"task.keep_ids must be a list of column names, got {keep!r}")
    pc = o.get("positive_class")
    if pc is not None and (isinstance(pc, bool) or not isinstance(pc, str | int | float)):
        raise ConfigError(f"task.positive_class must be a class label (text or number), got {pc!r}")
    pm = o.get("primary_metric")
    if pm is not None:
        if not isinstance(pm, str):
            raise ConfigError(f"task.primary_metric must be a metric name, got {pm!r}")
        try:
            kind.metric(pm)
        except KeyError:
            raise ConfigError(
                f"task.primary_metric {pm!r} is unknown; use one of {', '.join(kind.metric_names)}"
            ) from None
    mp = o.get("min_positives", MIN_POSITIVES)
    if isinstance(mp, bool) or not isinstance(mp, int) or mp < 1:
        raise ConfigError(f"task.min_positives must be an integer >= 1, got {mp!r}")


def positive_label(spec: Spec) -> str | None:
    """``task.positive_class`` spelled as the task's class labels are (1.0 -> "1")."""
    pc = spec.task.options.get("positive_class")
    if pc is None:
        return None
    import pandas as pd

    from .tasks.base import labels_as_strings

    return str(labels_as_strings(pd.Series([pc])).iloc[0])


def _imbalanced_in_use(spec: Spec) -> list[str]:
    names = [*spec.metrics, str(spec.task.options.get("primary_metric") or "")]
    return [m for m in names if m in IMBALANCED_METRICS]


def with_positive_class(task: TaskData, spec: Spec) -> TaskData:
    """The task with the positive class as its last class (checked against the target).

    Raises:
        ConfigError: a positive class or imbalanced-label metric for a regression task, or an
            imbalanced-label metric for more than two classes without ``task.positive_class``.
        DataError: a positive class the target does not hold.
    """
    label, used = positive_label(spec), _imbalanced_in_use(spec)
    if task.task_type != "classification":
        if label is not None or used:
            what = "task.positive_class" if label is not None else f"metric {used[0]!r}"
            raise ConfigError(f"{what} applies to classification tasks only; remove it")
        return task
    if label is None:
        if used and len(task.classes) > 2:
            raise ConfigError(
                f"metric {used[0]!r} scores one class against the rest; target "
                f"{task.target!r} has {len(task.classes)} classes: set task.positive_class"
            )
        return task
    if label not in task.classes:
        raise DataError(
            f"task.positive_class {label!r} is not a class of target {task.target!r}; the "
            f"classes are {', '.join(repr(c) for c in task.classes)}"
        )
    classes = (*[c for c in task.classes if c != label], label)
    return dataclasses.replace(task, classes=classes)


def base_rates(task: TaskData, splits: Splits) -> dict[str, float]:
    """Share of the positive (last) class per split."""
    y = task.frame[task.target].astype("string")
    pos = task.classes[-1]
    return {s: float((y.loc[splits.ids(s)] == pos).mean()) for s in SPLIT_NAMES}


def check_positives(task: TaskData, splits: Splits, spec: Spec) -> None:
    """With a positive class or an imbalanced-label metric: every split holds enough positives.

    Raises:
        DataError: a split with fewer than ``task.min_positives`` positive rows, with the fix.
    """
    if task.task_type != "classification":
        return
    if positive_label(spec) is None and not _imbalanced_in_use(spec):
        return
    need = int(spec.task.options.get("min_positives", MIN_POSITIVES))
    y = task.frame[task.target].astype("string")
    pos = task.classes[-1]
    for s in ("train", "val", "test", "shift"):
        ids = splits.ids(s)
        n = int((y.loc[ids] == pos).sum())
        if n < need:
            fix = (
                "widen the shift rule (task.shift) or raise split.max_shift_rows"
                if s == "shift"
                else f"use more data or raise the {s} split's size (split fractions or caps)"
            )
            raise DataError(
                f"the {s} split holds {n} rows of the positive class {pos!r} (of {len(ids):,}), "
                f"fewer than the {need} the statistics need (task.min_positives); {fix}"
            )


def run_metrics(metrics: MetricSet, task: TaskData, splits: Splits, spec: Spec) -> MetricSet:
    """The run's metrics: ``task.primary_metric`` first, the base rate in the imbalanced-label
    metrics' notes.

    Raises:
        ConfigError: a primary metric that does not apply to the task type.
    """
    primary = spec.task.options.get("primary_metric")
    specs = list(metrics.specs)
    if primary and primary != metrics.primary.name:
        from . import _SETS

        available = _SETS[task.task_type]
        if primary not in available:
            raise ConfigError(
                f"task.primary_metric {primary!r} does not apply to {task.task_type}; use one "
                f"of {', '.join(available.names)}"
            )
        specs = [available[primary], *[s for s in specs if s.name != primary]]
    if task.task_type == "classification" and any(s.name in IMBALANCED_METRICS for s in specs):
        rates = base_rates(task, splits)
        note = (
            f"base rate of class {task.classes[-1]!r}: {rates['test']:.2%} (ID test), "
            f"{rates['shift']:.2%} (shift)"
        )
        specs = [
            dataclasses.replace(s, note=note) if s.name in IMBALANCED_METRICS else s for s in specs
        ]
    return MetricSet(tuple(specs))


def add_profile(
    task_json: dict[str, Any], task: TaskData, splits: Splits, spec: Spec, metrics: MetricSet
) -> None:
    """Add the positive class, the shift profile, the near-leak screen and the reviewer
    warnings to task.json (and log the warnings)."""
    from .profile import review, shift_profile
    from .screen import feature_screen, screen_warnings

    if task.task_type == "classification":
        rates = base_rates(task, splits)
        task_json["positive_class"] = {
            "label": task.classes[-1],
            "set": positive_label(spec) is not None,
            "base_rate": rates,
        }
    profile = shift_profile(task, splits, seed=spec.split.seed)
    task_json["shift_profile"] = profile
    warnings = review(task, splits, profile, seed=spec.split.seed)
    screen = feature_screen(task, splits, seed=spec.split.seed)
    task_json["feature_screen"] = screen
    warnings += screen_warnings(screen, task.target)
    task_json["warnings"] = warnings
    for w in warnings:
        log.warning("%s", w)
