"""The LightGBM pieces every kind's GBDT family shares: space, defaults, rounds, training."""

from __future__ import annotations

import numpy as np
import pytest
from optuna.distributions import FloatDistribution, IntDistribution

from archbench.errors import ConfigError
from archbench.kinds.common import lightgbm as lgbm

lgb = pytest.importorskip("lightgbm")


@pytest.mark.parametrize(
    "kwargs",
    [{}, {"max_leaves": 128, "min_feature_fraction": 0.2}, {"lambda_l1": False}],
    ids=["tabular", "text", "no-l1"],
)
def test_defaults_lie_in_the_space_in_the_same_order(kwargs: dict[str, object]) -> None:
    l1 = bool(kwargs.get("lambda_l1", True))
    space = lgbm.boosting_space(**kwargs)  # type: ignore[arg-type]
    defaults = lgbm.boosting_defaults(lambda_l1=l1)
    assert list(space) == list(defaults)
    assert ("lambda_l1" in space) is l1
    for key, dist in space.items():
        assert isinstance(dist, FloatDistribution | IntDistribution)
        assert dist.low <= defaults[key] <= dist.high, key


def test_arguments_set_only_the_ranges_that_differ() -> None:
    space = lgbm.boosting_space(max_leaves=128, min_child_samples=(5, 200))
    assert space["num_leaves"] == IntDistribution(4, 128, log=True)
    assert space["min_child_samples"] == IntDistribution(5, 200, log=True)
    assert space["learning_rate"] == FloatDistribution(0.01, 0.3, log=True)
    assert lgbm.boosting_defaults(feature_fraction=0.5)["feature_fraction"] == 0.5


def test_round_settings_and_their_check() -> None:
    p = lgbm.rounds_defaults(1000)
    assert p == {"max_rounds": 1000, "early_stopping_rounds": 50, "threads": 1}
    lgbm.check_rounds(p)
    for bad in (0, 2.0, True):
        with pytest.raises(ConfigError, match=rf"^gbdt: threads = {bad!r} must be an integer"):
            lgbm.check_rounds({**p, "threads": bad})


def _data(seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(300, 4))
    return x, x[:, 0] + 0.1 * rng.normal(size=300)


def _train(max_rounds: int, seed: int = 7) -> tuple[object, list[float], int]:
    (x, y), (xv, yv) = _data(0), _data(1)
    boost = {**lgbm.boosting_defaults(), "bagging_fraction": 0.8, "learning_rate": 0.3}
    params = {**lgbm.seeded_params(boost, threads=1, seed=seed), "metric": "l2"}
    dtrain = lgb.Dataset(x, y)
    dval = lgb.Dataset(xv, yv, reference=dtrain)
    p = {"max_rounds": max_rounds, "early_stopping_rounds": 5}
    return lgbm.train_early_stopped(params, dtrain, dval, p)


def test_training_stops_early_and_reports_the_best_round() -> None:
    booster, history, best = _train(500)
    assert 1 <= best <= len(history) < 500  # stopped before the cap
    assert len(history) - best == 5  # patience rounds without a gain
    assert history[best - 1] == min(history)
    x = _data(2)[0]
    pred = lgbm.predict_best(booster, x, best_iter=best, threads=1)
    assert pred.dtype == np.float64 and pred.shape == (300,)
    again = lgbm.predict_best(_train(500)[0], x, best_iter=best, threads=1)
    np.testing.assert_array_equal(pred, again)  # same seed, same model


def test_a_cap_reached_without_stopping_still_names_its_best_round() -> None:
    _, history, best = _train(3)
    assert len(history) == 3 and history[best - 1] == min(history)


def test_class_probabilities() -> None:
    binary = lgbm.class_probabilities(np.array([0.2, 0.9]))
    np.testing.assert_allclose(binary, [[0.8, 0.2], [0.1, 0.9]])
    multi = lgbm.class_probabilities(np.array([[1.0, 1.0, 2.0], [0.0, 3.0, 1.0]]))
    np.testing.assert_allclose(multi.sum(axis=1), 1.0)
    np.testing.assert_allclose(multi[0], [0.25, 0.25, 0.5])
