"""The forecasting report's figures, drawn from the run directory's predictions.parquet and
task.json: the MASE at each horizon step (test and shift, families and references), and the
actual values with each family's forecast on one shift-set window."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from archbench.figures import TEXT_WIDTH_IN, save, style
from archbench.report.document import Figure, spans
from archbench.report.rundata import RunData

from .figures import error_by_horizon, forecast_window


def step_errors(preds: pd.DataFrame, split: str) -> pd.DataFrame:
    """``model, step, value``: MASE at each step, averaged over windows, then over seeds."""
    rows = []
    df = preds[preds["split"] == split]
    h = sum(1 for c in df.columns if c.startswith("f_") and c[2:].isdigit())
    for fam, g in df.groupby("family", sort=False):
        for k in range(1, h + 1):
            err = (g[f"f_{k}"] - g[f"y_{k}"]).abs() / g["mase_scale"]
            rows.append(
                {"model": fam, "step": k, "value": float(err.groupby(g["seed"]).mean().mean())}
            )
    return pd.DataFrame(rows)


def _legend_below(fig: Any, ax: Any) -> None:
    handles, names = ax.get_legend_handles_labels()
    fig.legend(
        handles, names, loc="upper center", bbox_to_anchor=(0.5, -0.1), ncols=5, frameon=False
    )


def figures(run: RunData, compact: int) -> list[Figure]:
    """The document model of the figures :func:`draw` makes (only the error by horizon step
    at ``compact >= 3``); none when the predictions are missing."""
    if not (run.root / "predictions.parquet").is_file():
        return []
    out = [
        Figure(
            "fig-horizon",
            spans(
                "MASE at each horizon step on the test and shift windows, mean over seeds; grey: "
                "the reference forecasts."
            ),
            "error_by_horizon",
        )
    ]
    if compact < 3:
        out.append(
            Figure(
                "fig-shift-window",
                spans(
                    "Actual values and the forecasts of the first seed of each family on the "
                    "shift-set window of median error."
                ),
                "shift_window",
            )
        )
    return out


def draw(run: RunData, out_dir: Path) -> list[Path]:
    """Draw both figures into ``out_dir`` as PDF; none when the predictions are missing."""
    import matplotlib.pyplot as plt

    path = run.root / "predictions.parquet"
    if not path.is_file():
        return []
    preds = pd.read_parquet(path)
    fams, labels = run.families, run.labels()
    ref_steps = run.task.get("reference_steps") or {}
    with style():
        fig, axes = plt.subplots(1, 2, figsize=(TEXT_WIDTH_IN, 2.0), sharey=True)
        for ax, split in zip(axes, ("test", "shift"), strict=True):
            table = step_errors(preds, split)
            for ref, per in ref_steps.items():
                vals = per.get(split) or []
                table = pd.concat(
                    [
                        table,
                        pd.DataFrame(
                            {"model": ref, "step": np.arange(1, len(vals) + 1), "value": vals}
                        ),
                    ]
                )
            error_by_horizon(
                ax,
                table,
                families=fams,
                labels={**labels, "naive": "Naive", "seasonal_naive": "Seasonal naive"},
                title=f"{split} windows",
                legend=False,
            )
        _legend_below(fig, axes[-1])
        save(fig, out_dir / "error_by_horizon.pdf")
        shift = preds[(preds["split"] == "shift") & (preds["seed"] == preds["seed"].min())]
        h = sum(1 for c in shift.columns if c.startswith("f_") and c[2:].isdigit())
        ys, fs = [f"y_{k}" for k in range(1, h + 1)], [f"f_{k}" for k in range(1, h + 1)]
        err = shift.assign(e=(shift[fs].to_numpy() - shift[ys].to_numpy()).__abs__().mean(axis=1))
        per_window = err.groupby("row_id")["e"].mean().sort_values()
        rid = per_window.index[len(per_window) // 2]
        rows = shift[shift["row_id"] == rid]
        fig, ax = plt.subplots(figsize=(TEXT_WIDTH_IN, 2.0))
        forecasts = {str(r["family"]): r[fs].to_numpy(np.float64) for _, r in rows.iterrows()}
        forecast_window(
            ax,
            np.empty(0),
            rows.iloc[0][ys].to_numpy(np.float64),
            forecasts,
            families=fams,
            labels=labels,
            title=f"shift window {rows.iloc[0]['origin']}",
            legend=False,
        )
        _legend_below(fig, ax)
        save(fig, out_dir / "shift_window.pdf")
    return [out_dir / "error_by_horizon.pdf", out_dir / "shift_window.pdf"]
