"""Temporal splits, rolling forecast origins and window arrays.

Splits are never random. The ID range of every ID series is cut at two calendar times shared
by all series into consecutive train / validation / test periods (fractions of the ID time
steps). A window with origin ``t`` (the last observed step) has context ``(t - C, t]`` and
target ``(t, t + H]``. A window belongs to a split when its whole target lies in that split's
period, so no target step of one split is a target step of another. Contexts may reach back
into earlier periods: at forecast time everything before the origin has been observed, so a
validation context holding training-period values uses only the past, exactly as a deployed
forecaster would; what must never cross is a target (or a statistic of one) used for fitting.

Training origins step by ``train_stride`` (default 1: every origin); evaluation origins step by
the task's ``stride`` (default: the horizon, so evaluation targets do not overlap), moved up to
the next stride coprime to the season so that they visit every phase of it. Caps on the windows
of each split (``ForecastSplit.max_*``, from ``split.max_*_rows``) are seeded draws of origins
made before any window is built (:mod:`.origins`).

Shift set (``ForecastShift``, :mod:`.shiftrule`): ``range`` = the ID series over a later period
``[min, max]`` of time; ``groups`` = series never seen in training, over the ID test period
(same calendar span, only the series differ); ``both`` = those series over the later period.

Per-series statistics (mean, standard deviation, seasonal-naive MAE for MASE) are computed from
the steps before the validation cut only: for a shift series that is its own past, which a
forecaster has at forecast time; no validation, test or shift target reaches them.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from archbench.errors import ConfigError, DataError
from archbench.kinds.common.parts import Rows
from archbench.kinds.forecasting.data import ForecastData
from archbench.kinds.forecasting.origins import Chosen, choose, eval_stride, notes, phases
from archbench.kinds.forecasting.shiftrule import (
    ForecastShift,
    just_before,
    shift_bounds,
    shift_series_of,
)
from archbench.seeding import derive_seed

log = logging.getLogger(__name__)
SPLITS: tuple[str, ...] = ("train", "val", "test", "shift")


@dataclass(frozen=True)
class ForecastSplit:
    """Fractions of the ID time steps for validation and test, the training stride, and caps.

    ``max_train`` / ``max_val`` / ``max_test`` / ``max_shift``: the most windows of each split
    (0: no cap), drawn with ``seed`` (:mod:`.origins`). ``max_train_steps``: the most training
    window steps (windows x (context + horizon); 0: no cap), so that long windows, which cost
    more each, get fewer of them; ``max_train_values``: the most training window values
    (window steps x channels, the target and every encoded covariate; 0: no cap), so that many
    covariates do too. The training cap is the smallest of the three.
    """

    val_fraction: float = 0.15
    test_fraction: float = 0.15
    train_stride: int = 1
    max_train: int = 0
    max_val: int = 0
    max_test: int = 0
    max_shift: int = 0
    seed: int = 0
    max_train_steps: int = 0
    max_train_values: int = 0

    def _sizes(self, window: int, channels: int) -> tuple[tuple[str, int, int], ...]:
        """``(key, cap, one window's amount)`` of the size caps that are set."""
        both = (
            ("max_train_steps", self.max_train_steps, window),
            ("max_train_values", self.max_train_values, window * channels),
        )
        return tuple(c for c in both if c[1] > 0)

    def cap(self, split: str, window: int, channels: int = 1) -> int:
        """The window cap of ``split`` for windows of ``window`` steps of ``channels``
        channels (0: none)."""
        cap = int(getattr(self, f"max_{split}"))
        if split != "train":
            return cap
        for _, most, per in self._sizes(window, channels):
            cap = most // per if cap <= 0 else min(cap, most // per)
        return cap

    def size_cap(self, window: int, channels: int = 1) -> tuple[str, int, int] | None:
        """The size cap that sets the training cap, as ``(key, cap, one window's steps or
        values)``; None where ``max_train`` (or nothing) does."""
        cap = self.cap("train", window, channels)
        if cap == self.max_train:
            return None
        return next(c for c in self._sizes(window, channels) if c[1] // c[2] == cap)

    def __post_init__(self) -> None:
        v, t = self.val_fraction, self.test_fraction
        if not (0 < v < 1 and 0 < t < 1 and v + t < 1):
            raise ConfigError(
                f"split.val_fraction = {v!r} and split.test_fraction = {t!r} must be in (0, 1) "
                "with a sum below 1"
            )
        if (
            isinstance(self.train_stride, bool)
            or not isinstance(self.train_stride, int)
            or (self.train_stride < 1)
        ):
            raise ConfigError(f"split.train_stride = {self.train_stride!r} must be an integer >= 1")
        for name in ("train", "val", "test", "shift"):
            v = getattr(self, f"max_{name}")
            if isinstance(v, bool) or not isinstance(v, int) or v < 0:
                raise ConfigError(f"split.max_{name}_rows = {v!r} must be an integer >= 0 (0: all)")
        for key in ("max_train_steps", "max_train_values"):
            v = getattr(self, key)
            if isinstance(v, bool) or not isinstance(v, int) or v < 0:
                raise ConfigError(f"split.{key} = {v!r} must be an integer >= 0 (0: all)")

    def check_window(self, window: int, channels: int = 1) -> None:
        """Refuse a size cap below one window of ``window`` (context + horizon) steps of
        ``channels`` channels."""
        if 0 < self.max_train_steps < window:
            raise ConfigError(
                f"split.max_train_steps = {self.max_train_steps:,} is less than one window "
                f"(context + horizon = {window:,} steps); raise it or set 0 (no cap)"
            )
        if 0 < self.max_train_values < window * channels:
            raise ConfigError(
                f"split.max_train_values = {self.max_train_values:,} is less than one window "
                f"((context + horizon) x channels = {window:,} x {channels} = "
                f"{window * channels:,} values); raise it or set 0 (no cap)"
            )


def channels_of(data: ForecastData) -> int:
    """The channels of a window: the target and every covariate after encoding."""
    return 1 + len(data.known_names) + len(data.observed_names)


@dataclass(frozen=True, eq=False)
class Windows(Rows):
    """The windows of one split (``n`` windows).

    Attributes:
        context: ``(n, C)`` targets up to and including the origin.
        target: ``(n, H)`` the next ``H`` targets.
        known: ``(n, C + H, k)`` known covariates over context and horizon.
        observed: ``(n, C, o)`` observed covariates over the context.
        series: ``(n,)`` int64 index into ``series_names``.
        origin: ``(n,)`` time of the last observed step (datetime64[ns] or int64).
        loc / scale: ``(n,)`` the series' training-period mean and standard deviation.
        mase_scale: ``(n,)`` the series' training-period seasonal-naive MAE.
        row_id: ``(n,)`` int64 window id, unique over all splits: ``series * (T_max + 1) +
            position of the origin``, so sorting by it orders windows by series, then time.
    """

    context: np.ndarray
    target: np.ndarray
    known: np.ndarray
    observed: np.ndarray
    series: np.ndarray
    origin: np.ndarray
    loc: np.ndarray
    scale: np.ndarray
    mase_scale: np.ndarray
    row_id: np.ndarray


@dataclass(frozen=True)
class SeriesStats:
    """Per-series statistics ``(n_series,)`` from the training period only."""

    mean: np.ndarray
    std: np.ndarray
    mase_scale: np.ndarray


@dataclass(frozen=True, eq=False)
class ForecastSplits:
    """Windows per split, the statistics and the manifest of every origin."""

    windows: dict[str, Windows]
    stats: SeriesStats
    cuts: dict[str, Any]
    id_series: tuple[str, ...]
    shift_series: tuple[str, ...]
    #: split -> windows before the cap.
    available: dict[str, int] = field(default_factory=dict)
    #: split -> origins per phase of the season (length ``season``).
    per_phase: dict[str, tuple[int, ...]] = field(default_factory=dict)
    #: the stride of the evaluation origins (``task.stride`` moved to be coprime to the season).
    eval_stride: int = 0
    #: what choosing the origins did (a moved stride, capped splits), one line each.
    notes: tuple[str, ...] = ()
    #: series in no split: fewer than context + horizon steps before the validation period.
    left_out: tuple[str, ...] = ()

    def origin_table(self, data: ForecastData) -> pd.DataFrame:
        """Every origin: columns split, series, origin (one row per window)."""
        rows = [
            pd.DataFrame(
                {
                    "split": name,
                    "series": np.asarray(data.series_names, dtype=object)[w.series],
                    "origin": w.origin,
                }
            )
            for name, w in self.windows.items()
        ]
        return pd.concat(rows, ignore_index=True)

    def manifest(self, data: ForecastData) -> dict[str, Any]:
        """JSON-able: cuts, rule, and per split and series the first/last origin and count."""
        table = self.origin_table(data)
        per: dict[str, Any] = {}
        for (split, series), g in table.groupby(["split", "series"], sort=False):
            per.setdefault(str(split), {})[str(series)] = {
                "n": len(g),
                "first": str(g["origin"].iat[0]),
                "last": str(g["origin"].iat[-1]),
            }
        return {
            "cuts": {k: str(v) for k, v in self.cuts.items()},
            "id_series": list(self.id_series),
            "shift_series": list(self.shift_series),
            "left_out": list(self.left_out),
            "horizon": data.settings.horizon,
            "context": data.settings.context,
            "stride": self.eval_stride or data.settings.step,
            "available": dict(self.available),
            "origins_per_phase": {k: list(v) for k, v in self.per_phase.items()},
            "origins": per,
        }


def make_splits(
    data: ForecastData, split: ForecastSplit, shift: ForecastShift | None
) -> ForecastSplits:
    """Cut the ID range into periods, place origins, compute statistics, build windows.

    Raises:
        DataError: the shift rule names an unknown series, leaves no ID series or no shift
            window, or a split has no window (series too short for context, horizon and
            the split fractions).
    """
    split.check_window(data.settings.context + data.settings.horizon, channels_of(data))
    names = list(data.series_names)
    shift_series = shift_series_of(data, shift)
    id_idx = [i for i, n in enumerate(names) if n not in shift_series]
    if not id_idx:
        raise DataError(
            "task.shift.values lists every series, which leaves no ID series to train on; "
            "keep at least one series out of the shift rule"
        )
    lo, hi, id_end = shift_bounds(data, shift)
    cuts = _cuts(data, split, id_idx, id_end)
    short = _short_history(data, cuts["val_start"])
    id_idx = [i for i in id_idx if i not in short]
    shift_series = [n for n in shift_series if names.index(n) not in short]
    stats = _series_stats(data, cuts["val_start"], short)
    spans: dict[str, list[tuple[int, Any, Any, int]]] = {s: [] for s in SPLITS}
    train_stride = split.train_stride
    step = eval_stride(data.settings.step, data.season)
    for i in id_idx:
        spans["train"].append((i, None, just_before(cuts["val_start"]), train_stride))
        spans["val"].append((i, cuts["val_start"], just_before(cuts["test_start"]), step))
        spans["test"].append((i, cuts["test_start"], id_end, step))
    if shift is not None:
        if shift.kind == "groups":
            shift_idx, period = [names.index(s) for s in shift_series], (cuts["test_start"], id_end)
        else:
            pool = shift_series if shift.kind == "both" else [names[i] for i in id_idx]
            shift_idx, period = [names.index(s) for s in pool], (lo, hi)
        spans["shift"] = [(i, period[0], period[1], step) for i in shift_idx]
        cuts.update(shift_min=period[0], shift_max=period[1])
    phase = phases(data.times, data.season)
    windows: dict[str, Windows] = {}
    available: dict[str, int] = {}
    per_phase: dict[str, tuple[int, ...]] = {}
    for name in SPLITS:
        if name == "shift" and shift is None:
            continue
        chosen = _choose(data, spans[name], phase, split, name)
        windows[name] = _build(data, chosen.series, chosen.positions, stats)
        available[name], per_phase[name] = chosen.available, chosen.per_phase
    for name, w in windows.items():
        if len(w) == 0:
            raise DataError(_empty_message(name, data))
    return ForecastSplits(
        windows=windows,
        stats=stats,
        cuts=cuts,
        id_series=tuple(names[i] for i in id_idx),
        shift_series=tuple(shift_series),
        available=available,
        per_phase=per_phase,
        eval_stride=step,
        notes=_short_note(data, short, cuts["val_start"])
        + _notes(data, split, step, available, {k: len(w) for k, w in windows.items()}),
        left_out=tuple(names[i] for i in sorted(short)),
    )


def _short_history(data: ForecastData, val_start: Any) -> set[int]:
    """Series with fewer than context + horizon steps before the validation period: no
    training window, and too little history for their scaling statistics and MASE scale.

    Raises:
        DataError: every series is that short.
    """
    need = data.settings.context + data.settings.horizon
    short = {i for i, t in enumerate(data.times) if int(np.sum(t < val_start)) < need}
    if len(short) == len(data.times):
        raise DataError(
            f"no series has context + horizon = {need} steps before the validation period "
            f"({_cut_text(val_start)}); lower task.context, split.val_fraction and "
            "split.test_fraction, or move task.shift.min later"
        )
    return short


def _short_note(data: ForecastData, short: set[int], val_start: Any) -> tuple[str, ...]:
    """The warning that names the series left out for a short history (none: empty)."""
    if not short:
        return ()
    names = [str(data.series_names[i]) for i in sorted(short)]
    shown = ", ".join(names[:4]) + (f" and {len(names) - 4} more" if len(names) > 4 else "")
    need = data.settings.context + data.settings.horizon
    note = (
        f"{len(names)} of {len(data.times)} series have fewer than context + horizon = {need} "
        f"steps before the validation period ({_cut_text(val_start)}) and are left out of "
        f"every split ({shown}): they have no training window and no training-period scale; "
        "smaller split fractions or a later task.shift.min give them that history"
    )
    log.warning("%s", note)
    return (note,)


def _cut_text(t: Any) -> str:
    return str(pd.Timestamp(t).date()) if isinstance(t, np.datetime64) else str(t)


def _notes(
    data: ForecastData,
    split: ForecastSplit,
    step: int,
    available: dict[str, int],
    used: dict[str, int],
) -> tuple[str, ...]:
    window = data.settings.context + data.settings.horizon
    size = split.size_cap(window, channels_of(data))
    said = notes(step, data.settings.step, data.season, available, used, size)
    for line in said:
        log.warning("%s", line)
    return said


def _choose(
    data: ForecastData,
    spans: list[tuple[int, Any, Any, int]],
    phase: tuple[np.ndarray, ...],
    split: ForecastSplit,
    name: str,
) -> Chosen:
    """The origins of split ``name``: every candidate of each span, then the split's cap.

    Evaluation origins of the ``j``-th of ``n`` series start ``floor(j * season / n) mod
    min(stride, season)`` steps late (less than one stride), so that series on one calendar
    start on phases spread over the season: with few origins per series (a short validation
    period) the panel as a whole still covers every phase about equally.
    """
    c, h = data.settings.context, data.settings.horizon
    series = [i for i, *_ in spans]
    candidates = [_origins(data.times[i], c, h, lo, hi, st) for i, lo, hi, st in spans]
    if name != "train" and data.season > 1:
        candidates = []
        for j, (i, lo, hi, st) in enumerate(spans):
            every = _origins(data.times[i], c, h, lo, hi, 1)
            late = (j * data.season // len(spans)) % min(st, data.season)
            candidates.append(every[late if late < len(every) else 0 :: st])
    rng = np.random.default_rng(derive_seed(split.seed, "forecast_windows", name))
    cap = split.cap(name, c + h, channels_of(data))
    return choose(
        series, candidates, [phase[i] for i in series], data.season, cap, rng,
        stratify=name != "train",
    )  # fmt: skip


def _cuts(
    data: ForecastData, split: ForecastSplit, id_idx: list[int], id_end: Any
) -> dict[str, Any]:
    """The validation and test start times: fractions of the ID time steps of all ID series."""
    id_times = np.unique(np.concatenate([data.times[i][data.times[i] <= id_end] for i in id_idx]))
    n = len(id_times)
    k_train = round(n * (1 - split.val_fraction - split.test_fraction))
    k_val = round(n * split.val_fraction)
    if k_train < 1 or k_train + k_val >= n:
        raise DataError(f"the ID range has {n} steps, too few for the split fractions")
    return {
        "val_start": id_times[k_train],
        "test_start": id_times[k_train + k_val],
        "id_end": id_end,
    }


def _empty_message(name: str, data: ForecastData) -> str:
    s = data.settings
    if name == "shift":
        return (
            "the shift rule leaves no shift window: no shift series has context + horizon = "
            f"{s.context + s.horizon} steps around the shift period (groups: the ID test "
            "period); widen task.shift.min/max or pick longer series"
        )
    return (
        f"the {name} period holds no complete window of context + horizon = "
        f"{s.context + s.horizon} steps; lower task.context or task.horizon, or use longer series"
    )


def _series_stats(data: ForecastData, val_start: Any, short: set[int]) -> SeriesStats:
    """Mean, std and seasonal-naive MAE of each series before ``val_start`` (NaN for the
    series in ``short``, which are in no split)."""
    m = data.season
    mean, std, mase = [], [], []
    for i, (name, t, y) in enumerate(zip(data.series_names, data.times, data.values, strict=True)):
        if i in short:
            mean.append(np.nan)
            std.append(np.nan)
            mase.append(np.nan)
            continue
        y_train = y[t < val_start]
        if len(y_train) < 2:
            raise DataError(
                f"series {name!r} has {len(y_train)} steps before the validation period; it "
                "needs a history there for its scaling statistics"
            )
        lag = m if len(y_train) > m else 1
        naive_mae = float(np.mean(np.abs(y_train[lag:] - y_train[:-lag])))
        if naive_mae == 0.0:
            naive_mae = float(np.mean(np.abs(np.diff(y_train)))) or 1.0
        mean.append(float(y_train.mean()))
        std.append(float(y_train.std()) or 1.0)
        mase.append(naive_mae)
    return SeriesStats(np.array(mean), np.array(std), np.array(mase))


def _origins(times: np.ndarray, ctx: int, h: int, start: Any, end: Any, stride: int) -> np.ndarray:
    """Positions ``p`` of origins (last context step) with the target ``(p, p + h]`` inside
    ``[start, end]`` and a full context, stepping ``stride`` from the first one."""
    n = len(times)
    p = np.arange(ctx - 1, n - h)
    ok = np.ones(len(p), dtype=bool)
    if start is not None:
        ok &= times[p + 1] >= start
    ok &= times[p + h] <= end
    p = p[ok]
    return p[::stride]


def _build(
    data: ForecastData,
    series: tuple[int, ...],
    positions: tuple[np.ndarray, ...],
    stats: SeriesStats,
) -> Windows:
    """The windows at the chosen origin ``positions`` of each series in ``series``."""
    c, h = data.settings.context, data.settings.horizon
    base = max(len(t) for t in data.times) + 1
    parts: list[dict[str, np.ndarray]] = []
    for i, p in zip(series, positions, strict=True):
        ctx_idx = p[:, None] + np.arange(-c + 1, 1)
        full_idx = p[:, None] + np.arange(-c + 1, h + 1)
        y = data.values[i]
        parts.append(
            {
                "context": y[ctx_idx],
                "target": y[p[:, None] + np.arange(1, h + 1)],
                "known": data.known[i][full_idx],
                "observed": data.observed[i][ctx_idx],
                "series": np.full(len(p), i, dtype=np.int64),
                "origin": data.times[i][p],
                "row_id": i * base + p.astype(np.int64),
            }
        )
    if not parts:
        k, o = len(data.known_names), len(data.observed_names)
        t0 = data.times[0][:0]
        empty = np.zeros(0, dtype=np.int64)
        return Windows(
            context=np.zeros((0, c)), target=np.zeros((0, h)), known=np.zeros((0, c + h, k)),
            observed=np.zeros((0, c, o)), series=empty, origin=t0, loc=np.zeros(0),
            scale=np.zeros(0), mase_scale=np.zeros(0), row_id=empty,
        )  # fmt: skip
    cat = {k: np.concatenate([q[k] for q in parts]) for k in parts[0]}
    s = cat["series"]
    return Windows(**cat, loc=stats.mean[s], scale=stats.std[s], mase_scale=stats.mase_scale[s])


@dataclass(frozen=True)
class ForecastInfo:
    """What the families need to know besides the windows (the ``info`` of ``fit``)."""

    horizon: int
    context: int
    season: int
    frequency: str
    n_series: int
    known_names: tuple[str, ...]
    observed_names: tuple[str, ...]

    @classmethod
    def from_data(cls, data: ForecastData) -> ForecastInfo:
        s = data.settings
        return cls(
            horizon=s.horizon,
            context=s.context,
            season=data.season,
            frequency=data.frequency,
            n_series=len(data.series_names),
            known_names=data.known_names,
            observed_names=data.observed_names,
        )
