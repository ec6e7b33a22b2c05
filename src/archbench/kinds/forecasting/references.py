"""Reference forecasts (rows of every table, not tuned families): naive and seasonal naive.

Both read only the context of each window, so they are forecasts made at the origin.
``seasonal_naive`` follows statsforecast's ``SeasonalNaive``: the step ``h`` (1-based) repeats
the value ``m * ceil(h / m)`` steps before the target, i.e. the last observed season.
"""

from __future__ import annotations

import numpy as np

from archbench.errors import DataError


def naive(context: np.ndarray, horizon: int) -> np.ndarray:
    """``(n, H)``: the last observed value repeated."""
    context = np.asarray(context, dtype=np.float64)
    return np.repeat(context[:, -1:], horizon, axis=1)


def seasonal_naive(context: np.ndarray, horizon: int, season: int) -> np.ndarray:
    """``(n, H)``: the last observed season repeated (``season = 1`` is ``naive``).

    Raises:
        DataError: the context is shorter than one season.
    """
    context = np.asarray(context, dtype=np.float64)
    c = context.shape[1]
    if season > c:
        raise DataError(
            f"seasonal naive needs context >= season; context = {c}, season = {season}: raise "
            "task.context or set task.season"
        )
    steps = np.arange(horizon)
    return context[:, c - season + steps % season]


REFERENCES: dict[str, str] = {"naive": "Naive", "seasonal_naive": "Seasonal naive"}


def reference_forecast(name: str, context: np.ndarray, horizon: int, season: int) -> np.ndarray:
    """Dispatch on ``name`` (a key of ``REFERENCES``)."""
    if name == "naive":
        return naive(context, horizon)
    if name == "seasonal_naive":
        return seasonal_naive(context, horizon, season)
    raise KeyError(f"unknown reference {name!r}; use one of {sorted(REFERENCES)}")
