"""The report kit's contract with a task kind: the report parts ``Kind.report()`` returns.

The report is generic: headline, results, tables, statistics and discussion read the run
directory. The parts that depend on the kind (the data, split and preprocessing paragraphs, how
the families are trained, the opening of the introduction, extra citations, figures and
limitations) come from an object with the methods of :class:`KindReport`. It sits in the report
kit, below the kinds, so that ``archbench.kinds.base.Kind.report`` is typed with it and mypy
checks every kind's report class against it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from pathlib import Path

    from archbench.report.document import Block, Figure, Spans
    from archbench.report.rundata import RunData

__all__ = ["KindReport"]


class KindReport(Protocol):
    """The report parts of a task kind."""

    @property
    def citations(self) -> frozenset[str]:
        """Bibliography keys the kind's text may cite (entries in report/refs.bib or
        ``bib()``); a class attribute does."""
        ...

    def data_blocks(self, run: RunData, compact: int) -> list[Block]:
        """The design section's opening: data, splits and shift, preprocessing paragraphs."""
        ...

    def families_text(self, run: RunData) -> Spans:
        """One or two sentences on how the three families are built and trained, cited."""
        ...

    def introduction_context(self, run: RunData) -> Spans:
        """The introduction's first paragraph: what the field knows of these families."""
        ...

    def bib(self) -> str:
        """Extra BibTeX entries (``""`` when report/refs.bib holds them all)."""
        ...

    def figures(self, run: RunData, compact: int) -> list[Figure]:
        """Extra figures of the results section (the document model only: label, caption and
        the file stem under figures/); may be empty. ``compact`` >= 3 asks for fewer."""
        ...

    def draw(self, run: RunData, out_dir: Path) -> list[Path]:
        """Draw the files of :meth:`figures` (``<stem>.pdf``) into ``out_dir``."""
        ...

    def limitations(self, run: RunData) -> list[str]:
        """Sentences for the limitations paragraph (reviewer warnings such as a leaking feature
        or a feature that encodes the shift rule); ``[]`` when the kind has none."""
        ...
