"""Write the report of a run directory: report/latex/ (Overleaf-ready) and report/report.pdf.

``write_report(run_dir)`` builds the document model once, renders it with the LaTeX writer
into ``report/latex/`` (main.tex, archbench.sty, refs.bib, tables/*.tex, figures/*.pdf) and
compiles the PDF with pdflatex + bibtex when pdflatex is on PATH, otherwise with Typst (the
``typst`` package, STIX fonts from matplotlib). If the main text runs past four pages, the
document is rebuilt with less secondary material (``compact`` 1, 2, 3).
"""

from __future__ import annotations

import json
import logging
import os
import re
import shutil
import subprocess
import tempfile
from collections.abc import Callable
from contextlib import ExitStack
from importlib import resources
from pathlib import Path
from typing import Any, Literal, NoReturn

import matplotlib

import archbench.report.figures as fg
from archbench.engine.machine import usable_cores
from archbench.errors import RunFailed, StoreError
from archbench.report import latex, typst_writer
from archbench.report.document import Document
from archbench.report.kindparts import kind_report, load_run_for_report
from archbench.report.rundata import RunData

log = logging.getLogger(__name__)

Engine = Literal["auto", "latex", "typst"]
#: Pages of main text allowed before the references.
MAX_MAIN_PAGES = 4
_LATEX_TIMEOUT_S = 180


def _resource(name: str) -> str:
    return resources.files("archbench.report").joinpath(name).read_text(encoding="utf-8")


def bib_entries(text: str) -> dict[str, str]:
    """``{key: entry}`` of a .bib file (entries start with ``@type{key,`` at a line start)."""
    out: dict[str, str] = {}
    for chunk in re.split(r"\n(?=@)", "\n" + text):
        m = re.match(r"@\w+\{([^,\s]+),", chunk)
        if m:
            out[m.group(1)] = chunk.strip() + "\n"
    return out


def refs_bib(keys: tuple[str, ...], extra: str = "") -> str:
    """The entries of the bundled refs.bib (and of ``extra``, a kind's own entries) that the
    document cites, in citation order."""
    entries = {**bib_entries(_resource("refs.bib")), **bib_entries(extra)}
    missing = [k for k in keys if k not in entries]
    if missing:
        log.warning("citation keys without a bibliography entry: %s", ", ".join(missing))
    return "\n".join(entries[k] for k in keys if k in entries)


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
# LaTeX


def write_latex_folder(doc: Document, folder: Path, figure_dir: Path) -> None:
    """Write main.tex, tables/, figures/, archbench.sty and refs.bib into ``folder``."""
    for rel, text in latex.render(doc).items():
        p = folder / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(text, encoding="utf-8")
    (folder / "archbench.sty").write_text(_resource("archbench.sty"), encoding="utf-8")
    (folder / "refs.bib").write_text(refs_bib(doc.bibliography, doc.extra_bib), encoding="utf-8")
    (folder / "figures").mkdir(exist_ok=True)
    for stem in doc.figures:
        shutil.copy2(figure_dir / f"{stem}.pdf", folder / "figures" / f"{stem}.pdf")


def _log_excerpt(log_text: str, context: int = 3) -> str:
    lines = log_text.splitlines()
    picked: list[str] = []
    for i, line in enumerate(lines):
        if line.startswith("!") or re.match(r"^.*:\d+: ", line):
            picked += lines[i : i + context + 1]
    return "\n".join(picked[:40]) or "\n".join(lines[-20:])


def _tex_env() -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        {
            "SOURCE_DATE_EPOCH": "0",
            "FORCE_SOURCE_DATE": "1",
            "openout_any": "p",
            "shell_escape": "f",
        }
    )
    return env


