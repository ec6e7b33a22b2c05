"""Search spaces are data: every registered family declares ``space`` and derives the rest.

Runs over every family of every registered kind and every GBDT backend (the classes are
imported without their optional packages: declaring a space needs none).
"""

from __future__ import annotations

import importlib
import warnings
from typing import Any, ClassVar

import optuna
import pytest
from optuna.distributions import (
    BaseDistribution,
    CategoricalDistribution,
    FloatDistribution,
    IntDistribution,
)

from archbench.kinds import all_kinds
from archbench.kinds.family import Model, describe

optuna.logging.set_verbosity(optuna.logging.ERROR)


def _families() -> list[Any]:
    return [
        pytest.param(backend.target, id=f"{kind.name}-{decl.name}{'-' + key if key else ''}")
        for kind in all_kinds()
        for decl in kind.families
        for key, backend in decl.backends.items()
    ]


def _load(target: str) -> type[Model[Any, Any]]:
    module, attr = target.split(":")
    cls = getattr(importlib.import_module(module), attr)
    assert issubclass(cls, Model)
    return cls


def _samplers() -> list[optuna.samplers.BaseSampler]:
    return [
        optuna.samplers.RandomSampler(seed=1),
        optuna.samplers.TPESampler(seed=2, n_startup_trials=3),
    ]


@pytest.mark.parametrize("target", _families())
class TestDeclaredSpace:
    def test_space_is_data_and_not_rewritten(self, target: str) -> None:
        cls = _load(target)
        assert cls.space, "a built-in family declares its search space"
        kinds = (FloatDistribution, IntDistribution, CategoricalDistribution)
        assert all(isinstance(d, kinds) for d in cls.space.values())
        # Neither the sampling nor the report's text is written a second time by hand.
        assert getattr(cls.search_space, "__func__", None) is Model.search_space.__func__
        assert cls.space_description.__func__ is Model.space_description.__func__

    def test_search_space_samples_exactly_the_declared_distributions(self, target: str) -> None:
        cls = _load(target)
        for sampler in _samplers():
            study = optuna.create_study(sampler=sampler)
            for i in range(6):
                trial = study.ask()
                drawn = cls.search_space(trial)
                assert list(trial.distributions.items()) == list(cls.space.items())
                assert drawn == cls.tie(dict(trial.params))
                assert {k: drawn[k] for k in cls.space} == trial.params
                assert list(drawn) == list(cls.default_params()), "keys in the defaults' order"
                study.tell(trial, float(i % 3))

    def test_defaults_lie_in_the_space(self, target: str) -> None:
        cls = _load(target)
        defaults = cls.default_params()
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # FixedTrial warns for a value outside its range
            fixed = optuna.trial.FixedTrial({k: defaults[k] for k in cls.space})
            assert cls.search_space(fixed) == defaults  # type: ignore[arg-type]

    def test_description_derives_from_the_space(self, target: str) -> None:
        cls = _load(target)
        desc = cls.space_description()
        order = list(cls.default_params())
        tuned = sorted(cls.space, key=order.index)
        extra = [k for k in cls.space_notes if k not in cls.space]
        assert list(desc) == tuned + extra
        for key in tuned:
            assert desc[key].startswith(describe(cls.space[key]))
            assert desc[key].endswith(cls.space_notes.get(key, ""))
        for key in extra:
            assert desc[key] == cls.space_notes[key]


