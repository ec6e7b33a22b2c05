"""Metrics as specs: what the spine knows of a metric is what its :class:`MetricSpec` declares.

A task kind declares its metrics (``Kind.metric_set``); the runner, the statistics and the
report read name, label, direction, the function, its weighted (resampled) form and whether a
paired count test applies from the spec. No spine module names a metric.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

#: ``(y_true, pred) -> value`` for one model's predictions on one split.
MetricFn = Callable[[np.ndarray, np.ndarray], float]
#: ``counts (B, n_units) -> (B, n_seeds)``: the metric under B weightings of the units.
Resampled = Callable[[np.ndarray], np.ndarray]
#: ``(y_true, preds) -> Resampled`` where ``preds`` is ``(n_seeds, n_units, ...)``.
WeightedFn = Callable[[np.ndarray, np.ndarray], Resampled]
#: ``(y_true, pred) -> (n_units,) bool``: which units a model got right (paired count test).
CorrectFn = Callable[[np.ndarray, np.ndarray], np.ndarray]
#: ``(y_val, pred_val) -> state``: what a metric fixes on validation (e.g. a threshold).
CalibrateFn = Callable[[np.ndarray, np.ndarray], Any]
#: ``(y_true, pred, state) -> value``: the metric with a state fixed on validation.
MetricAtFn = Callable[[np.ndarray, np.ndarray, Any], float]
#: ``(y_true, preds (n_seeds, n_units, ...), states (one per seed)) -> Resampled``.
WeightedAtFn = Callable[[np.ndarray, np.ndarray, Sequence[Any]], Resampled]


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
        calibrate: for a metric that fixes something on validation (F1 at a threshold chosen
            on validation): ``(y_val, pred_val) -> state`` of one seed. Then ``fn`` is the
            metric calibrated on the rows it scores (its validation value), ``fn_at(y, pred,
            state)`` its value on other rows and ``weighted_at(y, preds, states)`` its
            resampled form with one state per seed (validation rows are not resampled).
    """

    name: str
    label: str
    higher_is_better: bool
    fn: MetricFn
    weighted: WeightedFn | None = None
    correct: CorrectFn | None = None
    error: bool = False
    note: str = ""
    calibrate: CalibrateFn | None = None
    fn_at: MetricAtFn | None = None
    weighted_at: WeightedAtFn | None = None

    def __post_init__(self) -> None:
        calibrated = (self.calibrate, self.fn_at, self.weighted_at)
        assert all(c is None for c in calibrated) or (
            self.calibrate is not None and self.fn_at is not None
        ), f"metric {self.name!r}: calibrate and fn_at come together"

    def value(self, y_true: np.ndarray, pred: np.ndarray, state: Any = None) -> float:
        """The metric on one split; ``state`` (from :meth:`calibrate` on validation) applies
        to calibrated metrics and is ignored by the others."""
        if self.fn_at is not None and state is not None:
            return self.fn_at(y_true, pred, state)
        return self.fn(y_true, pred)

    def weighted_given(self, states: Sequence[Any]) -> WeightedFn | None:
        """The weighted form with per-seed validation states bound (calibrated metrics), the
        plain weighted form otherwise. ``states[i]`` belongs to seed ``i`` of ``preds``."""
        if self.weighted_at is None:
            return self.weighted
        at = self.weighted_at
        return lambda y, preds: at(y, preds, states)

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

    def compute(
        self, y_true: np.ndarray, pred: np.ndarray, states: Mapping[str, Any] | None = None
    ) -> dict[str, float]:
        """``{name: value}`` for every metric of the set; ``states`` (by metric name) from
        :meth:`calibrate` on validation for calibrated metrics."""
        states = states or {}
        return {s.name: s.value(y_true, pred, states.get(s.name)) for s in self.specs}

    def calibrate(self, y_val: np.ndarray, pred_val: np.ndarray) -> dict[str, Any]:
        """``{name: state}`` fixed on validation for every calibrated metric of the set."""
        return {s.name: s.calibrate(y_val, pred_val) for s in self.specs if s.calibrate}

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
                **({"calibrated_on": "val"} if s.calibrate is not None else {}),
            }
            for s in self.specs
        }
