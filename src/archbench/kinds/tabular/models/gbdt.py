"""Gradient-boosted trees: LightGBM (default), XGBoost and CatBoost (optional extras).

Every backend sees the raw numeric features (NaN = missing) and the categorical codes as native
categoricals, trains up to ``max_rounds`` trees with early stopping on the validation primary
metric (ROC-AUC: binary ``auc``, multiclass macro one-vs-rest AUC; regression ``rmse``) and
predicts with the best iteration. Threads are pinned (``threads``, default 1) and every random
draw is seeded from the run seed. With no row or column subsampling, boosting is deterministic
and every seed gives the same model.

Search spaces follow the literature (Gorishniy et al. 2021, TabZilla), with the learning rate
in logU(0.01, 0.3) for every backend: below 0.01, 2000 rounds rarely converge, so those trials
would be wasted. The defaults are each library's own defaults (zero regularisation written as
1e-8 so that it lies inside the log-uniform range). LightGBM's space, defaults and training are
the ones every kind shares (``kinds.common.lightgbm``).
"""

from __future__ import annotations

import abc
import importlib
from typing import Any, ClassVar

import numpy as np
from optuna.distributions import BaseDistribution, FloatDistribution, IntDistribution

from archbench.errors import ConfigError
from archbench.kinds.common import lightgbm as lgbm
from archbench.kinds.common.metrics import PRIMARY
from archbench.kinds.common.params import DeclaredDefaults
from archbench.kinds.tabular.models.base import Model, check_matrix
from archbench.kinds.tabular.prepare import FeatureInfo, Matrix


def macro_auc(y: np.ndarray, proba: np.ndarray) -> float:
    """Macro one-vs-rest ROC-AUC of ``(n, K)`` scores, equal to the metrics module's roc_auc."""
    from scipy.stats import rankdata

    ranks = rankdata(proba, axis=0)
    aucs = []
    for k in range(proba.shape[1]):
        pos = y == k
        n_pos = int(pos.sum())
        n_neg = len(y) - n_pos
        if n_pos == 0 or n_neg == 0:
            return float("nan")
        aucs.append((ranks[pos, k].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg))
    return float(np.mean(aucs))


def features(data: Matrix) -> np.ndarray:
    """Raw numeric columns then categorical codes, ``(n, d_num + d_cat)`` float32."""
    return np.hstack([data.x_num_raw, data.x_cat.astype(np.float32)], dtype=np.float32)


class GBDTModel(DeclaredDefaults, Model):
    """Shared behaviour of the GBDT backends; subclasses implement ``_train`` and ``_raw``."""

    family: ClassVar[str] = "gbdt"
    backend: ClassVar[str]
    fixed_defaults: ClassVar[dict[str, Any]] = lgbm.rounds_defaults(2000)
    fixed_keys: ClassVar[tuple[str, ...]] = tuple(fixed_defaults)

    def fit(self, train: Matrix, val: Matrix, info: FeatureInfo, *, seed: int) -> GBDTModel:
        p = self.resolved_params()
        lgbm.check_rounds(p)
        for data, name in ((train, "train"), (val, "val")):
            check_matrix(data, info, name)
        self.info_, self.threads_ = info, p["threads"]
        self.history_metric_ = PRIMARY[info.task_type]
        self._train(p, train, val, info, seed)
        self.best_score_ = self.history_[self.best_iter_ - 1]
        return self

    def predict(self, data: Matrix) -> np.ndarray:
        if not hasattr(self, "info_"):
            raise RuntimeError(f"gbdt ({self.backend}): predict called before fit")
        check_matrix(data, self.info_, "data")
        raw = np.asarray(self._raw(data), dtype=np.float64)
        if self.info_.task_type == "regression":
            return raw.reshape(-1)
        return lgbm.class_probabilities(raw)

    @abc.abstractmethod
    def _train(
        self, p: dict[str, Any], train: Matrix, val: Matrix, info: FeatureInfo, seed: int
    ) -> None:
        """Train; set ``n_iter_``, ``best_iter_`` (1-based) and ``history_``."""

    @abc.abstractmethod
    def _raw(self, data: Matrix) -> np.ndarray:
        """Predictions at the best iteration: values, P(class 1) ``(n,)`` or ``(n, K)``."""


def _import_extra(backend: str) -> Any:
    """The optional package of a backend (named as its extra), or one ConfigError line."""
    try:
        return importlib.import_module(backend)
    except ImportError:
        raise ConfigError(
            f"gbdt_backend {backend!r} needs the {backend} package, which is not installed; "
            f"pip install archbench[{backend}]"
        ) from None


