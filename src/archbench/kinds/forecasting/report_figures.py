"""The forecasting report's figure: the MASE at each horizon step on the test and shift windows
(families and the reference forecasts) from the run directory's horizon_errors.parquet, and the
actual values with each family's forecast on one shift window from predictions.parquet. One
figure of three panels, so that a compacted report keeps all of it."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from archbench.kinds.forecasting.figures import error_by_horizon, forecast_window
from archbench.kinds.forecasting.horizon import FILE, family_rows, mean_over_seeds
from archbench.report.document import Figure, spans
from archbench.report.figures import TEXT_WIDTH_IN, save, style
from archbench.report.rundata import RunData

STEM = "forecasting"
REFERENCE_LABELS = {"naive": "Naive", "seasonal_naive": "Seasonal naive", "ets": "AutoETS"}


def step_errors(table: pd.DataFrame, split: str) -> pd.DataFrame:
    """``model, step, value``: MASE at each step of ``split`` from the horizon table (families
    averaged over seeds; reference rows included when the table has them)."""
    return mean_over_seeds(table, split, "mase")


def horizon_errors(run: RunData, preds: pd.DataFrame) -> pd.DataFrame:
    """The run's horizon_errors.parquet; for a run directory written before the table existed,
    the families' rows recomputed from ``preds`` and the reference MASE from task.json."""
    path = run.root / FILE
    if path.is_file():
        return pd.read_parquet(path)
    parts = [family_rows(preds)]
    for ref, per in (run.task.get("reference_steps") or {}).items():
        for split, vals in per.items():
            steps = np.arange(1, len(vals) + 1)
            parts.append(pd.DataFrame({"model": ref, "split": split, "step": steps, "mase": vals}))
    return pd.concat(parts, ignore_index=True)


def _horizon(df: pd.DataFrame) -> int:
    return sum(1 for c in df.columns if c.startswith("f_") and c[2:].isdigit())


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
    table = horizon_errors(run, preds)
    with style():
        fig, axes = plt.subplots(1, 3, figsize=(TEXT_WIDTH_IN, 1.9))
        for ax, split in zip(axes[:2], ("test", "shift"), strict=True):
            error_by_horizon(
                ax,
                step_errors(table, split),
                families=fams,
                labels=labels,
                title=f"{split} windows",
                legend=False,
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
