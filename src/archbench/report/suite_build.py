"""Write the suite report: report/suite_report.pdf and report/latex/ in the suite directory.

The same machinery as a run's report (:mod:`archbench.report.build`): the document model of
:mod:`archbench.report.suite_content`, rendered by the LaTeX writer (compiled with pdflatex when
on PATH) or the Typst writer, with less secondary material if the main text passes four pages.
"""

from __future__ import annotations

import logging
import os
import shutil
import tempfile
from pathlib import Path

from .. import figures as fg
from .. import figures_suite as fs
from ..errors import StoreError
from .build import MAX_MAIN_PAGES, Engine, _atomic_write, _latex_report, _typst_report, pick_engine
from .suite_content import SuiteData, build, load_suite_files

__all__ = ["draw_suite_figures", "write_suite_report"]

log = logging.getLogger(__name__)

#: Highest compaction level of the suite report (see suite_content.build).
MAX_COMPACT = 2


def draw_suite_figures(d: SuiteData, out_dir: Path) -> list[Path]:
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
    d = load_suite_files(root)
    chosen = pick_engine(engine)
    out = root / "report"
    if out.exists() and not out.is_dir():
        raise StoreError(f"{str(out)!r} exists and is not a directory")
    out.mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=".build-", dir=out) as tmp:
        fig_dir = Path(tmp) / "figures"
        draw_suite_figures(d, fig_dir)
        report = _latex_report if chosen == "latex" else _typst_report
        pdf, end_page, folder = report(d, Path(tmp), fig_dir, MAX_COMPACT, build)  # type: ignore[arg-type]
        if end_page is not None and end_page > MAX_MAIN_PAGES:
            log.warning(
                "the suite report's main text ends on page %s, past %d", end_page, MAX_MAIN_PAGES
            )
        final = out / "latex"
        if final.exists():
            shutil.rmtree(final)
        os.replace(folder, final)
        _atomic_write(out / "suite_report.pdf", pdf)
    log.info(
        "suite report written to %s (%s, main text %s pages)",
        out / "suite_report.pdf",
        chosen,
        end_page,
    )
    return out / "suite_report.pdf"
