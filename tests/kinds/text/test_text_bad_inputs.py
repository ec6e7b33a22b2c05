"""Bad input for text tasks through the CLI: exit code 2, one line on stderr, no run directory."""

from __future__ import annotations

import copy
import json
import logging
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

import archbench.cli as cli
from archbench.spec.load import merge_dicts

from .conftest import make_reviews

BASE: dict[str, Any] = {
    "task": {
        "type": "text_classification",
        "path": "reviews.csv",
        "text": ["title", "body"],
        "target": "label",
        "shift": {"kind": "groups", "column": "dept", "values": ["coats"]},
    },
    "split": {"max_train_rows": 200},
    "budget": {"trials": 1, "batch": 1, "startup_trials": 1},
    "seeds": {"count": 2},
    "report": {"enabled": False},
}


def _toml(d: dict[str, Any], prefix: str = "") -> str:
    scalars = {k: v for k, v in d.items() if not isinstance(v, dict) or k == "params"}
    out = f"[{prefix}]\n" if prefix and scalars else ""
    for k, v in scalars.items():
        val = (
            "{ " + ", ".join(f"{a} = {json.dumps(b)}" for a, b in v.items()) + " }"
            if isinstance(v, dict)
            else json.dumps(v)
        )
        out += f"{k} = {val}\n"
    for k, v in d.items():
        if isinstance(v, dict) and k != "params":
            out += _toml(v, f"{prefix}.{k}" if prefix else k)
    return out


Case = Callable[[Path], tuple[dict[str, Any], tuple[str, ...]]]
CASES: dict[str, Case] = {}


def case(name: str) -> Callable[[Case], Case]:
    def add(f: Case) -> Case:
        CASES[name] = f
        return f

    return add


def _csv(root: Path, df: pd.DataFrame | None = None) -> None:
    (df if df is not None else make_reviews()).to_csv(root / "reviews.csv", index=False)


@case("missing text column")
def _(root: Path) -> tuple[dict[str, Any], tuple[str, ...]]:
    _csv(root)
    return {"task": {"text": "review"}}, ("task.text column 'review'", "not a column")


@case("text column of numbers")
def _(root: Path) -> tuple[dict[str, Any], tuple[str, ...]]:
    _csv(root)
    return {"task": {"text": "length"}}, ("'length'", "holds only numbers")


@case("too many empty texts")
def _(root: Path) -> tuple[dict[str, Any], tuple[str, ...]]:
    df = make_reviews()
    df.loc[:60, ["title", "body"]] = "   "
    _csv(root, df)
    return {}, ("61 of 400 labelled rows", "empty or whitespace-only", "max_empty_fraction")


@case("invalid utf-8")
def _(root: Path) -> tuple[dict[str, Any], tuple[str, ...]]:
    _csv(root)
    p = root / "reviews.csv"
    p.write_bytes(p.read_bytes() + b"coats bad,caf\xe9,coats,3,c1\n")
    return {}, ("is not valid UTF-8", "line 402")


@case("pretrained path missing")
def _(root: Path) -> tuple[dict[str, Any], tuple[str, ...]]:
    _csv(root)
    fam = {"encoder": {"params": {"pretrained": str(root / "ckpt")}}}
    return {"families": fam}, ("pretrained =", "does not exist")


@case("pretrained directory without a model")
def _(root: Path) -> tuple[dict[str, Any], tuple[str, ...]]:
    _csv(root)
    (root / "ckpt").mkdir()
    fam = {"encoder": {"params": {"pretrained": str(root / "ckpt")}}}
    return {"families": fam}, ("holds no model", "save_pretrained")


@case("pretrained hub name offline")
def _(root: Path) -> tuple[dict[str, Any], tuple[str, ...]]:
    pytest.importorskip("transformers")
    _csv(root)
    fam = {"encoder": {"params": {"pretrained": "bert-base-uncased"}}}
    return {"families": fam}, ("'bert-base-uncased'", "never downloads")


@case("one class in the ID pool")
def _(root: Path) -> tuple[dict[str, Any], tuple[str, ...]]:
    df = make_reviews()
    df.loc[df.dept == "tops", "label"] = "c1"
    _csv(root, df)
    return {}, ("one class", "ID pool")


@case("groups rule naming no category")
def _(root: Path) -> tuple[dict[str, Any], tuple[str, ...]]:
    _csv(root)
    shift = {"kind": "groups", "column": "dept", "values": ["jackets"]}
    return {"task": {"shift": shift}}, ("'jackets' never occurs in column 'dept'",)


@case("absurd max_length")
def _(root: Path) -> tuple[dict[str, Any], tuple[str, ...]]:
    _csv(root)
    return {"families": {"encoder": {"params": {"max_length": 100000}}}}, (
        "max_length = 100000",
        "out of range",
    )


@case("empty training split after caps")
def _(root: Path) -> tuple[dict[str, Any], tuple[str, ...]]:
    _csv(root)
    return {"split": {"max_train_rows": 1, "min_rows": 1}}, ("training split holds one class",)


@case("caps below min_rows")
def _(root: Path) -> tuple[dict[str, Any], tuple[str, ...]]:
    _csv(root)
    return {"split": {"max_train_rows": 10}}, ("train split has 10 texts", "min_rows")


@case("text key missing")
def _(root: Path) -> tuple[dict[str, Any], tuple[str, ...]]:
    _csv(root)
    spec = copy.deepcopy(BASE)
    del spec["task"]["text"]
    return {"__replace__": spec}, ("task.text is missing",)


@case("table key on a text task")
def _(root: Path) -> tuple[dict[str, Any], tuple[str, ...]]:
    _csv(root)
    return {"task": {"features": ["body"]}}, ("task.features is a table-task key",)


@pytest.fixture(autouse=True)
def _reset_logging() -> Iterator[None]:
    yield
    logging.getLogger("archbench").handlers.clear()


@pytest.mark.parametrize("name", list(CASES))
def test_refused(name: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    over, needles = CASES[name](tmp_path)
    spec = over.pop("__replace__", None) or merge_dicts(copy.deepcopy(BASE), over)
    (tmp_path / "spec.toml").write_text(_toml(spec), encoding="utf-8")
    out_dir = tmp_path / "run"
    spec_path = str(tmp_path / "spec.toml")
    code = cli.main(["run", "--spec", spec_path, "--out", str(out_dir), "--quiet"])
    err = capsys.readouterr().err.strip()
    assert code == 2, err
    assert len(err.splitlines()) == 1 and "Traceback" not in err, err
    for n in needles:
        assert n in err, f"{n!r} not in {err!r}"
    assert not out_dir.exists() or not any(out_dir.iterdir())
