"""Write the suite report: report/suite_report.pdf and report/latex/ in the suite directory.

The same machinery as a run's report (:mod:`archbench.report.build`): the document model of
:mod:`archbench.report.suite.content`, rendered by the LaTeX writer (compiled with pdflatex when
on PATH) or the Typst writer, with less secondary material if the main text passes four pages.
"""

from __future__ import annotations

import logging
from pathlib import Path

import archbench.report.figures as fg
import archbench.report.suite.figures as fs
from archbench.report.build import Engine, publish
from archbench.report.suite.content import SuiteFiles, build, load_suite_files

__all__ = ["draw_suite_figures", "write_suite_report"]

log = logging.getLogger(__name__)

#: Highest compaction level of the suite report (see suite_content.build).
MAX_COMPACT = 2


def draw_suite_figures(d: SuiteFiles, out_dir: Path) -> list[Path]:
    """Draw suite_aggregate.pdf and suite_ranks.pdf into ``out_dir``."""
    import matplotlib.pyplot as plt

    fams, labels = d.families, {f: d.label(f) for f in d.families}
    taus = d.stats["profile_taus"]
    splits = [s for s in ("test", "shift") if d.split(s)]
    names = {"test": "ID test", "shift": "shift"}
    paths = []
    with fg.style():
        fig, axes = plt.subplots(
            1,
            2,
            figsize=(fg.TEXT_WIDTH_IN, 0.28 * len(fams) * len(splits) + 1.0),
            layout="constrained",
        )
        fs.iqm_intervals(
            axes[0], d.split("test"), families=fams, labels=labels, title="IQM, ID test"
        )
        fs.performance_profiles(
            axes[1],
            d.split("test"),
            taus,
            families=fams,
            labels=labels,
            title="Performance profile",
        )
        axes[1].legend(frameon=False, loc="upper right")
        paths.append(fg.save(fig, out_dir / "suite_aggregate.pdf"))

        fig = plt.figure(figsize=(fg.TEXT_WIDTH_IN, 3.4), layout="constrained")
        grid = fig.add_gridspec(2, len(splits), height_ratios=(1.1, 1.0))
        for j, split in enumerate(splits):
            ax = fig.add_subplot(grid[0, j])
            fs.critical_difference(
                ax,
                d.split(split)["rank_test"],
                families=fams,
                labels=labels,
                title=f"Average ranks, {names[split]}",
            )
        ax = fig.add_subplot(grid[1, :])
        fs.task_id_vs_shift(
            ax,
            d.summary,
            tasks=d.stats["tasks"],
            families=fams,
            labels=labels,
            title="Per task: ID test (open) vs shift (filled)",
        )
        lo, hi = ax.get_ylim()
        ax.set_ylim(lo, hi + 0.3 * (hi - lo))
        ax.legend(frameon=False, ncol=len(fams), loc="upper center", fontsize=7)
        paths.append(fg.save(fig, out_dir / "suite_ranks.pdf"))
    return paths


def write_suite_report(root: Path, *, engine: Engine = "auto") -> Path:
    """Write ``report/latex/`` and ``report/suite_report.pdf`` for a finished suite.

    Raises:
        StoreError: a file the report needs is missing.
        RunFailed: the PDF could not be compiled.
    """
    root = Path(root)
    return publish(
        load_suite_files(root), root / "report", draw_suite_figures, build, MAX_COMPACT,
        engine=engine, pdf_name="suite_report.pdf", what="suite report",
    )  # fmt: skip
