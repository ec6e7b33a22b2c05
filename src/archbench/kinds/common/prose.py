"""Sentences several kinds' reports share, so that one wording serves every kind.

``split_sizes`` opens the "Splits and shift." paragraph from ``task.json`` and
``splits.json``; ``pytorch_adamw`` names (and cites) the training stack of the neural families;
``kind_bib`` reads the BibTeX entries a kind ships beside its report (``<kind>/refs.bib``; the
spine's ``report/refs.bib`` holds the shared ones).
"""

from __future__ import annotations

from collections.abc import Mapping
from importlib import resources
from typing import Any

from archbench.report.document import Spans, spans
from archbench.report.fmt import count
from archbench.report.prose import cite, sentence

__all__ = ["kind_bib", "pytorch_adamw", "split_sizes"]


def split_sizes(
    task: Mapping[str, Any], splits: Mapping[str, Any], unit: str, how: str = ""
) -> str:
    """ "The ID pool (N rows) gives ... training, ... validation and ... ID test rows (data seed
    0); the shift set has ... rows: <its description>." ``unit`` names the rows ("texts"),
    ``how`` follows the sizes (", stratified by label")."""
    sizes, rows = splits.get("sizes") or {}, task.get("rows") or {}
    shift = task.get("shift") or {}
    return (
        f"The ID pool ({count(rows.get('id_pool'))} {unit}) gives {count(sizes.get('train'))} "
        f"training, {count(sizes.get('val'))} validation and {count(sizes.get('test'))} ID test "
        f"{unit}{how} (data seed {splits.get('seed', 'n/a')}); the shift set has "
        f"{count(sizes.get('shift'))} {unit}: {sentence(str(shift.get('description', '')))}"
    )


def pytorch_adamw(lead: str) -> Spans:
    """``lead`` + "PyTorch [cite] with AdamW [cite]", for the neural families' sentence."""
    return spans(
        f"{lead}PyTorch ",
        cite("paszke2019pytorch"),
        " with AdamW ",
        cite("loshchilov2019decoupled"),
    )


def kind_bib(package: str) -> str:
    """The ``refs.bib`` shipped in ``package`` (a kind's own citations)."""
    return resources.files(package).joinpath("refs.bib").read_text(encoding="utf-8")
