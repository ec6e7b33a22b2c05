"""The Kind base's shared parts: presets and spec templates from declared tables, the typed
model lookup, and the prediction frames tables and text share (``kinds/common/labelframes``)."""

from __future__ import annotations

from typing import ClassVar

import numpy as np
import pandas as pd
import pytest

from archbench.errors import ConfigError
from archbench.kinds import get_kind
from archbench.kinds.base import Kind
from archbench.kinds.common import labelframes

from .toy import ToyKind


class _Declared(ToyKind):
    """The toy kind with its presets and templates declared as tables instead of methods."""

    init_words: ClassVar[tuple[str, ...]] = ("points",)
    preset_table: ClassVar[str] = f"{__name__}:PRESETS"
    spec_templates: ClassVar[str] = f"{__name__}:template"
    presets = Kind.presets  # the base's, which reads preset_table


PRESETS = {"quick": {"budget": {"trials": 2}}}


def template(variant: str) -> str:
    return f"# a spec for {variant}\n"


def test_presets_come_from_the_declared_table_as_a_copy() -> None:
    quick = _Declared().presets("quick")
    assert quick == {"budget": {"trials": 2}}
    quick["budget"]["trials"] = 99
    assert PRESETS["quick"]["budget"]["trials"] == 2


def test_presets_without_a_table_name_the_fix() -> None:
    with pytest.raises(ConfigError, match="toy kind has no presets: set its preset_table"):
        Kind.presets(ToyKind(), "quick")  # the base's, which the toy overrides


def test_init_template_answers_its_words_and_builtins_only() -> None:
    kind = _Declared()
    assert kind.init_template("points") == "# a spec for points\n"
    assert kind.init_template("toy_sine") == "# a spec for toy_sine\n"
    assert kind.init_template("csv") is None
    assert ToyKind().init_template("toy_sine") is None  # no spec_templates declared


@pytest.mark.parametrize("name", ["tabular", "forecasting", "text"])
def test_builtin_presets_and_templates_are_declared(name: str) -> None:
    kind = get_kind(name)
    for preset in ("quick", "default", "thorough"):
        assert kind.presets(preset) is not kind.presets(preset)
    text = kind.init_template(kind.builtin_tasks[0])
    assert text and kind.builtin_tasks[0] in text
    assert kind.init_template("no-such-word") is None


def test_model_is_the_declared_class() -> None:
    cls = ToyKind().model("knn")
    assert cls.__name__ == "KNNModel" and cls.family == "knn"
    with pytest.raises(ConfigError, match="unknown model family 'svm'"):
        ToyKind().model("svm")


@pytest.mark.parametrize("classes", [0, 3])
def test_label_frames_give_back_what_was_stored(classes: int) -> None:
    rng = np.random.default_rng(0)
    n, ids = 7, np.arange(10, 17)
    y = rng.integers(0, max(classes, 1), n).astype(np.int64)
    preds = [rng.dirichlet(np.ones(classes), n) if classes else rng.normal(size=n)
             for _ in range(2)]  # fmt: skip
    frames = [labelframes.prediction_frame("test", ids, y, p) for p in preds]
    assert list(frames[0].columns[:4]) == ["split", "row_id", "y_true", "y_pred"]
    got_ids, got_y, got = labelframes.unit_arrays(
        frames, probabilities=classes > 0, labels=classes > 0
    )
    np.testing.assert_array_equal(got_ids, ids)
    np.testing.assert_array_equal(got_y, y)
    np.testing.assert_array_equal(got, np.stack(preds))
    if classes:
        assert got_y.dtype == np.int64
        np.testing.assert_array_equal(frames[0]["y_pred"], preds[0].argmax(axis=1))


def test_label_frames_refuse_seeds_over_other_units() -> None:
    a = labelframes.prediction_frame("val", np.arange(3), np.zeros(3), np.zeros(3))
    b = a.assign(row_id=[0, 1, 5])
    with pytest.raises(ValueError, match="differ in texts or labels"):
        labelframes.unit_arrays([a, b], probabilities=False, what="texts or labels")
    with pytest.raises(ValueError, match="no probability columns"):
        labelframes.unit_arrays([pd.DataFrame(a)], probabilities=True)
