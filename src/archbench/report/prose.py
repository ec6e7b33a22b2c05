"""Small helpers shared by the generated sections: citations, sentences, spec look-ups."""

from __future__ import annotations

import re
from typing import Any

from archbench.report.document import Cite, Code, Spans, spans
from archbench.report.rundata import RunData


def cite(*keys: str) -> Cite:
    return Cite(tuple(keys))


def sentence(s: str) -> str:
    """``s`` as a sentence: stripped, first letter upper-case, ending in a full stop."""
    s = s.strip()
    if s[:1].islower():
        s = s[0].upper() + s[1:]
    return s if not s or s[-1] in ".!?" else s + "."


_SHA256 = re.compile(r"\b[0-9a-f]{64}\b")


def hashes_as_code(text: str) -> Spans:
    """``text`` with every sha256 hex digest set as code, which may break across lines (a
    64-digit word would otherwise run into the margin)."""
    out: list[Any] = []
    pos = 0
    for m in _SHA256.finditer(text):
        out += [text[pos : m.start()], Code(m.group())]
        pos = m.end()
    out.append(text[pos:])
    return spans(*out)


def spec_value(run: RunData, *path: str) -> Any:
    d: Any = run.spec
    for p in path:
        if not isinstance(d, dict):
            return None
        d = d.get(p)
    return d


def gbdt_backend(run: RunData) -> str:
    return str(spec_value(run, "families", "gbdt_backend") or "lightgbm")


def confidence_label(run: RunData) -> str:
    return f"{run.confidence:.0%}"
