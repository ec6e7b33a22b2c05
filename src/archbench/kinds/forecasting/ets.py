"""The ETS reference row: statsforecast's AutoETS per series, fitted on the training period only.

Needs the optional extra (``pip install 'archbench[forecasting]'``, i.e. statsforecast); without
it the run logs one warning, task.json notes it and the report says so in one sentence.

Fit once, then filter forward (not a refit per origin). Each series' AutoETS (error, trend and
season chosen by AICc; ``season_length`` = the task's season) is fitted on the last ``L`` steps
before the validation cut, the same training period as the MASE scale. At each evaluation origin
its forecast is statsforecast's ``AutoETS.forward`` on the series from the first fitted step up to
and including the origin: the fitted parameters and initial states stay fixed, and only the
states are updated by the observed values (the ETS recursion reads the past only). So no
validation, test or shift value reaches the parameters, and a forecast at an origin reads nothing
after it. A refit at every origin would cost one fit (about 1 ms of CPU per step at season 24)
per window instead of one per series. A series of a ``groups`` shift is fitted on its own
training period too: its past, which a forecaster has at forecast time (as for its MASE scale).

Cost is capped per preset (:data:`BUDGETS`): at most ``max_length`` training steps per series
and ``total_steps`` over all series. When the series are too many for ``min_length`` steps each,
the row is left out and the run says why (``thorough`` lifts the caps tenfold).
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from archbench.names import SCORED_SPLITS

if TYPE_CHECKING:
    from archbench.kinds.forecasting.data import ForecastData
    from archbench.kinds.forecasting.splits import ForecastSplits, SeriesStats

log = logging.getLogger(__name__)

#: task.json ``references`` key and label of the row.
KEY = "ets"
LABEL = "AutoETS"
#: The sentence a run without the extra logs, notes in task.json and prints in the report.
ABSENT = (
    "the AutoETS reference row is left out: the optional extra is not installed "
    "(pip install 'archbench[forecasting]' adds statsforecast)"
)


@dataclass(frozen=True)
class EtsBudget:
    """How much the ETS reference may fit: steps per series and over all series."""

    max_length: int
    total_steps: int
    min_length: int = 50


#: Per preset; sized at about 1.2 ms of CPU per fitted step at season 24 (docs/benchmarks.md).
BUDGETS: dict[str, EtsBudget] = {
    "quick": EtsBudget(max_length=1_000, total_steps=10_000),
    "default": EtsBudget(max_length=2_000, total_steps=40_000),
    "thorough": EtsBudget(max_length=20_000, total_steps=400_000),
}


@dataclass(frozen=True, eq=False)
class EtsReference:
    """The ETS forecasts of every scored split and how they were fitted.

    Attributes:
        forecasts: split -> ``(n, H)`` forecasts of that split's windows, in their order.
        models: series name -> the model AutoETS chose (``"ETS(A,N,N)"``).
        params: series name -> ``(k,)`` fitted parameters and initial states.
        length: training steps fitted per series (the last ``length`` before the cut).
        cpu_seconds: CPU time of the fits and forecasts.
    """

    forecasts: dict[str, np.ndarray]
    models: dict[str, str]
    params: dict[str, np.ndarray]
    length: int
    cpu_seconds: float

    def summary(self) -> dict[str, Any]:
        """JSON-able: how the row was made (task.json ``references.ets``)."""
        kinds = sorted(set(self.models.values()))
        return {
            "fit": "AutoETS per series on the training period, parameters fixed, states "
            "filtered forward to each origin",
            "fit_length": self.length,
            "series_fitted": len(self.models),
            "models": kinds[:10],
            "cpu_seconds": round(self.cpu_seconds, 2),
        }


@dataclass(frozen=True, eq=False)
class FittedReferences:
    """What the forecasting kind fitted on the training period (``Prepared.fitted``): the
    per-series scaling statistics and the AutoETS reference (None when left out)."""

    stats: SeriesStats
    ets: EtsReference | None = None

    def forecasts(self) -> dict[str, dict[str, np.ndarray]]:
        """Reference name -> split -> ``(n, H)``: the fitted references' forecasts."""
        return {KEY: self.ets.forecasts} if self.ets is not None else {}


def load_autoets() -> Any | None:
    """statsforecast's ``AutoETS`` class, or None when the extra is not installed."""
    try:
        from statsforecast.models import AutoETS
    except ImportError:
        return None
    return AutoETS


def fit_length(n_series: int, train_lengths: list[int], budget: EtsBudget) -> int | None:
    """Steps fitted per series under ``budget``; None when ``min_length`` each does not fit."""
    share = budget.total_steps // max(n_series, 1)
    if share < budget.min_length:
        return None
    return min(budget.max_length, share, max(train_lengths))


def fit_series(autoets: Any, y: np.ndarray, season: int) -> Any:
    """One series' AutoETS fitted on ``y`` (its training steps)."""
    return autoets(season_length=max(int(season), 1)).fit(np.asarray(y, dtype=np.float64))


def ets_reference(
    data: ForecastData, splits: ForecastSplits, budget: EtsBudget, autoets: Any
) -> EtsReference | str:
    """Fit every series with a scored window and forecast every window of the scored splits.

    Returns:
        The reference, or one sentence saying why it is left out (over the budget, or a
        forecast that is not finite).
    """
    t0 = time.process_time()
    h, cut = data.settings.horizon, splits.cuts["val_start"]
    used = sorted({int(i) for s in SCORED_SPLITS for i in splits.windows[s].series})
    train_n = [int(np.sum(data.times[i] < cut)) for i in used]
    length = fit_length(len(used), train_n, budget)
    if length is None:
        return (
            f"the AutoETS reference row is left out: {len(used)} series exceed this preset's "
            f"budget of {budget.total_steps:,} fitted steps ({budget.min_length} each at least); "
            "use --preset thorough"
        )
    fitted, start = {}, {}
    for i, n in zip(used, train_n, strict=True):
        start[i] = max(n - length, 0)
        fitted[i] = fit_series(autoets, data.values[i][start[i] : n], data.season)
    forecasts = {}
    for s in SCORED_SPLITS:
        w = splits.windows[s]
        out = np.empty((len(w), h))
        for k, (i, origin) in enumerate(zip(w.series, w.origin, strict=True)):
            p = int(np.searchsorted(data.times[i], origin))
            y = data.values[i][start[int(i)] : p + 1]
            out[k] = fitted[int(i)].forward(y=y, h=h)["mean"]
        if not np.isfinite(out).all():
            return f"the AutoETS reference row is left out: some {s} forecasts are not finite"
        forecasts[s] = out
    names = data.series_names
    return EtsReference(
        forecasts=forecasts,
        models={names[i]: str(m.model_["method"]) for i, m in fitted.items()},
        params={names[i]: np.asarray(m.model_["par"], dtype=np.float64) for i, m in fitted.items()},
        length=length,
        cpu_seconds=time.process_time() - t0,
    )


def reference_for_run(
    data: ForecastData, splits: ForecastSplits, preset: str
) -> tuple[EtsReference | None, str]:
    """The row for a run of ``preset``, or None and the sentence (logged once) saying why not."""
    autoets = load_autoets()
    if autoets is None:
        log.warning(ABSENT)
        return None, ABSENT
    ref = ets_reference(data, splits, BUDGETS.get(preset, BUDGETS["default"]), autoets)
    if isinstance(ref, str):
        log.warning(ref)
        return None, ref
    log.info("AutoETS reference: %d series, %d steps each, %.1f CPU s", len(ref.models),
             ref.length, ref.cpu_seconds)  # fmt: skip
    return ref, ""
