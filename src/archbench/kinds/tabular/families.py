"""The tabular families by name, through the kind's declarations (archbench.kinds.tabular.kind)."""

from __future__ import annotations

from archbench.kinds.family import Model

from archbench.kinds.tabular.kind import FAMILIES

GBDT_BACKENDS: tuple[str, ...] = tuple(FAMILIES[2].backends)


def registered_families() -> tuple[str, ...]:
    """Every family name, in the order of the report."""
    return tuple(f.name for f in FAMILIES)


def _decl(name: str):  # type: ignore[no-untyped-def]
    from archbench.kinds.tabular.kind import TabularKind

    return TabularKind().family(name)


def get_family(name: str, *, gbdt_backend: str = "lightgbm") -> type[Model]:  # type: ignore[type-arg]
    """The adapter class of family ``name`` (for ``gbdt``, of the chosen backend).

    Raises:
        ConfigError: unknown family or backend, named with the options.
    """
    return _decl(name).load(gbdt_backend)


def family_label(name: str, gbdt_backend: str = "lightgbm") -> str:
    """Display name: "MLP", "FT-Transformer", "GBDT (LightGBM)"."""
    return _decl(name).display(gbdt_backend)
