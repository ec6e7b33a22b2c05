"""The report names families that do not beat a reference row on the ID test set.

These runs store no reference tests (stats.json ``references`` is absent), so the sentence
gives point estimates and says they are untested; the tested wording is in
tests/stats/test_deciding.py.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from archbench.report.rundata import load_run
from archbench.report.tables import reference_sentence
from fixtures_report import make_run_dir


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_run_dir(tmp_path_factory.mktemp("refs") / "run")


def _with_references(
    base: Path, tmp: Path, trivial: float, classical: float, shift: float | None = None
) -> Path:
    """The base run with two reference rows on the primary metric (on the shift set the
    classical one scores ``shift`` when given)."""
    run = tmp / "run"
    shutil.copytree(base, run)
    task = json.loads((run / "task.json").read_text())
    primary = load_run(base).primary
    rows = {"majority": ("Majority class", trivial), "tfidf_lr": ("TF-IDF + LR", classical)}
    task["references"] = {
        name: {"label": label, "metrics": {"test": {primary: v}, "shift": {primary: v}}}
        for name, (label, v) in rows.items()
    }
    if shift is not None:
        task["references"]["tfidf_lr"]["metrics"]["shift"][primary] = shift
    (run / "task.json").write_text(json.dumps(task))
    return run


def _intervals(base: Path, split: str = "test") -> dict[str, tuple[float, float]]:
    run = load_run(base)
    rows = {f: run.summary_row(f, split, run.primary) or {} for f in run.families}
    return {f: (float(r["ci_low"]), float(r["ci_high"])) for f, r in rows.items()}


def test_no_sentence_when_every_family_beats_every_reference(base: Path, tmp_path: Path) -> None:
    lows = [lo for s in ("test", "shift") for lo, _ in _intervals(base, s).values()]
    run = load_run(_with_references(base, tmp_path, min(lows) - 0.01, min(lows) - 0.01))
    assert run.higher(run.primary)  # the fixture's primary metric is ROC-AUC
    assert reference_sentence(run) is None


def test_families_inside_or_below_a_reference_are_named(base: Path, tmp_path: Path) -> None:
    run0 = load_run(base)
    assert run0.higher(run0.primary)  # the fixture's primary metric is ROC-AUC
    iv = _intervals(base)
    fams = list(iv)
    _lo, hi = iv[fams[0]]
    above_first = hi  # above the first family's mean, not necessarily the others'
    above_all = max(h for _, h in iv.values()) + 0.05
    run = load_run(_with_references(base, tmp_path, above_first, above_all))
    text = reference_sentence(run)
    assert text is not None and "point estimates only" in text
    first = run.label(fams[0])
    assert f"{first}'s mean (" in text and "the majority class (" in text  # label lower-cased
    assert "TF-IDF + LR (" in text  # an acronym keeps its case
    assert "does not beat" not in text and "is worse than" not in text  # nothing was tested
    for fam in fams:  # every family is below the reference above all intervals
        assert f"{run.label(fam)}'s mean (" in text
    assert "has not reliably learned the task at this budget" in text  # below the weaker one


def test_below_only_the_stronger_reference_does_not_call_it_trivial(
    base: Path, tmp_path: Path
) -> None:
    iv = _intervals(base)
    beaten = min(lo for lo, _ in iv.values()) - 0.05
    above_all = max(h for _, h in iv.values()) + 0.05
    run = load_run(_with_references(base, tmp_path, beaten, above_all))
    text = reference_sentence(run)
    assert text is not None and "is below TF-IDF + LR" in text
    assert "majority class" not in text and "has not reliably learned" not in text


def test_lower_is_better_metrics_turn_the_comparison_round(base: Path, tmp_path: Path) -> None:
    """For an error metric (MASE, RMSE) a reference under every interval beats every family."""
    iv = _intervals(base)
    under_all = min(lo for lo, _ in iv.values()) - 0.05
    over_all = max(h for _, h in iv.values()) + 0.05
    path = _with_references(base, tmp_path, over_all, under_all)
    meta = json.loads((path / "run.json").read_text())
    meta["higher_is_better"] = {
        **(meta.get("higher_is_better") or {}),
        load_run(base).primary: False,
    }
    (path / "run.json").write_text(json.dumps(meta))
    run = load_run(path)
    assert not run.higher(run.primary)
    text = reference_sentence(run)
    assert text is not None and "is above TF-IDF + LR" in text
    assert "majority class" not in text and "has not reliably learned" not in text


def test_a_reference_that_holds_up_under_shift_is_named_for_the_shift_set(
    base: Path, tmp_path: Path
) -> None:
    lows = [lo for s in ("test", "shift") for lo, _ in _intervals(base, s).values()]
    beaten = min(lows) - 0.05
    above_shift = max(h for _, h in _intervals(base, "shift").values()) + 0.02
    run = load_run(_with_references(base, tmp_path, beaten, beaten, shift=above_shift))
    text = reference_sentence(run)
    assert text is not None
    assert "on the ID test set" not in text and "on the shift set: " in text
    assert "is below TF-IDF + LR" in text and "has not reliably learned" not in text