class LightGBMModel(GBDTModel):
    """LightGBM through its native API (``lgb.train``), the default GBDT backend."""

    backend: ClassVar[str] = "lightgbm"

    defaults: ClassVar[dict[str, Any]] = lgbm.boosting_defaults()

    space: ClassVar[dict[str, BaseDistribution]] = lgbm.boosting_space()
    space_notes: ClassVar[dict[str, str]] = lgbm.BOOSTING_NOTES

    def _train(
        self, p: dict[str, Any], train: Matrix, val: Matrix, info: FeatureInfo, seed: int
    ) -> None:
        import lightgbm as lgb

        boost = {k: p[k] for k in self.default_params()}
        params = lgbm.seeded_params(boost, threads=p["threads"], seed=seed)
        feval = None
        if info.task_type == "regression":
            params.update(objective="regression", metric="rmse")
        elif info.n_classes > 2:
            params.update(objective="multiclass", num_class=info.n_classes, metric="None")
            feval = _lgb_macro_auc
        else:
            params.update(objective="binary", metric="auc")
        n_num = train.x_num_raw.shape[1]
        cat_idx = list(range(n_num, n_num + train.x_cat.shape[1]))
        dtrain = lgb.Dataset(features(train), train.y, categorical_feature=cat_idx)
        dval = lgb.Dataset(features(val), val.y, reference=dtrain, categorical_feature=cat_idx)
        self.booster_, self.history_, self.best_iter_ = lgbm.train_early_stopped(
            params, dtrain, dval, p, feval=feval
        )
        self.n_iter_ = len(self.history_)

    def _raw(self, data: Matrix) -> np.ndarray:
        return lgbm.predict_best(
            self.booster_, features(data), best_iter=self.best_iter_, threads=self.threads_
        )


def _lgb_macro_auc(preds: np.ndarray, data: Any) -> tuple[str, float, bool]:
    return "macro_auc", macro_auc(data.get_label().astype(np.int64), preds), True


class XGBoostModel(GBDTModel):
    """XGBoost (``xgboost.train``, hist trees, native categoricals); optional extra."""

    backend: ClassVar[str] = "xgboost"

    defaults: ClassVar[dict[str, Any]] = {
        "eta": 0.3,
        "max_depth": 6,
        "min_child_weight": 1.0,
        "subsample": 1.0,
        "colsample_bytree": 1.0,
        "alpha": 1e-8,
        "lambda": 1.0,
        "gamma": 1e-8,
    }

    space: ClassVar[dict[str, BaseDistribution]] = {
        "eta": FloatDistribution(0.01, 0.3, log=True),
        "max_depth": IntDistribution(3, 10),
        "min_child_weight": FloatDistribution(1e-8, 1e5, log=True),
        "subsample": FloatDistribution(0.5, 1.0),
        "colsample_bytree": FloatDistribution(0.5, 1.0),
        "alpha": FloatDistribution(1e-8, 1e2, log=True),
        "lambda": FloatDistribution(1e-8, 1e2, log=True),
        "gamma": FloatDistribution(1e-8, 1e2, log=True),
    }
    space_notes: ClassVar[dict[str, str]] = {
        "eta": "(paper: logU(1e-5, 1))",
        "alpha": "(paper: {0, logU})",
        "lambda": "(paper: {0, logU})",
        "gamma": "(paper: {0, logU})",
        "rounds": "early stopping on the validation primary metric",
    }

    def _train(
        self, p: dict[str, Any], train: Matrix, val: Matrix, info: FeatureInfo, seed: int
    ) -> None:
        xgb = _import_extra("xgboost")
        params: dict[str, Any] = {
            **{k: p[k] for k in self.default_params()},
            "tree_method": "hist",
            "nthread": p["threads"],
            "seed": seed % 2**31,
            "verbosity": 0,
        }
        custom_metric, maximize = None, None
        if info.task_type == "regression":
            params.update(objective="reg:squarederror", eval_metric="rmse")
        elif info.n_classes > 2:
            params.update(
                objective="multi:softprob", num_class=info.n_classes, disable_default_eval_metric=1
            )
            custom_metric, maximize = _xgb_macro_auc, True
        else:
            params.update(objective="binary:logistic", eval_metric="auc")
        types = ["q"] * train.x_num_raw.shape[1] + ["c"] * train.x_cat.shape[1]

        def matrix(data: Matrix) -> Any:
            return xgb.DMatrix(
                features(data),
                label=data.y,
                feature_types=types,
                enable_categorical=True,
                nthread=p["threads"],
            )

        evals: dict[str, Any] = {}
        self.booster_ = xgb.train(
            params,
            matrix(train),
            num_boost_round=p["max_rounds"],
            evals=[(matrix(val), "val")],
            early_stopping_rounds=p["early_stopping_rounds"],
            evals_result=evals,
            custom_metric=custom_metric,
            maximize=maximize,
            verbose_eval=False,
        )
        self._types = types
        (self.history_,) = (list(map(float, v)) for v in evals["val"].values())
        self.n_iter_ = len(self.history_)
        self.best_iter_ = int(self.booster_.best_iteration) + 1

    def _raw(self, data: Matrix) -> np.ndarray:
        import xgboost as xgb

        d = xgb.DMatrix(
            features(data),
            feature_types=self._types,
            enable_categorical=True,
            nthread=self.threads_,
        )
        return np.asarray(self.booster_.predict(d, iteration_range=(0, self.best_iter_)))


