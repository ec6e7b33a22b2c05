"""The text kind's small methods: metric sets, prediction frames and their way back."""

from __future__ import annotations

import numpy as np
import pytest

from archbench.errors import ConfigError
from archbench.kinds import get_kind, kind_for
from archbench.kinds.text.data import TextPart


def test_registered_and_found() -> None:
    kind = get_kind("text")
    assert kind_for("text_classification") is kind
    assert kind_for("", "clothing_reviews") is kind
    assert kind.family_names == ("mlp", "encoder", "gbdt")


def test_metric_sets() -> None:
    kind = get_kind("text")
    assert kind.metric_set(2).names == ("roc_auc", "accuracy", "macro_f1", "log_loss")
    assert kind.metric_set(5).primary.name == "macro_f1"
    assert kind.metric_set(2, ["log_loss"]).names == ("roc_auc", "log_loss")
    with pytest.raises(ConfigError, match="'roc_auc' does not apply to a task with 3 classes"):
        kind.metric_set(3, ["roc_auc"])
    assert kind.metric("accuracy").count_test and kind.metric("log_loss").error


@pytest.mark.parametrize("k", [2, 4])
def test_prediction_frame_round_trip(k: int) -> None:
    kind = get_kind("text")
    rng = np.random.default_rng(0)
    part = TextPart(
        np.array([f"t{i}" for i in range(30)], dtype=object),
        rng.integers(0, k, 30),
        "test",
        np.arange(100, 130),
    )
    preds = rng.dirichlet(np.ones(k), size=(3, 30))
    frames = [kind.prediction_frame("test", part, preds[s]) for s in range(3)]
    assert list(frames[0].columns[:4]) == ["split", "row_id", "y_true", "y_pred"]
    ids, y, back = kind.unit_arrays(frames, {})
    assert np.array_equal(ids, part.row_id) and np.array_equal(y, part.y)
    assert np.array_equal(back, preds)
    sub = kind.subsample(part, 10, 0, None)
    assert len(sub) == 10 and set(sub.row_id) <= set(part.row_id)


def test_bootstrap_keeps_class_counts() -> None:
    kind = get_kind("text")
    y = np.array([0] * 20 + [1] * 10)
    part = TextPart(np.array([f"t{i}" for i in range(30)], dtype=object), y)
    a, b = kind.bootstrap(part, 3, None), kind.bootstrap(part, 3, None)
    assert np.array_equal(a.row_id, b.row_id) and len(a) == 30
    assert np.bincount(a.y).tolist() == [20, 10]
    assert len(set(a.row_id)) < 30  # drawn with replacement
    assert not np.array_equal(a.row_id, kind.bootstrap(part, 4, None).row_id)
