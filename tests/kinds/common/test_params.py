"""Hyperparameter pieces shared by the families: checks, shared spaces, declared defaults."""

from __future__ import annotations

from typing import Any, ClassVar

import pytest
from optuna.distributions import FloatDistribution, IntDistribution

from archbench.errors import ConfigError
from archbench.kinds.common.params import (
    DeclaredDefaults,
    adamw_space,
    check_fractions,
    check_heads,
    check_mlp,
    check_positive_ints,
    check_transformer,
    mlp_space,
)
from archbench.kinds.family import Model
from archbench.kinds.forecasting.models.patchtst import PatchTSTModel
from archbench.kinds.text.models.encoder import TextEncoderModel
from archbench.kinds.text.models.mlp import TextMLPModel


@pytest.mark.parametrize("bad", [0, -1, 2.0, True, "3"])
def test_positive_ints_name_family_key_and_value(bad: object) -> None:
    with pytest.raises(ConfigError, match=rf"^fam: width = {bad!r} must be an integer >= 1$"):
        check_positive_ints("fam", {"depth": 2, "width": bad}, ("depth", "width"))
    check_positive_ints("fam", {"depth": 2, "width": 1}, ("depth", "width"))


@pytest.mark.parametrize("bad", [-0.1, 1.0, 1.5])
def test_fractions_lie_in_zero_one(bad: float) -> None:
    with pytest.raises(ConfigError, match=r"^fam: dropout = .* must lie in \[0, 1\)$"):
        check_fractions("fam", {"dropout": bad}, ("dropout",))
    check_fractions("fam", {"dropout": 0.0}, ("dropout",))


def test_heads_from_the_params_or_fixed() -> None:
    with pytest.raises(ConfigError, match="d_model = 18 must be a multiple of n_heads = 4"):
        check_heads("enc", {"d_model": 18, "n_heads": 4}, "d_model")
    with pytest.raises(ConfigError, match="d_block = 36 must be a multiple of the 8 attention"):
        check_heads("ft", {"d_block": 36}, "d_block", 8)
    check_heads("ft", {"d_block": 40}, "d_block", 8)


def test_transformer_check_runs_sizes_heads_then_dropouts() -> None:
    p = {"n_layers": 1, "d_model": 16, "n_heads": 4, "dropout": 0.1}
    kw: dict[str, Any] = {"sizes": ("n_layers", "d_model", "n_heads"), "width": "d_model"}
    check_transformer("enc", p, dropouts=("dropout",), **kw)
    with pytest.raises(ConfigError, match="n_layers = 0"):
        check_transformer("enc", {**p, "n_layers": 0, "d_model": 18}, dropouts=(), **kw)
    with pytest.raises(ConfigError, match=r"dropout = 1\.0"):
        check_transformer("enc", {**p, "dropout": 1.0}, dropouts=("dropout",), **kw)


def test_mlp_space_and_check() -> None:
    space = mlp_space(max_blocks=3, d_block=(64, 512), lr=(1e-4, 1e-2))
    assert list(space) == ["n_blocks", "d_block", "dropout", "lr", "weight_decay"]
    assert space["d_block"] == IntDistribution(64, 512, log=True)
    assert space["weight_decay"] == FloatDistribution(1e-6, 1e-3, log=True)
    assert adamw_space((1e-4, 1e-2), (1e-6, 1e-3)) == {k: space[k] for k in ("lr", "weight_decay")}
    with pytest.raises(ConfigError, match=r"^mlp: d_block = 0 "):
        check_mlp({"n_blocks": 1, "d_block": 0, "dropout": 0.1})


class _Declared(DeclaredDefaults, Model[Any, Any]):
    family: ClassVar[str] = "declared"
    defaults: ClassVar[dict[str, Any]] = {"b": 1, "a": 2}

    def fit(self, train: Any, val: Any, info: Any, *, seed: int) -> _Declared:
        return self

    def predict(self, data: Any) -> Any:
        return data


def test_declared_defaults_are_a_copy_in_declared_order() -> None:
    got = _Declared.default_params()
    assert list(got) == ["b", "a"]
    got["b"] = 99
    assert _Declared.default_params() == {"b": 1, "a": 2}
    assert _Declared(a=3).resolved_params() == {"b": 1, "a": 3}  # instantiable: not abstract


@pytest.mark.parametrize("cls", [TextMLPModel, TextEncoderModel, PatchTSTModel])
def test_fixed_keys_follow_fixed_defaults(cls: type[Model[Any, Any]]) -> None:
    assert cls.fixed_keys == tuple(cls.fixed_defaults)
    assert {"max_epochs", "patience", "matmul_precision"} <= set(cls.fixed_keys)
