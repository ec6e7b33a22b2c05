"""The lab report: page budget and geometry, embedded fonts, numbers traced to the run directory,
escaping of special characters in both writers, and the LaTeX folder compiling on its own."""

from __future__ import annotations

import itertools
import json
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from pypdf import PdfReader

from archbench.errors import RunFailed, StoreError
from archbench.report import build as rb
from archbench.report import latex as lx
from archbench.report import typst_writer as tw
from archbench.report.content import build_document
from archbench.report.fmt import MINUS
from archbench.report.rundata import load_run
from archbench.report.tables import supported_best
from fixtures_report import LABELS, SPECIAL, make_run_dir

HAS_PDFLATEX = shutil.which("pdflatex") is not None
needs_latex = pytest.mark.skipif(
    not HAS_PDFLATEX, reason="pdflatex not installed (CI installs it with apt-get)"
)
needs_pdftotext = pytest.mark.skipif(
    shutil.which("pdftotext") is None, reason="pdftotext not installed (apt-get poppler-utils)"
)
ENGINES = ["typst", pytest.param("latex", marks=needs_latex)]
IN = 72.0


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("runs")
    return {
        "classification": make_run_dir(root / "c"),
        "regression": make_run_dir(root / "r", task_type="regression"),
        "special": make_run_dir(root / "s", special=True),
    }


@pytest.fixture(scope="module")
def reports(
    runs: dict[str, Path], tmp_path_factory: pytest.TempPathFactory
) -> dict[tuple[str, str], Path]:
    """(run kind, engine) -> a copy of the run directory with its report written."""
    out: dict[tuple[str, str], Path] = {}
    engines = ["typst", "latex"] if HAS_PDFLATEX else ["typst"]
    for kind in ("classification", "special"):
        for engine in engines:
            dst = tmp_path_factory.mktemp(f"{kind}-{engine}") / runs[kind].name
            shutil.copytree(runs[kind], dst)
            rb.write_report(dst, engine=engine)
            out[(kind, engine)] = dst
    return out


def _report(reports: dict[tuple[str, str], Path], kind: str, engine: str) -> Path:
    return reports[(kind, engine)]


def _page_texts(pdf: Path) -> list[str]:
    return [(p.extract_text() or "").replace(MINUS, "-") for p in PdfReader(pdf).pages]


def _main_end_page(texts: list[str]) -> int:
    """1-based page of the last main-text item: the last caption and the closing sentence."""
    pages = [
        i + 1
        for i, t in enumerate(texts)
        if re.search(r"(Table|Figure) \d+:", t) or "rebuilds this report" in t
    ]
    return max(pages)


# -- pages, geometry, fonts ---------------------------------------------------------------------


@pytest.mark.parametrize("engine", ENGINES)
def test_main_text_fits_four_letter_pages(reports: dict, engine: str) -> None:
    pdf = _report(reports, "classification", engine) / "report" / "report.pdf"
    reader = PdfReader(pdf)
    for page in reader.pages:
        assert (float(page.mediabox.width), float(page.mediabox.height)) == (612.0, 792.0)
    texts = _page_texts(pdf)
    assert _main_end_page(texts) <= 4
    ref_page = next(i + 1 for i, t in enumerate(texts) if re.search(r"^References", t, re.M))
    assert ref_page >= _main_end_page(texts)
    assert "Reproducibility" in "".join(texts[:4])


