"""A reference row that beats every family on a set is said in the abstract and in the
terminal summary (not only in the limitations paragraph)."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from rich.console import Console

from archbench.cli.show import print_brief
from archbench.report.beaten import reference_beats_all
from archbench.report.content import abstract
from archbench.report.rundata import load_run
from fixtures_report import make_run_dir


def _with_references(tmp: Path, refs: dict[str, dict[str, float]]) -> Path:
    """A classification run (ROC-AUC: families 0.72-0.74 on test, 0.69-0.70 on shift)."""
    run = make_run_dir(tmp / "run")
    task = json.loads((run / "task.json").read_text())
    task["references"] = {
        name: {"label": name.replace("_", " ").capitalize(),
               "metrics": {s: {"roc_auc": v} for s, v in by_split.items()}}
        for name, by_split in refs.items()
    }  # fmt: skip
    (run / "task.json").write_text(json.dumps(task))
    return run


def _abstract_text(run_dir: Path) -> str:
    (para,) = abstract(load_run(run_dir))
    return "".join(getattr(s, "text", "") for s in para.spans)


def _terminal(run_dir: Path) -> str:
    out = io.StringIO()
    stats = json.loads((run_dir / "stats.json").read_text())
    print_brief(Console(file=out, width=200), run_dir, stats, {})
    return out.getvalue()


def test_a_reference_above_every_family_is_in_abstract_and_terminal(tmp_path: Path) -> None:
    run = _with_references(
        tmp_path, {"majority": {"test": 0.5, "shift": 0.5}, "logistic": {"test": 0.9, "shift": 0.6}}
    )
    said = reference_beats_all(load_run(run))
    assert said.startswith("On the ID test set, the reference row Logistic (0.9000)")
    assert "beats every family (best: GBDT (LightGBM), 0.7399 mean ROC-AUC; point estimates" in said
    assert "shift set" not in said  # 0.6 is below every family's shift mean
    assert said in " ".join(_abstract_text(run).split())
    assert "note: " + said in " ".join(_terminal(run).split())


@pytest.mark.parametrize("value", [0.5, 0.73])  # below every family / between the families
def test_no_sentence_where_some_family_beats_the_references(tmp_path: Path, value: float) -> None:
    run = _with_references(tmp_path, {"logistic": {"test": value, "shift": value - 0.1}})
    assert reference_beats_all(load_run(run)) == ""
    assert "beats every family" not in _abstract_text(run) + _terminal(run)
