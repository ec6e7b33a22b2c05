"""From the spine's spec to the forecasting kind's settings, task and prepared parts.

``check_spec`` validates the forecasting keys (one ConfigError line each); ``load_task`` loads a
built-in or the user's table; ``prepared`` builds the :class:`archbench.kinds.base.Prepared`
of a split task: windows per part, reference scores, task.json and splits.json.
"""

from __future__ import annotations

import datetime
import hashlib
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from archbench.errors import ConfigError
from archbench.kinds.base import Kind, Prepared
from archbench.kinds.common.files import DataError, table_stem, user_file_provenance
from archbench.kinds.forecasting.data import ForecastSettings
from archbench.kinds.forecasting.ets import KEY as ETS_KEY
from archbench.kinds.forecasting.ets import LABEL as ETS_LABEL
from archbench.kinds.forecasting.ets import EtsReference, FittedReferences, reference_for_run
from archbench.kinds.forecasting.splits import (
    ForecastInfo,
    ForecastShift,
    ForecastSplit,
    ForecastSplits,
)
from archbench.kinds.forecasting.tasks import ForecastTask
from archbench.names import SCORED_SPLITS, SPLIT_NAMES

if TYPE_CHECKING:
    from archbench.spec.model import ShiftSpec, Spec, TaskSpec


_SETTINGS_KEYS = ("time", "series", "horizon", "context", "frequency", "stride", "known",
                  "observed", "season", "fill_gaps")  # fmt: skip
_BUILTIN_OPTIONS = ("train_stride",)


def _settings(spec: Spec) -> ForecastSettings:
    opts = spec.task.options
    for key in ("time", "horizon", "context"):
        if key not in opts:
            raise ConfigError(f'task.{key} is required for type = "forecasting"')
    table = {k: opts[k] for k in _SETTINGS_KEYS if k in opts}
    return ForecastSettings.from_table({**table, "target": spec.task.target})


def _split(spec: Spec, default_stride: int = 1) -> ForecastSplit:
    stride = spec.task.options.get("train_stride", default_stride)
    sp = spec.split
    return ForecastSplit(
        sp.val_fraction, sp.test_fraction, stride, max_train=sp.max_train_rows,
        max_val=sp.max_val_rows, max_test=sp.max_test_rows, max_shift=sp.max_shift_rows,
        seed=sp.seed,
    )  # fmt: skip


def check_spec(spec: Spec) -> None:
    """Forecasting checks of a spec; raises ConfigError naming the key and the fix."""
    t = spec.task
    for key in ("features", "categorical", "drop"):
        if getattr(t, key):
            raise ConfigError(
                f"task.{key} does not apply to forecasting; list covariates in task.known "
                "(known in advance) or task.observed (past only)"
            )
    if t.is_builtin:
        extra = sorted(set(t.options) - set(_BUILTIN_OPTIONS))
        if extra:
            raise ConfigError(
                f"task.{extra[0]} cannot be changed for the built-in task {t.name!r}; only "
                f"{', '.join(_BUILTIN_OPTIONS)} can (or use your own file with task.path)"
            )
        _split(spec)
        return
    settings = _settings(spec)
    _split(spec)
    if t.shift is not None:
        _shift(t.shift, settings, t.options)


def _bound(value: Any) -> str | int | None:
    """Integer steps arrive as floats from the spine's ShiftSpec, TOML dates (``id_end``) as
    date objects; both become what the window rules take (int steps, ISO strings)."""
    if isinstance(value, datetime.date | datetime.time):
        return value.isoformat()
    if isinstance(value, float):
        if not value.is_integer():
            raise ConfigError(f"task.shift bound {value!r} must be a date or an integer step")
        return int(value)
    return value


def _shift(rule: ShiftSpec, settings: ForecastSettings, opts: dict[str, Any]) -> ForecastShift:
    """The spine's ``[task.shift]`` rule as a forecasting shift rule."""
    series = tuple(str(v) for v in opts.get("shift_series", ()))
    id_max = _bound(opts.get("id_end"))
    if rule.kind == "range":
        if rule.column != settings.time:
            raise ConfigError(
                f"task.shift.column = {rule.column!r}: a range shift of a forecasting task is a "
                f"later period of the time column; use column = {settings.time!r}"
            )
        if rule.min is None:
            raise ConfigError("task.shift.min is required: the first time of the shift period")
        kind = "both" if series else "range"
        lo, hi = _bound(rule.min), _bound(rule.max)
        said = f"windows whose targets fall on or after {lo}" + (f" and up to {hi}" if hi else "")
        if series:
            said += f", series {', '.join(series)} only"
        return ForecastShift.from_table({
            "kind": kind, "min": lo, "max": hi, "id_max": id_max,
            "values": series, "description": rule.description or said,
        })  # fmt: skip
    if rule.kind == "groups":
        if not settings.series or rule.column != settings.series:
            raise ConfigError(
                f"task.shift.column = {rule.column!r}: a groups shift names series never seen in "
                f"training; set task.series and use column = {settings.series or 'that column'!r}"
            )
        return ForecastShift.from_table({
            "kind": "groups", "values": tuple(str(v) for v in rule.values), "id_max": id_max,
            "description": rule.description
            or f"series never seen in training: {', '.join(str(v) for v in rule.values)}",
        })  # fmt: skip
    raise ConfigError(
        f"task.shift.kind = {rule.kind!r} does not apply to forecasting; use 'range' (a later "
        "period) or 'groups' (other series)"
    )


def load_task(spec: Spec) -> ForecastTask:
    """The built-in ``spec.task.name`` or the user's file ``spec.task.path``."""

    t = spec.task
    if t.is_builtin:
        from archbench.kinds.forecasting.tasks import BUILTINS

        b = BUILTINS[t.name]()
        shift = b.shift if t.shift is None else _shift(t.shift, b.data.settings, t.options)
        return ForecastTask(
            name=b.name, data=b.data, split=_split(spec, b.split.train_stride), shift=shift,
            description=t.description or b.description, provenance=b.provenance,
            licence=b.licence, notes=(*b.notes, *b.data.notes),
        )  # fmt: skip
    from archbench.kinds.forecasting.templates import load_user

    settings = _settings(spec)
    data = load_user(Path(t.path), settings)
    assert t.shift is not None  # the spine requires [task.shift] for user files
    return ForecastTask(
        name=table_stem(Path(t.path)),
        data=data,
        split=_split(spec),
        shift=_shift(t.shift, settings, t.options),
        description=t.description or f"Forecast {t.target} from {Path(t.path).name}.",
        provenance=user_file_provenance(Path(t.path), t.given_path),
        licence="the user's",
        notes=data.notes,
        title=_title(t),
    )


def _title(t: TaskSpec) -> str:
    """The report's name of a user's task: ``task.name`` where the spec sets one, else the first
    sentence of ``task.description`` (up to 80 characters), else the file's stem."""
    if t.name != type(t).__dataclass_fields__["name"].default:
        return t.name
    first = t.description.strip().split(". ")[0].strip().rstrip(".")
    return first if 0 < len(first) <= 80 else Path(t.path).stem


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
    """Per split: windows used, windows available before the cap, and the cap (0: none)."""
    return {
        k: {"used": sizes[k], "available": splits.available.get(k, sizes[k]),
            "cap": task.split.cap(k)}
        for k in SPLIT_NAMES
    }  # fmt: skip


def prepared(
    kind: Kind, task: ForecastTask, splits: ForecastSplits, spec: Spec
) -> Prepared:
    """The parts (windows), metrics, sizes, digests and the JSON the run directory keeps."""
    from archbench.kinds.forecasting.prepare import profile_rows

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
