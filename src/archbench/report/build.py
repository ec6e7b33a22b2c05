"""Write the report of a run directory: report/latex/ (Overleaf-ready) and report/report.pdf.

``write_report(run_dir)`` builds the document model once, renders it with the LaTeX writer
into ``report/latex/`` (main.tex, archbench.sty, refs.bib, tables/*.tex, figures/*.pdf) and
compiles the PDF with pdflatex + bibtex when pdflatex is on PATH, otherwise with Typst (the
``typst`` package, STIX fonts from matplotlib). If the main text runs past four pages, the
document is rebuilt with less secondary material (``compact`` 1, 2, 3).
"""

from __future__ import annotations

import logging
import os
import shutil
import tempfile
from collections.abc import Callable
from contextlib import ExitStack
from pathlib import Path
from typing import Any, Literal

import archbench.report.figures as fg
from archbench.engine.machine import usable_cores
from archbench.errors import RunFailed, StoreError
from archbench.report.document import Document
from archbench.report.engines import (
    LatexBuild,
    compile_latex,
    compile_typst,
    first_passes,
    main_end_page,
    write_latex_folder,
)
from archbench.report.kindparts import kind_report, load_run_for_report
from archbench.report.rundata import RunData

# The PDF engines live in .engines; their names stay importable from here.
__all__ = [
    "MAX_MAIN_PAGES",
    "Engine",
    "LatexBuild",
    "compaction_candidates",
    "compile_latex",
    "compile_typst",
    "draw_figures",
    "first_passes",
    "main_end_page",
    "pick_engine",
    "publish",
    "write_latex_folder",
    "write_report",
]

log = logging.getLogger(__name__)

Engine = Literal["auto", "latex", "typst"]
#: Pages of main text allowed before the references.
MAX_MAIN_PAGES = 4


# ---------------------------------------------------------------------------------------------
# Figures


def draw_figures(run: RunData, out_dir: Path) -> list[Path]:
    """Draw the report's figures as PDF into ``out_dir``; return their paths."""
    import matplotlib.pyplot as plt

    fams, labels, m = run.families, run.labels(), run.primary
    ml = run.metric_label(m)
    # What the two score panels (seeds per family, ID vs shift) share.
    scores: dict[str, Any] = {"metric": m, "families": fams, "labels": labels, "metric_label": ml}
    paths = []
    with fg.style():
        fig, axes = plt.subplots(
            1, 2, figsize=(fg.TEXT_WIDTH_IN, 0.3 * len(fams) + 0.6), layout="constrained"
        )
        for ax, split, name in zip(axes, ("test", "shift"), ("ID test", "Shift"), strict=True):
            fg.seed_scores(ax, run.results, run.summary, split=split, title=name, **scores)
        axes[1].set_yticklabels([])
        paths.append(fg.save(fig, out_dir / "seed_scores.pdf"))

        fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(fg.TEXT_WIDTH_IN, 1.9), layout="constrained")
        fg.id_vs_shift(ax1, run.results, run.summary, title="ID test vs shift", **scores)
        fg.tuning_curves(
            ax2,
            run.trial_table(),
            families=fams,
            labels=labels,
            higher_is_better=run.higher(m),
            metric_label=ml,
            title="Tuning curves (validation)",
        )
        handles, names = ax1.get_legend_handles_labels()
        for ax in (ax1, ax2):
            if ax.get_legend() is not None:
                ax.get_legend().remove()
        fig.legend(handles, names, loc="outside upper center", ncol=len(fams), frameon=False)
        paths.append(fg.save(fig, out_dir / "shift_tuning.pdf"))
        paths += kind_report(run).draw(run, out_dir)  # the kind's own figures
    return paths


# ---------------------------------------------------------------------------------------------
# Entry point


def pick_engine(engine: Engine = "auto") -> Literal["latex", "typst"]:
    if engine == "latex" and shutil.which("pdflatex") is None:
        raise RunFailed(
            "engine 'latex' needs pdflatex on PATH (apt-get install "
            "texlive-latex-base texlive-latex-recommended texlive-fonts-recommended)"
        )
    if engine == "auto":
        return "latex" if shutil.which("pdflatex") else "typst"
    return engine


def _atomic_write(path: Path, data: bytes) -> None:
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)
    os.replace(tmp, path)


BuildDoc = Callable[..., Document]


def compaction_candidates(
    max_compact: int, width: int, first_pages: Callable[[list[int]], list[int | None]]
) -> tuple[list[int], dict[int, int | None]]:
    """Levels worth finishing, least compact first, and the first-pass end page of each level
    tried. ``first_pages(levels)`` runs the first passes of ``levels`` (side by side).

    Rounds of ``width`` levels go from ``max_compact`` down and stop at the first round with
    a level whose main text ends past ``MAX_MAIN_PAGES`` (less compact ones would not fit
    either). The candidates are the fitting levels above the highest level that does not fit,
    then ``max_compact`` (the fallback when nothing fits).
    """
    pages: dict[int, int | None] = {}

    def fits(c: int) -> bool:
        page = pages[c]
        return page is None or page <= MAX_MAIN_PAGES

    top = max_compact
    while top >= 0:
        group = list(range(top, max(top - width, -1), -1))
        pages.update(zip(group, first_pages(group), strict=True))
        if not all(fits(c) for c in group):
            break
        top -= width
    floor = max((c for c in pages if not fits(c)), default=-1)
    candidates = sorted(c for c in pages if c > floor and fits(c))
    if max_compact not in candidates:
        candidates.append(max_compact)
    return candidates, pages


