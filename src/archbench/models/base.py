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

from ..errors import ConfigError, DataError
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
    def fit(self, train: Matrix, val: Matrix, info: FeatureInfo, *, seed: int) -> Model:
        """Train with early stopping on ``val``; return self."""

    @abc.abstractmethod
    def predict(self, data: Matrix) -> np.ndarray:
        """``(n,)`` regression predictions or ``(n, K)`` class probabilities."""

    # Filled by fit: the number of epochs/rounds actually used, the best one (1-based) and the
    # validation primary metric after each epoch/round (``history_[best_iter_ - 1]`` is the best).
    n_iter_: int
    best_iter_: int
    history_: list[float]


def check_matrix(data: Matrix, info: FeatureInfo, name: str) -> None:
    """Fail fast when ``data`` does not match ``info`` (column counts, category codes)."""
    n_num, n_cat = len(info.num_names), len(info.cat_names)
    if data.x_num.shape[1] != n_num or data.x_cat.shape[1] != n_cat:
        raise DataError(
            f"{name}: x_num has {data.x_num.shape[1]} columns and x_cat {data.x_cat.shape[1]}, "
            f"but the feature info lists {n_num} numeric and {n_cat} categorical features"
        )
    if n_cat and len(data):
        cards = np.asarray(info.cat_cardinalities)
        bad = (data.x_cat.min(axis=0) < 0) | (data.x_cat.max(axis=0) >= cards)
        if bad.any():
            col = info.cat_names[int(np.argmax(bad))]
            raise DataError(
                f"{name}: categorical column {col!r} has codes outside 0..cardinality-1"
            )
