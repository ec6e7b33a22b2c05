"""A user-written introduction (spec ``report.introduction``) as document blocks.

Markdown (a small subset: paragraphs, ``-``/``*`` lists, ``#`` headings, ``**bold**``,
``*emphasis*``, `` `code` ``, ``[text](url)``, ``[@key]`` citations) becomes model blocks that
both writers render. LaTeX is kept verbatim for the LaTeX writer, with a plain-text rendering
(commands stripped, ``\\emph``/``\\textbf``/``\\cite`` understood) for the Typst writer.
"""

from __future__ import annotations

import re
from pathlib import Path

from archbench.report.document import (
    Block,
    BulletList,
    Cite,
    Code,
    Emph,
    Inline,
    Link,
    Paragraph,
    RawLatex,
    Spans,
    Strong,
    Text,
)

_LATEX_CMD = re.compile(r"\\(?:[A-Za-z]+\*?\s*[\[{]|begin\{|\\|item\b|par\b)")
_MD_INLINE = re.compile(
    r"(?P<code>`[^`]+`)|(?P<strong>\*\*[^*]+\*\*|__[^_]+__)|(?P<emph>\*[^*\s][^*]*\*|"
    r"(?<![A-Za-z0-9])_[^_\s][^_]*_(?![A-Za-z0-9]))|(?P<cite>\[@[^\]]+\])|"
    r"(?P<link>\[[^\]]+\]\([^)\s]+\))"
)


def read_introduction(value: str, run_dir: Path) -> str:
    """The introduction text: ``value`` itself, or the file it names (``.md``/``.tex``/``.txt``).

    A relative file name is looked up next to the run directory's spec.
    """
    v = value.strip()
    if v and "\n" not in v and v.lower().endswith((".md", ".markdown", ".tex", ".txt")):
        p = Path(v).expanduser()
        for cand in (p, run_dir / p):
            if cand.is_file():
                return cand.read_text(encoding="utf-8")
    return value


def is_latex(text: str) -> bool:
    """True when ``text`` looks like LaTeX (it uses backslash commands)."""
    return bool(_LATEX_CMD.search(text))


def split_heading(text: str) -> tuple[str, str]:
    """Remove a leading section heading (``# Title`` or ``\\section{Title}``) -> (title, rest)."""
    s = text.lstrip()
    m = re.match(r"#\s+(.+)\n", s + "\n")
    if m and not s.startswith("##"):
        return m.group(1).strip(), s[m.end() :]
    m = re.match(r"\\section\*?\{([^}]*)\}", s)
    if m:
        return m.group(1).strip(), s[m.end() :]
    return "", text


def markdown_blocks(text: str, known_keys: set[str]) -> tuple[Block, ...]:
    """Parse the Markdown subset into paragraphs and bullet lists."""
    blocks: list[Block] = []
    para: list[str] = []
    items: list[str] = []

    def flush() -> None:
        if para:
            blocks.append(Paragraph(md_inline(" ".join(para), known_keys)))
            para.clear()
        if items:
            blocks.append(BulletList(tuple(md_inline(i, known_keys) for i in items)))
            items.clear()

    for raw in text.splitlines():
        line = raw.strip()
        if not line:
            flush()
            continue
        bullet = re.match(r"^[-*+]\s+(.*)$", line)
        heading = re.match(r"^#{1,6}\s+(.*)$", line)
        if heading:
            flush()
            blocks.append(Paragraph((), lead=heading.group(1).strip()))
        elif bullet:
            if para:
                flush()
            items.append(bullet.group(1))
        elif items and raw[:1].isspace():
            items[-1] += " " + line
        else:
            if items:
                flush()
            para.append(line)
    flush()
    return _merge_leads(blocks)


def _merge_leads(blocks: list[Block]) -> tuple[Block, ...]:
    """A heading followed by a paragraph becomes that paragraph's run-in lead."""
    out: list[Block] = []
    for b in blocks:
        prev = out[-1] if out else None
        if (
            isinstance(b, Paragraph)
            and isinstance(prev, Paragraph)
            and prev.lead
            and not prev.spans
            and not b.lead
        ):
            out[-1] = Paragraph(b.spans, lead=prev.lead)
        else:
            out.append(b)
    return tuple(out)


