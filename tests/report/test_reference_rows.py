"""Reference rows (a kind's trivial answers) in the main results table."""

from __future__ import annotations

import json
from pathlib import Path

from archbench.report import latex as lx
from archbench.report.content import build_document
from archbench.report.rundata import load_run
from archbench.report.tables import reference_rows
from fixtures_report import make_run_dir


def _with_refs(root: Path, refs: dict) -> Path:  # type: ignore[type-arg]
    run = make_run_dir(root, task_type="regression")
    task = json.loads((run / "task.json").read_text())
    task["references"] = refs
    (run / "task.json").write_text(json.dumps(task))
    return run


def test_both_reference_layouts_are_read_for_the_primary_metric(tmp_path: Path) -> None:
    run_dir = _with_refs(
        tmp_path / "r",
        {
            "seasonal_naive": {"test": {"rmse": 1.25}, "shift": {"rmse": 2.5}},
            "tfidf_lr": {"label": "TF-IDF + LR", "metrics": {"test": {"rmse": 0.75}}},
            "broken": "not a table",
        },
    )
    run = load_run(run_dir)
    rows = reference_rows(run, run.primary)
    assert rows == [
        ("Seasonal naive", {"test": 1.25, "shift": 2.5}),
        ("TF-IDF + LR", {"test": 0.75}),
    ]
    assert reference_rows(run, "no_such_metric") == []
    main = next(t for t in build_document(run_dir).tables() if t.stem == "main")
    tex = lx.table_tex(main)
    assert "Seasonal naive" in tex and "TF-IDF + LR" in tex
    assert "Reference rows" in lx.render_spans(main.caption)


def test_no_reference_rows_without_references(tmp_path: Path) -> None:
    run_dir = make_run_dir(tmp_path / "r", task_type="regression")
    run = load_run(run_dir)
    assert reference_rows(run, run.primary) == []
    main = next(t for t in build_document(run_dir).tables() if t.stem == "main")
    assert "Reference rows" not in lx.render_spans(main.caption)
