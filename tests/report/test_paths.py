"""The reproducibility line names the spec and run directory as the user gave them (relative
where relative, never an absolute path), and the last compaction levels shorten only the
report's copy of the user's words."""

from __future__ import annotations

from pathlib import Path

import pytest

from archbench.report.clip import ELLIPSIS, clip_text, clipped_run
from archbench.report.design import command_as_given
from archbench.report.rundata import load_run
from fixtures_report import make_run_dir


@pytest.mark.parametrize(
    ("command", "expected"),
    [
        ("archbench run --task flights --preset quick --out /tmp/me/x", "--out x"),
        ("archbench run --spec /home/me/x/my.toml --out runs/a", "--spec my.toml --out runs/a"),
        ("archbench run --spec specs/my.toml --out=/srv/runs/a", "--spec specs/my.toml --out=x"),
        ("archbench run --spec ~/my.toml", "--spec my.toml"),
        ("archbench run --spec '/data/my spec.toml'", "--spec 'my spec.toml'"),
    ],
)
def test_command_names_paths_as_given(command: str, expected: str) -> None:
    said = command_as_given(command, "x")
    assert said.endswith(expected) and said.startswith("archbench run")
    assert "/home" not in said and "/tmp" not in said and "/srv" not in said and "~" not in said


def test_command_clip_shortens_long_arguments_only_when_asked() -> None:
    long = "a-spec-file-with-a-long-name-" * 4 + ".toml"
    cmd = f"archbench run --spec {long} --workers 2"
    assert command_as_given(cmd, "x") == cmd
    clipped = command_as_given(cmd, "x", clip=True)
    assert ELLIPSIS in clipped and clipped.endswith("--workers 2") and ".toml" in clipped
    assert "'" not in clipped  # the ellipsis is not quoted
    assert command_as_given("archbench run --spec 'unclosed", "x") == ""


def test_clipped_run_shortens_words_not_the_run(tmp_path: Path) -> None:
    run = load_run(make_run_dir(tmp_path / "run"))
    run.task["title"] = "A title " * 20
    run.task["description"] = "A sentence about the data. " * 30
    run.task["features"]["numeric"] = ["a_feature_with_a_very_long_name_" * 2, "x"]
    short = clipped_run(run)
    assert len(short.task["title"]) <= 70 and short.task["title"].endswith(ELLIPSIS)
    assert len(short.task["description"]) <= 240
    assert short.task["features"]["numeric"][1] == "x"
    assert len(short.task["features"]["numeric"][0]) <= 24
    assert run.task["title"] == "A title " * 20  # the loaded run is not changed
    assert short.root == run.root and short.stats is run.stats
    assert clip_text("short", 10) == "short"
