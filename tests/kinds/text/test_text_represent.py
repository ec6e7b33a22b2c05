from __future__ import annotations

import numpy as np
import pytest

from archbench.errors import ConfigError
from archbench.kinds.text.data import TextPart
from archbench.kinds.text.prepare import (
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


_TRAIN_IN_A_PROCESS = """
import hashlib, json, sys
import numpy as np
from archbench.kinds.text.prepare import train_subword_tokenizer
texts = np.array(json.load(open(sys.argv[1])), dtype=object)
tok = train_subword_tokenizer(texts, model=sys.argv[2], vocab_size=1500)
print(hashlib.sha256(json.dumps(sorted(tok.get_vocab().items())).encode()).hexdigest())
"""


def test_bpe_vocabulary_and_ids_are_the_same_in_every_process(text_data, tmp_path) -> None:
    # tokenizers' WordPiece trainer gives 3 vocabularies in 3 processes on these texts (hash-map
    # order); BPE, the default, must give one.
    import json
    import subprocess
    import sys

    texts = tmp_path / "texts.json"
    texts.write_text(json.dumps([str(t) for t in text_data.texts[:1500]]))
    digests = {
        subprocess.run(
            [sys.executable, "-c", _TRAIN_IN_A_PROCESS, str(texts), "bpe"],
            capture_output=True, text=True, check=True,
        ).stdout.strip()
        for _ in range(3)
    }  # fmt: skip
    assert len(digests) == 1, digests


def test_wordpiece_ids_are_numbered_in_sorted_order(text_data) -> None:
    from archbench.kinds.text.prepare import SPECIAL_TOKENS

    vocab = train_subword_tokenizer(text_data.texts[:300], model="wordpiece", vocab_size=200)
    order = [t for t, _ in sorted(vocab.get_vocab().items(), key=lambda kv: kv[1])]
    assert order[:4] == list(SPECIAL_TOKENS) and order[4:] == sorted(order[4:])


@pytest.mark.parametrize("model", ["wordpiece", "bpe"])
def test_subword_tokenizer_encodes(model: str, text_data) -> None:
    texts = text_data.texts[:200]
    a = train_subword_tokenizer(texts, model=model, vocab_size=150)
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
