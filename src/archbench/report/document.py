"""The one document model of the report: sections, paragraphs, tables, figures, citations.

The content is built once, from the run directory (``content.build_document``), as plain
frozen dataclasses; the LaTeX writer and the Typst writer only render it. Every string in the
model is plain text: escaping is the writers' job, so a task called ``50%_&#`` is safe in both.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Literal

# ---------------------------------------------------------------------------------------------
# Inline content


@dataclass(frozen=True)
class Styled:
    """A run of text in one style; the subclass names the style (the writers map each to their
    markup, :class:`InlineMarkup`)."""

    text: str


class Text(Styled):
    """Plain text."""


class Emph(Styled):
    """Emphasis (italics)."""


class Strong(Styled):
    """Bold text."""


class Code(Styled):
    """Monospace text (hashes, commands, identifiers); long tokens may break anywhere."""


class Sub(Styled):
    """A subscript, e.g. the ``z`` of d_z."""


@dataclass(frozen=True)
class Cite:
    keys: tuple[str, ...]


@dataclass(frozen=True)
class Ref:
    """A cross-reference to a table (``tab-``), figure (``fig-``) or section (``sec-``)."""

    label: str

    @property
    def kind(self) -> str:
        return {"tab": "Table", "fig": "Figure", "sec": "Section"}[self.label.split("-", 1)[0]]


@dataclass(frozen=True)
class Link:
    text: str
    url: str


Inline = Text | Emph | Strong | Code | Sub | Cite | Ref | Link
Spans = tuple[Inline, ...]


def spans(*parts: str | Inline | Spans | None) -> Spans:
    """Build a span tuple: strings become :class:`Text`, tuples are flattened, None skipped."""
    out: list[Inline] = []
    for p in parts:
        if p is None:
            continue
        if isinstance(p, str):
            if p:
                out.append(Text(p))
        elif isinstance(p, tuple):
            out.extend(p)
        else:
            out.append(p)
    return tuple(out)


def plain_text(s: Spans) -> str:
    """The spans as plain text (citations and references dropped), for tests and logs."""
    return "".join(x.text for x in s if isinstance(x, Styled | Link))


def cite_keys(s: Spans) -> list[str]:
    return [k for x in s if isinstance(x, Cite) for k in x.keys]


@dataclass(frozen=True)
class InlineMarkup:
    """How one writer renders inline content: the one dispatch both writers share.

    ``escape`` makes plain text safe, ``styles`` wraps each style's escaped text in a
    ``(before, after)`` pair (a style not listed is written bare), ``join_chunks`` joins the
    escaped pieces of a long token (a hash, a path) so that it may break between them, and
    ``cite``/``ref``/``link`` write the other inline kinds. ``continues``: characters that
    would continue the markup call of a non-text element just before them (Typst's ``#f[..]``
    then ``(``); written after a backslash there.
    """

    escape: Callable[[str], str]
    styles: Mapping[type[Styled], tuple[str, str]]
    join_chunks: Callable[[list[str]], str]
    cite: Callable[[Cite], str]
    ref: Callable[[Ref], str]
    link: Callable[[Link], str]
    continues: str = ""

    def inline(self, x: Inline) -> str:
        if isinstance(x, Styled):
            body = self.breakable(x.text) if isinstance(x, Code) else self.escape(x.text)
            before, after = self.styles.get(type(x), ("", ""))
            return before + body + after
        if isinstance(x, Cite):
            return self.cite(x)
        if isinstance(x, Ref):
            return self.ref(x)
        if isinstance(x, Link):
            return self.link(x)
        raise TypeError(f"unknown inline {x!r}")

    def render_spans(self, s: Spans) -> str:
        """The spans as markup: a citation after a space is tied to the word before it (``~``),
        and runs of blanks fold to one."""
        out: list[str] = []
        for i, x in enumerate(s):
            if isinstance(x, Cite) and out and out[-1].endswith(" "):
                out[-1] = out[-1].rstrip() + "~"
            piece = self.inline(x)
            if self.continues and i and not isinstance(s[i - 1], Text):
                if piece[:1] in self.continues:
                    piece = "\\" + piece
            out.append(piece)
        return re.sub(r"[ \t]{2,}", " ", "".join(out)).strip()

    def breakable(self, s: str, every: int = 8) -> str:
        """Escape ``s``; tokens longer than ``2 * every`` are cut into pieces of ``every``
        characters that :attr:`join_chunks` joins (a line may break between them)."""
        out = []
        for p in re.split(r"(\s+)", s):
            if len(p) > 2 * every and not p.isspace():
                pieces = [p[i : i + every] for i in range(0, len(p), every)]
                out.append(self.join_chunks([self.escape(c) for c in pieces]))
            else:
                out.append(self.escape(p))
        return "".join(out)


# ---------------------------------------------------------------------------------------------
# Blocks


@dataclass(frozen=True)
class Paragraph:
    spans: Spans
    #: A run-in bold heading ("Data." ...), like LaTeX's \paragraph.
    lead: str = ""


@dataclass(frozen=True)
class BulletList:
    items: tuple[Spans, ...]


@dataclass(frozen=True)
class Cell:
    spans: Spans = ()
    bold: bool = False
    colspan: int = 1
    align: Literal["l", "c", "r"] | None = None


@dataclass(frozen=True)
class Row:
    cells: tuple[Cell, ...]
    #: "group": a full-width block heading inside the body (e.g. the metric name).
    kind: Literal["body", "group"] = "body"
    rule_above: bool = False
    #: A little space above the row (between blocks of rows).
    gap_above: bool = False


@dataclass(frozen=True)
class Column:
    align: Literal["l", "c", "r"] = "l"
    #: Fixed width in inches (text wraps); None sizes the column to its content.
    width_in: float | None = None


@dataclass(frozen=True)
class Table:
    label: str
    caption: Spans
    columns: tuple[Column, ...]
    header: tuple[Row, ...]
    body: tuple[Row, ...]
    size: Literal["small", "footnotesize"] = "footnotesize"
    #: Extra space between columns in points (LaTeX \tabcolsep).
    colsep_pt: float = 4.0

    @property
    def stem(self) -> str:
        return self.label.removeprefix("tab-")


@dataclass(frozen=True)
class Figure:
    label: str
    caption: Spans
    #: File name without suffix under figures/ (``.pdf`` for both writers).
    stem: str
    width_in: float = 5.5


@dataclass(frozen=True)
class RawLatex:
    """User-written LaTeX: the LaTeX writer inserts it as is, Typst renders ``fallback``."""

    latex: str
    fallback: tuple[Block, ...] = ()


@dataclass(frozen=True)
class Section:
    title: str
    blocks: tuple[Block, ...]
    label: str = ""
    level: int = 1


Block = Paragraph | BulletList | Table | Figure | RawLatex | Section


@dataclass(frozen=True)
class Document:
    title: str
    author: str
    affiliation: str
    abstract: tuple[Paragraph, ...]
    sections: tuple[Section, ...]
    #: Citation keys in order of first use; exactly the entries refs.bib must hold.
    bibliography: tuple[str, ...] = ()
    #: Figure stems the build must draw (see :mod:`archbench.report.build`).
    figures: tuple[str, ...] = ()
    #: BibTeX entries beyond the bundled refs.bib (a task kind's own citations).
    extra_bib: str = ""
    metadata: dict[str, str] = field(default_factory=dict)

    def tables(self) -> list[Table]:
        return [b for b in walk(self.sections) if isinstance(b, Table)]


def walk(blocks: tuple[Block, ...]) -> list[Block]:
    """Every block, depth first (sections' children included, raw-LaTeX fallbacks not)."""
    out: list[Block] = []
    for b in blocks:
        out.append(b)
        if isinstance(b, Section):
            out.extend(walk(b.blocks))
    return out


def used_citations(
    doc_abstract: tuple[Paragraph, ...], sections: tuple[Section, ...]
) -> tuple[str, ...]:
    """Citation keys in order of first use, across text, lists, captions and tables."""
    keys: list[str] = []

    def add(s: Spans) -> None:
        for k in cite_keys(s):
            if k not in keys:
                keys.append(k)

    def visit(b: Block) -> None:
        if isinstance(b, Paragraph):
            add(b.spans)
        elif isinstance(b, BulletList):
            for it in b.items:
                add(it)
        elif isinstance(b, Table):
            add(b.caption)
            for r in (*b.header, *b.body):
                for cell in r.cells:
                    add(cell.spans)
        elif isinstance(b, Figure):
            add(b.caption)
        elif isinstance(b, RawLatex):
            for k in re.findall(r"\\cite[tp]?\*?(?:\[[^\]]*\])*\{([^}]*)\}", b.latex):
                for key in k.split(","):
                    if key.strip() and key.strip() not in keys:
                        keys.append(key.strip())
            for f in b.fallback:
                visit(f)
        elif isinstance(b, Section):
            for child in b.blocks:
                visit(child)

    for p in doc_abstract:
        visit(p)
    for s in sections:
        visit(s)
    return tuple(keys)
