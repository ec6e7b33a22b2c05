"""Turn a document into a PDF: the LaTeX folder compiled with pdflatex + bibtex, or Typst.

``write_latex_folder`` writes main.tex, tables/, figures/, archbench.sty and refs.bib (the
Overleaf-ready folder); ``compile_latex`` runs pdflatex on it, ``compile_typst`` compiles the
same document with the ``typst`` package. Both return the PDF and the page the main text ends
on (:mod:`.build` uses it to keep the main text within its pages).
"""

from __future__ import annotations

import json
import logging
import os
import re
import shutil
import subprocess
import tempfile
from importlib import resources
from pathlib import Path
from typing import Any, NoReturn

import matplotlib

from archbench.engine.machine import usable_cores
from archbench.errors import RunFailed
from archbench.report import latex, typst_writer
from archbench.report.document import Document

log = logging.getLogger(__name__)

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