def _xgb_macro_auc(preds: np.ndarray, data: Any) -> tuple[str, float]:
    return "macro_auc", macro_auc(data.get_label().astype(np.int64), preds)


class CatBoostModel(GBDTModel):
    """CatBoost (symmetric trees, ordered target statistics for categoricals); optional extra.

    Multiclass early stopping uses CatBoost's native multiclass log-loss (a Python AUC metric
    would dominate the training time); binary uses AUC and regression RMSE.
    """

    backend: ClassVar[str] = "catboost"

    defaults: ClassVar[dict[str, Any]] = {
        "learning_rate": 0.05,
        "depth": 6,
        "l2_leaf_reg": 3.0,
        "bagging_temperature": 1.0,
    }

    space: ClassVar[dict[str, BaseDistribution]] = {
        "learning_rate": FloatDistribution(0.01, 0.3, log=True),
        "depth": IntDistribution(3, 8),
        "l2_leaf_reg": FloatDistribution(1.0, 10.0, log=True),
        "bagging_temperature": FloatDistribution(0.0, 1.0),
    }
    space_notes: ClassVar[dict[str, str]] = {
        "learning_rate": "(paper: logU(1e-5, 1))",
        "depth": "(paper: 3-10)",
        "bagging_temperature": ", Bayesian bootstrap",
        "rounds": "early stopping on the validation primary metric (multiclass: log-loss)",
    }

    def _train(
        self, p: dict[str, Any], train: Matrix, val: Matrix, info: FeatureInfo, seed: int
    ) -> None:
        catboost = _import_extra("catboost")
        if info.task_type == "regression":
            loss, metric = "RMSE", "RMSE"
        elif info.n_classes > 2:
            loss, metric = "MultiClass", "MultiClass"
        else:
            loss, metric = "Logloss", "AUC"
        self.model_ = catboost.CatBoost(
            {
                **{k: p[k] for k in self.default_params()},
                "loss_function": loss,
                "eval_metric": metric,
                "iterations": p["max_rounds"],
                "od_type": "Iter",
                "od_wait": p["early_stopping_rounds"],
                "use_best_model": True,
                "bootstrap_type": "Bayesian",
                "random_seed": seed % 2**31,
                "thread_count": p["threads"],
                "allow_writing_files": False,
                "verbose": False,
            }
        )
        self.model_.fit(self._pool(train), eval_set=self._pool(val))
        self.history_ = [float(v) for v in self.model_.get_evals_result()["validation"][metric]]
        self.n_iter_ = len(self.history_)
        self.best_iter_ = int(self.model_.get_best_iteration()) + 1
        if metric == "MultiClass":
            self.history_metric_ = "log_loss"

    def _pool(self, data: Matrix) -> Any:
        import catboost
        import pandas as pd

        frame = pd.DataFrame(
            data.x_num_raw, columns=[f"n{i}" for i in range(data.x_num_raw.shape[1])]
        )
        for j in range(data.x_cat.shape[1]):
            frame[f"c{j}"] = data.x_cat[:, j]
        cat_idx = list(range(data.x_num_raw.shape[1], frame.shape[1]))
        return catboost.Pool(frame, label=data.y, cat_features=cat_idx)

    def _raw(self, data: Matrix) -> np.ndarray:
        if self.info_.task_type == "regression":
            return np.asarray(self.model_.predict(self._pool(data)))
        return np.asarray(self.model_.predict(self._pool(data), prediction_type="Probability"))


BACKENDS: dict[str, type[GBDTModel]] = {
    "lightgbm": LightGBMModel,
    "xgboost": XGBoostModel,
    "catboost": CatBoostModel,
}
