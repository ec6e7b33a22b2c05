"""The registered model families, looked up by name; nothing heavy is imported here."""

from __future__ import annotations

import importlib
import importlib.util

from ..errors import ConfigError
from .base import Model

# family -> (module, class); the GBDT family's class depends on the backend.
_FAMILIES: dict[str, tuple[str, str]] = {
    "mlp": ("archbench.models.mlp", "MLPModel"),
    "ft_transformer": ("archbench.models.ft_transformer", "FTTransformerModel"),
    "gbdt": ("archbench.models.gbdt", "BACKENDS"),
}
_LABELS: dict[str, str] = {"mlp": "MLP", "ft_transformer": "FT-Transformer"}
GBDT_BACKENDS: tuple[str, ...] = ("lightgbm", "xgboost", "catboost")
_BACKEND_LABELS: dict[str, str] = {
    "lightgbm": "LightGBM",
    "xgboost": "XGBoost",
    "catboost": "CatBoost",
}


def registered_families() -> tuple[str, ...]:
    """Every family name, in the order of the report."""
    return tuple(_FAMILIES)


def _check(name: str, gbdt_backend: str) -> None:
    if name not in _FAMILIES:
        raise ConfigError(
            f"unknown model family {name!r}; the families are: {', '.join(_FAMILIES)}"
        )
    if name == "gbdt" and gbdt_backend not in GBDT_BACKENDS:
        raise ConfigError(
            f"unknown gbdt_backend {gbdt_backend!r}; the backends are: {', '.join(GBDT_BACKENDS)}"
        )


def get_family(name: str, *, gbdt_backend: str = "lightgbm") -> type[Model]:
    """The adapter class of family ``name`` (for ``gbdt``, of the chosen backend).

    Raises:
        ConfigError: unknown family or backend, named with the options.
    """
    _check(name, gbdt_backend)
    if name == "gbdt" and gbdt_backend != "lightgbm" and not _importable(gbdt_backend):
        raise ConfigError(
            f"gbdt_backend {gbdt_backend!r} needs the {gbdt_backend} package, which is not "
            f"installed; pip install archbench[{gbdt_backend}]"
        )
    module_name, attr = _FAMILIES[name]
    found = getattr(importlib.import_module(module_name), attr)
    if name == "gbdt":
        found = found[gbdt_backend]
    assert issubclass(found, Model)
    return found


def _importable(module: str) -> bool:
    try:
        return importlib.util.find_spec(module) is not None
    except (ImportError, ValueError):  # ValueError: sys.modules[module] is None
        return False


def family_label(name: str, gbdt_backend: str = "lightgbm") -> str:
    """Display name: "MLP", "FT-Transformer", "GBDT (LightGBM)"."""
    _check(name, gbdt_backend)
    if name == "gbdt":
        return f"GBDT ({_BACKEND_LABELS[gbdt_backend]})"
    return _LABELS[name]
