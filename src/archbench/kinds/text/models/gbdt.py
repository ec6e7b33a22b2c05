"""GBDT on TF-IDF: LightGBM trained on the sparse TF-IDF matrix (CSR, never densified).

The representation (fitted on the training texts only) is part of the search space, as for
the MLP family (``mlp.tfidf_space``). Boosting parameters are the LightGBM space every kind
shares (``kinds.common.lightgbm``: learning rate logU(0.01, 0.3), leaves up to 128 here, minimum
leaf size, feature fraction from 0.2 here, bagging fraction, L1/L2), with LightGBM's own
defaults as the first trial, except ``feature_fraction`` whose default is 0.5 here: with
thousands of sparse columns, sampling half of them per tree halves the split search. The
TF-IDF default keeps the 10,000 most frequent word 1-2-grams (choices 5k-20k).
Early stopping on the validation primary metric: ``auc`` for two classes, macro-F1 (a custom
metric over the argmax) for more; prediction at the best iteration.
Threads are pinned (``threads``, default 1) and every random draw is seeded from the run seed.
"""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np
from optuna.distributions import BaseDistribution

from archbench.kinds.common import lightgbm as lgbm
from archbench.kinds.common.params import DeclaredDefaults
from archbench.kinds.family import Model
from archbench.kinds.text.data import TextInfo, TextPart
from archbench.kinds.text.metrics import macro_f1
from archbench.kinds.text.models.mlp import (
    TFIDF_NOTES,
    tfidf_defaults,
    tfidf_settings,
    tfidf_space,
)
from archbench.kinds.text.prepare import TfidfRepresentation, fit_tfidf

#: Fewer columns than the MLP's choices: the split search of every leaf scans each sampled
#: column's histogram, so a round costs ~proportionally to the column count (0.16 s per round
#: at 20,000 columns on this machine; a 340-round fit took 44 s).
GBDT_MAX_FEATURES = (5_000, 10_000, 20_000)


class TextLightGBMModel(DeclaredDefaults, Model):
    """LightGBM (``lgb.train``) on sparse TF-IDF n-grams."""

    family: ClassVar[str] = "gbdt"
    fixed_defaults: ClassVar[dict[str, Any]] = lgbm.rounds_defaults(1000)
    fixed_keys: ClassVar[tuple[str, ...]] = tuple(fixed_defaults)

    defaults: ClassVar[dict[str, Any]] = {
        **tfidf_defaults(max_features=10_000),
        **lgbm.boosting_defaults(feature_fraction=0.5),
    }

    space: ClassVar[dict[str, BaseDistribution]] = {
        **tfidf_space(GBDT_MAX_FEATURES),
        **lgbm.boosting_space(max_leaves=128, min_feature_fraction=0.2),
    }
    space_notes: ClassVar[dict[str, str]] = {
        **TFIDF_NOTES,
        "feature_fraction": "(default 0.5)",
        **lgbm.BOOSTING_NOTES,
    }

    def check_params(self) -> dict[str, Any]:
        """The resolved parameters, validated (the kind calls this when it reads the spec)."""
        p = self.resolved_params()
        lgbm.check_rounds(p)
        tfidf_settings(p).check()
        return p

    def fit(self, train: TextPart, val: TextPart, info: TextInfo, *, seed: int) -> Model:
        import lightgbm as lgb

        p = self.check_params()
        self.tfidf_: TfidfRepresentation = fit_tfidf(train.texts, tfidf_settings(p))
        self.info_, self.threads_ = info, p["threads"]
        params = self._lgb_params(p, info, seed)
        feval = None if info.n_classes == 2 else _lgb_macro_f1
        x_train, x_val = self.tfidf_.transform(train.texts), self.tfidf_.transform(val.texts)
        dtrain = lgb.Dataset(x_train, train.y, params={"verbosity": -1})
        dval = lgb.Dataset(x_val, val.y, reference=dtrain)
        self.booster_, self.history_, self.best_iter_ = lgbm.train_early_stopped(
            params, dtrain, dval, p, feval=feval
        )
        self.n_iter_ = len(self.history_)
        self.history_metric_ = "roc_auc" if info.n_classes == 2 else "macro_f1"
        self.best_score_ = self.history_[self.best_iter_ - 1]
        return self

    def _lgb_params(self, p: dict[str, Any], info: TextInfo, seed: int) -> dict[str, Any]:
        boost = {k: p[k] for k in lgbm.boosting_defaults()}
        params = lgbm.seeded_params(boost, threads=p["threads"], seed=seed)
        if info.n_classes == 2:
            params.update(objective="binary", metric="auc")
        else:
            params.update(objective="multiclass", num_class=info.n_classes, metric="None")
        return params

    def predict(self, part: TextPart) -> np.ndarray:
        """``(n, K)`` class probabilities at the best iteration."""
        if not hasattr(self, "booster_"):
            raise RuntimeError("gbdt: predict called before fit")
        x = self.tfidf_.transform(part.texts)
        return lgbm.class_probabilities(
            lgbm.predict_best(self.booster_, x, best_iter=self.best_iter_, threads=self.threads_)
        )


def _lgb_macro_f1(preds: np.ndarray, data: Any) -> tuple[str, float, bool]:
    y = np.asarray(data.get_label()).astype(np.int64)
    proba = np.asarray(preds).reshape(len(y), -1)
    return "macro_f1", macro_f1(y, proba), True