def md_inline(text: str, known_keys: set[str]) -> Spans:
    """Inline Markdown -> spans."""
    out: list[Inline] = []
    pos = 0
    for m in _MD_INLINE.finditer(text):
        if m.start() > pos:
            out.append(Text(text[pos : m.start()]))
        tok = m.group(0)
        if m.group("code"):
            out.append(Code(tok[1:-1]))
        elif m.group("strong"):
            out.append(Strong(tok[2:-2]))
        elif m.group("emph"):
            out.append(Emph(tok[1:-1]))
        elif m.group("cite"):
            keys = [k.strip().lstrip("@") for k in tok[1:-1].split(";")]
            good = tuple(k for k in keys if k in known_keys)
            out.append(Cite(good) if good else Text(tok))
        else:
            label, url = re.match(r"\[([^\]]+)\]\(([^)]+)\)", tok).groups()  # type: ignore[union-attr]
            out.append(Link(label, url))
        pos = m.end()
    if pos < len(text):
        out.append(Text(text[pos:]))
    return tuple(out)


def latex_blocks(latex: str, known_keys: set[str]) -> RawLatex:
    """User LaTeX kept verbatim, with a plain rendering for writers that cannot run LaTeX."""
    text = re.sub(r"(?<!\\)%.*", "", latex)
    fallback: list[Block] = []
    for chunk in re.split(r"\n\s*\n|\\par\b", text):
        chunk = chunk.strip()
        if not chunk:
            continue
        if "\\item" in chunk:
            parts = chunk.split("\\item")[1:]
            fallback.append(BulletList(tuple(_latex_inline(p, known_keys) for p in parts)))
            continue
        fallback.append(Paragraph(_latex_inline(chunk, known_keys)))
    return RawLatex(latex.strip(), tuple(fallback))


_LATEX_ESC = {
    r"\%": "%",
    r"\&": "&",
    r"\#": "#",
    r"\$": "$",
    r"\_": "_",
    r"\{": "{",
    r"\}": "}",
    "~": " ",
    "``": "\u201c",
    "''": "\u201d",
    "---": "\u2014",
    "--": "\u2013",
    r"\\": " ",
}


def _latex_plain(s: str) -> str:
    s = re.sub(r"\\(?:begin|end)\{[^}]*\}", " ", s)
    s = re.sub(r"\\(?:ref|label|eqref)\{[^}]*\}", "", s)
    s = re.sub(r"\\(?:url)\{([^}]*)\}", r"\1", s)
    s = re.sub(r"\\href\{[^}]*\}\{([^}]*)\}", r"\1", s)
    for k, v in _LATEX_ESC.items():
        s = s.replace(k, v)
    s = re.sub(r"\\[A-Za-z]+\*?(\[[^\]]*\])?", "", s)
    s = s.replace("{", "").replace("}", "").replace("$", "")
    return re.sub(r"\s+", " ", s)


def _latex_inline(s: str, known_keys: set[str]) -> Spans:
    out: list[Inline] = []
    pat = re.compile(r"\\(emph|textit|textbf|texttt|cite[tp]?)\*?(?:\[[^\]]*\])*\{([^}]*)\}")
    pos = 0
    for m in pat.finditer(s):
        out.append(Text(_latex_plain(s[pos : m.start()])))
        cmd, arg = m.group(1), m.group(2)
        if cmd.startswith("cite"):
            keys = tuple(k.strip() for k in arg.split(",") if k.strip() in known_keys)
            if keys:
                out.append(Cite(keys))
        elif cmd in ("emph", "textit"):
            out.append(Emph(_latex_plain(arg)))
        elif cmd == "textbf":
            out.append(Strong(_latex_plain(arg)))
        else:
            out.append(Code(_latex_plain(arg)))
        pos = m.end()
    out.append(Text(_latex_plain(s[pos:])))
    merged = [x for x in out if not (isinstance(x, Text) and not x.text)]
    if merged and isinstance(merged[0], Text):
        merged[0] = Text(merged[0].text.lstrip())
    return tuple(merged)


def introduction_blocks(text: str, known_keys: set[str]) -> tuple[str, tuple[Block, ...]]:
    """(section title or "", blocks) for a user-written introduction."""
    title, body = split_heading(text)
    if is_latex(body):
        return title, (latex_blocks(body, known_keys),)
    return title, markdown_blocks(body, known_keys)
