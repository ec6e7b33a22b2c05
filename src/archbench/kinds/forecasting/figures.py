"""The forecasting kind's figures: error by horizon step, and forecasts on one window.

Same conventions as ``archbench.report.figures``: one function per panel, drawing on a given ``ax``;
inputs are tables a run directory holds (a long error-by-step table) or arrays of one window.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
from matplotlib.axes import Axes

from archbench.report.figures import family_style

#: Line style of the reference rows (not families).
REFERENCE_STYLE: dict[str, dict[str, object]] = {
    "naive": {"color": "0.45", "ls": ":"},
    "seasonal_naive": {"color": "0.25", "ls": "--"},
    "ets": {"color": "0.1", "ls": "-."},
}


def error_by_horizon(
    ax: Axes,
    table: pd.DataFrame,
    *,
    families: Sequence[str],
    labels: Mapping[str, str],
    metric_label: str = "MASE",
    title: str = "",
    legend: bool = True,
) -> Axes:
    """Mean error at each horizon step, one line per family (and per reference, grey).

    Args:
        ax: the axes to draw on.
        table: long table with columns ``model`` (family or reference name), ``step``
            (1-based) and ``value`` (e.g. averaged over seeds, one split).
        families: family keys in legend order; other ``model`` values are references.
        labels: display name per model.
        metric_label: y-axis label.
        title: panel title.
    """
    for model, g in table.groupby("model", sort=False):
        g = g.sort_values("step")
        name = str(model)
        if name in families:
            colour, marker = family_style(families, name)
            ax.plot(
                g["step"],
                g["value"],
                color=colour,
                marker=marker,
                ms=2.5,
                label=labels.get(name, name),
            )
        else:
            style = REFERENCE_STYLE.get(name, {"color": "0.5", "ls": "-."})
            ax.plot(g["step"], g["value"], lw=1.0, label=labels.get(name, name), **style)  # type: ignore[arg-type]
    ax.set_xlabel("Horizon step")
    ax.set_ylabel(metric_label)
    if legend:
        ax.legend(frameon=False, ncols=2)
    if title:
        ax.set_title(title, loc="left")
    return ax


def forecast_window(
    ax: Axes,
    context: np.ndarray,
    target: np.ndarray,
    forecasts: Mapping[str, np.ndarray],
    *,
    families: Sequence[str],
    labels: Mapping[str, str],
    show_context: int = 0,
    title: str = "",
    legend: bool = True,
) -> Axes:
    """Actual values and each model's forecast on one window (steps relative to the origin).

    Args:
        context: ``(C,)`` observed values up to the origin.
        target: ``(H,)`` actual values after the origin.
        forecasts: model -> ``(H,)`` forecast.
        families: family keys (coloured); other keys are references (grey).
        labels: display name per model.
        show_context: how many context steps to draw (0: all).
    """
    c, h = len(context), len(target)
    keep = c if show_context <= 0 else min(show_context, c)
    past = np.arange(-keep + 1, 1)
    future = np.arange(1, h + 1)
    if keep:
        ax.plot(past, context[-keep:], color="black", lw=0.9, label="Observed")
    ax.plot(future, target, color="black", lw=1.4, label="Actual")
    for model, pred in forecasts.items():
        if model in families:
            colour, _ = family_style(families, model)
            ax.plot(future, pred, color=colour, lw=1.1, label=labels.get(model, model))
        else:
            style = REFERENCE_STYLE.get(model, {"color": "0.5", "ls": "-."})
            ax.plot(future, pred, lw=0.9, label=labels.get(model, model), **style)  # type: ignore[arg-type]
    if keep:
        ax.axvline(0.5, color="0.6", lw=0.6)
    ax.set_xlabel("Steps from the forecast origin")
    if legend:
        ax.legend(frameon=False, ncols=2)
    if title:
        ax.set_title(title, loc="left")
    return ax
