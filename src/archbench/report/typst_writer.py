"""The Typst writer: the document model -> main.typ using template.typ (same layout as LaTeX).

Typst (the ``typst`` package on PyPI) compiles the report when pdflatex is not installed, so a
plain ``pip install`` always gets a PDF.
"""

from __future__ import annotations

import re

from archbench.report.document import (
    Block,
    BulletList,
    Cell,
    Code,
    Document,
    Emph,
    Figure,
    InlineMarkup,
    Paragraph,
    RawLatex,
    Row,
    Section,
    Spans,
    Strong,
    Sub,
    Table,
)

#: Characters with a meaning in Typst markup; each is written as ``\c``.
_SPECIAL = set("\\#$*_`<>@[]~=-+/:")
_ALIGN = {"l": "left", "c": "center", "r": "right"}
_SIZE = {"small": "9pt", "footnotesize": "9pt"}


def escape(text: str) -> str:
    """Escape ``text`` for Typst markup: every markup character gets a backslash."""
    out = []
    for ch in text:
        if ch in _SPECIAL:
            out.append("\\" + ch)
        elif ch in "\n\r\t":
            out.append(" ")
        elif ord(ch) < 0x20:
            continue
        else:
            out.append(ch)
    return "".join(out)


def string(text: str) -> str:
    """A Typst string literal."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


#: Long tokens (hashes, paths) become boxes of a few characters, which may break between them
#: (and copy from the PDF without stray characters).
_MARKUP = InlineMarkup(
    escape=escape,
    styles={
        Emph: ("#emph[", "]"),
        Strong: ("#strong[", "]"),
        Code: ('#text(font: "DejaVu Sans Mono", size: 0.85em)[', "]"),
        Sub: ("#sub[", "]"),
    },
    join_chunks=lambda chunks: "".join(f"#box[{c}]" for c in chunks),
    cite=lambda x: "".join(f"#cite(label({string(k)}))" for k in x.keys),
    ref=lambda x: f"#ref(<{x.label}>)",
    link=lambda x: f"#link({string(x.url)})[{escape(x.text)}]",
    # After "#call(...)" or "#call[...]", a ";" would end the call and vanish, and ".", "("
    # or "[" could continue it: that first character is escaped.
    continues=".;([",
)
#: One inline element as Typst markup.
inline = _MARKUP.inline


def render_spans(s: Spans) -> str:
    """Inline spans as Typst markup ("1. text" at the start of a line is kept from becoming a
    numbered list)."""
    return re.sub(r"^(\d+)\.", r"\1\\.", _MARKUP.render_spans(s))


def _cell(c: Cell, default: str, inset: str = "") -> str:
    text = render_spans(c.spans)
    if c.bold:
        text = f"#strong[{text}]"
    args = []
    if c.colspan > 1:
        args.append(f"colspan: {c.colspan}")
    if c.align and c.align != default:
        args.append(f"align: {_ALIGN[c.align]}")
    if inset:
        args.append(f"inset: {inset}")
    return f"table.cell({', '.join(args)})[{text}]" if args else f"[{text}]"


def _row(row: Row, t: Table) -> list[str]:
    out, col = [], 0
    inset = f"(top: 3.6pt, bottom: 0.6pt, x: {t.colsep_pt:g}pt)" if row.gap_above else ""
    for c in row.cells:
        out.append(_cell(c, t.columns[col].align, inset))
        col += c.colspan
    return out


def table_typ(t: Table) -> str:
    cols = ", ".join(f"{c.width_in:g}in" if c.width_in else "auto" for c in t.columns)
    aligns = ", ".join(_ALIGN[c.align] for c in t.columns)
    n = len(t.columns)
    header: list[str] = []
    for row in t.header:
        header += _row(row, t)
        col = 0
        for c in row.cells:
            if c.colspan > 1:
                header.append(f"table.hline(start: {col}, end: {col + c.colspan}, stroke: 0.4pt)")
            col += c.colspan
    body: list[str] = []
    for i, row in enumerate(t.body):
        if row.kind == "group":
            text = render_spans(row.cells[0].spans)
            top = "3.6pt" if i else "0.6pt"
            body.append(
                f"table.cell(colspan: {n}, align: left, inset: (top: {top}, bottom: "
                f"0.6pt, x: {t.colsep_pt:g}pt))[#emph[{text}]]"
            )
        else:
            if row.rule_above:
                body.append("table.hline(stroke: 0.5pt)")
            body += _row(row, t)
    return "\n".join(
        [
            "#figure(",
            f"  btable(columns: ({cols},), align: ({aligns},), size: {_SIZE[t.size]},",
            f"    colsep: {t.colsep_pt:g}pt,",
            "    header: (" + ", ".join(header) + ",),",
            "    body: (\n      " + ",\n      ".join(body) + ",\n    )),",
            f"  caption: [{render_spans(t.caption)}],",
            "  kind: table, placement: auto,",
            f") <{t.label}>",
        ]
    )


def figure_typ(f: Figure) -> str:
    width = "100%" if f.width_in >= 5.5 else f"{f.width_in:g}in"
    return (
        f'#figure(image("figures/{f.stem}.pdf", width: {width}),\n'
        f"  caption: [{render_spans(f.caption)}], placement: auto) <{f.label}>"
    )


def block(b: Block) -> str:
    if isinstance(b, Paragraph):
        lead = f"#strong[{escape(b.lead)}] " if b.lead else ""
        return lead + render_spans(b.spans)
    if isinstance(b, BulletList):
        return "\n".join(f"- {render_spans(i)}" for i in b.items)
    if isinstance(b, Table):
        return table_typ(b)
    if isinstance(b, Figure):
        return figure_typ(b)
    if isinstance(b, RawLatex):
        return "\n\n".join(block(c) for c in b.fallback)
    if isinstance(b, Section):
        head = "=" * max(1, b.level) + " " + escape(b.title)
        if b.label:
            head += f" <{b.label}>"
        return "\n\n".join([head, *(block(c) for c in b.blocks)])
    raise TypeError(f"unknown block {b!r}")


def render(doc: Document) -> dict[str, str]:
    """Return ``{"main.typ": text}`` (template.typ and refs.bib are copied by the build)."""
    abstract = "\n\n".join(render_spans(p.spans) for p in doc.abstract)
    # The main text ends where its last paragraph ends, or on the page of its last float. The
    # marker records its position: when the paragraph fills its page's last line, the marker
    # alone wraps to the top-left corner of the next page (see build.main_end_page).
    body = "\n\n".join(block(s) for s in doc.sections)
    body += "#context [#metadata(here().position()) <archbench-main-end>]"
    lines = [
        "// Generated by archbench from the run directory; every number comes from it.",
        '#import "template.typ": neurips, btable',
        "#show: neurips.with(",
        f"  title: [{escape(doc.title)}],",
        f"  author: {string(doc.author)},",
        f"  affiliation: [{escape(doc.affiliation)}],",
        f"  abstract: [{abstract}],",
        ")",
        "",
        body,
        "",
        "#place.flush()",
        "#context [#metadata(query(figure).map(f => f.location().page()).fold(1, calc.max))"
        " <archbench-floats-end>]",
    ]
    if doc.bibliography:
        lines.append('#bibliography("refs.bib")')
    return {"main.typ": "\n".join(lines) + "\n"}
