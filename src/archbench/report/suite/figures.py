"""Figures of a suite report: one function per panel, each drawing on a given ``ax``.

Inputs are the suite directory's own files (``suite_stats.json`` as a dict, ``suite_summary.csv``
as a DataFrame), so every mark traces to a file. Style, colours and saving come from
:mod:`archbench.report.figures`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.axes import Axes

from archbench.report.figures import family_style

__all__ = ["critical_difference", "iqm_intervals", "performance_profiles", "task_id_vs_shift"]


def iqm_intervals(
    ax: Axes,
    split_stats: Mapping[str, Any],
    *,
    families: Sequence[str],
    labels: Mapping[str, str],
    title: str,
) -> None:
    """IQM of normalised scores per family: the seeds-within-tasks interval (thick) and the
    tasks-and-seeds interval (thin; absent when the suite has too few tasks for it), from
    ``suite_stats.json["splits"][split]["aggregate"]``."""
    agg = split_stats["aggregate"]
    for i, fam in enumerate(families):
        a = agg[fam]
        colour, marker = family_style(families, fam)
        y = len(families) - 1 - i
        if a.get("ci_low_tasks") is not None:  # none below MIN_TASKS_TASK_INTERVAL tasks
            ax.plot([a["ci_low_tasks"], a["ci_high_tasks"]], [y, y], color=colour, lw=0.8)
        ax.plot([a["ci_low"], a["ci_high"]], [y, y], color=colour, lw=4, alpha=0.55)
        ax.plot([a["iqm"]], [y], marker=marker, color=colour, ms=4, ls="none")
    ax.set_yticks(range(len(families)))
    ax.set_yticklabels([labels.get(f, f) for f in reversed(families)])
    ax.set_xlabel("IQM of normalised score (1 = best family)")
    ax.set_ylim(-0.6, len(families) - 0.4)
    ax.set_title(title)


def performance_profiles(
    ax: Axes,
    split_stats: Mapping[str, Any],
    taus: Sequence[float],
    *,
    families: Sequence[str],
    labels: Mapping[str, str],
    title: str,
) -> None:
    """Fraction of runs (averaged over tasks) whose normalised score exceeds tau."""
    for fam in families:
        colour, _ = family_style(families, fam)
        prof = split_stats["aggregate"][fam]["profile"]
        ax.step(taus, prof, where="post", color=colour, label=labels.get(fam, fam))
    ax.set_xlabel(r"normalised score $\tau$")
    ax.set_ylabel(r"fraction of runs $> \tau$")
    ax.set_ylim(-0.03, 1.03)
    ax.set_title(title)


def critical_difference(
    ax: Axes,
    rank_test: Mapping[str, Any],
    *,
    families: Sequence[str],
    labels: Mapping[str, str],
    title: str,
) -> None:
    """Demsar's critical-difference diagram: average ranks on an axis (1 = best, left), the
    Nemenyi CD as a bar, families joined by a line when their ranks differ by less than CD."""
    ranks = rank_test["ranks"]
    k = len(families)
    cd = float(rank_test["cd"])
    right = max(k, 1 + cd)
    label_x = right + 0.15
    ax.set_xlim(0.7, right + 1.9)
    ax.set_ylim(-0.12 - 0.2 * k, 0.55)
    ax.plot([1, right], [0, 0], color="black", lw=0.7)
    for r in range(1, k + 1):
        ax.plot([r, r], [0, 0.05], color="black", lw=0.6)
        ax.text(r, 0.09, str(r), ha="center", va="bottom", fontsize=7)
    ax.plot([1, 1 + cd], [0.38, 0.38], color="black", lw=1.0)
    ax.text(1 + cd / 2, 0.42, f"CD = {cd:.2f}", ha="center", va="bottom", fontsize=7)
    order = sorted(families, key=lambda f: ranks[f])
    for i, fam in enumerate(order):
        colour, marker = family_style(families, fam)
        y = -0.22 - 0.2 * i
        ax.plot([ranks[fam], ranks[fam], label_x], [0, y, y], color=colour, lw=0.7)
        ax.plot([ranks[fam]], [0], marker=marker, color=colour, ms=4)
        ax.text(
            label_x + 0.05,
            y,
            f"{labels.get(fam, fam)} ({ranks[fam]:.2f})",
            va="center",
            fontsize=7,
            color=colour,
        )
    cliques = [
        (ranks[a], ranks[b])
        for j, a in enumerate(order)
        for b in order[j + 1 :]
        if abs(ranks[a] - ranks[b]) < cd
    ]
    for j, (lo, hi) in enumerate(cliques):
        ax.plot([lo - 0.04, hi + 0.04], [-0.07 - 0.04 * j] * 2, color="0.2", lw=2.2)
    ax.axis("off")
    ax.set_title(title)


def task_id_vs_shift(
    ax: Axes,
    summary: pd.DataFrame,
    *,
    tasks: Sequence[str],
    families: Sequence[str],
    labels: Mapping[str, str],
    title: str,
) -> None:
    """Normalised score of each family on the ID test set (open) and the shift set (filled),
    one column per task (``suite_summary.csv``)."""
    width = 0.8 / max(1, len(families))
    for j, fam in enumerate(families):
        colour, marker = family_style(families, fam)
        for i, task in enumerate(tasks):
            x = i - 0.4 + width * (j + 0.5)
            vals = {}
            for split in ("test", "shift"):
                r = summary[
                    (summary.task == task) & (summary.family == fam) & (summary.split == split)
                ]
                vals[split] = float(r.norm_mean.iloc[0]) if not r.empty else np.nan
            ax.plot([x, x], [vals["test"], vals["shift"]], color=colour, lw=0.7)
            ax.plot([x], [vals["test"]], marker=marker, mfc="white", color=colour, ms=4, ls="none")
            ax.plot(
                [x],
                [vals["shift"]],
                marker=marker,
                color=colour,
                ms=4,
                ls="none",
                label=labels.get(fam, fam) if i == 0 else None,
            )
    ax.set_xticks(range(len(tasks)))
    ax.set_xticklabels(list(tasks), rotation=20 if len(tasks) > 5 else 0)
    ax.set_ylabel("normalised score")
    ax.set_title(title)
