"""The model adapter contract shared by every family.

An adapter stores keyword-only hyperparameters in its constructor and validates them in
``fit``. ``fit(train, val, info, *, seed)`` trains with early stopping on ``val`` (the same
validation split and selection metric for every family); ``predict`` returns ``(n,)``
predictions in the target's original units for regression and ``(n, K)`` class
probabilities for classification. Fitted state ends in ``_``.
"""

from __future__ import annotations

import abc
from typing import Any, ClassVar

import numpy as np
import optuna

from ..preprocess import FeatureInfo, Matrix


def resolve_device(device: str = "auto") -> str:
    """``"auto"`` -> ``"cuda"`` when a GPU is visible, else ``"cpu"``."""
    if device != "auto":
        return device
    import torch

    return "cuda" if torch.cuda.is_available() else "cpu"


class Model(abc.ABC):
    """A model family adapter."""

    family: ClassVar[str]
    #: Settings that are fixed by the spec, not tuned (epoch cap, patience, batch size, ...).
    fixed_keys: ClassVar[tuple[str, ...]] = ()

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

    @abc.abstractmethod
    def fit(self, train: Matrix, val: Matrix, info: FeatureInfo, *, seed: int) -> Model:
        """Train with early stopping on ``val``; return self."""

    @abc.abstractmethod
    def predict(self, data: Matrix) -> np.ndarray:
        """``(n,)`` regression predictions or ``(n, K)`` class probabilities."""

    # Filled by fit: the number of epochs/rounds actually used and the best one.
    n_iter_: int
    best_iter_: int
