"""What a task kind contributes to the report, and how the report finds it.

The report is generic: headline, results, tables, statistics and discussion read the run
directory. The parts that depend on the kind (the data, split and preprocessing paragraphs, how
the families are trained, the opening of the introduction, extra citations and figures) come
from ``Kind.report()``, an object with the methods of :class:`KindReport` (defined in the report
kit, :mod:`archbench.report.kindapi`, and re-exported here).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from archbench.report.kindapi import KindReport

if TYPE_CHECKING:
    from archbench.report.rundata import RunData

__all__ = [
    "KindReport",
    "kind_limitations",
    "kind_report",
    "load_run_for_report",
    "unit_words",
]


def kind_limitations(run: RunData) -> list[str]:
    """The kind's sentences for the limitations paragraph."""
    return list(kind_report(run).limitations(run))


def kind_report(run: RunData) -> KindReport:
    """The report parts of the run's kind (run.json's ``kind``; tables for older runs)."""
    from archbench.kinds import get_kind

    return get_kind(str(run.run.get("kind", "tabular"))).report()


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
