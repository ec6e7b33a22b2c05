"""Tasks: the built-in data sets (flights, california, adult) and the user CSV/Parquet task.

``load_task(spec)`` returns a :class:`TaskData`: the frame (features + target, index =
row id), the feature types, the classes, and the ID-pool and shift-set masks.
"""

from __future__ import annotations

import dataclasses
import logging
import time
from collections.abc import Callable

import numpy as np
import pandas as pd

import archbench.kinds.tabular.tasks.adult as adult
import archbench.kinds.tabular.tasks.california as california
import archbench.kinds.tabular.tasks.flights as flights
import archbench.kinds.tabular.tasks.user as user
from archbench.errors import DataError
from archbench.kinds.common.groups import group_codes
from archbench.kinds.common.shift import ShiftResult, apply_shift, shift_mask
from archbench.kinds.tabular.tasks.base import TaskData, TaskType, check_classes
from archbench.spec.model import TaskSpec

__all__ = [
    "BUILTINS",
    "ShiftResult",
    "TaskData",
    "TaskType",
    "apply_shift",
    "load_task",
    "shift_mask",
]

log = logging.getLogger(__name__)

BUILTINS: dict[str, Callable[[], tuple[TaskData, pd.DataFrame]]] = {
    "flights": flights.load,
    "california": california.load,
    "adult": adult.load,
}


def load_task(spec: TaskSpec, group: str = "") -> TaskData:
    """Load the task ``spec`` describes: a built-in (``spec.name``) or a user file (``spec.path``).

    For a built-in, ``task.features`` / ``task.drop`` select among its features and
    ``[task.shift]`` replaces its shift rule (the rule may use the built-in's features and its
    split columns, e.g. flights' ``month``, ``day`` and ``date``).

    ``group`` (``split.group``) names the column whose values group rows (``TaskData.groups``).

    Raises:
        DataError: the data cannot support the task; the message names the field and the fix.
    """
    start = time.perf_counter()
    if spec.is_builtin:
        task = _builtin(spec, group)
    else:
        task = user.load(spec, group)
    rows = task.rows
    log.info(
        "task %s loaded in %.2f s: %s ID-pool rows, %s shift rows, %s excluded, %s dropped",
        task.name,
        time.perf_counter() - start,
        f"{rows['id_pool']:,}",
        f"{rows['shift_pool']:,}",
        f"{rows['excluded']:,}",
        f"{rows['dropped']:,}",
    )
    return task


def _builtin(spec: TaskSpec, group: str = "") -> TaskData:
    if spec.name not in BUILTINS:
        raise DataError(
            f"task.name {spec.name!r} is not a built-in task; use one of "
            f"{', '.join(BUILTINS)} or set task.path"
        )
    task, aux = BUILTINS[spec.name]()
    if spec.target and spec.target != task.target:
        raise DataError(
            f"task.target {spec.target!r}: the built-in task {task.name!r} predicts "
            f"{task.target!r}; remove task.target or set task.path to your own file"
        )
    if spec.type and spec.type != task.task_type:
        raise DataError(
            f"task.type {spec.type!r}: the built-in task {task.name!r} is "
            f"{task.task_type}; remove task.type"
        )
    if spec.categorical:
        raise DataError(
            "task.categorical applies to user files only; remove it for the "
            f"built-in task {task.name!r}"
        )
    if group:
        table = pd.concat([task.frame, aux.loc[:, [c for c in aux if c not in task.frame]]], axis=1)
        where = f"the built-in task {task.name!r}"
        codes = group_codes(table, group, where, not_allowed=(task.target,))
        task = dataclasses.replace(task, groups=codes)
    if spec.shift is not None:
        task = _reshift(task, aux, spec)
    task = _select(task, spec)
    if spec.description:
        task = dataclasses.replace(task, description=spec.description)
    return task


def _select(task: TaskData, spec: TaskSpec) -> TaskData:
    feats = list(task.features)
    for key, names in (("task.features", spec.features), ("task.drop", spec.drop)):
        for c in names:
            if c not in feats:
                raise DataError(
                    f"{key}: {c!r} is not a feature of the built-in task "
                    f"{task.name!r}; its features are: {', '.join(feats)}"
                )
    keep = [c for c in (spec.features or feats) if c not in spec.drop]
    if keep == feats:
        return task
    if not keep:
        raise DataError("task.drop removes every feature; keep at least one")
    note = f"features left out by the spec: {', '.join(c for c in feats if c not in keep)}"
    return dataclasses.replace(
        task,
        frame=task.frame[[*keep, task.target]],
        numeric=tuple(c for c in task.numeric if c in keep),
        categorical=tuple(c for c in task.categorical if c in keep),
        notes=(*task.notes, note),
    )


def _reshift(task: TaskData, aux: pd.DataFrame, spec: TaskSpec) -> TaskData:
    assert spec.shift is not None
    table = pd.concat([task.frame, aux.loc[:, [c for c in aux if c not in task.frame]]], axis=1)
    res = apply_shift(
        table, spec.shift, source=f"the built-in task {task.name!r}", target=task.target,
        positive=spec.options.get("positive_class"),
    )  # fmt: skip
    classes = task.classes
    if task.task_type == "classification":
        classes = check_classes(task.frame[task.target], res.id_mask, res.shift_mask)
    rule = {
        k: v
        for k, v in dataclasses.asdict(spec.shift).items()
        if k != "description" and v not in (None, (), "")
    }
    return dataclasses.replace(
        task,
        id_mask=np.asarray(res.id_mask),
        shift_mask=np.asarray(res.shift_mask),
        shift_description=res.description,
        shift_rule=rule,
        classes=classes,
        notes=(*task.notes, *res.notes),
    )