def _words(pdf: Path) -> list[tuple[int, float, float, float, float, str]]:
    """(page, xMin, yMin, xMax, yMax, word) from pdftotext -bbox (origin top left, points)."""
    html = subprocess.run(
        ["pdftotext", "-bbox", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    out, page = [], 0
    for line in html.splitlines():
        if "<page " in line:
            page += 1
        m = re.search(
            r'xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">(.*)<', line
        )
        if m:
            out.append((page, *map(float, m.groups()[:4]), m.group(5)))
    return out


@needs_pdftotext
@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("kind", ["classification", "special"])
def test_text_block_matches_neurips_geometry(reports: dict, engine: str, kind: str) -> None:
    """Everything but the page number lies in the 5.5in x 9in block at (1.5in, 1in)."""
    pdf = _report(reports, kind, engine) / "report" / "report.pdf"
    words = _words(pdf)
    left, top, right, bottom = 1.5 * IN, 1 * IN, 7 * IN, 10 * IN
    tol = 2.5  # microtype protrusion, glyph side bearings
    body = [w for w in words if w[2] < bottom]
    footer = [w for w in words if w[2] >= bottom]
    assert body and footer
    bad = [w for w in body if w[1] < left - tol or w[3] > right + tol or w[2] < top - tol]
    assert not bad, f"text outside the text block: {bad[:5]}"
    # Body text starts flush with the left margin and the first line hangs from the top margin.
    for page in {w[0] for w in body}:
        ws = [w for w in body if w[0] == page]
        assert min(w[1] for w in ws) == pytest.approx(left, abs=tol)
        if page > 1:  # the first line's glyph tops lie just below the top margin
            assert top - tol <= min(w[2] for w in ws) <= top + 9
    # Page numbers sit centred in the footer, below the 9in block.
    assert all(abs((w[1] + w[3]) / 2 - 4.25 * IN) < 6 for w in footer)


@pytest.mark.parametrize("engine", ENGINES)
def test_title_page_margins_with_pypdf(reports: dict, engine: str) -> None:
    """Without poppler: text origins on page 1 respect the 1.5in left and 1in top margins."""
    pdf = _report(reports, "classification", engine) / "report" / "report.pdf"
    origins: list[tuple[float, float]] = []

    def visit(text: str, cm: list[float], tm: list[float], *_: object) -> None:
        if text.strip():
            x = tm[4] * cm[0] + tm[5] * cm[2] + cm[4]
            y = tm[4] * cm[1] + tm[5] * cm[3] + cm[5]
            origins.append((x, y))

    PdfReader(pdf).pages[0].extract_text(visitor_text=visit)
    body = [(x, y) for x, y in origins if y > 1 * IN]
    footer = [(x, y) for x, y in origins if y <= 1 * IN]
    assert min(x for x, _ in body) == pytest.approx(1.5 * IN, abs=2.5)
    assert max(y for _, y in body) <= 10 * IN  # below the 1in top margin
    assert footer and all(36 <= y <= 48 for _, y in footer)  # page number, 30pt below


@pytest.mark.parametrize("engine", ENGINES)
def test_every_font_is_embedded_and_none_is_type3(reports: dict, engine: str) -> None:
    pdf = _report(reports, "classification", engine) / "report" / "report.pdf"
    seen: list[str] = []

    def fonts_of(resources: object) -> None:
        res = resources.get_object() if resources is not None else {}
        for font in (res.get("/Font") or {}).values():
            font = font.get_object()
            seen.append(str(font.get("/BaseFont")))
            assert font.get("/Subtype") != "/Type3", font.get("/BaseFont")
            desc_font = (
                font["/DescendantFonts"][0].get_object() if "/DescendantFonts" in font else font
            )
            desc = desc_font["/FontDescriptor"].get_object()
            assert any(k in desc for k in ("/FontFile", "/FontFile2", "/FontFile3")), (
                f"{font.get('/BaseFont')} is not embedded"
            )
        for xobj in (res.get("/XObject") or {}).values():
            xobj = xobj.get_object()
            if xobj.get("/Subtype") == "/Form" and "/Resources" in xobj:
                fonts_of(xobj["/Resources"])

    for page in PdfReader(pdf).pages:
        fonts_of(page.get("/Resources"))
    assert seen


# -- numbers traced to the run directory ----------------------------------------------------------


def _unlatex(cell: str) -> str:
    cell = cell.replace(r"\textminus{}", "-").replace(r"\textbf{", "").replace("}", "")
    return re.sub(r"\\[a-zA-Z]+\{?", "", cell).replace("{", "").strip()


def _rows(tex: str) -> list[list[str]]:
    body = tex.split(r"\midrule", 1)[1].split(r"\bottomrule")[0]
    rows = []
    for line in body.splitlines():
        line = line.strip()
        if line.endswith(r"\\") and "&" in line:
            rows.append(_cells(line))
    return rows


def _cells(line: str) -> list[str]:
    return [c.strip() for c in re.split(r"(?<!\\)&", line.strip().removesuffix(r"\\"))]


def _close(text: str, value: float) -> bool:
    decimals = len(text.split(".")[1]) if "." in text else 0
    return abs(float(text) - value) <= 0.5 * 10**-decimals + 1e-12


@pytest.mark.parametrize("engine", ENGINES)
def test_main_table_means_and_cis_match_summary_csv(reports: dict, engine: str) -> None:
    run = _report(reports, "classification", engine)
    summary = pd.read_csv(run / "summary.csv")
    rows = _rows((run / "report" / "latex" / "tables" / "main.tex").read_text())
    label_to_family = {lx.escape(v): k for k, v in LABELS.items()}
    seen, last_metric = 0, None
    for cells in rows:
        family = label_to_family[cells[1]]
        metric = None
        for m in summary["metric"].unique():
            if _unlatex(cells[0]).startswith(lx.escape(load_run(run).metric_label(m))):
                metric = m
        metric = metric or last_metric
        last_metric = metric
        for split, mean_cell, ci_cell in (
            ("test", cells[2], cells[3]),
            ("shift", cells[4], cells[5]),
        ):
            row = summary[
                (summary.family == family) & (summary.split == split) & (summary.metric == metric)
            ].iloc[0]
            assert _close(_unlatex(mean_cell), row["mean"])
            lo, hi = _unlatex(ci_cell).strip("[]").split(", ")
            assert _close(lo, row["ci_low"]) and _close(hi, row["ci_high"])
            seen += 1
    assert seen == 2 * len(summary[summary.split == "test"])


@pytest.mark.parametrize("engine", ENGINES)
def test_paired_table_matches_comparisons_csv(reports: dict, engine: str) -> None:
    run = _report(reports, "classification", engine)
    comps = pd.read_csv(run / "comparisons.csv")
    top = json.loads((run / "stats.json").read_text())["top_two"]["families"]
    comps = comps[
        (comps.table == "top_two") & (comps.family_a == top[0]) & (comps.family_b == top[1])
    ]
    tex = (run / "report" / "latex" / "tables" / "paired.tex").read_text()
    split = None
    checked = 0
    names = {lx.escape(load_run(run).metric_label(m)): m for m in comps.metric.unique()}
    for line in tex.split(r"\midrule", 1)[1].splitlines():
        if r"\multicolumn" in line:
            split = "test" if "ID test" in line else "shift"
            continue
        if "&" not in line:
            continue
        cells = _cells(line)
        metric = next(m for n, m in names.items() if _unlatex(cells[0]).startswith(n))
        row = comps[(comps.split == split) & (comps.metric == metric)].iloc[0]
        assert _close(_unlatex(cells[1]).lstrip("+"), row["mean_diff"])
        lo, hi = _unlatex(cells[2]).strip("[]").split(", ")
        assert _close(lo, row["ci_low"]) and _close(hi, row["ci_high"])
        checked += 1
    assert checked == len(comps)


@pytest.mark.parametrize("engine", ENGINES)
def test_pdf_text_holds_every_summary_mean(reports: dict, engine: str) -> None:
    run = _report(reports, "classification", engine)
    text = "".join(_page_texts(run / "report" / "report.pdf"))
    data = load_run(run)
    from archbench.report.fmt import metric_decimals, num

    for _, r in data.summary[data.summary.split.isin(["test", "shift"])].iterrows():
        shown = num(r["mean"], metric_decimals(data, r["metric"])).replace(MINUS, "-")
        assert shown in text, (r["family"], r["split"], r["metric"], shown)


def test_best_is_marked_only_where_the_comparison_supports_it(runs: dict, tmp_path: Path) -> None:
    run = tmp_path / "run"
    shutil.copytree(runs["classification"], run)
    data = load_run(run)
    top = data.top_two()
    marked = supported_best(data, "test", "roc_auc")
    assert marked == top[0]  # fixture: GBDT clearly ahead on ROC-AUC, t p < 0.05
    # The same means with an unresolved paired comparison: nothing is marked.
    stats = json.loads((run / "stats.json").read_text())
    for c in stats["comparisons"]:
        c["t_pvalue"], c["ci_low"] = 0.2, -0.001
    (run / "stats.json").write_text(json.dumps(stats))
    data = load_run(run)
    assert all(supported_best(data, s, m) is None for s in ("test", "shift") for m in data.metrics)
    tex = lx.table_tex(next(t for t in build_document(run).tables() if t.stem == "main"))
    assert r"\textbf" not in tex.split(r"\midrule", 1)[1]


# -- escaping ------------------------------------------------------------------------------------


def test_escape_covers_every_special_character() -> None:
    latex = lx.escape(SPECIAL)
    for ch in "%_&#$":
        assert "\\" + ch in latex
    for cmd in ("textasciitilde", "textasciicircum", "textbackslash", "textless", "textgreater"):
        assert cmd in latex
    assert r"\{" in latex and r"\}" in latex
    assert lx.escape("a--b") == "a-{}-b"
    typ = tw.escape(SPECIAL)
    assert all("\\" + ch in typ for ch in "%_&#$~^\\{}<>@*" if ch in tw._SPECIAL)
    assert tw.escape("http://x") == "http\\:\\/\\/x"  # no comment, no link


@pytest.mark.parametrize("engine", ENGINES)
def test_special_characters_survive_both_writers(reports: dict, engine: str) -> None:
    run = _report(reports, "special", engine)
    pdf = run / "report" / "report.pdf"
    text = "".join(_page_texts(pdf))
    assert "Title with %_&#$" in text
    assert "<>@*" in text
    assert "MLP_{50%} & co #1" in text
    assert _main_end_page(_page_texts(pdf)) <= 4


# -- the LaTeX folder -----------------------------------------------------------------------------


def test_latex_folder_is_complete_and_cites_only_known_entries(reports: dict) -> None:
    folder = _report(reports, "classification", "typst") / "report" / "latex"
    names = {p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()}
    assert {
        "main.tex",
        "archbench.sty",
        "refs.bib",
        "tables/main.tex",
        "tables/paired.tex",
        "tables/shift.tex",
        "tables/design.tex",
        "figures/seed_scores.pdf",
        "figures/shift_tuning.pdf",
    } <= names
    main = (folder / "main.tex").read_text()
    cited = {k for group in re.findall(r"\\citep\{([^}]*)\}", main) for k in group.split(",")}
    for t in folder.glob("tables/*.tex"):
        cited |= {k for g in re.findall(r"\\citep\{([^}]*)\}", t.read_text()) for k in g.split(",")}
    bib = set(re.findall(r"^@\w+\{([^,]+),", (folder / "refs.bib").read_text(), re.M))
    assert cited == bib
    assert {
        "gorishniy2021revisiting",
        "ke2017lightgbm",
        "akiba2019optuna",
        "bergstra2011algorithms",
        "wilcoxon1945individual",
        "holm1979simple",
    } <= bib
    sty = (folder / "archbench.sty").read_text()
    for pkg in re.findall(r"\\RequirePackage(?:\[[^\]]*\])?\{([^}]*)\}", sty):
        assert pkg not in {"titlesec", "enumitem", "siunitx", "multirow", "cleveref"}
    assert "textwidth=5.5in" in sty and "textheight=9in" in sty and "left=1.5in" in sty


@needs_latex
def test_latex_folder_compiles_unchanged_elsewhere(reports: dict, tmp_path: Path) -> None:
    folder = tmp_path / "overleaf"
    shutil.copytree(_report(reports, "special", "latex") / "report" / "latex", folder)
    pdf, end_page = rb.compile_latex(folder)
    assert pdf.startswith(b"%PDF") and end_page is not None and end_page <= 4


@needs_latex
def test_latex_failure_reports_the_log_lines(tmp_path: Path) -> None:
    (tmp_path / "main.tex").write_text(
        "\\documentclass{article}\n\\begin{document}\n\\undefinedmacro\n\\end{document}\n"
    )
    with pytest.raises(RunFailed, match="Undefined control sequence"):
        rb.compile_latex(tmp_path, bibliography=False)


@needs_latex
def test_first_passes_side_by_side_read_each_end_page_and_raise_a_failure(
    tmp_path: Path,
) -> None:
    def folder(name: str, body: str) -> Path:
        d = tmp_path / name
        d.mkdir()
        (d / "main.tex").write_text(
            "\\documentclass{article}\n\\begin{document}\n"
            + body
            + "\\label{archbench-main-end}\n\\end{document}\n"
        )
        return d

    pages = {"one": "x", "three": "x\\newpage y\\newpage z", "two": "x\\newpage y"}
    builds = [rb.LatexBuild(folder(k, v)) for k, v in pages.items()]
    try:
        assert rb.first_passes(builds, parallel=2) == [1, 3, 2]
        assert rb.first_passes(builds, parallel=1) == [1, 3, 2]
    finally:
        for b in builds:
            b.__exit__()
    bad = [rb.LatexBuild(folder("ok", "x")), rb.LatexBuild(folder("bad", "\\undefinedmacro"))]
    try:
        with pytest.raises(RunFailed, match="Undefined control sequence"):
            rb.first_passes(bad)
    finally:
        for b in bad:
            b.__exit__()


@pytest.mark.parametrize("width", [1, 2, 3, 8])
@pytest.mark.parametrize(
    "ends",
    [
        [3, 3, 3, 3, 3],  # everything fits: the least compact level wins
        [5, 5, 5, 5, 4],  # only the most compact fits (the usual default report)
        [6, 5, 4, 4, 3],
        [7, 6, 6, 5, 5],  # nothing fits: the most compact is the fallback
        [5, None, 4, 4, 4],  # no end label: counts as fitting
    ],
)
def test_compaction_search_finds_the_least_compact_fitting_level(
    ends: list[int | None], width: int
) -> None:
    calls: list[list[int]] = []

    def first_pages(group: list[int]) -> list[int | None]:
        calls.append(group)
        return [ends[c] for c in group]

    candidates, pages = rb.compaction_candidates(len(ends) - 1, width, first_pages)
    fitting = [c for c, e in enumerate(ends) if e is None or e <= rb.MAX_MAIN_PAGES]
    # what a full scan of every level would choose
    assert candidates[0] == (fitting[0] if fitting else len(ends) - 1)
    assert all(len(g) <= width for g in calls)
    assert sorted(c for g in calls for c in g) == sorted(pages)  # each level compiled once
    # the search stops in the first round that holds a level that does not fit
    failing_rounds = [i for i, g in enumerate(calls) if any(c not in fitting for c in g)]
    assert failing_rounds in ([], [len(calls) - 1])


# -- user introduction, errors ---------------------------------------------------------------


@pytest.mark.parametrize(
    "intro, raw",
    [
        (
            "# Why this matters\n\nDelays cost **money** and *time*; see [@akiba2019optuna].\n\n"
            "- one_point\n- two & more",
            False,
        ),
        (
            "\\section{Why this matters}\nDelays cost \\emph{money}~\\cite{akiba2019optuna}.\n\n"
            "\\begin{itemize}\\item one\\_point \\item two \\& more\\end{itemize}",
            True,
        ),
    ],
)
def test_user_introduction_replaces_the_generated_one(
    tmp_path: Path, intro: str, raw: bool
) -> None:
    run = make_run_dir(tmp_path, introduction=intro)
    doc = build_document(run)
    intro_sec = doc.sections[0]
    assert intro_sec.title == "Why this matters"
    assert "akiba2019optuna" in doc.bibliography
    main = lx.render(doc)["main.tex"]
    assert ("\\emph{money}~\\cite{akiba2019optuna}" in main) == raw
    typ = tw.render(doc)["main.typ"]
    assert "Gradient-boosted" not in typ.replace("\\-", "-")
    pdf, _ = rb.compile_typst(doc, _figures(run, tmp_path))
    text = "".join(p.extract_text() or "" for p in PdfReader(_bytes_file(tmp_path, pdf)).pages)
    assert "Why this matters" in text and "money" in text and "two & more" in text


def _figures(run: Path, tmp: Path) -> Path:
    out = tmp / "figs"
    rb.draw_figures(load_run(run), out)
    return out


def _bytes_file(tmp: Path, data: bytes) -> Path:
    p = tmp / "out.pdf"
    p.write_bytes(data)
    return p


def test_missing_run_file_is_a_store_error(runs: dict, tmp_path: Path) -> None:
    run = tmp_path / "run"
    shutil.copytree(runs["regression"], run)
    (run / "stats.json").unlink()
    with pytest.raises(StoreError, match=r"stats\.json"):
        rb.write_report(run)
    with pytest.raises(StoreError, match="does not exist"):
        rb.write_report(tmp_path / "nope")


def test_regression_report_builds_with_typst(runs: dict, tmp_path: Path) -> None:
    run = tmp_path / "run"
    shutil.copytree(runs["regression"], run)
    pdf = rb.write_report(run, engine="typst")
    texts = _page_texts(pdf)
    assert _main_end_page(texts) <= 4
    assert "RMSE" in "".join(texts) and "R\u00b2" in "".join(texts)


def test_reduced_matmul_precision_is_stated(runs: dict, tmp_path: Path) -> None:
    run = tmp_path / "run"
    shutil.copytree(runs["classification"], run)

    def repro_text() -> str:
        return lx.render(build_document(run))["main.tex"].split("Reproducibility", 1)[1]

    assert "precision" not in repro_text()  # exact float32: nothing to say
    spec = json.loads((run / "spec.json").read_text())
    spec["spec"]["matmul_precision"] = "medium"
    (run / "spec.json").write_text(json.dumps(spec))
    assert "precision" not in repro_text()  # the fixture ran on CPU: still exact float32
    man = json.loads((run / "manifest.json").read_text())
    man["gpu"] = {"available": True, "name": "Test GPU", "count": 1}
    (run / "manifest.json").write_text(json.dumps(man))
    assert "torch precision" in repro_text() and "not exact float32" in repro_text()


def test_main_end_marker_alone_at_the_top_of_a_page_belongs_to_the_page_before() -> None:
    # The marker after the last word wraps alone to the next page when the last paragraph
    # fills its page's last line (seen on a forecasting report: text on page 4, marker on 5).
    assert rb.main_end_page({"page": 5, "x": "108pt", "y": "72pt"}) == 4
    assert rb.main_end_page({"page": 5, "x": "230.5pt", "y": "72pt"}) == 5  # after text
    assert rb.main_end_page({"page": 4, "x": "108pt", "y": "400pt"}) == 4  # a line of its own
    assert rb.main_end_page({"page": 1, "x": "108pt", "y": "72pt"}) == 1


def _largest_text_gap(page: Any) -> float:
    """The tallest band of a page's text area without any text, as a fraction of its height."""
    ys: list[float] = []

    def visit(text: str, cm: list[float], tm: list[float], *_: object) -> None:
        if text.strip():  # the text matrix in page space: y = tm x cm
            ys.append(tm[4] * cm[1] + tm[5] * cm[3] + cm[5])

    page.extract_text(visitor_text=visit)
    height = float(page.mediabox.height)
    top, bottom = height - 72.0, 72.0  # the 1in margins of the template
    inside = sorted({round(y, 1) for y in ys if bottom <= y <= top} | {top, bottom})
    return max(b - a for a, b in itertools.pairwise(inside)) / height


@pytest.mark.parametrize("engine", ENGINES)
def test_no_main_text_page_is_left_a_third_empty(reports: dict, engine: str) -> None:
    for kind in ("classification", "special"):
        pdf = _report(reports, kind, engine) / "report" / "report.pdf"
        pages = PdfReader(pdf).pages
        end = _main_end_page(_page_texts(pdf))
        for i in range(end - 1):  # the last main page may end early
            assert _largest_text_gap(pages[i]) < 0.3, (kind, engine, i + 1)  # figures: ~0.2


def test_a_files_sha256_is_set_as_code_that_may_break_and_notes_start_upper_case() -> None:
    from archbench.report.document import Code, Text
    from archbench.report.prose import hashes_as_code, sentence

    digest = "e89d49b6fb8fe02d76bb5bb80d8e0dab473bf9f6a72515e30c259f6d7da1c2b3"
    parts = hashes_as_code(f"user file data.csv (3 bytes, sha256 {digest}).")
    assert parts == (Text("user file data.csv (3 bytes, sha256 "), Code(digest), Text(")."))
    assert hashes_as_code("no digest here") == (Text("no digest here"),)
    assert sentence("the shift column is also a feature") == "The shift column is also a feature."
