"""Small helpers shared by the generated sections: citations, sentences, spec look-ups."""

from __future__ import annotations

from typing import Any

from .document import Cite
from .rundata import RunData


def cite(*keys: str) -> Cite:
    return Cite(tuple(keys))


def sentence(s: str) -> str:
    s = s.strip()
    return s if not s or s[-1] in ".!?" else s + "."


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
