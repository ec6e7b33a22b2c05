"""Hyperparameter pieces shared by the families of every kind: the checks of integer sizes,
fractions and attention heads (one ConfigError line naming the family, the key and the value),
and the parts of the neural families' search spaces that are the same in every kind.

Every PyTorch family of every kind trains with AdamW and tunes ``lr`` and ``weight_decay``
log-uniformly, last in its space (``adamw_space``); only the ranges differ per family. The
ReLU-block MLPs of the tabular and text kinds tune ``n_blocks``, ``d_block`` and ``dropout``
the same way (``mlp_space``, ``check_mlp``). The built-in families declare their default
configuration as data beside ``space`` (``DeclaredDefaults``).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, ClassVar

from optuna.distributions import BaseDistribution, FloatDistribution, IntDistribution

from archbench.errors import ConfigError

__all__ = [
    "ADAMW_NOTE",
    "DeclaredDefaults",
    "adamw_space",
    "check_fractions",
    "check_heads",
    "check_mlp",
    "check_positive_ints",
    "check_transformer",
    "mlp_space",
]

#: The report's line on the optimizer of a neural family.
ADAMW_NOTE = "AdamW, early stopping on the validation primary metric"


class DeclaredDefaults:
    """Mixin (first among a family's bases, before ``Model``): ``default_params()`` returns a
    copy of the class's ``defaults``, so the default configuration is data like ``space``."""

    #: The literature's default configuration: the first trial of every study.
    defaults: ClassVar[dict[str, Any]] = {}

    @classmethod
    def default_params(cls) -> dict[str, Any]:
        """A copy of ``defaults``."""
        return dict(cls.defaults)


def check_positive_ints(family: str, p: dict[str, Any], keys: Iterable[str]) -> None:
    """Raise one ConfigError line for the first of ``keys`` whose value is not an int >= 1
    (a bool is not an int here)."""
    for key in keys:
        v = p[key]
        if isinstance(v, bool) or not isinstance(v, int) or v < 1:
            raise ConfigError(f"{family}: {key} = {v!r} must be an integer >= 1")


def check_fractions(family: str, p: dict[str, Any], keys: Iterable[str]) -> None:
    """Raise one ConfigError line for the first of ``keys`` (dropout rates) outside [0, 1)."""
    for key in keys:
        if not 0.0 <= p[key] < 1.0:
            raise ConfigError(f"{family}: {key} = {p[key]!r} must lie in [0, 1)")


def check_heads(family: str, p: dict[str, Any], width_key: str, n_heads: int | None = None) -> None:
    """Raise one ConfigError line when ``p[width_key]`` is not a multiple of the attention
    heads: ``p["n_heads"]``, or a fixed ``n_heads`` that is not a parameter."""
    width = p[width_key]
    heads = f"n_heads = {p['n_heads']}" if n_heads is None else f"the {n_heads} attention heads"
    if width % (p["n_heads"] if n_heads is None else n_heads):
        raise ConfigError(f"{family}: {width_key} = {width} must be a multiple of {heads}")


def check_transformer(
    family: str,
    p: dict[str, Any],
    *,
    sizes: tuple[str, ...],
    width: str,
    dropouts: tuple[str, ...],
    n_heads: int | None = None,
) -> None:
    """A Transformer family's architecture check: ``sizes`` integers >= 1, the attention
    ``width`` a multiple of the heads (see ``check_heads``), ``dropouts`` in [0, 1)."""
    check_positive_ints(family, p, sizes)
    check_heads(family, p, width, n_heads)
    check_fractions(family, p, dropouts)


def adamw_space(
    lr: tuple[float, float], weight_decay: tuple[float, float]
) -> dict[str, BaseDistribution]:
    """``lr`` and ``weight_decay`` log-uniform over the given ``(low, high)`` ranges, in that
    order (the end of every neural family's space)."""
    return {
        "lr": FloatDistribution(*lr, log=True),
        "weight_decay": FloatDistribution(*weight_decay, log=True),
    }


def mlp_space(
    *,
    max_blocks: int,
    d_block: tuple[int, int],
    lr: tuple[float, float],
    weight_decay: tuple[float, float] = (1e-6, 1e-3),
) -> dict[str, BaseDistribution]:
    """A ReLU-block MLP's space: 1 to ``max_blocks`` blocks, width log-uniform over
    ``d_block``, dropout U(0, 0.5), then ``adamw_space``."""
    return {
        "n_blocks": IntDistribution(1, max_blocks),
        "d_block": IntDistribution(*d_block, log=True),
        "dropout": FloatDistribution(0.0, 0.5),
        **adamw_space(lr, weight_decay),
    }


def check_mlp(p: dict[str, Any]) -> None:
    """One ConfigError line for a bad block count, width or dropout of an ``mlp`` family."""
    check_positive_ints("mlp", p, ("n_blocks", "d_block"))
    check_fractions("mlp", p, ("dropout",))
