"""The forecasting report's figure, drawn from the run directory's predictions.parquet and
task.json: the MASE at each horizon step on the test and shift windows (families and the
reference forecasts), and the actual values with each family's forecast on one shift window.
One figure of three panels, so that a compacted report keeps all of it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from archbench.figures import TEXT_WIDTH_IN, save, style
from archbench.report.document import Figure, spans
from archbench.report.rundata import RunData

from .figures import error_by_horizon, forecast_window

STEM = "forecasting"
REFERENCE_LABELS = {"naive": "Naive", "seasonal_naive": "Seasonal naive"}


def step_errors(preds: pd.DataFrame, split: str) -> pd.DataFrame:
    """``model, step, value``: MASE at each step, averaged over windows, then over seeds."""
    rows = []
    df = preds[preds["split"] == split]
    h = _horizon(df)
    for fam, g in df.groupby("family", sort=False):
        for k in range(1, h + 1):
            err = (g[f"f_{k}"] - g[f"y_{k}"]).abs() / g["mase_scale"]
            value = float(err.groupby(g["seed"]).mean().mean())
            rows.append({"model": fam, "step": k, "value": value})
    return pd.DataFrame(rows)


def _horizon(df: pd.DataFrame) -> int:
    return sum(1 for c in df.columns if c.startswith("f_") and c[2:].isdigit())


def _with_references(table: pd.DataFrame, ref_steps: dict[str, Any], split: str) -> pd.DataFrame:
    parts = [table]
    for ref, per in ref_steps.items():
        vals = per.get(split) or []
        steps = np.arange(1, len(vals) + 1)
        parts.append(pd.DataFrame({"model": ref, "step": steps, "value": vals}))
    return pd.concat(parts, ignore_index=True)


def median_window(preds: pd.DataFrame) -> pd.DataFrame:
    """The first seed's rows (one per family) of the shift window of median mean error."""
    shift = preds[(preds["split"] == "shift") & (preds["seed"] == preds["seed"].min())]
    h = _horizon(shift)
    ys, fs = [f"y_{k}" for k in range(1, h + 1)], [f"f_{k}" for k in range(1, h + 1)]
    err = np.abs(shift[fs].to_numpy() - shift[ys].to_numpy()).mean(axis=1)
    per_window = pd.Series(err, index=shift["row_id"].to_numpy()).groupby(level=0).mean()
    rid = per_window.sort_values().index[len(per_window) // 2]
    return shift[shift["row_id"] == rid]


def figures(run: RunData, compact: int) -> list[Figure]:
    """The document model of the figure :func:`draw` makes; none without predictions."""
    if not (run.root / "predictions.parquet").is_file():
        return []
    caption = spans(
        "MASE at each horizon step on the test and shift windows (mean over seeds; grey: the "
        "reference forecasts), and the actual values with the first seed's forecast of each "
        "family on the shift window of median error (right)."
    )
    return [Figure("fig-forecasting", caption, STEM, TEXT_WIDTH_IN if compact < 2 else 4.6)]


def draw(run: RunData, out_dir: Path) -> list[Path]:
    """Draw the figure into ``out_dir`` as PDF; nothing when the predictions are missing."""
    import matplotlib.pyplot as plt

    path = run.root / "predictions.parquet"
    if not path.is_file():
        return []
    preds = pd.read_parquet(path)
    fams, labels = run.families, {**run.labels(), **REFERENCE_LABELS}
    ref_steps = run.task.get("reference_steps") or {}
    with style():
        fig, axes = plt.subplots(1, 3, figsize=(TEXT_WIDTH_IN, 1.9))
        for ax, split in zip(axes[:2], ("test", "shift"), strict=True):
            table = _with_references(step_errors(preds, split), ref_steps, split)
            error_by_horizon(
                ax, table, families=fams, labels=labels, title=f"{split} windows", legend=False
            )
        axes[1].set_ylabel("")
        rows = median_window(preds)
        h = _horizon(rows)
        forecasts = {
            str(r["family"]): np.array([r[f"f_{k}"] for k in range(1, h + 1)], dtype=np.float64)
            for _, r in rows.iterrows()
        }
        actual = rows.iloc[0][[f"y_{k}" for k in range(1, h + 1)]].to_numpy(np.float64)
        origin = str(rows.iloc[0]["origin"]).replace("T", " ")[:16]
        forecast_window(
            axes[2], np.empty(0), actual, forecasts, families=fams, labels=labels,
            title=f"shift window after {origin}", legend=False,
        )  # fmt: skip
        handles, names = axes[0].get_legend_handles_labels()
        h2, n2 = axes[2].get_legend_handles_labels()
        handles.append(h2[0])
        names.append(n2[0])
        fig.legend(
            handles, names, loc="upper center", bbox_to_anchor=(0.5, 0.02), ncols=6,
            frameon=False,
        )  # fmt: skip
        fig.tight_layout()
        out = save(fig, out_dir / f"{STEM}.pdf")
    return [out]
