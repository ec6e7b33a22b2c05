"""The forecasting kind on the Kind contract: rolling-origin windows of one or many series.

Units are forecast windows (``row_id`` = series x (T_max + 1) + origin position, unique over
all splits); predictions are ``(n, H)``; ``y_true`` is the packed truth of
``metrics.pack_truth`` (targets plus each window's MASE scale). The paired bootstrap draws
circular blocks of origin time for the whole panel, and the row-level test is Diebold-Mariano
(``rowtest``).

Spec mapping: ``[task]`` holds the forecasting keys (``time``, ``series``, ``horizon``,
``context``, ``frequency``, ``stride``, ``known``, ``observed``, ``season``, ``train_stride``,
``id_end``, ``shift_series``) beside the common ``target``/``path``/``description``;
``[task.shift]`` is the spine's rule: ``kind = "range"`` with ``column`` = the time column (a
later period; ``shift_series`` added makes it "both"), or ``kind = "groups"`` with ``column`` =
the series column (series never seen in training). ``[split]`` gives the validation and test
fractions of the ID time steps.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np
import pandas as pd

from archbench.errors import ConfigError
from archbench.kinds.base import FamilyDecl, Kind, Prepared
from archbench.kinds.metric import MetricSet, MetricSpec

if TYPE_CHECKING:
    from archbench.kinds.forecasting.splits import (
        ForecastInfo,
        ForecastSplits,
        Windows,
    )
    from archbench.kinds.forecasting.tasks import ForecastTask
    from archbench.report.kindapi import KindReport
    from archbench.spec.model import Spec

from archbench.kinds.forecasting.families import _MODELS, FAMILIES

#: ``[task]`` keys of the forecasting kind (beside the spine's common ones).
TASK_KEYS: tuple[str, ...] = (
    "time", "series", "horizon", "context", "frequency", "stride", "known", "observed", "season",
    "train_stride", "id_end", "shift_series", "fill_gaps",
)  # fmt: skip
#: Options a built-in task lets the spec change.
BUILTIN_OPTIONS: tuple[str, ...] = ("train_stride",)


class ForecastingKind(Kind["ForecastTask", "ForecastSplits", "Windows", "ForecastInfo"]):
    """Forecasting (built-ins: weather, nyse) and the user's own long tables."""

    name: ClassVar[str] = "forecasting"
    task_types: ClassVar[tuple[str, ...]] = ("forecasting",)
    builtin_tasks: ClassVar[tuple[str, ...]] = ("weather", "nyse")
    families: ClassVar[tuple[FamilyDecl, ...]] = FAMILIES
    task_keys: ClassVar[tuple[str, ...]] = TASK_KEYS
    unused_task_keys: ClassVar[tuple[str, ...]] = ("features", "categorical", "drop")
    worker_modules: ClassVar[tuple[str, ...]] = (
        "torch", "lightgbm", f"{_MODELS}._nets", f"{_MODELS}.mlp", f"{_MODELS}.patchtst",
        f"{_MODELS}.gbdt",
    )  # fmt: skip
    init_words: ClassVar[tuple[str, ...]] = ("forecasting",)
    #: Seasonal naive, or naive where the season is longer than the context (the kind then has
    #: no seasonal naive row).
    reference_zero: ClassVar[tuple[str, ...]] = ("seasonal_naive", "naive")
    reference_rows: ClassVar[tuple[str, ...]] = ("seasonal_naive", "naive", "ets")
    suite_tasks: ClassVar[tuple[str, ...]] = ("weather",)
    unit_word: ClassVar[tuple[str, str]] = ("window", "windows")
    step_caps: ClassVar[bool] = True
    spec_templates: ClassVar[str] = "archbench.kinds.forecasting.templates:spec_template"
    preset_table: ClassVar[str] = "archbench.kinds.forecasting.presets:PRESETS"

    # -- declaration ---------------------------------------------------------------------------
    @property
    def metric_names(self) -> tuple[str, ...]:
        from archbench.kinds.forecasting.metrics import FORECAST_METRICS

        return FORECAST_METRICS.names

    def metric(self, name: str) -> MetricSpec:
        from archbench.kinds.forecasting.metrics import FORECAST_METRICS

        return FORECAST_METRICS[name]

    def metric_set(self, data: ForecastTask | None, chosen: Sequence[str] = ()) -> MetricSet:
        """Every forecasting metric applies to every task (``data`` may be ``None``)."""
        from archbench.kinds.forecasting.metrics import FORECAST_METRICS

        for m in chosen:
            if m not in FORECAST_METRICS:
                raise ConfigError(
                    f"metrics: {m!r} does not apply to forecasting; use some of "
                    f"{', '.join(FORECAST_METRICS.names)}"
                )
        return FORECAST_METRICS.select(chosen or FORECAST_METRICS.names)

    def validate_spec(self, spec: Spec) -> None:
        from archbench.kinds.forecasting.tasks import check_spec

        check_spec(spec)

    # -- data ----------------------------------------------------------------------------------
    def load(self, spec: Spec) -> ForecastTask:
        from archbench.kinds.forecasting.tasks import load_task

        return load_task(spec)

    def split(self, data: ForecastTask, spec: Spec) -> ForecastSplits:
        from archbench.kinds.forecasting.splits import make_splits

        return make_splits(data.data, data.split, data.shift)

    def prepare(
        self, data: ForecastTask, splits: ForecastSplits, spec: Spec
    ) -> Prepared[Windows, ForecastInfo]:
        from archbench.kinds.forecasting.prepare import prepared

        return prepared(self, data, splits, spec)

    # -- workers -------------------------------------------------------------------------------
    def targets(self, part: Windows) -> np.ndarray:
        from archbench.kinds.forecasting.metrics import pack_truth

        return pack_truth(part.target, part.mase_scale)

    def subsample(self, part: Windows, n: int, seed: int, info: ForecastInfo) -> Windows:
        """A seeded subsample of ``n`` training windows (in their original order)."""
        if n <= 0 or len(part) <= n:
            return part
        rng = np.random.default_rng(seed)
        return part.take(np.sort(rng.choice(len(part), size=n, replace=False)))

    # -- store and statistics ------------------------------------------------------------------
    def prediction_frame(self, split: str, part: Windows, pred: np.ndarray) -> pd.DataFrame:
        """``split, row_id, series, origin, mase_scale, y_true`` (step 1), ``y_1..y_H`` and the
        forecasts ``f_1..f_H``."""
        pred = np.asarray(pred, dtype=np.float64)
        h = part.target.shape[1]
        d: dict[str, Any] = {
            "split": split,
            "row_id": part.row_id,
            "series": part.series,
            "origin": pd.Series(part.origin).astype(str).to_numpy(),
            "mase_scale": part.mase_scale,
            "y_true": part.target[:, 0],
        }
        d.update({f"y_{k + 1}": part.target[:, k] for k in range(h)})
        d.update({f"f_{k + 1}": pred[:, k] for k in range(h)})
        return pd.DataFrame(d)

    def unit_arrays(
        self, frames: Sequence[pd.DataFrame], run: Mapping[str, Any]
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        from archbench.kinds.forecasting.metrics import pack_truth

        f0 = frames[0]
        h = sum(1 for c in f0.columns if c.startswith("f_") and c[2:].isdigit())
        ys = [f"y_{k}" for k in range(1, h + 1)]
        fs = [f"f_{k}" for k in range(1, h + 1)]
        ids = f0["row_id"].to_numpy()
        truth = pack_truth(f0[ys].to_numpy(np.float64), f0["mase_scale"].to_numpy(np.float64))
        for f in frames[1:]:
            if not np.array_equal(f["row_id"].to_numpy(), ids):
                raise ValueError("predictions differ in windows across seeds")
        preds = np.stack([f[fs].to_numpy(np.float64) for f in frames])
        return ids, truth, preds

    def draw_counts(
        self, rng: np.random.Generator, units: pd.DataFrame, size: int
    ) -> np.ndarray | None:
        """Circular blocks of origin time, drawn once for the whole panel (``rowtest``)."""
        from archbench.kinds.forecasting.rowtest import draw_counts

        return draw_counts(rng, units, size)

    def paired_row_test(
        self, units: pd.DataFrame, metric: str, y_true: np.ndarray, pred_a: np.ndarray,
        pred_b: np.ndarray, *, confidence: float,
    ) -> Any:  # fmt: skip
        """Diebold-Mariano with a HAC variance and the HLN correction (``rowtest``)."""
        from archbench.kinds.forecasting.rowtest import paired_test

        return paired_test(units, metric, y_true, pred_a, pred_b, confidence=confidence)

    def store_tables(
        self, predictions: pd.DataFrame, prepared: Prepared[Windows, ForecastInfo]
    ) -> dict[str, pd.DataFrame]:
        """``horizon_errors.parquet``: every metric at each horizon step per family, seed and
        split, and for the reference forecasts (:mod:`.horizon`)."""
        from archbench.kinds.forecasting.ets import FittedReferences
        from archbench.kinds.forecasting.horizon import FILE, horizon_table

        fit = prepared.fitted
        extra = fit.forecasts() if isinstance(fit, FittedReferences) else None
        return {FILE: horizon_table(predictions, prepared.parts, prepared.info, extra)}

    # -- report --------------------------------------------------------------------------------
    def report(self) -> KindReport:
        from archbench.kinds.forecasting.report import ForecastReport

        return ForecastReport()