def _run_tex(cmd: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    try:
        return subprocess.run(
            cmd,
            cwd=cwd,
            capture_output=True,
            text=True,
            errors="replace",
            timeout=_LATEX_TIMEOUT_S,
            env=_tex_env(),
            check=False,
        )
    except subprocess.TimeoutExpired:
        raise RunFailed(f"{cmd[0]} did not finish within {_LATEX_TIMEOUT_S} s in {cwd}") from None


class LatexBuild:
    """``folder/main.tex`` compiled in a scratch copy, in two steps.

    ``first_pass()`` runs pdflatex once and returns the page of the main-text end label (the
    citations still show as [?]); ``finish()`` runs bibtex and the two pdflatex passes that
    resolve citations and references, and returns (PDF bytes, main-text end page). The report
    picks its compaction level from first passes (:func:`first_passes` runs them side by
    side), so a level that does not fit costs one pdflatex run, not four.

    Raises:
        RunFailed: pdflatex stopped; the message holds the error lines of main.log.
    """

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._tmp = tempfile.TemporaryDirectory(prefix="archbench-tex-")
        self.work = Path(self._tmp.name) / "latex"
        shutil.copytree(folder, self.work)
        self._pdflatex = [
            shutil.which("pdflatex") or "pdflatex",
            "-interaction=nonstopmode",
            "-halt-on-error",
            "-no-shell-escape",
            "-file-line-error",
            "main.tex",
        ]

    def __enter__(self) -> LatexBuild:
        return self

    def __exit__(self, *exc: object) -> None:
        self._tmp.cleanup()

    def _run(self, cmd: list[str]) -> None:
        res = _run_tex(cmd, self.work)
        if res.returncode == 0:
            return
        if "bibtex" in cmd[0]:
            blg = self.work / "main.blg"
            text = blg.read_text(errors="replace") if blg.exists() else res.stdout
            log.warning("bibtex reported problems:\n%s", text[-2000:])
            return
        self._pdflatex_failed(res.stdout)

    def _pdflatex_failed(self, stdout: str) -> NoReturn:
        """Raise RunFailed with the error lines of main.log (or of ``stdout`` without one)."""
        logf = self.work / "main.log"
        text = logf.read_text(errors="replace") if logf.exists() else stdout
        raise RunFailed(f"pdflatex failed on {self.folder / 'main.tex'}:\n{_log_excerpt(text)}")

    def _end_page(self) -> int | None:
        return latex.main_end_page((self.work / "main.aux").read_text(errors="replace"))

    def first_pass(self) -> int | None:
        return self.end_first_pass(self.start_first_pass())

    def start_first_pass(self) -> subprocess.Popen[str]:
        """Start the first pass without waiting; :meth:`end_first_pass` collects it."""
        return subprocess.Popen(
            self._pdflatex,
            cwd=self.work,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            errors="replace",
            env=_tex_env(),
        )

    def end_first_pass(self, proc: subprocess.Popen[str]) -> int | None:
        try:
            stdout, _ = proc.communicate(timeout=_LATEX_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.communicate()
            raise RunFailed(
                f"pdflatex did not finish within {_LATEX_TIMEOUT_S} s in {self.work}"
            ) from None
        if proc.returncode != 0:
            self._pdflatex_failed(stdout)
        return self._end_page()

    def finish(self, *, bibliography: bool = True) -> tuple[bytes, int | None]:
        bibtex = shutil.which("bibtex")
        passes = [self._pdflatex]
        if bibliography and bibtex:
            passes = [[bibtex, "main"], self._pdflatex, self._pdflatex]
        elif bibliography:
            log.warning("bibtex is not on PATH: the references will show as [?]")
        for cmd in passes:
            self._run(cmd)
        return (self.work / "main.pdf").read_bytes(), self._end_page()


def first_passes(builds: list[LatexBuild], *, parallel: int | None = None) -> list[int | None]:
    """First passes of several builds, ``parallel`` at a time (default: the usable cores).

    Returns each build's main-text end page, in order. The first failure is raised after
    every started pdflatex has been collected.
    """
    width = max(1, parallel or usable_cores())
    pages: list[int | None] = [None] * len(builds)
    error: RunFailed | None = None
    for lo in range(0, len(builds), width):
        group = builds[lo : lo + width]
        procs = [b.start_first_pass() for b in group]
        for i, (b, proc) in enumerate(zip(group, procs, strict=True)):
            try:
                pages[lo + i] = b.end_first_pass(proc)
            except RunFailed as exc:
                error = error or exc
        if error is not None:
            raise error
    return pages


def compile_latex(folder: Path, *, bibliography: bool = True) -> tuple[bytes, int | None]:
    """Compile ``folder/main.tex`` in a scratch copy; return (PDF bytes, main-text end page)."""
    with LatexBuild(folder) as build:
        build.first_pass()
        return build.finish(bibliography=bibliography)


# ---------------------------------------------------------------------------------------------
# Typst


def stix_font_dir() -> Path:
    """matplotlib's bundled fonts (STIXGeneral: a Times-like face)."""
    return Path(matplotlib.get_data_path()) / "fonts" / "ttf"


def compile_typst(doc: Document, figure_dir: Path) -> tuple[bytes, int | None]:
    """Compile the document with Typst; return (PDF bytes, main-text end page)."""
    import typst

    with tempfile.TemporaryDirectory(prefix="archbench-typ-") as tmp:
        work = Path(tmp)
        (work / "main.typ").write_text(typst_writer.render(doc)["main.typ"], encoding="utf-8")
        (work / "template.typ").write_text(_resource("template.typ"), encoding="utf-8")
        (work / "refs.bib").write_text(refs_bib(doc.bibliography, doc.extra_bib), encoding="utf-8")
        (work / "figures").mkdir()
        for stem in doc.figures:
            shutil.copy2(figure_dir / f"{stem}.pdf", work / "figures" / f"{stem}.pdf")
        fonts = [str(stix_font_dir())]
        main = str(work / "main.typ")
        try:
            pdf, warnings = typst.compile_with_warnings(
                main, root=str(work), font_paths=fonts, ignore_system_fonts=True, timestamp=0
            )
            ends = [
                typst.query(
                    main,
                    f"<{lab}>",
                    field="value",
                    one=True,
                    root=str(work),
                    font_paths=fonts,
                    ignore_system_fonts=True,
                )
                for lab in ("archbench-main-end", "archbench-floats-end")
            ]
        except typst.TypstError as exc:
            raise RunFailed(f"Typst failed to compile the report: {exc}") from None
        for w in warnings or []:
            log.warning("typst: %s", getattr(w, "message", w))
        try:
            page: int | None = max(main_end_page(json.loads(ends[0])), int(json.loads(ends[1])))
        except (TypeError, ValueError, KeyError):
            page = None
        return bytes(pdf), page


#: The Typst template's body area starts 1in from the top and 1.5in from the left (template.typ).
_BODY_TOP_LEFT_PT = (72.0, 108.0)


def main_end_page(position: dict[str, Any]) -> int:
    """The page the main text ends on, from the position of the marker after its last word.

    A marker at the top-left corner of a page's body area is alone on its line: the last
    paragraph filled the previous page's last line exactly, so the text ended there.
    """
    page = int(position["page"])
    y, x = (float(str(position[k]).removesuffix("pt")) for k in ("y", "x"))
    top, left = _BODY_TOP_LEFT_PT
    if page > 1 and abs(y - top) < 0.5 and abs(x - left) < 0.5:
        return page - 1
    return page


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
