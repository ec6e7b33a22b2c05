"""The text GBDT and MLP families against scikit-learn pipelines at the same settings.

On the built-in clothing reviews (default preset caps: 8,000 training texts, 2,000 validation),
1 thread:

* GBDT: archbench's family (TF-IDF word 1-2-grams, 10k features, LightGBM defaults with
  feature_fraction 0.5, early stopping 30 rounds on validation ROC-AUC) against
  ``make_pipeline(TfidfVectorizer(same settings), LGBMClassifier(same parameters))`` fitted
  with the same early stopping. Same library underneath: the scores should be equal.
* MLP: archbench's bag-of-n-grams MLP (one hidden layer of 256, dropout 0.2, AdamW lr 1e-3,
  batch 128, early stopping on validation ROC-AUC, patience 2) against
  ``make_pipeline(TfidfVectorizer(same), MLPClassifier(256, adam, lr 1e-3, batch 128))``
  run epoch by epoch (``partial_fit``) with the same early-stopping rule. scikit-learn's MLP has
  no dropout and uses L2 ``alpha`` instead of decoupled weight decay, so scores are close, not
  equal; the time per epoch is the comparison.

    PYTHONPATH=src python benchmarks/text_peers_sklearn.py
"""

from __future__ import annotations

import sys
import time
from typing import Any

import numpy as np
import torch
from _common import Recorder, table

from archbench.kinds.text.data import TextInfo
from archbench.kinds.text.metrics import roc_auc
from archbench.kinds.text.models.gbdt import TextLightGBMModel
from archbench.kinds.text.models.mlp import TextMLPModel
from archbench.kinds.text.prepare import TOKEN_PATTERN
from archbench.kinds.text.presets import PRESETS
from archbench.kinds.text.splits import split_text
from archbench.kinds.text.tasks import load


def _vectorizer(max_features: int) -> Any:
    from sklearn.feature_extraction.text import TfidfVectorizer

    return TfidfVectorizer(
        ngram_range=(1, 2), max_features=max_features, sublinear_tf=True, min_df=2,
        token_pattern=TOKEN_PATTERN, dtype=np.float32,
    )  # fmt: skip


def _timed(f: Any) -> tuple[Any, float, float]:
    w0, c0 = time.perf_counter(), time.process_time()
    out = f()
    return out, time.perf_counter() - w0, time.process_time() - c0


def gbdt_rows(parts: dict[str, Any], info: TextInfo) -> list[dict[str, Any]]:
    import lightgbm as lgb

    fixed = {"max_rounds": 1000, "early_stopping_rounds": 30}
    ours, wall, cpu = _timed(
        lambda: TextLightGBMModel(**fixed).fit(parts["train"], parts["val"], info, seed=0)
    )
    p = TextLightGBMModel.default_params()

    def peer() -> Any:
        vec = _vectorizer(p["max_features"]).fit(parts["train"].texts)
        xt, xv = vec.transform(parts["train"].texts), vec.transform(parts["val"].texts)
        clf = lgb.LGBMClassifier(
            n_estimators=1000, learning_rate=p["learning_rate"], num_leaves=p["num_leaves"],
            min_child_samples=p["min_child_samples"], colsample_bytree=p["feature_fraction"],
            reg_alpha=p["lambda_l1"], reg_lambda=p["lambda_l2"], n_jobs=1, random_state=0,
            deterministic=True, force_col_wise=True, verbosity=-1, metric="auc",
            feature_fraction_seed=ours.booster_.params["feature_fraction_seed"],
        )  # fmt: skip
        clf.fit(xt, parts["train"].y, eval_X=(xv,), eval_y=(parts["val"].y,),
                callbacks=[lgb.early_stopping(30, verbose=False)])  # fmt: skip
        return vec, clf

    (vec, clf), pwall, pcpu = _timed(peer)
    test = parts["test"]
    peer_auc = roc_auc(test.y, clf.predict_proba(vec.transform(test.texts)))
    return [
        {"family": "gbdt", "impl": "archbench", "fit_wall_s": wall, "fit_cpu_s": cpu,
         "rounds": ours.best_iter_, "test_roc_auc": roc_auc(test.y, ours.predict(test))},
        {"family": "gbdt", "impl": "sklearn pipeline + LGBMClassifier", "fit_wall_s": pwall,
         "fit_cpu_s": pcpu, "rounds": clf.best_iteration_, "test_roc_auc": peer_auc},
    ]  # fmt: skip


def mlp_rows(parts: dict[str, Any], info: TextInfo) -> list[dict[str, Any]]:
    from sklearn.neural_network import MLPClassifier

    fixed = {"max_epochs": 20, "patience": 2, "device": "cpu"}
    ours, wall, cpu = _timed(
        lambda: TextMLPModel(**fixed).fit(parts["train"], parts["val"], info, seed=0)
    )

    def peer() -> tuple[Any, Any, int]:
        vec = _vectorizer(50_000).fit(parts["train"].texts)
        xt, xv = vec.transform(parts["train"].texts), vec.transform(parts["val"].texts)
        clf = MLPClassifier((256,), batch_size=128, learning_rate_init=1e-3, alpha=1e-5,
                            random_state=0)  # fmt: skip
        best, best_state, bad, epochs = -1.0, None, 0, 0
        rng = np.random.default_rng(0)
        for _ in range(20):
            order = rng.permutation(xt.shape[0])
            clf.partial_fit(xt[order], parts["train"].y[order], classes=[0, 1])
            epochs += 1
            score = roc_auc(parts["val"].y, clf.predict_proba(xv))
            if score > best:
                best, bad = score, 0
                best_state = ([w.copy() for w in clf.coefs_], [b.copy() for b in clf.intercepts_])
            else:
                bad += 1
                if bad >= 2:
                    break
        assert best_state is not None
        clf.coefs_, clf.intercepts_ = best_state
        return vec, clf, epochs

    (vec, clf, epochs), pwall, pcpu = _timed(peer)
    test = parts["test"]
    return [
        {"family": "mlp", "impl": "archbench", "fit_wall_s": wall, "fit_cpu_s": cpu,
         "epochs": ours.n_iter_, "cpu_s_per_epoch": cpu / ours.n_iter_,
         "test_roc_auc": roc_auc(test.y, ours.predict(test))},
        {"family": "mlp", "impl": "sklearn pipeline + MLPClassifier", "fit_wall_s": pwall,
         "fit_cpu_s": pcpu, "epochs": epochs, "cpu_s_per_epoch": pcpu / epochs,
         "test_roc_auc": roc_auc(test.y, clf.predict_proba(vec.transform(test.texts)))},
    ]  # fmt: skip


def main(argv: list[str]) -> None:
    rec = Recorder("text_peers_sklearn", argv, None)
    torch.set_num_threads(1)
    preset = PRESETS["default"]
    caps = {s: preset["split"][f"max_{s}_rows"] for s in ("train", "val", "test", "shift")}
    data = load()
    splits = split_text(data, seed=0, caps=caps)
    parts = {s: splits.part(data, s) for s in splits.rows}
    info = TextInfo(data.classes)
    rows = gbdt_rows(parts, info) + mlp_rows(parts, info)
    columns = list(dict.fromkeys(k for r in rows for k in r))
    print(table(rows, columns))
    rec.write(rows=rows, splits=splits.sizes)


if __name__ == "__main__":
    main(sys.argv[1:])
