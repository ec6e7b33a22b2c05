"""What the terminal shows after a run: numbers with the digits their spread supports, the
confirmatory verdict, one line per family's shift change and the warnings."""

from __future__ import annotations

import io
import json
import re
from pathlib import Path

import pytest
from rich.console import Console

from archbench.cli.show import mean_pm, print_stats, significant
from fixtures_report import make_run_dir


@pytest.mark.parametrize(
    ("mean", "half", "text"),
    [
        (16175.6970, 165.6320, "16176 ± 166"),
        (0.61672, 0.02331, "0.617 ± 0.023"),
        (0.9276, 0.0042, "0.9276 ± 0.0042"),
        (13.2377, 0.3046, "13.24 ± 0.30"),
        (5.0, 0.0, "5 ± 0"),
    ],
)
def test_mean_pm_fits_the_spread(mean: float, half: float, text: str) -> None:
    assert mean_pm(mean, half) == text


@pytest.mark.parametrize(
    ("x", "text"),
    [(0.922046013, "0.9220"), (16175.697, "16176"), (-0.0123456, "-0.01235"), (0.0, "0")],
)
def test_a_value_without_spread_keeps_four_significant_digits(x: float, text: str) -> None:
    assert significant(x) == text


def test_a_metric_equal_for_every_seed_prints_a_short_number(tmp_path: Path) -> None:
    """A rare label where every seed predicts the majority class: accuracy is the same for
    every seed (no interval). It prints as 0.9220, not 0.922046 (which an 80-column terminal
    folded into '0.9220' and '46')."""
    import pandas as pd

    run_dir = make_run_dir(tmp_path / "r")
    summary = pd.read_csv(run_dir / "summary.csv")
    first = summary.index[0]
    summary.loc[first, ["mean", "ci_low", "ci_high"]] = [0.922046013, float("nan"), float("nan")]
    summary.to_csv(run_dir / "summary.csv", index=False)
    buf = io.StringIO()
    print_stats(Console(file=buf, width=200), run_dir)
    assert "0.9220 (all seeds equal)" in buf.getvalue()


def _printed(run_dir: Path, *, full: bool) -> str:
    buf = io.StringIO()
    print_stats(Console(file=buf, width=100), run_dir, full=full)
    return buf.getvalue()


def test_after_a_run_the_brief_form_and_with_stats_every_verdict(tmp_path: Path) -> None:
    run_dir = make_run_dir(tmp_path / "r")
    task = json.loads((run_dir / "task.json").read_text())
    task["warnings"] = ["feature 'x' alone separates the ID test rows from the shift set"]
    (run_dir / "task.json").write_text(json.dumps(task))
    stats = json.loads((run_dir / "stats.json").read_text())
    n_verdicts = len(stats["verdicts"])
    brief, full = _printed(run_dir, full=False), _printed(run_dir, full=True)
    assert "Confirmatory:" in brief and "Shift (ID test -> shift" in brief
    assert "warning: feature 'x' alone separates" in brief
    assert brief.count("\n- ") == 0 < full.count("\n- ") <= n_verdicts
    assert len(brief.splitlines()) < len(full.splitlines())


def test_an_80_column_terminal_keeps_names_whole_and_wraps_numbers(tmp_path: Path) -> None:
    """A terminal that is not a TTY is 80 columns wide: family and split names are never cut
    ("FT-Transf…"); the number columns wrap instead."""
    run_dir = make_run_dir(tmp_path / "r")
    run = json.loads((run_dir / "run.json").read_text())
    run["family_labels"] = {
        "mlp": "MLP", "ft_transformer": "FT-Transformer", "gbdt": "GBDT (LightGBM) boosted",
    }  # fmt: skip
    (run_dir / "run.json").write_text(json.dumps(run))
    buf = io.StringIO()
    print_stats(Console(file=buf, width=80), run_dir, full=True, comparisons=True)
    out = buf.getvalue()
    assert "\u2026" not in out
    lines = out.splitlines()
    for label in (*run["family_labels"].values(), "validation", "ID test"):
        assert any(f"\u2502 {label} " in ln for ln in lines), label
    assert max(len(ln) for ln in lines) <= 80
    for m in run["metrics"]:  # every mean is still printed, if over two lines
        assert m in out


def test_numbers_are_never_cut_inside_and_no_metric_is_lost(tmp_path: Path) -> None:
    """Seven metric columns of long numbers (r2 = 0.9999153 ± 0.0000034 on a real panel) in
    80 columns: rich folded '0.9999153' into '0.9999' and '153', and cut columns past the
    width. Each number stays whole; metrics that do not fit go to a continued table."""
    import pandas as pd

    run_dir = make_run_dir(tmp_path / "r")
    summary = pd.read_csv(run_dir / "summary.csv")
    summary["mean"], summary["ci_low"], summary["ci_high"] = 0.9999153, 0.9999119, 0.9999187
    extra = [summary.assign(metric=f"metric_{k}") for k in range(4)]
    summary = pd.concat([summary, *extra], ignore_index=True)
    summary.to_csv(run_dir / "summary.csv", index=False)
    run = json.loads((run_dir / "run.json").read_text())
    run["metrics"] = [*run["metrics"], *(f"metric_{k}" for k in range(4))]
    run["higher_is_better"].update({f"metric_{k}": True for k in range(4)})
    (run_dir / "run.json").write_text(json.dumps(run))
    buf = io.StringIO()
    print_stats(Console(file=buf, width=80), run_dir)
    out = buf.getvalue()
    assert max(len(ln) for ln in out.splitlines()) <= 80
    cells = "\n".join(ln for ln in out.splitlines() if ln.startswith("\u2502"))
    n_cells = len(run["metrics"]) * 3 * len(run["families"])
    assert cells.count("0.9999153") == n_cells  # whole, in every cell of every metric
    assert "0.9999\u2009" not in cells and not re.search(r"\b0\.9999\s*\u2502", cells)
    for m in run["metrics"]:
        assert m in out
    assert "(continued)" in out
