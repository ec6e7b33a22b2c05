"""Capabilities are declared on the Kind (defaults off) and the spine reads only them."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from archbench.errors import ConfigError
from archbench.kinds import all_kinds, get_kind, register_kind, unregister_kind
from archbench.kinds.base import Kind
from archbench.spec.load import spec_from_dict
from archbench.spec.suite import builtin_suite_tasks, suite_from_dict

from .toy import ToyKind


@pytest.fixture
def toy() -> Iterator[Kind]:
    register_kind(ToyKind())
    try:
        yield get_kind("toy")
    finally:
        unregister_kind("toy")


def test_defaults_are_off() -> None:
    assert Kind.supports_data_bootstrap is False
    assert Kind.reference_zero == () and Kind.suite_tasks == ()
    assert ToyKind.supports_data_bootstrap is False and ToyKind.reference_zero == ()


@pytest.mark.parametrize("kind", all_kinds(), ids=lambda k: k.name)
def test_declarations_match_the_kind(kind: Kind) -> None:
    # The declaration states what the kind implements (this test probes; the spine does not).
    assert kind.supports_data_bootstrap == (type(kind).bootstrap is not Kind.bootstrap)
    assert set(kind.suite_tasks) <= set(kind.builtin_tasks)
    assert kind.reference_zero, f"{kind.name}: built-in kinds have a reference row"


def test_builtin_values() -> None:
    got = {k.name: (k.supports_data_bootstrap, k.reference_zero) for k in all_kinds()}
    assert got == {
        "tabular": (True, ("linear",)),
        "forecasting": (False, ("seasonal_naive", "naive")),
        "text": (True, ("tfidf_logreg",)),
    }
    assert builtin_suite_tasks() == ["california", "flights", "weather", "clothing_reviews"]


def test_data_bootstrap_follows_the_declaration(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(ConfigError, match='not available for forecasting tasks; use "model"'):
        spec_from_dict({"task": {"name": "weather"}, "seeds": {"vary": "model+data"}})
    spec = spec_from_dict({"task": {"name": "california"}, "seeds": {"vary": "model+data"}})
    assert spec.seeds.vary == "model+data"
    tabular = type(get_kind("tabular"))
    monkeypatch.setattr(tabular, "supports_data_bootstrap", False)
    with pytest.raises(ConfigError, match="not available for tabular tasks"):
        spec_from_dict({"task": {"name": "california"}, "seeds": {"vary": "model+data"}})


def test_suite_tasks_choose_the_builtin_suite(toy: Kind, monkeypatch: pytest.MonkeyPatch) -> None:
    assert builtin_suite_tasks()[-1] == "toy_sine", "an undeclared kind brings its first task"
    monkeypatch.setattr(ToyKind, "builtin_tasks", ("toy_sine", "toy_cosine"))
    monkeypatch.setattr(ToyKind, "suite_tasks", ("toy_cosine",))
    assert builtin_suite_tasks()[-1] == "toy_cosine"


def test_reference_zero_gates_reference_normalisation(
    toy: Kind, monkeypatch: pytest.MonkeyPatch
) -> None:
    suite = {"suite": {"tasks": ["weather", "toy_sine"], "normalise": "reference"}}
    with pytest.raises(ConfigError, match=r"task toy_sine \(toy\) has no reference row"):
        suite_from_dict(suite)
    monkeypatch.setattr(ToyKind, "reference_zero", ("mean",))
    assert suite_from_dict(suite).settings.normalise == "reference"
