"""The document model's inline runs and the one inline dispatch both writers share."""

from __future__ import annotations

import pytest

from archbench.report import latex, typst_writer
from archbench.report.document import (
    Cite,
    Code,
    Emph,
    Link,
    Ref,
    Strong,
    Sub,
    Text,
    plain_text,
    spans,
)


def test_styles_of_the_same_text_stay_distinct() -> None:
    runs = [Text("x"), Emph("x"), Strong("x"), Code("x"), Sub("x")]
    assert len(set(runs)) == 5
    assert Emph("x") == Emph("x") and Emph("x") != Strong("x")
    assert repr(Strong("x")) == "Strong(text='x')"
    with pytest.raises(AttributeError):
        Emph("x").text = "y"  # type: ignore[misc]
    assert plain_text(spans("a ", Emph("b"), Cite(("k",)), Link("c", "https://e.org"))) == "a bc"


@pytest.mark.parametrize(
    ("x", "tex", "typ"),
    [
        (Text("50%_&"), r"50\%\allowbreak{}\_\allowbreak{}\&", r"50%\_&"),
        (Emph("a"), r"\emph{a}", "#emph[a]"),
        (Strong("a"), r"\textbf{a}", "#strong[a]"),
        (Sub("z"), r"\textsubscript{z}", "#sub[z]"),
        (Cite(("a", "b")), r"\citep{a,b}", '#cite(label("a"))#cite(label("b"))'),
        (Cite(()), "", ""),
        (Ref("tab-main"), r"Table~\ref{tab-main}", "#ref(<tab-main>)"),
        (Link("site", "https://e.org/a_b"), r"\href{https://e.org/a\_b}{site}",
         '#link("https://e.org/a_b")[site]'),
    ],
)  # fmt: skip
def test_each_inline_kind_in_both_writers(x: object, tex: str, typ: str) -> None:
    assert latex.inline(x) == tex  # type: ignore[arg-type]
    assert typst_writer.inline(x) == typ  # type: ignore[arg-type]


def test_long_code_tokens_break_between_pieces_of_eight() -> None:
    token = "0123456789abcdefghij"  # 20 characters: longer than 2 * 8
    assert latex.inline(Code(token)) == (r"\texttt{01234567\allowbreak{}89abcdef\allowbreak{}ghij}")
    assert typst_writer.inline(Code(token)).endswith("[#box[01234567]#box[89abcdef]#box[ghij]]")
    assert latex.inline(Code("short tok")) == r"\texttt{short tok}"


def test_spans_tie_citations_and_guard_typst_calls() -> None:
    s = spans("as shown ", Cite(("k",)), Emph("a"), "(b)")
    assert latex.render_spans(s) == r"as shown~\citep{k}\emph{a}(b)"
    # After "#emph[a]", "(" would continue the call in Typst: it is escaped.
    assert typst_writer.render_spans(s) == 'as shown~#cite(label("k"))#emph[a]\\(b)'
    assert typst_writer.render_spans(spans("1. first")) == "1\\. first"
