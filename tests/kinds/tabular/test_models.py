"""Contract tests run over every registered model family (and every installed GBDT backend)."""

from __future__ import annotations

import importlib.util
import sys
import warnings
from dataclasses import replace
from typing import Any, cast

import numpy as np
import optuna
import pytest

from archbench.errors import ConfigError, DataError
from archbench.kinds.common.metrics import HIGHER_IS_BETTER, PRIMARY, metric
from archbench.kinds.tabular.families import family_label, get_family, registered_families
from archbench.kinds.tabular.models.base import Model
from archbench.kinds.tabular.models.gbdt import macro_auc
from archbench.kinds.tabular.prepare import FeatureInfo, Matrix, TaskType


def _cuda() -> bool:
    import torch

    return bool(torch.cuda.is_available())


def _backend(name: str) -> Any:
    if importlib.util.find_spec(name) is None:
        return pytest.param(
            ("gbdt", name),
            id=f"gbdt-{name}",
            marks=pytest.mark.skip(reason=f"{name} not installed (optional extra)"),
        )
    return pytest.param(("gbdt", name), id=f"gbdt-{name}")


FAMILIES = [
    *[pytest.param((f, "lightgbm"), id=f) for f in registered_families() if f != "gbdt"],
    pytest.param(("gbdt", "lightgbm"), id="gbdt-lightgbm"),
    _backend("xgboost"),
    _backend("catboost"),
]
# Fixed settings small enough for a few hundred rows.
FIXED = {
    "nn": {"max_epochs": 3, "patience": 2, "batch_size": 64},
    "gbdt": {"max_rounds": 60, "early_stopping_rounds": 10},
}
# Row and column subsampling, so that the GBDT seed matters.
SUBSAMPLE = {
    "lightgbm": {"bagging_fraction": 0.7, "feature_fraction": 0.7},
    "xgboost": {"subsample": 0.7, "colsample_bytree": 0.7},
    "catboost": {},
}
TASKS: dict[str, tuple[TaskType, int]] = {
    "binary": ("classification", 2),
    "multiclass": ("classification", 3),
    "regression": ("regression", 0),
}
CARDS = (6, 4)  # codes per categorical column, 0 (missing/unseen) included


def make_data(kind: str, n: int, seed: int, *, noise: float = 0.3) -> tuple[Matrix, FeatureInfo]:
    """An easy synthetic problem: a smooth numeric signal plus one informative category."""
    task_type, k = TASKS[kind]
    rng = np.random.default_rng(seed)
    x_num = rng.normal(size=(n, 4)).astype(np.float32)
    x_cat = np.column_stack([rng.integers(0, c, size=n) for c in CARDS]).astype(np.int64)
    signal = 1.5 * x_num[:, 0] + x_num[:, 1] ** 2 - 1 + (x_cat[:, 0] == 2)
    if task_type == "regression":
        y = (3 * signal + 10 + rng.normal(scale=3 * noise, size=n)).astype(np.float32)
        y_mean, y_std = float(y.mean()), float(y.std())  # as the preprocessing computes them
    else:
        cuts = [-0.5] if k == 2 else [-0.5, 1.0]
        y = np.digitize(signal + rng.normal(scale=noise, size=n), cuts).astype(np.int64)
        y_mean, y_std = 0.0, 1.0
    raw = x_num.copy()
    raw[rng.random(raw.shape) < 0.05] = np.nan
    info = FeatureInfo(
        task_type,
        ("a", "b", "c", "d"),
        ("e", "f"),
        CARDS,
        k,
        tuple(str(i) for i in range(k)),
        y_mean,
        y_std,
    )
    return Matrix(x_num, raw, x_cat, y, np.arange(n, dtype=np.int64)), info


_CACHE: dict[tuple[str, int, int], tuple[Matrix, FeatureInfo]] = {}


def data(kind: str, n: int = 400, seed: int = 0) -> tuple[Matrix, FeatureInfo]:
    if (kind, n, seed) not in _CACHE:
        _CACHE[kind, n, seed] = make_data(kind, n, seed)
    return _CACHE[kind, n, seed]


def build(family: tuple[str, str], **params: Any) -> Model:
    name, backend = family
    fixed = FIXED["gbdt" if name == "gbdt" else "nn"]
    return get_family(name, gbdt_backend=backend)(**{**fixed, **params})


def fit(family: tuple[str, str], kind: str, seed: int = 0, **params: Any) -> tuple[Model, Matrix]:
    train, info = data(kind)
    val, _ = data(kind, 200, seed=1)
    return build(family, **params).fit(train, val, info, seed=seed), val


