"""From a task to what the families, the metrics and the report need (no I/O).

``prepare`` builds the windows of every split, the packed truth that the metrics read
(``metrics.pack_truth``: targets plus each window's MASE scale), the resampling units (series
of each window, origins in time order) and the reference forecasts (naive, seasonal naive).
``shift_profile`` describes the shift: level, spread and the size of the seasonal cycle of each
series before (training period) and in the shift set.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from archbench.kinds.base import Kind, Prepared
from archbench.kinds.common.files import DataError
from archbench.kinds.forecasting.ets import KEY as ETS_KEY
from archbench.kinds.forecasting.ets import LABEL as ETS_LABEL
from archbench.kinds.forecasting.ets import EtsReference, FittedReferences, reference_for_run
from archbench.kinds.forecasting.shiftrule import ForecastShift
from archbench.kinds.forecasting.splits import (
    ForecastInfo,
    ForecastSplit,
    ForecastSplits,
    channels_of,
)
from archbench.kinds.forecasting.tasks import ForecastTask
from archbench.names import SCORED_SPLITS, SPLIT_NAMES

if TYPE_CHECKING:
    from archbench.spec.model import Spec


from archbench.kinds.forecasting.data import ForecastData
from archbench.kinds.forecasting.metrics import block_counts, default_block_len, pack_truth
from archbench.kinds.forecasting.references import REFERENCES, reference_forecast
from archbench.kinds.forecasting.splits import (
    Windows,
    make_splits,
)


@dataclass(frozen=True, eq=False)
class PreparedForecast:
    """Everything a run needs from a forecasting task.

    Attributes:
        info: the ``info`` passed to every family's ``fit``.
        splits: the windows, statistics, cuts and manifest source.
        truth: split -> ``(n, H + 1)`` packed targets (``metrics.pack_truth``).
        groups: split -> ``(n,)`` series index of each window (block-bootstrap strata).
        references: reference name -> split -> ``(n, H)`` forecasts.
    """

    info: ForecastInfo
    splits: ForecastSplits
    truth: dict[str, np.ndarray]
    groups: dict[str, np.ndarray]
    references: dict[str, dict[str, np.ndarray]]

    @property
    def windows(self) -> dict[str, Windows]:
        return self.splits.windows

    def resample_counts(
        self, split: str, seed: int | np.random.Generator, n_boot: int
    ) -> np.ndarray:
        """``(n_boot, n)`` circular-block bootstrap counts of the windows of ``split``."""
        groups = self.groups[split]
        return block_counts(seed, groups, default_block_len(groups), n_boot)


def prepare(
    data: ForecastData, split: ForecastSplit, shift: ForecastShift | None
) -> PreparedForecast:
    """Split, window and score the references; see the module docstring."""
    splits = make_splits(data, split, shift)
    info = ForecastInfo.from_data(data)
    truth = {k: pack_truth(w.target, w.mase_scale) for k, w in splits.windows.items()}
    groups = {k: w.series.copy() for k, w in splits.windows.items()}
    refs = {
        name: {
            k: reference_forecast(name, w.context, info.horizon, info.season)
            for k, w in splits.windows.items()
        }
        for name in REFERENCES
        if name != "seasonal_naive" or info.season <= info.context
    }
    return PreparedForecast(info, splits, truth, groups, refs)


def _seasonal_amplitude(y: np.ndarray, season: int) -> float:
    """Range of the mean seasonal profile (e.g. the mean daily cycle); 0 without a season."""
    if season <= 1 or len(y) < 2 * season:
        return 0.0
    n = len(y) // season * season
    profile = y[:n].reshape(-1, season).mean(axis=0)
    return float(profile.max() - profile.min())


def profile_rows(data: ForecastData, splits: ForecastSplits) -> list[dict[str, Any]]:
    """Per series and period (``train``, ``shift``): steps, mean, std and seasonal amplitude.

    The training period is every step before the validation cut; the shift period is
    ``[shift_min, shift_max]`` (a groups shift: the ID test period).
    """
    cuts = splits.cuts
    rows: list[dict[str, Any]] = []
    left_out = set(splits.left_out)
    for name, t, y in zip(data.series_names, data.times, data.values, strict=True):
        if name in left_out:
            continue
        periods = {"train": t < cuts["val_start"]}
        if "shift_min" in cuts:
            periods["shift"] = (t >= cuts["shift_min"]) & (t <= cuts["shift_max"])
        for period, mask in periods.items():
            if not mask.any():
                continue
            v = y[mask]
            rows.append(
                {
                    "series": name,
                    "period": period,
                    "steps": int(mask.sum()),
                    "mean": float(v.mean()),
                    "std": float(v.std()),
                    "seasonal_amplitude": _seasonal_amplitude(v, data.season),
                }
            )
    return rows


def shift_profile(data: ForecastData, prepared: PreparedForecast) -> pd.DataFrame:
    """:func:`profile_rows` as a frame."""
    return pd.DataFrame(profile_rows(data, prepared.splits))


def _digest(frame: pd.DataFrame) -> str:
    return hashlib.sha256(pd.util.hash_pandas_object(frame, index=False).to_numpy()).hexdigest()


def _references(
    task: ForecastTask, splits: ForecastSplits, metrics: Any, ets: EtsReference | None = None
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Metrics of the naive, seasonal-naive (and AutoETS, when given) forecasts on every
    evaluation split, and their MASE at each horizon step."""
    from archbench.kinds.forecasting.metrics import error_by_step, pack_truth
    from archbench.kinds.forecasting.references import REFERENCES, reference_forecast

    d = task.data
    out: dict[str, Any] = {}
    steps: dict[str, Any] = {}
    for ref in REFERENCES:
        if ref == "seasonal_naive" and d.season > d.settings.context:
            continue
        out[ref], steps[ref] = {}, {}
        for s in SCORED_SPLITS:
            w = splits.windows[s]
            pred = reference_forecast(ref, w.context, d.settings.horizon, d.season)
            truth = pack_truth(w.target, w.mase_scale)
            out[ref][s] = metrics.compute(truth, pred)
            steps[ref][s] = [float(v) for v in error_by_step(truth, pred)]
    if ets is not None:
        per, steps[ETS_KEY] = {}, {}
        for s in SCORED_SPLITS:
            w = splits.windows[s]
            truth = pack_truth(w.target, w.mase_scale)
            per[s] = metrics.compute(truth, ets.forecasts[s])
            steps[ETS_KEY][s] = [float(v) for v in error_by_step(truth, ets.forecasts[s])]
        out[ETS_KEY] = {"label": ETS_LABEL, "metrics": per, **ets.summary()}
    return out, steps


