"""The report states how big the shift is and the reviewer warnings where they apply, and
nothing of either where they do not."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from archbench.kinds.tabular.report import TabularReport
from archbench.report.content import discussion
from archbench.report.rundata import load_run
from fixtures_report import make_run_dir

PROFILE = {
    "domain_auc": {
        "estimate": 0.874,
        "ci_low": 0.861,
        "ci_high": 0.887,
        "confidence": 0.95,
        "rows": {"test": 2000, "shift": 2000},
    },
    "drivers": [
        {"feature": "MedInc", "gain_share": 0.61, "auc_alone": 0.71},
        {"feature": "AveRooms", "gain_share": 0.04, "auc_alone": 0.55},
    ],
    "separating": [],
    "label_shift": {
        "kind": "target mean and SD",
        "test": {"mean": 2.19, "sd": 1.14},
        "shift": {"mean": 1.93, "sd": 1.17},
        "standardised_mean_difference": -0.23,
    },
}
LEAK = "feature 'casual' alone predicts the target 'cnt' almost perfectly on validation"


def _text(blocks: object) -> str:
    return repr(blocks).replace("\\'", "'")


def _regression_run(root: Path, *, profile: bool, leak: bool, perfect: bool) -> Path:
    run = make_run_dir(root, task_type="regression")
    task = json.loads((run / "task.json").read_text())
    if profile:
        task["shift_profile"] = PROFILE
    if leak:
        task["warnings"] = [LEAK]
    (run / "task.json").write_text(json.dumps(task))
    if perfect:
        s = pd.read_csv(run / "summary.csv")
        hit = (s["split"] == "val") & (s["metric"] == "r2") & (s["family"] == "gbdt")
        s.loc[hit, "mean"] = 0.9965
        s.to_csv(run / "summary.csv", index=False)
    return run


def test_shift_size_and_warnings_where_they_apply(tmp_path: Path) -> None:
    run = load_run(_regression_run(tmp_path, profile=True, leak=True, perfect=True))
    data = _text(TabularReport().data_blocks(run, 0))
    assert "domain classifier" in data and "ROC-AUC 0.874 [0.861, 0.887]" in data
    assert "MedInc (61% of its gain)" in data and "AveRooms" not in data
    assert "target mean 2.19 (SD 1.14) on ID test, 1.93 (SD 1.17) on shift" in data
    lim = _text(discussion(run, 0))
    assert "Feature 'casual' alone predicts" in lim
    assert "suspiciously close to perfect" in lim and "0.9965" in lim


def test_no_shift_sentence_and_no_warning_where_nothing_applies(tmp_path: Path) -> None:
    run = load_run(_regression_run(tmp_path, profile=False, leak=False, perfect=False))
    assert "domain classifier" not in _text(TabularReport().data_blocks(run, 0))
    lim = _text(discussion(run, 0))
    assert "suspiciously" not in lim and "alone predicts" not in lim
    assert TabularReport().limitations(run) == []
