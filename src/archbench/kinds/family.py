"""The model adapter contract shared by every family of every task kind.

An adapter stores keyword-only hyperparameters in its constructor and validates them in
``fit``. ``fit(train, val, info, *, seed)`` trains with early stopping on ``val`` (the same
validation split and selection metric for every family of a task); ``predict`` returns the
kind's prediction array (tables: ``(n,)`` values or ``(n, K)`` class probabilities). ``train``,
``val`` and ``info`` are what the kind's ``prepare`` produced. Fitted state ends in ``_``.

The search space is data, written once: ``space`` holds optuna distributions in the order the
sampler draws them; ``search_space(trial)`` (one ``trial.suggest_*`` per entry, then the ``tie``
hook for derived keys) and ``space_description()`` (the report's text, with ``space_notes``)
both derive from it.
"""

from __future__ import annotations

import abc
from typing import TYPE_CHECKING, Any, ClassVar, Generic, TypeVar

from archbench.errors import ConfigError

if TYPE_CHECKING:
    import numpy as np
    import optuna
    from optuna.distributions import BaseDistribution

#: Fixed settings that bound one training: the cap, its early stopping and the batch size.
BUDGET_KEYS = ("max_epochs", "patience", "batch_size", "max_rounds", "early_stopping_rounds")

PartT = TypeVar("PartT")
InfoT = TypeVar("InfoT")


def resolve_device(device: str = "auto") -> str:
    """``"auto"`` -> ``"cuda"`` when a GPU is visible, else ``"cpu"``."""
    if device != "auto":
        return device
    import torch

    return "cuda" if torch.cuda.is_available() else "cpu"


def suggest(trial: optuna.Trial, name: str, dist: BaseDistribution) -> Any:
    """``trial.suggest_*(name, ...)`` with the bounds, step and log flag of ``dist``."""
    from optuna.distributions import (
        CategoricalDistribution,
        FloatDistribution,
        IntDistribution,
    )

    if isinstance(dist, FloatDistribution):
        return trial.suggest_float(name, dist.low, dist.high, step=dist.step, log=dist.log)
    if isinstance(dist, IntDistribution):
        return trial.suggest_int(name, dist.low, dist.high, step=dist.step, log=dist.log)
    if isinstance(dist, CategoricalDistribution):
        return trial.suggest_categorical(name, list(dist.choices))
    raise TypeError(f"{name}: unsupported distribution {dist!r}")


def _number(x: float, *, powers: bool = False) -> str:
    """``0.3``, ``10``; ``1e-8``, ``3e-3``, ``1e5``: powers of ten below 0.01 (below 1 with
    ``powers``) and from 100."""
    if x == 0 or (1 if powers else 0.01) <= abs(x) < 100:
        return f"{x:g}"
    mantissa, exponent = f"{x:.12e}".split("e")
    return f"{mantissa.rstrip('0').rstrip('.')}e{int(exponent)}"


def _choice(c: Any) -> str:
    if isinstance(c, int) and not isinstance(c, bool) and c >= 1000 and c % 1000 == 0:
        return f"{c // 1000}k"
    return str(c)


def describe(dist: BaseDistribution) -> str:
    """The report's text for a distribution: ``U(0, 0.5)``, ``logU(1e-5, 1e-2)``,
    ``int 1-4``, ``int logU(32, 512)``, ``int 32-128, step 8``, ``{16, 32, 64}``.

    A range whose lower bound is a power of ten writes its other bounds below 1 that way too.
    """
    from optuna.distributions import CategoricalDistribution, FloatDistribution, IntDistribution

    if isinstance(dist, CategoricalDistribution):
        return "{" + ", ".join(_choice(c) for c in dist.choices) + "}"
    if isinstance(dist, IntDistribution):
        text = f"int logU({dist.low}, {dist.high})" if dist.log else f"int {dist.low}-{dist.high}"
        return text + (f", step {dist.step}" if dist.step != 1 else "")
    if isinstance(dist, FloatDistribution):
        powers = 0 < abs(dist.low) < 0.01
        lo, hi = _number(dist.low), _number(dist.high, powers=powers)
        text = f"{'logU' if dist.log else 'U'}({lo}, {hi})"
        return text + (f", step {_number(dist.step)}" if dist.step is not None else "")
    raise TypeError(f"unsupported distribution {dist!r}")