class _Handwritten(Model[Any, Any]):
    """A family whose space covers every kind of distribution, with a derived key."""

    family: ClassVar[str] = "probe"
    space: ClassVar[dict[str, BaseDistribution]] = {
        "width": CategoricalDistribution([16, 24]),
        "n_blocks": IntDistribution(1, 4),
        "d_block": IntDistribution(32, 512, log=True),
        "d_token": IntDistribution(32, 128, step=8),
        "dropout": FloatDistribution(0.0, 0.5),
        "lr": FloatDistribution(1e-5, 1e-2, log=True),
        "scale": FloatDistribution(0.0, 1.0, step=0.25),
        "flag": CategoricalDistribution([True, False]),
    }

    @staticmethod
    def tie(params: dict[str, Any]) -> dict[str, Any]:
        return {**params, "half": params["width"] // 2}

    @staticmethod
    def by_hand(trial: optuna.Trial) -> dict[str, Any]:
        width = trial.suggest_categorical("width", [16, 24])
        return {
            "width": width,
            "n_blocks": trial.suggest_int("n_blocks", 1, 4),
            "d_block": trial.suggest_int("d_block", 32, 512, log=True),
            "d_token": trial.suggest_int("d_token", 32, 128, step=8),
            "dropout": trial.suggest_float("dropout", 0.0, 0.5),
            "lr": trial.suggest_float("lr", 1e-5, 1e-2, log=True),
            "scale": trial.suggest_float("scale", 0.0, 1.0, step=0.25),
            "flag": trial.suggest_categorical("flag", [True, False]),
            "half": width // 2,
        }

    @staticmethod
    def default_params() -> dict[str, Any]:
        return {}

    def fit(self, train: Any, val: Any, info: Any, *, seed: int) -> _Handwritten:
        return self

    def predict(self, data: Any) -> Any:
        return data


@pytest.mark.parametrize("multivariate", [False, True])
def test_declared_space_draws_what_the_handwritten_calls_drew(multivariate: bool) -> None:
    """Same sampler seed and the same objective: the trial sequences are identical."""

    def run(space: Any) -> list[dict[str, Any]]:
        sampler = optuna.samplers.TPESampler(seed=5, n_startup_trials=4, multivariate=multivariate)
        study = optuna.create_study(sampler=sampler)
        out = []
        for _ in range(16):
            trial = study.ask()
            params = space(trial)
            study.tell(trial, params["lr"] * params["n_blocks"] + params["dropout"])
            out.append(params)
        return out

    declared, by_hand = run(_Handwritten.search_space), run(_Handwritten.by_hand)
    assert declared == by_hand
    assert [list(p) for p in declared] == [list(p) for p in by_hand]
    assert len({p["lr"] for p in declared}) == 16  # the sequence does explore


@pytest.mark.parametrize(
    ("dist", "text"),
    [
        (FloatDistribution(0.01, 0.3, log=True), "logU(0.01, 0.3)"),
        (FloatDistribution(1e-5, 1e-2, log=True), "logU(1e-5, 1e-2)"),
        (FloatDistribution(1e-8, 10.0, log=True), "logU(1e-8, 10)"),
        (FloatDistribution(1e-8, 1e5, log=True), "logU(1e-8, 1e5)"),
        (FloatDistribution(3e-4, 3e-3, log=True), "logU(3e-4, 3e-3)"),
        (FloatDistribution(0.0, 0.5), "U(0, 0.5)"),
        (FloatDistribution(0.0, 1.0, step=0.25), "U(0, 1), step 0.25"),
        (IntDistribution(1, 4), "int 1-4"),
        (IntDistribution(4, 256, log=True), "int logU(4, 256)"),
        (IntDistribution(32, 128, step=8), "int 32-128, step 8"),
        (CategoricalDistribution([20_000, 50_000, 1500]), "{20k, 50k, 1500}"),
        (CategoricalDistribution([True, False]), "{True, False}"),
        (CategoricalDistribution(["l2", "l1"]), "{l2, l1}"),
    ],
)
def test_describe(dist: BaseDistribution, text: str) -> None:
    assert describe(dist) == text


def test_notes_join_the_derived_text() -> None:
    class Noted(_Handwritten):
        space_notes: ClassVar[dict[str, str]] = {
            "n_blocks": "(paper: 1-8)",
            "width": ", stride half",
            "optimizer": "AdamW",
        }

        @staticmethod
        def default_params() -> dict[str, Any]:
            return {"n_blocks": 2, "width": 16}

    desc = Noted.space_description()
    assert desc["n_blocks"] == "int 1-4 (paper: 1-8)"
    assert desc["width"] == "{16, 24}, stride half"
    # default_params' order first, then the rest of the space, then untuned notes
    assert list(desc)[:2] == ["n_blocks", "width"] and list(desc)[-1] == "optimizer"
    assert desc["optimizer"] == "AdamW"
