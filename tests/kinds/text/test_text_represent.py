from __future__ import annotations

import numpy as np
import pytest

from archbench.errors import ConfigError
from archbench.kinds.text.data import TextPart
from archbench.kinds.text.represent import (
    CLS_ID,
    PAD_ID,
    TfidfSettings,
    discriminative_ngrams,
    encode,
    fit_tfidf,
    text_statistics,
    train_subword_tokenizer,
)

TRAIN = np.array(["red dress lovely", "blue dress awful", "red coat warm lovely"], dtype=object)


@pytest.mark.parametrize("ngrams", ["word1", "word12", "char24", "word12+char24"])
def test_tfidf_vocabulary_from_train_only(ngrams: str) -> None:
    rep = fit_tfidf(TRAIN, TfidfSettings(ngrams=ngrams, min_df=1))
    x = rep.transform(np.array(["zebra zebra", "red dress"], dtype=object))
    assert x.shape == (2, rep.n_features_) and x.dtype == np.float32
    if ngrams.startswith("word"):
        assert x[0].nnz == 0  # an unseen word has no column
        assert "zebra" not in rep.vectorizers_[0].vocabulary_
    assert np.allclose(np.asarray(x[1].multiply(x[1]).sum()), len(rep.vectorizers_), atol=1e-5)


def test_tfidf_settings_checked() -> None:
    with pytest.raises(ConfigError, match="ngrams = 'word9'"):
        fit_tfidf(TRAIN, TfidfSettings(ngrams="word9"))
    with pytest.raises(ConfigError, match="max_features = 0"):
        fit_tfidf(TRAIN, TfidfSettings(max_features=0))


@pytest.mark.parametrize("model", ["wordpiece", "bpe"])
def test_subword_tokenizer_deterministic_and_encoded(model: str, text_data) -> None:
    texts = text_data.texts[:200]
    a = train_subword_tokenizer(texts, model=model, vocab_size=150)
    b = train_subword_tokenizer(
        np.array([*list(texts), "x"], dtype=object)[:-1], model=model, vocab_size=150
    )
    assert a.get_vocab() == b.get_vocab()
    ids, lengths = encode(a, np.array(["Great SHIRT", "collar " * 50], dtype=object), 16)
    assert ids.dtype == np.int64 and ids.shape == (2, 16) and lengths.tolist()[1] == 16
    assert (ids[:, 0] == CLS_ID).all() and (ids[0, lengths[0] :] == PAD_ID).all()
    assert (
        a.encode("great", add_special_tokens=False).ids
        == a.encode("Gréat", add_special_tokens=False).ids
    )  # lower-cased, accents stripped
    with pytest.raises(ConfigError, match="vocab_size"):
        train_subword_tokenizer(texts, vocab_size=10)


def test_text_statistics() -> None:
    parts = {
        "train": ["the red dress is lovely", "the blue dress"],
        "test": ["the red dress"],
        "shift": ["the warm coat coat", "a coat"],
    }
    st = text_statistics(parts, top_k=3, min_count=2)
    assert st.splits["train"].oov_token_rate == 0.0
    assert st.splits["test"].oov_token_rate == 0.0
    # shift tokens (2+ characters): the warm coat coat coat -> 4 of 5 unseen
    assert st.splits["shift"].oov_token_rate == pytest.approx(4 / 5)
    assert st.splits["shift"].oov_type_rate == pytest.approx(2 / 3)
    assert st.splits["train"].vocab_size == 6 and st.splits["train"].mean_words == 4.0
    assert st.discriminative["shift"][0][0] == "coat"
    assert st.discriminative["id"][0][0] == "dress"


def test_discriminative_ngrams_symmetric() -> None:
    a = [["good", "shirt"]] * 20 + [["good", "coat"]] * 2
    b = [["good", "coat"]] * 20 + [["good", "shirt"]] * 2
    d = discriminative_ngrams(a, b, min_count=3)
    e = discriminative_ngrams(b, a, min_count=3)
    assert {g for g, _ in d["id"][:2]} == {"shirt", "good shirt"}
    assert {g for g, _ in d["shift"][:2]} == {"coat", "good coat"}
    assert d["id"][0][1] == pytest.approx(e["shift"][0][1])
    assert "good" not in [g for g, _ in d["id"] + d["shift"]]


def test_textpart_requires_matching_lengths() -> None:
    with pytest.raises(AssertionError):
        TextPart(np.array(["a"], dtype=object), np.array([0, 1]))
