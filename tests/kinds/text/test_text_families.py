from __future__ import annotations

from typing import Any

import numpy as np
import optuna
import pytest

from archbench.errors import ConfigError
from archbench.kinds.text.data import TextInfo, TextPart
from archbench.kinds.text.metrics import primary
from archbench.kinds.text.models.encoder import TextEncoderModel
from archbench.kinds.text.models.gbdt import TextLightGBMModel
from archbench.kinds.text.models.mlp import TextMLPModel
from archbench.kinds.text.references import references

TINY: dict[type, dict[str, Any]] = {
    TextMLPModel: {
        "max_epochs": 4,
        "patience": 2,
        "d_block": 32,
        "max_features": 20_000,
        "device": "cpu",
        "lr": 3e-3,
    },
    TextEncoderModel: {
        "max_epochs": 3,
        "patience": 2,
        "d_model": 16,
        "n_layers": 1,
        "n_heads": 2,
        "vocab_size": 200,
        "max_length": 32,
        "device": "cpu",
        "lr": 3e-3,
    },
    TextLightGBMModel: {
        "max_rounds": 40,
        "early_stopping_rounds": 10,
        "max_features": 5_000,
        "min_child_samples": 5,
    },
}
FAMILIES = list(TINY)
Parts = tuple[dict[str, TextPart], TextInfo]


def _fit(cls: type, parts: Parts, seed: int, **extra: Any) -> Any:
    p, info = parts
    return cls(**{**TINY[cls], **extra}).fit(p["train"], p["val"], info, seed=seed)


@pytest.mark.parametrize("cls", FAMILIES)
def test_fit_predict_contract(cls: type, parts: Parts) -> None:
    p, info = parts
    m = _fit(cls, parts, seed=1)
    for split in ("val", "test", "shift"):
        proba = m.predict(p[split])
        assert proba.shape == (len(p[split]), 2)
        assert np.allclose(proba.sum(axis=1), 1.0) and (proba >= 0).all()
    assert 1 <= m.best_iter_ <= m.n_iter_ == len(m.history_)
    assert m.history_[m.best_iter_ - 1] == max(m.history_)
    spec = primary(info.n_classes)
    assert spec.fn(p["test"].y, m.predict(p["test"])) > 0.75  # the synthetic task is easy


@pytest.mark.parametrize("cls", FAMILIES)
def test_same_seed_identical_predictions(cls: type, parts: Parts) -> None:
    p, _ = parts
    a = _fit(cls, parts, seed=3).predict(p["test"])
    b = _fit(cls, parts, seed=3).predict(p["test"])
    assert np.array_equal(a, b)
    if cls is not TextLightGBMModel:  # boosting without subsampling ignores the seed
        c = _fit(cls, parts, seed=4).predict(p["test"])
        assert not np.array_equal(a, c)


@pytest.mark.parametrize("cls", FAMILIES)
def test_multiclass(cls: type, multiclass_parts: Parts) -> None:
    p, info = multiclass_parts
    m = _fit(cls, multiclass_parts, seed=0)
    proba = m.predict(p["test"])
    assert info.n_classes == 3 and proba.shape == (len(p["test"]), 3)
    assert np.allclose(proba.sum(axis=1), 1.0)
    assert m.history_metric_ == "macro_f1"


@pytest.mark.parametrize("cls", FAMILIES)
def test_search_space_and_defaults(cls: type) -> None:
    study = optuna.create_study(sampler=optuna.samplers.RandomSampler(seed=0))
    for _ in range(3):
        params = cls.search_space(study.ask())
        assert set(params) == set(cls.default_params())
        cls(**params).resolved_params()
    assert set(cls.space_description()) >= set(cls.default_params()) - {"tokenizer"}
    with pytest.raises(ConfigError, match="unknown parameter 'nope'"):
        cls(nope=1).resolved_params()


def test_encoder_absurd_max_length(parts: Parts) -> None:
    for bad in (0, 4, 10**6, 12.5):
        with pytest.raises(ConfigError, match=rf"max_length = {bad!r} tokens is out of range"):
            _fit(TextEncoderModel, parts, seed=0, max_length=bad)


def test_family_parameter_errors(parts: Parts) -> None:
    with pytest.raises(ConfigError, match="d_model = 18 must be a multiple of n_heads = 4"):
        _fit(TextEncoderModel, parts, seed=0, d_model=18, n_heads=4)
    with pytest.raises(ConfigError, match="ngrams = 'words'"):
        _fit(TextMLPModel, parts, seed=0, ngrams="words")
    with pytest.raises(ConfigError, match="max_rounds = 0"):
        _fit(TextLightGBMModel, parts, seed=0, max_rounds=0)


def test_mlp_input_is_fitted_on_train_only(parts: Parts) -> None:
    p, _ = parts
    m = _fit(TextMLPModel, parts, seed=0, min_df=1)
    vocab = set(m.tfidf_.vectorizers_[0].vocabulary_)
    train_words = {w for t in p["train"].texts for w in t.lower().split()}
    assert all(w in train_words for g in vocab for w in g.split())


def test_references(parts: Parts) -> None:
    p, info = parts
    refs = {r.name: r for r in references(p["train"], p["val"], info, seed=0)}
    assert set(refs) == {"tfidf_logreg", "majority"}
    maj = refs["majority"].predict(p["test"])
    assert np.allclose(maj, np.bincount(p["train"].y) / len(p["train"]))
    spec = primary(info.n_classes)
    assert spec.fn(p["test"].y, refs["tfidf_logreg"].predict(p["test"])) > 0.8
    assert refs["tfidf_logreg"].params["C"] in (0.25, 1.0, 4.0, 16.0)


def test_early_stopping_breaks_a_tie_in_the_primary_metric_by_the_loss() -> None:
    """A plateau of macro-F1 (every text given the majority class) with a falling loss is
    progress; a same-score epoch with a higher loss, or a worse score, is not."""
    from archbench.kinds.common.torchloop import improves

    f1 = primary(3)
    assert f1.name == "macro_f1"
    assert improves(f1, 0.26, 1.00, 0.26, 1.05)  # same macro-F1, lower loss
    assert not improves(f1, 0.26, 1.06, 0.26, 1.05)
    assert not improves(f1, 0.25, 0.50, 0.26, 1.05)  # a worse score never wins on loss
    assert improves(f1, 0.27, 2.00, 0.26, 1.05)  # a better score wins whatever the loss
    assert not improves(f1, 0.26, float("nan"), 0.26, 1.05)
    assert not improves(f1, float("nan"), 0.10, 0.26, 1.05)