@pytest.mark.parametrize("family", FAMILIES)
class TestModelContract:
    @pytest.mark.parametrize("kind", list(TASKS))
    def test_fit_predict_shapes(self, family: tuple[str, str], kind: str) -> None:
        model, val = fit(family, kind)
        pred = model.predict(val)
        _, k = TASKS[kind]
        if k:
            assert pred.shape == (len(val), k)
            assert np.all((pred >= 0) & (pred <= 1))
            np.testing.assert_allclose(pred.sum(axis=1), 1.0, atol=1e-9)
        else:
            assert pred.shape == (len(val),)
        assert np.isfinite(pred).all()
        assert 1 <= model.best_iter_ <= model.n_iter_ == len(model.history_)

    def test_same_seed_identical_other_seed_different(self, family: tuple[str, str]) -> None:
        extra = SUBSAMPLE[family[1]] if family[0] == "gbdt" else {}
        preds = [
            fit(family, "binary", seed, **extra)[0].predict(data("binary", 200, 1)[0])
            for seed in (3, 3, 4)
        ]
        np.testing.assert_array_equal(preds[0], preds[1])
        assert not np.array_equal(preds[0], preds[2])

    @pytest.mark.parametrize("kind", ["binary", "regression"])
    def test_early_stopping_restores_best(self, family: tuple[str, str], kind: str) -> None:
        # Pure-noise targets: the validation score wanders, so training stops early.
        train, info = make_data(kind, 300, seed=5, noise=50.0)
        val, _ = make_data(kind, 200, seed=6, noise=50.0)
        params = (
            {"max_rounds": 300, "early_stopping_rounds": 5}
            if family[0] == "gbdt"
            else {"max_epochs": 30, "patience": 2, "lr": 1e-2}
        )
        model = build(family, **params).fit(train, val, info, seed=0)
        assert model.best_iter_ < model.n_iter_ < 30
        name = getattr(model, "history_metric_", PRIMARY[info.task_type])
        pick = max if HIGHER_IS_BETTER[name] else min
        assert model.history_[model.best_iter_ - 1] == pick(model.history_)
        score = metric(name, val.y, model.predict(val))
        assert score == pytest.approx(model.history_[model.best_iter_ - 1], rel=1e-5)

    def test_default_params_in_search_space(self, family: tuple[str, str]) -> None:
        cls = get_family(family[0], gbdt_backend=family[1])
        defaults = cls.default_params()
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # FixedTrial warns for a value outside its range
            assert (
                cls.search_space(cast(optuna.Trial, optuna.trial.FixedTrial(defaults))) == defaults
            )
        assert set(cls.space_description()) >= set(defaults)
        assert set(cls.fixed_keys) == set(cls.fixed_defaults) >= {"threads"}

    def test_sampled_configs_train(self, family: tuple[str, str]) -> None:
        cls = get_family(family[0], gbdt_backend=family[1])
        study = optuna.create_study(sampler=optuna.samplers.RandomSampler(seed=0))
        for _ in range(2):
            params = cls.search_space(study.ask())
            model, val = fit(family, "binary", **params, **_one_step(family))
            assert np.isfinite(model.predict(val)).all()

    def test_unknown_param_is_named(self, family: tuple[str, str]) -> None:
        with pytest.raises(ConfigError, match="n_layerz"):
            fit(family, "binary", n_layerz=3)

    def test_missing_and_unseen_categories(self, family: tuple[str, str]) -> None:
        model, val = fit(family, "multiclass")
        zeros = Matrix(val.x_num, val.x_num_raw, np.zeros_like(val.x_cat), val.y, val.row_id)
        pred = model.predict(zeros)
        assert np.isfinite(pred).all()
        np.testing.assert_allclose(pred.sum(axis=1), 1.0, atol=1e-9)
        bad = Matrix(val.x_num, val.x_num_raw, val.x_cat + 10, val.y, val.row_id)
        with pytest.raises(DataError, match="codes outside"):
            model.predict(bad)

    @pytest.mark.parametrize("keep", ["numeric", "categorical"])
    def test_one_kind_of_feature(self, family: tuple[str, str], keep: str) -> None:
        full, info = data("binary")
        num = slice(None) if keep == "numeric" else slice(0, 0)
        cat = slice(None) if keep == "categorical" else slice(0, 0)
        m = Matrix(
            full.x_num[:, num], full.x_num_raw[:, num], full.x_cat[:, cat], full.y, full.row_id
        )
        info = replace(
            info,
            num_names=info.num_names[num],
            cat_names=info.cat_names[cat],
            cat_cardinalities=info.cat_cardinalities[cat],
        )
        model = build(family).fit(m, m, info, seed=0)
        assert model.predict(m).shape == (len(m), 2)

    @pytest.mark.parametrize("kind", list(TASKS))
    def test_beats_trivial_baseline(self, family: tuple[str, str], kind: str) -> None:
        params = {"max_epochs": 15, "patience": 15} if family[0] != "gbdt" else {}
        model, val = fit(family, kind, **params)
        score = metric(PRIMARY[TASKS[kind][0]], val.y, model.predict(val))
        if kind == "regression":
            assert score < 0.6 * float(np.std(val.y))  # the mean predictor scores std(y)
        else:
            assert score > 0.8  # a constant predictor scores 0.5


