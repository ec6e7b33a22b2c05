"""The tabular families: their declarations (MLP, FT-Transformer, GBDT backends) and look-ups."""

from __future__ import annotations

from archbench.errors import ConfigError
from archbench.kinds.base import Backend, FamilyDecl
from archbench.kinds.common.families import one_backend, three_slots
from archbench.kinds.family import Model

_MODELS = "archbench.kinds.tabular.models"

FAMILIES: tuple[FamilyDecl, ...] = three_slots(
    FamilyDecl("mlp", "MLP", one_backend("MLP", f"{_MODELS}.mlp:MLPModel")),
    FamilyDecl(
        "ft_transformer",
        "FT-Transformer",
        one_backend("FT-Transformer", f"{_MODELS}.ft_transformer:FTTransformerModel"),
    ),
    FamilyDecl(
        "gbdt",
        "GBDT",
        {
            "lightgbm": Backend("LightGBM", f"{_MODELS}.gbdt:LightGBMModel", cite="ke2017lightgbm"),
            "xgboost": Backend(
                "XGBoost", f"{_MODELS}.gbdt:XGBoostModel", "xgboost", cite="chen2016xgboost"
            ),
            "catboost": Backend(
                "CatBoost",
                f"{_MODELS}.gbdt:CatBoostModel",
                "catboost",
                cite="prokhorenkova2018catboost",
            ),
        },
    ),
)


GBDT_BACKENDS: tuple[str, ...] = tuple(FAMILIES[2].backends)


def registered_families() -> tuple[str, ...]:
    """Every family name, in the order of the report."""
    return tuple(f.name for f in FAMILIES)


def _decl(name: str) -> FamilyDecl:
    for f in FAMILIES:
        if f.name == name:
            return f
    raise ConfigError(
        f"unknown model family {name!r} for tabular tasks; the families are: "
        f"{', '.join(registered_families())}"
    )


def get_family(name: str, *, gbdt_backend: str = "lightgbm") -> type[Model]:  # type: ignore[type-arg]
    """The adapter class of family ``name`` (for ``gbdt``, of the chosen backend).

    Raises:
        ConfigError: unknown family or backend, named with the options.
    """
    return _decl(name).load(gbdt_backend)


def family_label(name: str, gbdt_backend: str = "lightgbm") -> str:
    """Display name: "MLP", "FT-Transformer", "GBDT (LightGBM)"."""
    return _decl(name).display(gbdt_backend)
