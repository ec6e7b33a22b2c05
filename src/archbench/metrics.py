"""Metrics as specs: what the spine knows of a metric is what its :class:`MetricSpec` declares.

A task kind declares its metrics (``Kind.metric_set``); the runner, the statistics and the
report read name, label, direction, the function, its weighted (resampled) form and whether a
paired count test applies from the spec. No spine module names a metric.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

#: ``(y_true, pred) -> value`` for one model's predictions on one split.
MetricFn = Callable[[np.ndarray, np.ndarray], float]
#: ``counts (B, n_units) -> (B, n_seeds)``: the metric under B weightings of the units.
Resampled = Callable[[np.ndarray], np.ndarray]
#: ``(y_true, preds) -> Resampled`` where ``preds`` is ``(n_seeds, n_units, ...)``.
WeightedFn = Callable[[np.ndarray, np.ndarray], Resampled]
#: ``(y_true, pred) -> (n_units,) bool``: which units a model got right (paired count test).
CorrectFn = Callable[[np.ndarray, np.ndarray], np.ndarray]


@dataclass(frozen=True)
class MetricSpec:
    """One metric of a task kind.

    Attributes:
        name: the key in the results store (``"roc_auc"``).
        label: the display name (``"ROC-AUC"``).
        higher_is_better: the direction.
        fn: ``(y_true, pred) -> float``.
        weighted: ``(y_true, preds (n_seeds, n_units, ...)) -> f(counts (B, n_units)) -> (B,
            n_seeds)``; counts of ones reproduce ``fn`` per seed. ``None``: the metric has no
            resampled form and gets no bootstrap interval.
        correct: ``(y_true, pred) -> (n_units,) bool`` when a paired count test (McNemar) on
            per-unit correctness applies, else ``None``.
        error: an error measure (lower is better, 0 is perfect), for relative-change wording.
        note: a short sentence the report may print beside the metric (e.g. a base rate).
    """

    name: str
    label: str
    higher_is_better: bool
    fn: MetricFn
    weighted: WeightedFn | None = None
    correct: CorrectFn | None = None
    error: bool = False
    note: str = ""

    @property
    def count_test(self) -> bool:
        """True when a paired count test on per-unit correctness (McNemar) applies."""
        return self.correct is not None

    def maximised(self, value: float) -> float:
        """``value`` mapped so that larger is better (Optuna, early stopping, selection)."""
        return value if self.higher_is_better else -value

    def better(self, a: float, b: float) -> bool:
        """True when ``a`` is strictly better than ``b``."""
        return a > b if self.higher_is_better else a < b


@dataclass(frozen=True)
class MetricSet:
    """The metrics of one task: the primary metric first, then the others in report order."""

    specs: tuple[MetricSpec, ...]
    by_name: Mapping[str, MetricSpec] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        names = [s.name for s in self.specs]
        assert names and len(set(names)) == len(names), f"metric names must be unique: {names}"
        object.__setattr__(self, "by_name", {s.name: s for s in self.specs})

    @property
    def primary(self) -> MetricSpec:
        return self.specs[0]

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(s.name for s in self.specs)

    def __getitem__(self, name: str) -> MetricSpec:
        return self.by_name[name]

    def __contains__(self, name: object) -> bool:
        return name in self.by_name

    def select(self, names: Sequence[str]) -> MetricSet:
        """The primary metric, then ``names`` (the primary is never dropped)."""
        chosen = [self.primary, *[self[n] for n in names if n != self.primary.name]]
        return MetricSet(tuple(chosen))

    def compute(self, y_true: np.ndarray, pred: np.ndarray) -> dict[str, float]:
        """``{name: value}`` for every metric of the set."""
        return {s.name: s.fn(y_true, pred) for s in self.specs}

    def describe(self) -> dict[str, dict[str, object]]:
        """What run.json records of each metric (the report reads it without the kind)."""
        return {
            s.name: {
                "label": s.label,
                "higher_is_better": s.higher_is_better,
                "error": s.error,
                "count_test": s.count_test,
                "resampled": s.weighted is not None,
                "note": s.note,
            }
            for s in self.specs
        }
