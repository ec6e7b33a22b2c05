"""Transformer encoder: trained from scratch on subword tokens, or a pretrained checkpoint.

From scratch (default): a BPE (or WordPiece) vocabulary of ``vocab_size`` learned on the
training texts only; ``[CLS]`` + tokens truncated to ``max_length``; token + learned position
embeddings; ``n_layers`` pre-norm blocks (``_nets.EncoderBlock``: multi-head self-attention
with one fused QKV projection, GELU feed-forward; the network of torch's
``TransformerEncoderLayer(norm_first=True)``); final LayerNorm; mean pooling over real tokens or
the ``[CLS]`` position; a linear head. Batches are bucketed by length (windows of 50 batches)
and padded to their longest text; a batch without padding does no mask work, inference runs
``scaled_dot_product_attention``'s fused kernel, dropout masks cost 16 random bits per element
(``_nets.keep_mask``) with their scales folded into the projections, AdamW is torch's fused
kernel, and the training process keeps freed tensor memory for reuse
(``common.torchfit.reuse_freed_memory``): together ~1.58x the per-epoch speed of the same-size
BERT under ``transformers``' Trainer at equal accuracy (docs/benchmarks.md, section 10).
Sized for a CPU: the default is one block of width 64, 4 heads, feed-forward 128,
``max_length`` 128 (the 95th percentile of the built-in reviews is ~120 tokens), lr 5e-4, at
most 12 epochs with patience 3 (the presets lower the caps); one epoch over 8,000 reviews costs
~4.4 CPU-seconds on this 2-core machine (1 thread, validation pass included).

Search space (after the FT-Transformer space of Gorishniy et al. 2021, shrunk for text on a
CPU): blocks 1-2, width {32, 48, 64}, heads {2, 4}, feed-forward factor {1, 2}, dropout
U(0, 0.3), pooling {mean, cls}, lr logU(1e-4, 3e-3), weight decay logU(1e-6, 1e-2).

Pretrained (``pretrained = "<directory or model name>"``, fixed setting): the checkpoint's own
tokenizer and ``AutoModelForSequenceClassification`` (a new head of ``K`` classes) through
``transformers`` (``pip install archbench[text]``), imported only then. Loading never touches
the network: ``HF_HUB_OFFLINE=1`` and ``local_files_only=True``, so a model name works only when
it is in the local Hugging Face cache; otherwise a one-line error says what to do. The
architecture parameters are then ignored (the checkpoint fixes them); lr and weight decay are
tuned as for scratch training.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np
from optuna.distributions import (
    BaseDistribution,
    CategoricalDistribution,
    FloatDistribution,
    IntDistribution,
)

from archbench.errors import ConfigError, DataError
from archbench.kinds.common.params import adamw_space, check_transformer
from archbench.kinds.text.data import TextInfo, TextPart
from archbench.kinds.text.models._torch import Encoded, TorchTextModel
from archbench.kinds.text.prepare import PAD_ID, encode, train_subword_tokenizer

if TYPE_CHECKING:
    import torch
    from torch import nn

#: Longest sequence (tokens, [CLS] included) a from-scratch encoder accepts.
MAX_LENGTH_LIMIT = 2048
WEIGHT_FILES = (
    "model.safetensors",
    "pytorch_model.bin",
    "model.safetensors.index.json",
    "pytorch_model.bin.index.json",
)


class TokenRows:
    """Padded id matrix ``(n, L)`` served in batches trimmed to their longest row; the mask is
    None for a batch whose rows all have that length."""

    def __init__(self, ids: np.ndarray, lengths: np.ndarray, pad_id: int) -> None:
        self.ids, self.lengths, self.pad_id = ids, lengths, pad_id

    def __len__(self) -> int:
        return int(self.lengths.shape[0])

    def batch(
        self, idx: np.ndarray, device: torch.device
    ) -> tuple[torch.Tensor, torch.Tensor | None]:
        import torch

        lengths = self.lengths[idx]
        width = int(lengths.max(initial=1))
        ids = torch.from_numpy(np.ascontiguousarray(self.ids[idx, :width])).to(device)
        if lengths.size == 0 or int(lengths.min()) == width:
            return ids, None  # no padding: the network skips all mask work
        mask = torch.from_numpy(np.arange(width)[None, :] < lengths[:, None]).to(device)
        return ids, mask


def check_pretrained(source: str) -> tuple[Path | None, str]:
    """Resolve ``pretrained``: ``(directory, "")`` for a local checkpoint, ``(None, name)``
    for a model name found in the local Hugging Face cache.

    Raises:
        ConfigError: a path that does not exist, a directory without a model, ``transformers``
            not installed, or a name that is not cached locally (archbench runs offline).
    """
    os.environ["HF_HUB_OFFLINE"] = "1"
    path = Path(source).expanduser()
    looks_like_path = source.startswith(("/", ".", "~")) or "\\" in source or source.count("/") > 1
    if path.exists():
        if not path.is_dir():
            raise ConfigError(
                f"encoder pretrained = {source!r} is a file; give the checkpoint's "
                "directory (with config.json and the weights)"
            )
        has_weights = any((path / f).is_file() for f in WEIGHT_FILES)
        if not (path / "config.json").is_file() or not has_weights:
            raise ConfigError(
                f"encoder pretrained = {source!r} holds no model (needs config.json and "
                "model.safetensors or pytorch_model.bin); save one with save_pretrained()"
            )
        _transformers()
        return path, ""
    if looks_like_path or not source.strip():
        raise ConfigError(
            f"encoder pretrained = {source!r} does not exist; give the directory "
            "of a saved checkpoint"
        )
    transformers = _transformers()
    try:
        transformers.AutoConfig.from_pretrained(source, local_files_only=True)
    except (OSError, ValueError) as exc:
        raise ConfigError(
            f"encoder pretrained = {source!r} is not a local directory nor in the local Hugging "
            "Face cache, and archbench never downloads (HF_HUB_OFFLINE=1); download it where "
            "there is internet, save_pretrained() it and give that directory"
        ) from exc
    return None, source


def _transformers() -> Any:
    try:
        import transformers
    except ImportError:
        raise ConfigError(
            "encoder pretrained needs the transformers package; pip install archbench[text]"
        ) from None
    transformers.logging.set_verbosity_error()
    return transformers


class TextEncoderModel(TorchTextModel):
    """Transformer encoder over subword tokens (scratch) or a fine-tuned checkpoint."""

    family: ClassVar[str] = "encoder"
    fixed_defaults: ClassVar[dict[str, Any]] = {
        **TorchTextModel.fixed_defaults,
        "max_epochs": 12,
        "batch_size": 64,
        "max_length": 128,
        "vocab_size": 8000,
        "tokenizer": "bpe",
        "pretrained": "",
    }

    defaults: ClassVar[dict[str, Any]] = {
        "n_layers": 1,
        "d_model": 64,
        "n_heads": 4,
        "ffn_factor": 2,
        "dropout": 0.1,
        "pooling": "mean",
        "lr": 5e-4,
        "weight_decay": 1e-4,
    }

    space: ClassVar[dict[str, BaseDistribution]] = {
        "n_layers": IntDistribution(1, 2),
        "d_model": CategoricalDistribution([32, 48, 64]),
        "n_heads": CategoricalDistribution([2, 4]),
        "ffn_factor": CategoricalDistribution([1, 2]),
        "dropout": FloatDistribution(0.0, 0.3),
        "pooling": CategoricalDistribution(["mean", "cls"]),
        **adamw_space(lr=(1e-4, 3e-3), weight_decay=(1e-6, 1e-2)),
    }
    space_notes: ClassVar[dict[str, str]] = {
        "n_layers": "pre-norm blocks (FT-Transformer paper: 1-4)",
        "ffn_factor": "x d_model, GELU",
        "dropout": "(attention, feed-forward, embeddings)",
        "pooling": "(mean over tokens, [CLS])",
        "tokens": "BPE (8,000) learned on train; max_length 128; learned positions",
        "optimizer": "AdamW, grad-norm clip 1, early stopping on the validation primary metric",
    }

    def _check(self, p: dict[str, Any]) -> None:
        sizes = ("n_layers", "d_model", "n_heads", "ffn_factor")
        check_transformer(self.family, p, sizes=sizes, width="d_model", dropouts=("dropout",))
        if p["pooling"] not in ("mean", "cls"):
            raise ConfigError(f"encoder: pooling = {p['pooling']!r}; use 'mean' or 'cls'")
        m = p["max_length"]
        if isinstance(m, bool) or not isinstance(m, int) or not 8 <= m <= MAX_LENGTH_LIMIT:
            raise ConfigError(
                f"encoder: max_length = {m!r} tokens is out of range; use an integer in "
                f"8..{MAX_LENGTH_LIMIT} (default 128)"
            )
        if not isinstance(p["pretrained"], str):
            raise ConfigError(f"encoder: pretrained = {p['pretrained']!r} must be a string")

    def check_params(self) -> dict[str, Any]:
        """Validated parameters; with ``pretrained``, the checkpoint is located (offline) and
        ``max_length`` checked against its position embeddings."""
        p = super().check_params()
        if p["pretrained"]:
            path, name = check_pretrained(p["pretrained"])
            config = _transformers().AutoConfig.from_pretrained(
                str(path) if path is not None else name, local_files_only=True
            )
            _check_positions(p["max_length"], config)
        return p

    def _fit_inputs(self, p: dict[str, Any], train: TextPart) -> None:
        self.max_length_ = p["max_length"]
        if p["pretrained"]:
            path, name = check_pretrained(p["pretrained"])
            tf = _transformers()
            self.hf_source_ = str(path) if path is not None else name
            try:
                self.hf_tokenizer_ = tf.AutoTokenizer.from_pretrained(
                    self.hf_source_, local_files_only=True
                )
            except (OSError, ValueError) as exc:
                raise DataError(
                    f"encoder pretrained = {p['pretrained']!r}: no tokenizer could be loaded "
                    f"({type(exc).__name__}); save the tokenizer with the model"
                ) from None
            return
        self.tokenizer_ = train_subword_tokenizer(
            train.texts, model=p["tokenizer"], vocab_size=p["vocab_size"]
        )

    def _encode(self, part: TextPart) -> Encoded:
        if hasattr(self, "hf_tokenizer_"):
            tok = self.hf_tokenizer_
            enc = tok(list(part.texts), truncation=True, max_length=self.max_length_)
            seqs = enc["input_ids"]
            pad = tok.pad_token_id if tok.pad_token_id is not None else 0
            lengths = np.array([len(s) for s in seqs], dtype=np.int64)
            ids = np.full((len(seqs), int(lengths.max(initial=1))), pad, dtype=np.int64)
            for i, s in enumerate(seqs):
                ids[i, : len(s)] = s
            return TokenRows(ids, lengths, pad)
        ids, lengths = encode(self.tokenizer_, part.texts, self.max_length_)
        return TokenRows(ids, lengths, PAD_ID)

    def _build(self, p: dict[str, Any], info: TextInfo) -> nn.Module:
        from archbench.kinds.text.models._nets import HFClassifier, TextEncoder

        if hasattr(self, "hf_tokenizer_"):
            return HFClassifier(self._load_pretrained(info))
        return TextEncoder(
            vocab_size=self.tokenizer_.get_vocab_size(),
            max_length=p["max_length"],
            d_model=p["d_model"],
            n_layers=p["n_layers"],
            n_heads=p["n_heads"],
            d_ffn=p["ffn_factor"] * p["d_model"],
            dropout=p["dropout"],
            pooling=p["pooling"],
            d_out=info.n_classes,
        )

    def _load_pretrained(self, info: TextInfo) -> Any:
        tf = _transformers()
        try:
            model = tf.AutoModelForSequenceClassification.from_pretrained(
                self.hf_source_, num_labels=info.n_classes, local_files_only=True
            )
        except (OSError, ValueError) as exc:
            raise DataError(
                f"encoder pretrained = {self.hf_source_!r} could not be loaded as a sequence "
                f"classifier ({type(exc).__name__}: {str(exc).splitlines()[0][:120]})"
            ) from None
        _check_positions(self.max_length_, model.config)
        return model


def _check_positions(max_length: int, config: Any) -> None:
    limit = getattr(config, "max_position_embeddings", None)
    if limit is not None and max_length > limit:
        raise ConfigError(
            f"encoder: max_length = {max_length} exceeds the checkpoint's "
            f"max_position_embeddings = {limit}; lower max_length"
        )