def _latex_report(
    run: RunData, tmp: Path, fig_dir: Path, max_compact: int, build: BuildDoc
) -> tuple[bytes, int | None, Path]:
    """Finish the least compact level whose main text fits (the most compact one when none
    does), found with first passes run side by side from the most compact level down.

    Compaction only removes material, so once a level does not fit no less compact one will:
    the search stops at the first round with a level that does not fit (one round of
    first passes for a report that needs the most compaction).
    """
    width = max(1, usable_cores())
    docs: dict[int, Document] = {}
    builds: dict[int, LatexBuild] = {}

    with ExitStack() as stack:

        def first_pages(group: list[int]) -> list[int | None]:
            for c in group:
                docs[c] = build(run, compact=c)
                folder = tmp / f"latex-{c}"
                folder.mkdir()
                write_latex_folder(docs[c], folder, fig_dir)
                builds[c] = stack.enter_context(LatexBuild(folder))
            return first_passes([builds[c] for c in group])

        candidates, pages = compaction_candidates(max_compact, width, first_pages)
        for c in sorted(pages):
            if c < candidates[0]:
                log.info("main text ends on page %s at compact=%d", pages[c], c)
        # resolved citations can move the end label: finish the next level if it moved past
        for c in candidates:
            pdf, end_page = builds[c].finish(bibliography=bool(docs[c].bibliography))
            if end_page is None or end_page <= MAX_MAIN_PAGES or c == max_compact:
                break
            log.info("main text ends on page %s after the bibliography at compact=%d", end_page, c)
        return pdf, end_page, builds[c].folder


def _typst_report(
    run: RunData, tmp: Path, fig_dir: Path, max_compact: int, build: BuildDoc
) -> tuple[bytes, int | None, Path]:
    """Compile compaction levels in turn until the main text fits (Typst has no cheap pass)."""
    pdf, end_page, folder = b"", None, tmp / "latex"
    for compact in range(max_compact + 1):
        doc = build(run, compact=compact)
        if folder.exists():
            shutil.rmtree(folder)
        folder.mkdir()
        write_latex_folder(doc, folder, fig_dir)
        pdf, end_page = compile_typst(doc, fig_dir)
        if end_page is None or end_page <= MAX_MAIN_PAGES:
            break
        log.info("main text ends on page %d; rebuilding with compact=%d", end_page, compact + 1)
    return pdf, end_page, folder


def write_report(run_dir: Path, *, engine: Engine = "auto") -> Path:
    """Write ``report/latex/`` and ``report/report.pdf`` for a finished run; return the PDF path.

    Args:
        run_dir: the run directory.
        engine: "auto" (pdflatex when on PATH, else Typst), "latex" or "typst".

    Raises:
        StoreError: a file the report needs is missing.
        RunFailed: the PDF could not be compiled (with the compiler's error lines).
    """
    from archbench.report.content import MAX_COMPACT, build

    run_dir = Path(run_dir)
    return publish(
        load_run_for_report(run_dir), run_dir / "report", draw_figures, build, MAX_COMPACT,
        engine=engine, pdf_name="report.pdf", what="report",
    )  # fmt: skip


def publish(
    data: Any,
    out: Path,
    draw: Callable[[Any, Path], object],
    build: Callable[..., Document],
    max_compact: int,
    *,
    engine: Engine,
    pdf_name: str,
    what: str,
) -> Path:
    """Draw the figures, build the most complete document that keeps the main text within
    MAX_MAIN_PAGES, and replace ``out/latex/`` and ``out/<pdf_name>`` atomically (a run's report
    and a suite's report alike).

    Raises:
        StoreError: ``out`` exists and is not a directory.
        RunFailed: the PDF could not be compiled (with the compiler's error lines).
    """
    chosen = pick_engine(engine)
    if out.exists() and not out.is_dir():
        raise StoreError(f"{str(out)!r} exists and is not a directory")
    out.mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=".build-", dir=out) as tmp:
        fig_dir = Path(tmp) / "figures"
        draw(data, fig_dir)
        report = _latex_report if chosen == "latex" else _typst_report
        pdf, end_page, folder = report(data, Path(tmp), fig_dir, max_compact, build)
        if end_page is not None and end_page > MAX_MAIN_PAGES:
            log.warning(
                "the %s's main text ends on page %s, past the %d-page limit",
                what, end_page, MAX_MAIN_PAGES,
            )  # fmt: skip
        final = out / "latex"
        if final.exists():
            shutil.rmtree(final)
        os.replace(folder, final)
        _atomic_write(out / pdf_name, pdf)
    log.info("%s written to %s (%s, main text %s pages)", what, out / pdf_name, chosen, end_page)
    return out / pdf_name
