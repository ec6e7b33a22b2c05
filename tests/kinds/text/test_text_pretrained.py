"""The encoder's ``pretrained`` path, offline, on a tiny random BERT built by the test."""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import pytest

from archbench.errors import ConfigError
from archbench.kinds.text.data import TextInfo, TextPart
from archbench.kinds.text.models.encoder import TextEncoderModel
from archbench.kinds.text.prepare import SPECIAL_TOKENS, train_subword_tokenizer

transformers = pytest.importorskip(
    "transformers", reason="transformers is not installed (pip install archbench[text])"
)

Parts = tuple[dict[str, TextPart], TextInfo]


@pytest.fixture
def tiny_bert(tmp_path: Path, parts: Parts) -> Path:
    p, _ = parts
    tok = train_subword_tokenizer(p["train"].texts, vocab_size=200)
    fast = transformers.PreTrainedTokenizerFast(
        tokenizer_object=tok,
        pad_token="[PAD]",
        unk_token="[UNK]",
        cls_token="[CLS]",
        sep_token="[SEP]",
    )
    config = transformers.BertConfig(
        vocab_size=tok.get_vocab_size(),
        hidden_size=16,
        num_hidden_layers=1,
        num_attention_heads=2,
        intermediate_size=32,
        max_position_embeddings=64,
    )
    out = tmp_path / "tiny-bert"
    transformers.BertForSequenceClassification(config).save_pretrained(out)
    fast.save_pretrained(out)
    assert SPECIAL_TOKENS[0] == "[PAD]"
    return out


def _fit(parts: Parts, seed: int, **kw: object) -> TextEncoderModel:
    p, info = parts
    params = {"max_epochs": 3, "patience": 2, "max_length": 48, "device": "cpu", "lr": 3e-3, **kw}
    return TextEncoderModel(**params).fit(p["train"], p["val"], info, seed=seed)


def test_finetunes_local_checkpoint(tiny_bert: Path, parts: Parts) -> None:
    p, _ = parts
    m = _fit(parts, seed=1, pretrained=str(tiny_bert))
    proba = m.predict(p["test"])
    assert proba.shape == (len(p["test"]), 2) and np.allclose(proba.sum(axis=1), 1.0)
    assert 1 <= m.best_iter_ <= m.n_iter_ <= 3
    assert np.array_equal(proba, _fit(parts, seed=1, pretrained=str(tiny_bert)).predict(p["test"]))
    assert type(m.module_.model).__name__ == "BertForSequenceClassification"


def test_missing_path(parts: Parts, tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"pretrained = '.*nowhere' does not exist"):
        _fit(parts, seed=0, pretrained=str(tmp_path / "nowhere"))


def test_directory_without_model(parts: Parts, tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    (tmp_path / "empty" / "config.json").write_text("{}")
    with pytest.raises(ConfigError, match="holds no model"):
        _fit(parts, seed=0, pretrained=str(tmp_path / "empty"))


def test_hub_name_offline_fails_fast(
    parts: Parts, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("HF_HOME", str(tmp_path / "hf"))  # an empty cache
    t0 = time.perf_counter()
    with pytest.raises(ConfigError, match="not a local directory nor in the local Hugging Face"):
        _fit(parts, seed=0, pretrained="bert-base-uncased")
    assert time.perf_counter() - t0 < 30


def test_max_length_beyond_checkpoint(tiny_bert: Path, parts: Parts) -> None:
    with pytest.raises(ConfigError, match="exceeds the checkpoint's max_position_embeddings = 64"):
        _fit(parts, seed=0, pretrained=str(tiny_bert), max_length=100)