def _one_step(family: tuple[str, str]) -> dict[str, Any]:
    return {"max_rounds": 5} if family[0] == "gbdt" else {"max_epochs": 1}


def test_registry_names_and_labels() -> None:
    assert registered_families() == ("mlp", "ft_transformer", "gbdt")
    assert [family_label(f) for f in registered_families()] == [
        "MLP",
        "FT-Transformer",
        "GBDT (LightGBM)",
    ]
    assert family_label("gbdt", "catboost") == "GBDT (CatBoost)"
    with pytest.raises(ConfigError, match=r"'svm'.*mlp, ft_transformer, gbdt"):
        get_family("svm")
    with pytest.raises(ConfigError, match=r"'h2o'.*lightgbm, xgboost, catboost"):
        get_family("gbdt", gbdt_backend="h2o")


def test_missing_optional_backend_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    from archbench.kinds.tabular.models.gbdt import XGBoostModel

    monkeypatch.setitem(sys.modules, "xgboost", None)  # as if it were not installed
    with pytest.raises(ConfigError, match=r"pip install archbench\[xgboost\]"):
        get_family("gbdt", gbdt_backend="xgboost")
    train, info = data("binary")
    with pytest.raises(ConfigError, match=r"pip install archbench\[xgboost\]"):
        XGBoostModel(**FIXED["gbdt"]).fit(train, train, info, seed=0)


def test_nn_settings_are_validated() -> None:
    with pytest.raises(ConfigError, match="max_epochs"):
        fit(("mlp", "lightgbm"), "binary", max_epochs=0)
    with pytest.raises(ConfigError, match="d_block"):
        fit(("ft_transformer", "lightgbm"), "binary", d_block=60)
    import torch

    if not torch.cuda.is_available():
        with pytest.raises(ConfigError, match="no CUDA GPU"):
            fit(("mlp", "lightgbm"), "binary", device="cuda")


@pytest.fixture
def precision_per_epoch(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The torch float32 matmul precision in force at each training epoch, in order."""
    import torch

    from archbench.kinds.common.torchloop import TorchLoop

    seen: list[str] = []
    real_epoch = TorchLoop._train_epoch

    def spy(*a: Any, **k: Any) -> float:
        seen.append(torch.get_float32_matmul_precision())
        return real_epoch(*a, **k)

    monkeypatch.setattr(TorchLoop, "_train_epoch", spy)
    return seen


def test_matmul_precision_is_validated_and_exact_on_cpu(
    precision_per_epoch: list[str], caplog: pytest.LogCaptureFixture
) -> None:
    import torch

    with pytest.raises(ConfigError, match="matmul_precision = 'low'"):
        fit(("mlp", "lightgbm"), "binary", matmul_precision="low")
    exact, data = fit(("ft_transformer", "lightgbm"), "binary", max_epochs=2, device="cpu")
    with caplog.at_level("WARNING"):
        asked, _ = fit(
            ("ft_transformer", "lightgbm"),
            "binary",
            max_epochs=2,
            device="cpu",
            matmul_precision="medium",
        )
    # CPU training ignores the setting (bfloat16 dispatch there is not reproducible) and says so
    assert precision_per_epoch == ["highest"] * 4
    assert "applies on CUDA only" in caplog.text
    assert (exact.predict(data) == asked.predict(data)).all()
    assert torch.get_float32_matmul_precision() == "highest"


@pytest.mark.skipif(not _cuda(), reason="needs a CUDA GPU (TF32 products)")
def test_matmul_precision_is_applied_and_restored_on_cuda(precision_per_epoch: list[str]) -> None:
    import torch

    fit(("mlp", "lightgbm"), "binary", max_epochs=1, device="cuda", matmul_precision="medium")
    assert precision_per_epoch == ["medium"]
    assert torch.get_float32_matmul_precision() == "highest"


def test_nn_uses_the_given_thread_count() -> None:
    import torch

    before = torch.get_num_threads()
    try:
        fit(("mlp", "lightgbm"), "binary", threads=1, max_epochs=1)
        assert torch.get_num_threads() == 1
    finally:
        torch.set_num_threads(before)


def test_macro_auc_matches_metrics_module() -> None:
    rng = np.random.default_rng(0)
    y = rng.integers(0, 3, size=300)
    counts = rng.integers(1, 4, size=(300, 3)).astype(float)  # few distinct values: ties
    proba = counts / counts.sum(axis=1, keepdims=True)
    assert macro_auc(y, proba) == pytest.approx(metric("roc_auc", y, proba), abs=1e-12)
