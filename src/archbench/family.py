"""The model adapter contract shared by every family of every task kind.

An adapter stores keyword-only hyperparameters in its constructor and validates them in
``fit``. ``fit(train, val, info, *, seed)`` trains with early stopping on ``val`` (the same
validation split and selection metric for every family of a task); ``predict`` returns the
kind's prediction array (tables: ``(n,)`` values or ``(n, K)`` class probabilities). ``train``,
``val`` and ``info`` are what the kind's ``prepare`` produced. Fitted state ends in ``_``.
"""

from __future__ import annotations

import abc
from typing import TYPE_CHECKING, Any, ClassVar, Generic, TypeVar

from .errors import ConfigError

if TYPE_CHECKING:
    import numpy as np
    import optuna

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

    @staticmethod
    @abc.abstractmethod
    def search_space(trial: optuna.Trial) -> dict[str, Any]:
        """Draw one configuration from the family's search space."""

    @staticmethod
    def space_description() -> dict[str, str]:
        """Human-readable search space, ``{param: "logU(1e-5, 1e-2)"}``, for the report."""
        return {}

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
