"""The shipped Kind contract over the text kind, on a tiny slice of the built-in reviews."""

from __future__ import annotations

from typing import Any

import pytest

from archbench.kinds import get_kind
from archbench.kinds.base import Kind
from archbench.kinds.contract import KindContract

pytestmark = pytest.mark.slow


class TestTextKind(KindContract):
    @pytest.fixture(scope="class")
    @classmethod
    def kind(cls) -> Kind:
        return get_kind("text")

    @pytest.fixture(scope="class")
    @classmethod
    def spec_dict(cls) -> dict[str, Any]:
        return {
            "preset": "quick",
            "task": {"name": "clothing_reviews"},
            "split": {"max_train_rows": 300, "max_val_rows": 150, "max_test_rows": 150,
                      "max_shift_rows": 150},
            "budget": {"trials": 2, "startup_trials": 1, "tune_max_rows": 0},
            "seeds": {"count": 2},
            "families": {
                "mlp": {"max_epochs": 2, "params": {"max_features": 20000}},
                "encoder": {"max_epochs": 1, "params": {"vocab_size": 500, "max_length": 32}},
                "gbdt": {"max_rounds": 20},
            },
        }  # fmt: skip
