"""Every built-in kind's presets resolve to what they resolved to when they were sized.

``presets_golden.json`` holds each kind's ``presets(name)`` for every preset, key order
included (the spec merges them in that order). A change to a preset's numbers is a change to
the documented costs (docs/benchmarks.md): update the golden file in the same commit, on
purpose. Refactors of how the presets are written must leave it untouched.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from archbench.kinds import all_kinds
from archbench.kinds.base import Kind
from archbench.kinds.common.presets import Sizes, build_presets
from archbench.spec.model import PRESETS

GOLDEN: dict[str, dict[str, Any]] = json.loads(
    (Path(__file__).parent / "presets_golden.json").read_text()
)


@pytest.mark.parametrize("kind", all_kinds(), ids=lambda k: k.name)
@pytest.mark.parametrize("name", PRESETS)
def test_preset_is_unchanged(kind: Kind, name: str) -> None:
    got = kind.presets(name)
    assert json.dumps(got) == json.dumps(GOLDEN[kind.name][name])


@pytest.mark.parametrize("kind", all_kinds(), ids=lambda k: k.name)
def test_presets_are_copies(kind: Kind) -> None:
    first = kind.presets("quick")
    first["families"]["gbdt"]["max_rounds"] = -1
    first["split"].clear()
    assert kind.presets("quick") == GOLDEN[kind.name]["quick"]


def test_neural_families_share_one_budget() -> None:
    sizes = {"a": Sizes((10, 5, 6, 7), 2, 1, None, 4, 1, 100, 10), "b": Sizes((0,) * 4, *[1] * 7)}
    built = build_presets(
        ("mlp", "encoder"),
        sizes,
        split={"val_fraction": 0.2},
        neural_extra={"batch_size": 8},
        extra={"a": {"encoder": {"params": {"max_length": 16}}}},
    )
    a = built["a"]
    assert list(a["split"]) == [
        "val_fraction",
        *(f"max_{s}_rows" for s in ("train", "val", "test", "shift")),
    ]
    assert list(a["split"].values()) == [0.2, 10, 5, 6, 7]
    assert a["budget"] == {"trials": 2, "batch": 3, "startup_trials": 1}
    assert built["b"]["budget"]["tune_max_rows"] == 1
    fams = a["families"]
    assert list(fams) == ["mlp", "encoder", "gbdt"]
    assert fams["mlp"] == {"max_epochs": 4, "patience": 1, "batch_size": 8}
    assert fams["encoder"] == {**fams["mlp"], "params": {"max_length": 16}}
    assert fams["gbdt"] == {"max_rounds": 100, "early_stopping_rounds": 10}
    assert "params" not in built["b"]["families"]["encoder"], "extra keys belong to one preset"
    fams["mlp"]["max_epochs"] = 99
    assert fams["encoder"]["max_epochs"] == 4, "families must not share one dict"