def _with_note(text: str, note: str) -> str:
    if not note:
        return text
    return text + note if note.startswith(",") else f"{text} {note}"


class Model(abc.ABC, Generic[PartT, InfoT]):
    """A model family adapter."""

    family: ClassVar[str]
    #: Settings that are fixed by the spec, not tuned (epoch cap, patience, batch size, ...).
    fixed_keys: ClassVar[tuple[str, ...]] = ()
    #: Default values of the fixed settings (keys: ``fixed_keys``).
    fixed_defaults: ClassVar[dict[str, Any]] = {}

    def __init__(self, **params: Any) -> None:
        self.params = dict(params)

    @staticmethod
    @abc.abstractmethod
    def default_params() -> dict[str, Any]:
        """The literature's default configuration: the first trial of every study."""

    #: The tuned parameters as optuna distributions, in the order the sampler draws them.
    space: ClassVar[dict[str, BaseDistribution]] = {}
    #: The report's words beside the derived text: for a tuned key, appended to its range
    #: ("(paper: 1-8)"; one starting with "," follows without a space); for any other key, a
    #: line of its own after the tuned ones ("optimizer": "AdamW, ...").
    space_notes: ClassVar[dict[str, str]] = {}

    @classmethod
    def search_space(cls, trial: optuna.Trial) -> dict[str, Any]:
        """Draw one configuration: ``trial.suggest_*`` for each entry of ``space``, then ``tie``."""
        return cls.tie({name: suggest(trial, name, dist) for name, dist in cls.space.items()})

    @staticmethod
    def tie(params: dict[str, Any]) -> dict[str, Any]:
        """The configuration from the drawn values: keys set from others, their order."""
        return params

    @classmethod
    def space_description(cls) -> dict[str, str]:
        """Human-readable search space, ``{param: "logU(1e-5, 1e-2)"}``, for the report.

        The tuned keys in the order of ``default_params()``, then the notes of untuned keys.
        """
        order = list(cls.default_params())
        tuned = sorted(cls.space, key=lambda k: order.index(k) if k in order else len(order))
        out = {k: _with_note(describe(cls.space[k]), cls.space_notes.get(k, "")) for k in tuned}
        return out | {k: v for k, v in cls.space_notes.items() if k not in cls.space}

    def get_params(self) -> dict[str, Any]:
        return dict(self.params)

    def resolved_params(self) -> dict[str, Any]:
        """Defaults, then fixed-setting defaults, then the constructor's params.

        Raises:
            ConfigError: a parameter that the family does not know, named with the options.
        """
        known = {**self.default_params(), **self.fixed_defaults}
        unknown = sorted(set(self.params) - set(known))
        if unknown:
            raise ConfigError(
                f"{self.family}: unknown parameter {unknown[0]!r}; "
                f"known parameters are: {', '.join(sorted(known))}"
            )
        return {**known, **self.params}

    @abc.abstractmethod
    def fit(self, train: PartT, val: PartT, info: InfoT, *, seed: int) -> Model[PartT, InfoT]:
        """Train with early stopping on ``val``; return self."""

    @abc.abstractmethod
    def predict(self, data: PartT) -> np.ndarray:
        """The kind's prediction array for the units of ``data``."""

    # Filled by fit: the number of epochs/rounds actually used, the best one (1-based) and the
    # validation primary metric after each epoch/round (``history_[best_iter_ - 1]`` is the best).
    n_iter_: int
    best_iter_: int
    history_: list[float]
