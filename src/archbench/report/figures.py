"""The report's figures: matplotlib, one function per panel, each drawing on a given ``ax``.

Inputs are the run directory's own tables (``results.parquet``, ``summary.csv``,
``trials.parquet``) as pandas DataFrames, so every mark on a figure traces to a file. Figures
are sized for print (the NeurIPS text block is 5.5 in wide) and saved with embedded TrueType
fonts (no Type 3), in the STIX serif face that matches the Times text.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure

log = logging.getLogger(__name__)

#: Width of the NeurIPS text block in inches.
TEXT_WIDTH_IN = 5.5

#: Okabe-Ito colours (colour-blind safe) and one marker per family, in family order.
PALETTE: tuple[str, ...] = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9")
MARKERS: tuple[str, ...] = ("o", "s", "D", "^", "v", "P")

RC: dict[str, Any] = {
    "font.family": "serif",
    "font.serif": ["STIXGeneral", "DejaVu Serif"],
    "mathtext.fontset": "stix",
    "font.size": 8.0,
    "axes.titlesize": 8.5,
    "axes.labelsize": 8.0,
    "xtick.labelsize": 7.5,
    "ytick.labelsize": 7.5,
    "legend.fontsize": 7.5,
    "axes.linewidth": 0.6,
    "xtick.major.width": 0.6,
    "ytick.major.width": 0.6,
    "lines.linewidth": 1.2,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "grid.linewidth": 0.4,
    "grid.alpha": 0.35,
    "pdf.fonttype": 42,
    "ps.fonttype": 42,
    "svg.fonttype": "path",
    "savefig.dpi": 300,
}


@contextlib.contextmanager
def style() -> Iterator[None]:
    """Apply the print style for the duration of the block."""
    with matplotlib.rc_context(RC):  # type: ignore[arg-type]
        yield


def family_style(families: Sequence[str], family: str) -> tuple[str, str]:
    """Return ``(colour, marker)`` of ``family``, stable for a given family order."""
    i = list(families).index(family) % len(PALETTE)
    return PALETTE[i], MARKERS[i % len(MARKERS)]


def _summary_row(summary: pd.DataFrame, family: str, split: str, metric: str) -> pd.Series | None:
    rows = summary[
        (summary["family"] == family) & (summary["split"] == split) & (summary["metric"] == metric)
    ]
    return None if rows.empty else rows.iloc[0]


def seed_scores(
    ax: Axes,
    results: pd.DataFrame,
    summary: pd.DataFrame,
    *,
    split: str,
    metric: str,
    families: Sequence[str],
    labels: Mapping[str, str],
    metric_label: str,
    title: str = "",
) -> Axes:
    """Per-seed scores (dots) with the mean and its interval (bar) for each family on one split.

    Args:
        ax: the axes to draw on.
        results: ``results.parquet`` (``family, seed, split, metric, value``).
        summary: ``summary.csv`` (``family, split, metric, mean, ci_low, ci_high``).
        split: ``"test"``, ``"shift"`` or ``"val"``.
        metric: the metric to show.
        families: family keys, top to bottom.
        labels: display name per family.
        metric_label: x-axis label.
        title: panel title.
    """
    sel = results[(results["split"] == split) & (results["metric"] == metric)]
    n = len(families)
    for i, fam in enumerate(families):
        y = n - 1 - i
        colour, marker = family_style(families, fam)
        vals = sel[sel["family"] == fam].sort_values("seed")["value"].to_numpy(dtype=float)
        if len(vals):
            offsets = np.linspace(-0.18, 0.18, len(vals)) if len(vals) > 1 else np.zeros(1)
            ax.scatter(
                vals, y + offsets, s=12, color=colour, marker=marker, alpha=0.55, lw=0, zorder=3
            )
        row = _summary_row(summary, fam, split, metric)
        if row is not None and np.isfinite(row["mean"]):
            lo, hi = float(row["ci_low"]), float(row["ci_high"])
            if np.isfinite(lo) and np.isfinite(hi):
                ax.plot(
                    [lo, hi],
                    [y + 0.32, y + 0.32],
                    color=colour,
                    lw=1.6,
                    solid_capstyle="butt",
                    zorder=4,
                )
            ax.plot([row["mean"]], [y + 0.32], marker="|", color=colour, ms=8, mew=1.6, zorder=5)
    ax.set_yticks(range(n))
    ax.set_yticklabels([labels.get(f, f) for f in reversed(families)])
    ax.set_ylim(-0.6, n - 0.4)
    ax.grid(axis="y", visible=False)
    ax.set_xlabel(metric_label)
    if title:
        ax.set_title(title, loc="left")
    ax.xaxis.set_major_locator(matplotlib.ticker.MaxNLocator(nbins=5))
    return ax


def id_vs_shift(
    ax: Axes,
    results: pd.DataFrame,
    summary: pd.DataFrame,
    *,
    metric: str,
    families: Sequence[str],
    labels: Mapping[str, str],
    metric_label: str,
    split_labels: tuple[str, str] = ("ID test", "Shift"),
    title: str = "",
) -> Axes:
    """Mean and interval on the ID test set and on the shift set, joined per family.

    Thin grey lines join each seed's two scores (seed ``i`` shares the split), so the
    per-seed change is visible next to the mean change.
    """
    n = len(families)
    width = 0.5
    for i, fam in enumerate(families):
        colour, marker = family_style(families, fam)
        dx = (i - (n - 1) / 2) * (width / max(n - 1, 1)) * 0.8
        xs = np.array([0.0, 1.0]) + dx
        seeds = results[(results["family"] == fam) & (results["metric"] == metric)]
        piv = seeds.pivot_table(index="seed", columns="split", values="value")
        if {"test", "shift"} <= set(piv.columns):
            for _, r in piv.iterrows():
                ax.plot(xs, [r["test"], r["shift"]], color=colour, lw=0.4, alpha=0.35, zorder=2)
        means, los, his = [], [], []
        for split in ("test", "shift"):
            row = _summary_row(summary, fam, split, metric)
            if row is None:
                means.append(np.nan)
                los.append(np.nan)
                his.append(np.nan)
            else:
                means.append(float(row["mean"]))
                los.append(float(row["ci_low"]))
                his.append(float(row["ci_high"]))
        m = np.array(means)
        err = np.vstack([m - np.array(los), np.array(his) - m])
        err = np.where(np.isfinite(err), err, 0.0)
        ax.errorbar(
            xs,
            m,
            yerr=err,
            color=colour,
            marker=marker,
            ms=4,
            capsize=2,
            lw=1.2,
            label=labels.get(fam, fam),
            zorder=4,
        )
    ax.set_xticks([0, 1])
    ax.set_xticklabels(list(split_labels))
    ax.set_xlim(-0.45, 1.45)
    ax.grid(axis="x", visible=False)
    ax.set_ylabel(metric_label)
    ax.legend(frameon=False, loc="best", handlelength=1.5)
    if title:
        ax.set_title(title, loc="left")
    return ax


def best_so_far(values: np.ndarray, *, higher_is_better: bool) -> np.ndarray:
    """Running best of ``values`` (``(n_trials,)``, NaN for failed/pruned trials)."""
    v = np.asarray(values, dtype=float)
    filled = np.where(np.isfinite(v), v, -np.inf if higher_is_better else np.inf)
    run = np.maximum.accumulate(filled) if higher_is_better else np.minimum.accumulate(filled)
    return np.where(np.isfinite(run), run, np.nan)


def tuning_curves(
    ax: Axes,
    trials: pd.DataFrame,
    *,
    families: Sequence[str],
    labels: Mapping[str, str],
    higher_is_better: bool,
    metric_label: str,
    title: str = "",
) -> Axes:
    """Best validation score so far against the trial number, one step line per family.

    Args:
        trials: ``trials.parquet`` (``family, number, state, value``); only COMPLETE trials
            count, the others show as gaps in the faint per-trial dots.
        higher_is_better: direction of ``value``.
    """
    for fam in families:
        colour, marker = family_style(families, fam)
        t = trials[trials["family"] == fam].sort_values("number")
        if t.empty:
            continue
        number = t["number"].to_numpy(dtype=float) + 1
        ok = t["state"].astype(str).str.upper().eq("COMPLETE").to_numpy()
        vals = np.where(ok, t["value"].to_numpy(dtype=float), np.nan)
        ax.scatter(number, vals, s=8, color=colour, marker=marker, alpha=0.3, lw=0, zorder=2)
        ax.step(
            number,
            best_so_far(vals, higher_is_better=higher_is_better),
            where="post",
            color=colour,
            label=labels.get(fam, fam),
            zorder=3,
        )
    ax.set_xlabel("Trial")
    ax.set_ylabel(f"Best validation {metric_label}")
    ax.xaxis.set_major_locator(matplotlib.ticker.MaxNLocator(integer=True, nbins=6))
    ax.legend(frameon=False, loc="best", handlelength=1.5)
    if title:
        ax.set_title(title, loc="left")
    return ax


def save(fig: Figure, path: Path) -> Path:
    """Save ``fig`` to ``path`` (format from the suffix) and close it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, bbox_inches="tight", pad_inches=0.02, metadata=_metadata(path))
    plt.close(fig)
    return path


def _metadata(path: Path) -> dict[str, Any] | None:
    # Fixed metadata keeps the PDFs byte-stable across rebuilds of the same run.
    if path.suffix == ".pdf":
        return {"CreationDate": None, "Producer": "archbench", "Creator": "archbench"}
    return None
