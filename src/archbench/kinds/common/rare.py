"""Rare labels, one implementation for every classification kind (tables and text).

* ``[task]`` keys ``positive_class``, ``primary_metric`` and ``min_positives``
  (:func:`validate_options`); the positive class becomes the last class index
  (:func:`order_classes`), the class the imbalanced-label metrics of
  :mod:`archbench.kinds.common.imbalanced` score.
* Base rates per split (:func:`base_rates`): beside those metrics (:func:`run_metrics`) and in
  task.json (:func:`positive_class_json`).
* Positives per split: fewer than ``min_positives`` in any split stops the run
  (:func:`check_positives`); an evaluation set whose size cap would leave fewer than
  :data:`MIN_EVAL_POSITIVES` rows of the class of interest grows (:func:`grown_cap`), and one
  that still holds fewer is a warning with the count (:func:`few_positives`).
* A minority class under :data:`RARE_SHARE` without ``positive_class`` is a warning that
  suggests it and average precision (:func:`minority_warning`).

Labels are class indices ``0..K-1``; the positive class is ``K - 1``.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from archbench.errors import ConfigError, DataError
from archbench.kinds.common.imbalanced import IMBALANCED_METRICS
from archbench.kinds.metric import MetricSet

if TYPE_CHECKING:
    from archbench.kinds.base import Kind

RARE_KEYS: tuple[str, ...] = ("positive_class", "primary_metric", "min_positives")
#: Positive rows every split needs by default: fewer make average precision and recall at a
#: fixed FPR rest on a handful of rows (their bootstrap intervals degenerate).
MIN_POSITIVES = 10
#: Rows of the class of interest an evaluation set should hold; a cap that leaves fewer grows.
MIN_EVAL_POSITIVES = 100
#: A class below this share of the ID pool is rare: accuracy then mostly counts the majority.
RARE_SHARE = 0.10
EVAL_SPLITS: tuple[str, ...] = ("val", "test", "shift")
_SPLIT_WORDS = {"train": "train", "val": "validation", "test": "ID test", "shift": "shift"}


def validate_options(o: Mapping[str, Any], kind: Kind) -> None:
    """Types and values of ``positive_class``, ``primary_metric`` and ``min_positives``."""
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


def positive_label(o: Mapping[str, Any]) -> str | None:
    """``task.positive_class`` spelled as class labels are (1.0 -> "1"); None when unset."""
    pc = o.get("positive_class")
    if pc is None or pc == "":
        return None
    import pandas as pd

    from archbench.kinds.common.labels import labels_as_strings

    return str(labels_as_strings(pd.Series([pc])).iloc[0])


def imbalanced_in_use(metrics: Sequence[str], o: Mapping[str, Any]) -> list[str]:
    """The imbalanced-label metrics among ``metrics`` and ``task.primary_metric``."""
    names = [*metrics, str(o.get("primary_metric") or "")]
    return [m for m in names if m in IMBALANCED_METRICS]


def rare_requested(metrics: Sequence[str], o: Mapping[str, Any]) -> bool:
    """True when the spec asks for rare-label handling (a positive class or such a metric)."""
    return positive_label(o) is not None or bool(imbalanced_in_use(metrics, o))


def order_classes(
    classes: Sequence[str], o: Mapping[str, Any], metrics: Sequence[str], target: str
) -> tuple[str, ...]:
    """The classes with the positive class last (checked against the target).

    Raises:
        ConfigError: an imbalanced-label metric for more than two classes without
            ``task.positive_class``.
        DataError: a positive class the target does not hold.
    """
    label, used = positive_label(o), imbalanced_in_use(metrics, o)
    if label is None:
        if used and len(classes) > 2:
            raise ConfigError(
                f"metric {used[0]!r} scores one class against the rest; target "
                f"{target!r} has {len(classes)} classes: set task.positive_class"
            )
        return tuple(classes)
    if label not in classes:
        raise DataError(
            f"task.positive_class {label!r} is not a class of target {target!r}; the "
            f"classes are {', '.join(repr(c) for c in classes)}"
        )
    return (*[c for c in classes if c != label], label)


def base_rates(y_by_split: Mapping[str, np.ndarray], k: int) -> dict[str, float]:
    """Share of the positive class (index ``k - 1``) per split."""
    return {
        s: float(np.mean(np.asarray(y) == k - 1)) if len(y) else float("nan")
        for s, y in y_by_split.items()
    }


def check_positives(
    y_by_split: Mapping[str, np.ndarray],
    classes: Sequence[str],
    o: Mapping[str, Any],
    metrics: Sequence[str],
    unit: str = "rows",
) -> None:
    """With a positive class or an imbalanced-label metric: every split holds enough positives.

    Raises:
        DataError: a split with fewer than ``task.min_positives`` positive rows, with the fix.
    """
    if not rare_requested(metrics, o):
        return
    need = int(o.get("min_positives", MIN_POSITIVES))
    k, pos = len(classes), classes[-1]
    for s in ("train", "val", "test", "shift"):
        y = np.asarray(y_by_split[s])
        n = int((y == k - 1).sum())
        if n < need:
            fix = (
                "widen the shift rule (task.shift) or raise split.max_shift_rows"
                if s == "shift"
                else f"use more data or raise the {s} split's size (split fractions or caps)"
            )
            raise DataError(
                f"the {s} split holds {n} {unit} of the positive class {pos!r} (of {y.size:,}), "
                f"fewer than the {need} the statistics need (task.min_positives); {fix}"
            )


def focus_class(y_id: np.ndarray, k: int, requested: bool) -> int | None:
    """The class whose rows the evaluation sets keep when capped: the positive class (``k -
    1``) when rare-label handling is requested, else a class under :data:`RARE_SHARE` of the
    ID pool (the rarest); None when no class is rare."""
    if k < 2:
        return None
    if requested:
        return k - 1
    counts = np.bincount(np.asarray(y_id, dtype=np.int64), minlength=k)
    if counts.sum() == 0:
        return None
    rarest = int(np.argmin(counts))
    return rarest if counts[rarest] < RARE_SHARE * counts.sum() else None


def grown_cap(cap: int, n: int, n_focus: int, need: int = MIN_EVAL_POSITIVES) -> int:
    """The size cap of a set of ``n`` rows, ``n_focus`` of them of the class of interest, that
    keeps at least ``need`` of those under a stratified cap (``floor(cap * n_focus / n) >=
    need``), as far as the ``n`` rows allow; ``cap`` itself when it already does (or is 0)."""
    if cap <= 0 or n <= cap or n_focus <= 0 or (cap * n_focus) // n >= need:
        return cap
    return min(n, -(-need * n // n_focus))


def cap_note(
    name: str, cap: int, grown: int, label: str, n: int, need: int = MIN_EVAL_POSITIVES
) -> str:
    """The split note of a cap raised by :func:`grown_cap` (``n``: the rows before the cap)."""
    if grown >= n:
        return (
            f"{_SPLIT_WORDS[name]} cap ({cap:,} rows) lifted: all {n:,} rows are kept, as the "
            f"rare class {label!r} has fewer than {need} rows there"
        )
    return (
        f"{_SPLIT_WORDS[name]} cap raised from {cap:,} to {grown:,} rows to keep {need} rows of "
        f"the rare class {label!r} (stratified by class, so its share is unchanged)"
    )


def few_positives(
    y_by_split: Mapping[str, np.ndarray], label: str, focus: int, unit: str = "rows"
) -> list[str]:
    """One warning naming the evaluation sets that hold fewer than :data:`MIN_EVAL_POSITIVES`
    rows of the class of interest, with the counts and what they do to the intervals."""
    few = []
    for s in EVAL_SPLITS:
        y = np.asarray(y_by_split.get(s, ()))
        n = int((y == focus).sum())
        if y.size and n < MIN_EVAL_POSITIVES:
            few.append(f"{_SPLIT_WORDS[s]} {n} of {y.size:,}")
    if not few:
        return []
    return [
        f"few {unit} of class {label!r} to evaluate on ({'; '.join(few)}; fewer than "
        f"{MIN_EVAL_POSITIVES}): intervals of average precision, recall at 1% FPR and F1 rest "
        "on them and are wide; no size cap thins them, only more data adds any"
    ]


def minority_warning(
    y_id: np.ndarray, classes: Sequence[str], o: Mapping[str, Any], unit: str = "rows"
) -> str | None:
    """A warning when a class is under :data:`RARE_SHARE` of the ID pool and
    ``task.positive_class`` is unset: suggests it and average precision."""
    if positive_label(o) is not None or len(classes) < 2:
        return None
    counts = np.bincount(np.asarray(y_id, dtype=np.int64), minlength=len(classes))
    total = int(counts.sum())
    rarest = int(np.argmin(counts))
    if total == 0 or counts[rarest] >= RARE_SHARE * total:
        return None
    label = classes[rarest]
    return (
        f"class {label!r} is {counts[rarest] / total:.1%} of the ID pool ({counts[rarest]:,} "
        f"{unit}): accuracy mostly counts the majority class; if {label!r} is the class of "
        f'interest, set task.positive_class = "{label}" and task.primary_metric = '
        '"average_precision"'
    )


def run_metrics(
    metrics: MetricSet,
    available: MetricSet,
    o: Mapping[str, Any],
    rates: Mapping[str, float],
    positive: str,
    what: str,
) -> MetricSet:
    """The run's metrics: ``task.primary_metric`` first, the base rate in the imbalanced-label
    metrics' notes. ``available`` are every metric of the task, ``what`` names it for errors.

    Raises:
        ConfigError: a primary metric that does not apply to the task.
    """
    primary = o.get("primary_metric")
    specs = list(metrics.specs)
    if primary and primary != metrics.primary.name:
        if primary not in available:
            raise ConfigError(
                f"task.primary_metric {primary!r} does not apply to {what}; use one "
                f"of {', '.join(available.names)}"
            )
        specs = [available[primary], *[s for s in specs if s.name != primary]]
    if any(s.name in IMBALANCED_METRICS for s in specs):
        note = (
            f"base rate of class {positive!r}: {rates['test']:.2%} (ID test), "
            f"{rates['shift']:.2%} (shift)"
        )
        specs = [
            dataclasses.replace(s, note=note) if s.name in IMBALANCED_METRICS else s for s in specs
        ]
    return MetricSet(tuple(specs))


def positive_class_json(
    classes: Sequence[str], o: Mapping[str, Any], rates: Mapping[str, float]
) -> dict[str, Any]:
    """task.json ``positive_class``: the label, whether the spec set it, the base rates."""
    return {"label": classes[-1], "set": positive_label(o) is not None, "base_rate": dict(rates)}


def base_rate_text(task: Mapping[str, Any], imbalanced: bool) -> str:
    """The report sentence on the positive class's base rates (task.json ``positive_class``),
    or "" when no positive class is set and no imbalanced-label metric is reported."""
    pos = task.get("positive_class") or {}
    rates = pos.get("base_rate") or {}
    if not ((pos.get("set") or imbalanced) and rates):
        return ""
    return (
        f" Positive class {pos.get('label')}: base rate {float(rates.get('train', 0)):.2%} "
        f"(train), {float(rates.get('test', 0)):.2%} (ID test), "
        f"{float(rates.get('shift', 0)):.2%} (shift); average precision of a random ranking "
        "equals the base rate."
    )


def majority_accuracy_notes(run: Any) -> list[str]:
    """Report sentences naming a family whose mean accuracy equals the majority-class rate of
    a split (within one row): it predicts the majority class. One sentence for both
    evaluation sets when the same families do so on both. Reads splits.json
    ``class_balance`` and ``sizes`` and the summary rows."""
    if "accuracy" not in run.metrics:
        return []
    balance, sizes = run.splits.get("class_balance") or {}, run.splits.get("sizes") or {}
    found: dict[str, tuple[float, dict[str, float]]] = {}
    for s in ("test", "shift"):
        shares = [float(v) for v in (balance.get(s) or {}).values()]
        n = int(sizes.get(s) or 0)
        if not shares or n <= 0:
            continue
        rate = max(shares)
        same = {}
        for f in run.families:
            row = run.summary_row(f, s, "accuracy") or {}
            v = row.get("mean")
            if isinstance(v, int | float) and math.isfinite(v) and abs(v - rate) <= 1.0 / n:
                same[f] = float(v)
        if same:
            found[s] = (rate, same)
    tail = (
        ": that is what predicting the majority class for every row scores, so accuracy tells "
        "nothing here; read ROC-AUC or average precision."
    )
    if len(found) == 2 and list(found["test"][1]) == list(found["shift"][1]):
        (r_id, a_id), (r_sh, a_sh) = found["test"], found["shift"]
        fams = ", ".join(f"{run.label(f)} {a_id[f]:.3f} / {a_sh[f]:.3f}" for f in a_id)
        return [
            f"On the ID test / shift set, the accuracy of {fams} equals the majority-class rate "
            f"({r_id:.1%} / {r_sh:.1%})" + tail
        ]
    return [
        f"On {_SPLIT_WORDS[s]}, the accuracy of "
        + ", ".join(f"{run.label(f)} {v:.3f}" for f, v in same.items())
        + f" equals the majority-class rate ({rate:.1%})"
        + tail
        for s, (rate, same) in found.items()
    ]
