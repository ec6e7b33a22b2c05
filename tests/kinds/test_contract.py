"""The shipped Kind contract over the tabular kind and over a toy kind defined in the tests."""

from __future__ import annotations

from typing import Any

import pytest

from archbench.kinds import get_kind, kind_of
from archbench.kinds.base import AnyKind
from archbench.testing import KindContract

from .toy import ToyKind

pytestmark = pytest.mark.slow


class TestTabularKind(KindContract):
    @pytest.fixture(scope="class")
    @classmethod
    def kind(cls) -> AnyKind:
        return get_kind("tabular")

    @pytest.fixture(scope="class")
    @classmethod
    def spec_dict(cls) -> dict[str, Any]:
        return {
            "preset": "quick",
            "task": {"name": "california"},
            "split": {"max_train_rows": 400, "max_val_rows": 200, "max_test_rows": 200,
                      "max_shift_rows": 200},
            "budget": {"trials": 2, "startup_trials": 1},
            "seeds": {"count": 2},
            "families": {"mlp": {"max_epochs": 2}, "ft_transformer": {"max_epochs": 1},
                         "gbdt": {"max_rounds": 20}},
        }  # fmt: skip


class TestToyKind(KindContract):
    @pytest.fixture(scope="class")
    @classmethod
    def kind(cls) -> AnyKind:
        return ToyKind()

    @pytest.fixture(scope="class")
    @classmethod
    def spec_dict(cls) -> dict[str, Any]:
        return {"task": {"name": "toy_sine"}, "seeds": {"count": 3}}


def test_the_toy_kind_is_found_by_its_task_type() -> None:
    from archbench.kinds import register_kind
    from archbench.spec.load import spec_from_dict

    register_kind(ToyKind(), replace=True)
    spec = spec_from_dict({"task": {"name": "toy_sine"}})
    assert kind_of(spec).name == "toy"
    assert spec.families.names == ("constant", "ridge", "knn")
