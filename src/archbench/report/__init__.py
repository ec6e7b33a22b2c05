"""The lab report: one document model (document.py), a LaTeX and a Typst writer, the style.

``write_report(run_dir)`` writes ``report/latex/`` and ``report/report.pdf``.
"""

from __future__ import annotations

from pathlib import Path


def write_report(run_dir: Path, *, engine: str = "auto") -> Path:
    """Write the report of ``run_dir``; see :func:`archbench.report.build.write_report`."""
    from archbench.report.build import write_report as _write

    return _write(run_dir, engine=engine)  # type: ignore[arg-type]


__all__ = ["write_report"]
