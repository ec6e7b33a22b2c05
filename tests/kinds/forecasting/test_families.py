"""The three forecasting families on a tiny seasonal panel (seconds in all)."""

from __future__ import annotations

import numpy as np
import optuna
import pandas as pd
import pytest

from archbench.errors import ConfigError, DataError
from archbench.kinds.forecasting.data import ForecastSettings, load_frame
from archbench.kinds.forecasting.metrics import METRICS, pack_truth
from archbench.kinds.forecasting.models.gbdt import LightGBMForecaster, features
from archbench.kinds.forecasting.models.mlp import NHiTSModel
from archbench.kinds.forecasting.models.patchtst import PatchTSTModel, patch_geometry
from archbench.kinds.forecasting.references import naive, seasonal_naive
from archbench.kinds.forecasting.splits import (
    ForecastInfo,
    ForecastShift,
    ForecastSplit,
    Windows,
    make_splits,
)

FAMILIES = {"mlp": NHiTSModel, "patchtst": PatchTSTModel, "gbdt": LightGBMForecaster}
FAST = {
    "mlp": {"width": 32, "max_epochs": 8, "patience": 3},
    "patchtst": {"max_epochs": 6, "patience": 3, "n_layers": 1},
    "gbdt": {"max_rounds": 60, "early_stopping_rounds": 10},
}


@pytest.fixture(scope="module")
def task() -> tuple[dict[str, Windows], ForecastInfo]:
    rng = np.random.default_rng(0)
    n, parts = 700, []
    for k in range(3):
        t = np.arange(n)
        y = 5 * k + 3 * np.sin(2 * np.pi * t / 12 + k) + 0.02 * t + rng.normal(0, 0.3, n)
        parts.append(
            pd.DataFrame(
                {
                    "id": f"s{k}",
                    "ts": pd.date_range("2022-01-01", periods=n, freq="D"),
                    "y": y,
                    "holiday": (t % 30 == 0).astype(float),
                    "temp": rng.normal(size=n),
                }
            )
        )
    settings = ForecastSettings(
        time="ts",
        target="y",
        series="id",
        horizon=6,
        context=36,
        season=12,
        known=("holiday",),
        observed=("temp",),
    )
    data = load_frame(pd.concat(parts, ignore_index=True), settings)
    splits = make_splits(
        data, ForecastSplit(train_stride=2), ForecastShift(kind="range", min="2023-08-01")
    )
    return splits.windows, ForecastInfo.from_data(data)


def fit(name: str, task: tuple[dict[str, Windows], ForecastInfo], seed: int = 0, **kw: object):  # type: ignore[no-untyped-def]
    w, info = task
    return FAMILIES[name](**{**FAST[name], **kw}).fit(w["train"], w["val"], info, seed=seed)


def mase(w: Windows, pred: np.ndarray) -> float:
    return METRICS["mase"].fn(pack_truth(w.target, w.mase_scale), pred)


@pytest.mark.parametrize("name", list(FAMILIES))
def test_fits_forecasts_and_beats_naive(name: str, task) -> None:  # type: ignore[no-untyped-def]
    w, info = task
    model = fit(name, task)
    for split in ("val", "test", "shift"):
        pred = model.predict(w[split])
        assert pred.shape == w[split].target.shape and np.isfinite(pred).all()
    pred = model.predict(w["test"])
    assert mase(w["test"], pred) < mase(w["test"], naive(w["test"].context, info.horizon))
    assert 1 <= model.best_iter_ <= model.n_iter_ == len(model.history_)
    assert model.history_[model.best_iter_ - 1] == pytest.approx(min(model.history_))
    # the restored best state is the one whose validation MASE was recorded
    assert mase(w["val"], model.predict(w["val"])) == pytest.approx(model.best_score_, rel=1e-5)


