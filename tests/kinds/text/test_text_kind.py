"""The shipped Kind contract over the text kind, on a tiny slice of the built-in reviews."""

from __future__ import annotations

from typing import Any

import pytest

from archbench.kinds import get_kind
from archbench.kinds.base import Kind
from archbench.testing import KindContract

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

    def test_report_parts_at_every_compaction(self, run_dir: Any) -> None:
        from archbench.kinds.text.report import TextReport
        from archbench.report.document import Paragraph, Table, plain_text
        from archbench.report.rundata import load_run

        run = load_run(run_dir)
        for compact in range(4):
            blocks = TextReport().data_blocks(run, compact)
            text = " ".join(plain_text(b.spans) for b in blocks if isinstance(b, Paragraph))
            assert "unseen in train" in text and "over-represented in the shift set" in text
            assert "Title + Review Text" in text and "licence CC0" in text
            has_table = any(isinstance(b, Table) for b in blocks)
            assert has_table == (compact < 2)
            assert has_table or "TF-IDF + logistic regression" in text
