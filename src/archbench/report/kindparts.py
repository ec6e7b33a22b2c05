"""What a task kind contributes to the report, and how the report finds it.

The report is generic: headline, results, tables, statistics and discussion read the run
directory. The parts that depend on the kind (the data, split and preprocessing paragraphs, how
the families are trained, the opening of the introduction, extra citations and figures) come
from ``Kind.report()``, an object with the methods of :class:`KindReport`.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from archbench.report.document import Block, Figure, Spans
    from archbench.report.rundata import RunData


class KindReport(Protocol):
    """The report parts of a task kind."""

    #: Bibliography keys the kind's text may cite (entries in report/refs.bib or ``bib()``).
    citations: frozenset[str]

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


def kind_limitations(run: RunData) -> list[str]:
    """The kind's sentences for the limitations paragraph."""
    return list(kind_report(run).limitations(run))


def kind_report(run: RunData) -> KindReport:
    """The report parts of the run's kind (run.json's ``kind``; tables for older runs)."""
    from archbench.kinds import get_kind

    parts: KindReport = get_kind(str(run.run.get("kind", "tabular"))).report()
    return parts


def unit_words(run: RunData) -> tuple[str, str]:
    """The run's evaluation unit, singular and plural ("row", "rows")."""
    words = run.run.get("unit_word") or ["row", "rows"]
    return str(words[0]), str(words[1])


def load_run_for_report(root: Path) -> RunData:
    """:func:`load_run`, with the run's kind answering for metrics that older runs did not
    record in run.json."""
    from archbench.kinds import get_kind
    from archbench.report.rundata import load_run

    data = load_run(root)
    kind_name = str(data.run.get("kind", "tabular"))

    def fallback(metric: str) -> dict[str, Any]:
        try:
            spec = get_kind(kind_name).metric(metric)
        except KeyError:
            return {}
        return {
            "label": spec.label,
            "higher_is_better": spec.higher_is_better,
            "error": spec.error,
            "count_test": spec.count_test,
        }

    data.metric_fallback = fallback
    return data