@pytest.mark.parametrize("name", list(FAMILIES))
def test_same_seed_same_forecasts(name: str, task) -> None:  # type: ignore[no-untyped-def]
    w, _ = task
    extra = {"bagging_fraction": 0.7} if name == "gbdt" else {}
    a = fit(name, task, seed=3, **extra).predict(w["test"])
    b = fit(name, task, seed=3, **extra).predict(w["test"])
    c = fit(name, task, seed=4, **extra).predict(w["test"])
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c)


@pytest.mark.parametrize("name", list(FAMILIES))
def test_search_space_matches_defaults(name: str) -> None:
    cls = FAMILIES[name]
    study = optuna.create_study(sampler=optuna.samplers.RandomSampler(seed=0))
    for _ in range(5):
        params = cls.search_space(study.ask())
        assert set(params) == set(cls.default_params())
        cls(**params).resolved_params()
    assert set(cls.space_description()) >= set(cls.default_params()) - {"patch_stride", "pre_norm"}


@pytest.mark.parametrize("name", list(FAMILIES))
def test_unknown_parameter_is_a_config_error(name: str, task) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ConfigError, match="unknown parameter 'depth'"):
        fit(name, task, depth=3)


def test_bad_architecture_values(task) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ConfigError, match="d_model = 18 must be a multiple of n_heads = 4"):
        fit("patchtst", task, d_model=18)
    with pytest.raises(ConfigError, match="schedule = 'fast'"):
        fit("mlp", task, schedule="fast")
    with pytest.raises(ConfigError, match="objective = 'mape'"):
        fit("gbdt", task, objective="mape")


def test_windows_of_another_task_are_refused(task) -> None:  # type: ignore[no-untyped-def]
    w, _ = task
    model = fit("gbdt", task)
    short = w["test"].take(np.arange(3))
    short = Windows(**{**short.__dict__, "context": short.context[:, 1:]})
    with pytest.raises(DataError, match="expected a non-empty set"):
        model.predict(short)


def test_patch_geometry_adapts_to_short_contexts() -> None:
    assert patch_geometry(168, 16, 8) == (16, 8, 21)
    assert patch_geometry(336, 16, 8) == (16, 8, 42)  # the paper's 42 patches at L = 336
    assert patch_geometry(10, 16, 8) == (10, 8, 2)


def test_gbdt_features_read_only_the_past(task) -> None:  # type: ignore[no-untyped-def]
    w, info = task
    test = w["test"]
    x = features(test, info, 24)
    moved = Windows(**{**test.__dict__, "target": test.target + 100.0})
    np.testing.assert_array_equal(x, features(moved, info, 24))
    changed = Windows(**{**test.__dict__, "context": test.context + 1e-3 * np.arange(36)})
    assert not np.array_equal(x, features(changed, info, 24))


def test_gbdt_seasonal_feature_is_the_seasonal_naive_forecast(task) -> None:  # type: ignore[no-untyped-def]
    w, info = task
    test = w["test"]
    x = features(test, info, 24).reshape(len(test), info.horizon, -1)
    n_window = 1 + 24 + 6 + 2 + 1  # level, lags, rolling, observed (last, mean), known at origin
    snaive = seasonal_naive(test.context, info.horizon, info.season)
    rel = (snaive - test.context[:, -1:]) / test.scale[:, None]
    np.testing.assert_allclose(x[:, :, n_window + 1], rel, rtol=1e-5, atol=1e-5)
    np.testing.assert_array_equal(
        x[:, :, n_window], np.broadcast_to(np.arange(1, 7), (len(test), 6))
    )


def test_dropout_matches_inverted_dropout() -> None:
    import torch

    from archbench.kinds.forecasting.models._nets import Dropout

    torch.manual_seed(0)
    layer = Dropout(0.25)
    x = torch.ones(200_000)
    y = layer(x)
    kept = y != 0
    assert abs(kept.float().mean().item() - 0.75) < 0.005
    assert torch.allclose(y[kept], torch.full_like(y[kept], 1 / 0.75))
    assert abs(y.mean().item() - 1.0) < 0.01  # expectation preserved
    layer.eval()
    assert torch.equal(layer(x), x)
    assert torch.equal(Dropout(0.0)(x), x)
