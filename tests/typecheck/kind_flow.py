"""Checked by mypy (``make lint``), never run: each kind's types follow ``load -> split ->
prepare -> fit`` through the generic :class:`archbench.kinds.base.Kind`.

``typing.assert_type`` fails mypy when a step's inferred type is not the kind's own, e.g. when a
signature in a kind falls back to ``Any``. ``tests/typecheck/test_kind_flow.py`` checks the
other direction: one kind's splits handed to another kind's ``prepare`` is a mypy error.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, assert_type

import numpy as np
import pandas as pd
from tests.kinds.toy import Points, ToyKind

from archbench.kinds.base import AnyKind, Prepared
from archbench.kinds.family import Model
from archbench.kinds.forecasting.kind import ForecastingKind
from archbench.kinds.tabular.kind import TabularKind
from archbench.kinds.text.kind import TextKind
from archbench.report.kindapi import KindReport

if TYPE_CHECKING:
    from archbench.kinds.forecasting.splits import ForecastInfo, ForecastSplits, Windows
    from archbench.kinds.forecasting.tasks import ForecastTask
    from archbench.kinds.tabular.prepare import FeatureInfo, Matrix
    from archbench.kinds.tabular.splits import Splits
    from archbench.kinds.tabular.tasks.base import TaskData
    from archbench.kinds.text.data import TextData, TextInfo, TextPart
    from archbench.kinds.text.splits import TextSplits
    from archbench.spec.model import Spec


def tabular(spec: Spec) -> None:
    kind = TabularKind()
    data = kind.load(spec)
    assert_type(data, TaskData)
    splits = kind.split(data, spec)
    assert_type(splits, Splits)
    prepared = kind.prepare(data, splits, spec)
    assert_type(prepared, Prepared[Matrix, FeatureInfo])
    train, info = prepared.parts["train"], prepared.info
    assert_type(kind.subsample(train, 100, 0, info), Matrix)
    assert_type(kind.bootstrap(train, 0, info), Matrix)
    model = kind.model("mlp")().fit(train, prepared.parts["val"], info, seed=0)
    assert_type(model, Model[Matrix, FeatureInfo])
    assert_type(kind.prediction_frame("test", train, model.predict(train)), pd.DataFrame)
    assert_type(kind.targets(train), np.ndarray)
    assert_type(kind.report(), KindReport)


def forecasting(spec: Spec) -> None:
    kind = ForecastingKind()
    data = kind.load(spec)
    assert_type(data, ForecastTask)
    splits = kind.split(data, spec)
    assert_type(splits, ForecastSplits)
    prepared = kind.prepare(data, splits, spec)
    assert_type(prepared, Prepared[Windows, ForecastInfo])
    train, info = prepared.parts["train"], prepared.info
    assert_type(kind.subsample(train, 100, 0, info), Windows)
    model = kind.model("patchtst")().fit(train, prepared.parts["val"], info, seed=0)
    assert_type(model, Model[Windows, ForecastInfo])
    assert_type(kind.store_tables(pd.DataFrame(), prepared), dict[str, pd.DataFrame])
    assert_type(kind.report(), KindReport)


def text(spec: Spec) -> None:
    kind = TextKind()
    data = kind.load(spec)
    assert_type(data, TextData)
    splits = kind.split(data, spec)
    assert_type(splits, TextSplits)
    prepared = kind.prepare(data, splits, spec)
    assert_type(prepared, Prepared[TextPart, TextInfo])
    train, info = prepared.parts["train"], prepared.info
    assert_type(kind.subsample(train, 100, 0, info), TextPart)
    assert_type(kind.bootstrap(train, 0, info), TextPart)
    model = kind.model("encoder")().fit(train, prepared.parts["val"], info, seed=0)
    assert_type(model, Model[TextPart, TextInfo])
    assert_type(kind.report(), KindReport)


def toy(spec: Spec) -> None:
    """The plug-in kind of the tests declares its types the same way."""
    kind = ToyKind()
    data = kind.load(spec)
    assert_type(data, pd.DataFrame)
    splits = kind.split(data, spec)
    assert_type(splits, dict[str, np.ndarray])
    prepared = kind.prepare(data, splits, spec)
    assert_type(prepared, Prepared[Points, None])
    model = kind.model("knn")().fit(prepared.parts["train"], prepared.parts["val"], None, seed=0)
    assert_type(model, Model[Points, None])


def spine(kind: AnyKind, spec: Spec) -> None:
    """The spine holds any kind: its steps are open (``Any``), never refused."""
    prepared = kind.prepare(kind.load(spec), kind.split(kind.load(spec), spec), spec)
    assert_type(prepared, Prepared[Any, Any])
