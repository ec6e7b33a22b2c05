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

import numpy as np

from archbench.errors import ConfigError
from archbench.kinds.base import SPLIT_NAMES
from archbench.kinds.common import rare
from archbench.kinds.metric import MetricSet

if TYPE_CHECKING:
    from archbench.kinds.base import Kind
    from archbench.kinds.tabular.splits import Splits
    from archbench.kinds.tabular.tasks.base import TaskData
    from archbench.spec.model import Spec

log = logging.getLogger(__name__)

TASK_KEYS: tuple[str, ...] = ("keep_ids", *rare.RARE_KEYS)
MIN_POSITIVES = rare.MIN_POSITIVES


def validate(spec: Spec, kind: Kind) -> None:
    """Types and values of the tabular ``[task]`` settings; raise ConfigError naming the key."""
    o = spec.task.options
    keep = o.get("keep_ids", [])
    if not isinstance(keep, list | tuple) or not all(isinstance(c, str) for c in keep):
        raise ConfigError(f"task.keep_ids must be a list of column names, got {keep!r}")
    rare.validate_options(o, kind)


def positive_label(spec: Spec) -> str | None:
    """``task.positive_class`` spelled as the task's class labels are (1.0 -> "1")."""
    return rare.positive_label(spec.task.options)


def with_positive_class(task: TaskData, spec: Spec) -> TaskData:
    """The task with the positive class as its last class (checked against the target).

    Raises:
        ConfigError: a positive class or imbalanced-label metric for a regression task, or an
            imbalanced-label metric for more than two classes without ``task.positive_class``.
        DataError: a positive class the target does not hold.
    """
    o = spec.task.options
    if task.task_type != "classification":
        label, used = rare.positive_label(o), rare.imbalanced_in_use(spec.metrics, o)
        if label is not None or used:
            what = "task.positive_class" if label is not None else f"metric {used[0]!r}"
            raise ConfigError(f"{what} applies to classification tasks only; remove it")
        return task
    classes = rare.order_classes(task.classes, o, spec.metrics, task.target)
    return task if classes == task.classes else dataclasses.replace(task, classes=classes)


def labels_by_split(task: TaskData, splits: Splits) -> dict[str, np.ndarray]:
    """Class indices (positive class last) of every split's rows."""
    y = task.frame[task.target].astype("string")
    index = {c: i for i, c in enumerate(task.classes)}
    return {
        s: y.loc[splits.ids(s)].map(index).to_numpy(dtype=np.int64, na_value=-1)
        for s in SPLIT_NAMES
    }


def base_rates(task: TaskData, splits: Splits) -> dict[str, float]:
    """Share of the positive (last) class per split."""
    return rare.base_rates(labels_by_split(task, splits), len(task.classes))


def check_positives(task: TaskData, splits: Splits, spec: Spec) -> None:
    """With a positive class or an imbalanced-label metric: every split holds enough positives.

    Raises:
        DataError: a split with fewer than ``task.min_positives`` positive rows, with the fix.
    """
    if task.task_type != "classification":
        return
    by_split = labels_by_split(task, splits)
    rare.check_positives(by_split, task.classes, spec.task.options, spec.metrics)


def run_metrics(metrics: MetricSet, task: TaskData, splits: Splits, spec: Spec) -> MetricSet:
    """The run's metrics: ``task.primary_metric`` first, the base rate in the imbalanced-label
    metrics' notes.

    Raises:
        ConfigError: a primary metric that does not apply to the task type.
    """
    from archbench.kinds.tabular.metrics import _SETS

    classif = task.task_type == "classification"
    rates = base_rates(task, splits) if classif else {}
    return rare.run_metrics(
        metrics,
        _SETS[task.task_type],
        spec.task.options,
        rates,
        task.classes[-1] if classif else "",
        task.task_type,
    )


def rare_warnings(task: TaskData, splits: Splits, spec: Spec) -> list[str]:
    """The rare-class warnings: a minority class without ``task.positive_class``, and
    evaluation sets with fewer than 100 rows of the class of interest."""
    if task.task_type != "classification":
        return []
    by_split = labels_by_split(task, splits)
    index = {c: i for i, c in enumerate(task.classes)}
    y = task.frame.loc[task.id_mask, task.target].astype("string").map(index)
    y_id = y.to_numpy(dtype=np.int64, na_value=-1)
    o = spec.task.options
    out = [w for w in [rare.minority_warning(y_id, task.classes, o)] if w]
    focus = rare.focus_class(y_id, len(task.classes), rare.rare_requested(spec.metrics, o))
    if focus is not None:
        out += rare.few_positives(by_split, task.classes[focus], focus)
    return out


def add_profile(
    task_json: dict[str, Any], task: TaskData, splits: Splits, spec: Spec, metrics: MetricSet
) -> None:
    """Add the positive class, the shift profile, the near-leak screen and the reviewer
    warnings to task.json (and log the warnings)."""
    from archbench.kinds.tabular.profile import review, shift_profile
    from archbench.kinds.tabular.screen import feature_screen, screen_warnings

    if task.task_type == "classification":
        rates = base_rates(task, splits)
        task_json["positive_class"] = rare.positive_class_json(
            task.classes, spec.task.options, rates
        )
    profile = shift_profile(task, splits, seed=spec.split.seed)
    task_json["shift_profile"] = profile
    warnings = rare_warnings(task, splits, spec)
    warnings += review(task, splits, profile, seed=spec.split.seed)
    screen = feature_screen(task, splits, seed=spec.split.seed)
    task_json["feature_screen"] = screen
    warnings += screen_warnings(screen, task.target)
    task_json["warnings"] = warnings
    for w in warnings:
        log.warning("%s", w)
