"""The three family slots: every built-in kind fills them in one order with one cost ranking."""

from __future__ import annotations

import pytest

from archbench.kinds import all_kinds
from archbench.kinds.base import FamilyDecl, Kind
from archbench.kinds.common.families import (
    NEURAL_SETTINGS,
    TREE_SETTINGS,
    one_backend,
    three_slots,
)


def test_slots_set_rank_and_settings_whatever_was_passed() -> None:
    mlp, tr, gb = (FamilyDecl(n, n.upper(), one_backend(n, f"m:{n}"), 7, ()) for n in "abc")
    got = three_slots(mlp, tr, gb)
    assert [f.name for f in got] == ["a", "b", "c"]
    assert [f.cost_rank for f in got] == [1, 0, 2]
    assert [f.settings for f in got] == [NEURAL_SETTINGS, NEURAL_SETTINGS, TREE_SETTINGS]
    assert got[0].display() == "A" and got[0].backend("ignored")[1].target == "m:a"


@pytest.mark.parametrize("kind", all_kinds(), ids=lambda k: k.name)
def test_builtin_kinds_fill_the_slots(kind: Kind) -> None:
    mlp, transformer, gbdt = kind.families
    assert (mlp.name, gbdt.name) == ("mlp", "gbdt")
    assert transformer.cost_rank < mlp.cost_rank < gbdt.cost_rank
    assert gbdt.settings == TREE_SETTINGS and mlp.settings == transformer.settings
