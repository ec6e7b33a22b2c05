"""``task.description`` names a user task in every kind that reads it here (tables, texts): the
report's title is its first sentence (when short), the data paragraph the whole text; the
resolved spec.toml of a user file keeps the user's task (no built-in name)."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

import pytest

from archbench.kinds import get_kind
from archbench.kinds.common.describe import TITLE_MAX_CHARS, task_title
from archbench.spec.load import load_spec, spec_from_dict
from archbench.spec.model import spec_to_toml

from .test_files import tabular, text, write

DESCRIPTION = "Loan defaults of 2019, by branch. Records of one bank; the label is rare."


def test_task_title_is_the_first_short_sentence() -> None:
    assert task_title(DESCRIPTION, "f: y") == "Loan defaults of 2019, by branch"
    assert task_title("  Ends without a stop  ", "f: y") == "Ends without a stop"
    assert task_title("v1.2 of the data. More.", "f: y") == "v1.2 of the data"
    assert task_title("", "f: y") == "f: y"
    long = "word " * (TITLE_MAX_CHARS // 5 + 1)
    assert task_title(long + ". Short.", "f: y") == "f: y"


@pytest.mark.parametrize(("kind", "make"), [("tabular", tabular), ("text", text)])
def test_description_gives_title_and_paragraph(kind: str, make: Any, tmp_path: Path) -> None:
    frame, task, _ = make()
    path = write(frame, tmp_path, ".csv")
    plain = get_kind(kind).load(spec_from_dict({"task": {**task, "path": str(path)}}))
    assert plain.title in ("data: y", "data")
    assert DESCRIPTION not in plain.description
    spec = spec_from_dict({"task": {**task, "path": str(path), "description": DESCRIPTION}})
    data = get_kind(kind).load(spec)
    assert data.title == "Loan defaults of 2019, by branch"
    assert data.description == DESCRIPTION


def test_resolved_spec_of_a_user_file_keeps_the_users_task(tmp_path: Path) -> None:
    frame, task, _ = tabular()
    write(frame, tmp_path, ".csv")
    (tmp_path / "s.toml").write_text(
        '[task]\npath = "data.csv"\ntype = "classification"\ntarget = "y"\n'
        f'description = "{DESCRIPTION}"\n'
        '[task.shift]\nkind = "range"\ncolumn = "year"\nmin = 2020\n'
    )
    spec = load_spec(tmp_path / "s.toml")
    text_ = spec_to_toml(spec)
    resolved = tomllib.loads(text_)["task"]
    assert "name" not in resolved and "flights" not in text_
    assert resolved["target"] == "y" and resolved["description"] == DESCRIPTION
    (tmp_path / "spec.toml").write_text(text_)
    assert load_spec(tmp_path / "spec.toml") == spec
    named = spec_from_dict({"task": {**task, "name": "loans", "path": str(tmp_path / "data.csv")}})
    assert tomllib.loads(spec_to_toml(named))["task"]["name"] == "loans"
    builtin = tomllib.loads(spec_to_toml(spec_from_dict({"task": {"name": "flights"}})))
    assert builtin["task"]["name"] == "flights"