def _window_counts(
    task: ForecastTask, splits: ForecastSplits, sizes: dict[str, int]
) -> dict[str, Any]:
    """Per split: windows used, windows available before the cap, and the cap (0: none).

    Where ``split.max_train_steps`` sets the training cap (long windows), the training entry
    also holds that cap (``max_steps``) and the steps of one window (``window_steps``); where
    ``split.max_train_values`` does (many covariates), that cap (``max_values``) and the values
    of one window (``window_values``, its steps times ``channels``).
    """
    window = task.data.settings.context + task.data.settings.horizon
    channels = channels_of(task.data)
    out: dict[str, Any] = {
        k: {"used": sizes[k], "available": splits.available.get(k, sizes[k]),
            "cap": task.split.cap(k, window, channels)}
        for k in SPLIT_NAMES
    }  # fmt: skip
    size = task.split.size_cap(window, channels)
    if size is not None and size[0] == "max_train_steps":
        out["train"].update(max_steps=size[1], window_steps=window)
    elif size is not None:
        out["train"].update(max_values=size[1], window_values=size[2], channels=channels)
    return out


def prepared(kind: Kind, task: ForecastTask, splits: ForecastSplits, spec: Spec) -> Prepared:
    """The parts (windows), metrics, sizes, digests and the JSON the run directory keeps."""

    if "shift" not in splits.windows:
        raise DataError("the task has no shift rule; add [task.shift]")
    d, s = task.data, task.data.settings
    metrics = kind.metric_set(task, spec.metrics)
    names = np.asarray(d.series_names, dtype=object)
    frame = pd.concat(
        [pd.DataFrame({"row_id": w.row_id, "split": name, "series": names[w.series],
                       "origin": pd.Series(w.origin).astype(str)})
         for name, w in splits.windows.items()], ignore_index=True,
    )  # fmt: skip
    digest = hashlib.sha256(frame.to_csv(index=False).encode()).hexdigest()
    sizes = {k: len(splits.windows[k]) for k in SPLIT_NAMES}
    shift = task.shift
    ets, ets_note = reference_for_run(d, splits, spec.preset)
    refs, ref_steps = _references(task, splits, metrics, ets)
    task_json = {
        "name": task.name, "title": task.title or task.name, "task_type": "forecasting",
        "target": s.target,
        "description": task.description, "provenance": task.provenance, "licence": task.licence,
        "notes": [*task.notes, *splits.notes], "series": list(d.series_names),
        "series_left_out": list(splits.left_out),
        "frequency": d.frequency, "season": d.season, "horizon": s.horizon, "context": s.context,
        "stride": splits.eval_stride or s.step, "stride_requested": s.step,
        "train_stride": task.split.train_stride, "windows": _window_counts(task, splits, sizes),
        "origins_per_phase": {k: list(v) for k, v in splits.per_phase.items()},
        "known": list(d.known_names),
        "observed": list(d.observed_names),
        "shift": {"kind": shift.kind if shift else "", "description": shift.description
                  if shift else "", "series": list(splits.shift_series)},
        "references": refs,
        "reference_steps": ref_steps,
        "reference_note": ets_note,
        "shift_profile": profile_rows(d, splits),
    }  # fmt: skip
    splits_json = {**splits.manifest(d), "sizes": sizes, "hash": digest,
                   "seed": spec.split.seed}  # fmt: skip
    return Prepared(
        parts=dict(splits.windows), info=ForecastInfo.from_data(d), metrics=metrics,
        sizes=sizes, split_digest=digest, data_hash=_digest(d.frame), task_json=task_json,
        splits_json=splits_json, splits_frame=frame,
        run_fields={"horizon": s.horizon, "context": s.context, "season": d.season,
                    "frequency": d.frequency},
        data=task, fitted=FittedReferences(splits.stats, ets),
    )  # fmt: skip
