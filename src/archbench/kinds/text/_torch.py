"""The training loop of the neural text families (bag-of-n-grams MLP, Transformer encoder).

A family turns a ``TextPart`` into an ``Encoded`` part (fitted on train only) and builds a
``torch.nn.Module`` whose ``forward(*batch)`` returns ``(batch, K)`` logits. This module trains
it: AdamW, cross-entropy, mini-batches in an order drawn from a ``torch.Generator`` seeded by
the run seed, gradient-norm clipping, and early stopping on the validation primary metric
(ROC-AUC for two classes, macro-F1 for more; a tie broken by the validation log-loss, see
``improves``) with the best weights restored. Same seed and
thread count give bit-identical predictions on CPU.
"""

from __future__ import annotations

import abc
import logging
import math
from typing import TYPE_CHECKING, Any, ClassVar, Protocol

import numpy as np
from scipy.special import softmax

from ...family import Model, resolve_device
from ...metrics import MetricSpec
from ...seeding import derive_seed
from ..common.torchfit import check_training_settings, reuse_freed_memory
from .data import TextInfo, TextPart
from .metrics import better, log_loss, primary

if TYPE_CHECKING:
    import torch
    from torch import nn

log = logging.getLogger(__name__)

#: Rows per forward pass at inference.
EVAL_BATCH_SIZE: dict[str, int] = {"cpu": 256, "cuda": 2048}
#: Batches per length-sorted window (see ``batches``; transformers' ``group_by_length`` uses 50).
BUCKET = 50


class Encoded(Protocol):
    """A split turned into model inputs; ``batch`` gives the tensors of some rows (None for
    an input the network can do without, e.g. the padding mask of a batch without padding)."""

    def __len__(self) -> int: ...

    def batch(self, idx: np.ndarray, device: torch.device) -> tuple[torch.Tensor | None, ...]: ...


# Encoded parts may also carry ``lengths: (n,) int64`` (tokens per row): batches are then
# bucketed by length and inference runs in length order.


class TorchTextModel(Model):
    """Base class: subclasses encode texts and build the network; this class trains it."""

    fixed_defaults: ClassVar[dict[str, Any]] = {
        "max_epochs": 30,
        "patience": 4,
        "batch_size": 128,
        "device": "auto",
        "threads": 1,
        "grad_clip": 1.0,
    }
    fixed_keys: ClassVar[tuple[str, ...]] = tuple(fixed_defaults)

    @abc.abstractmethod
    def _fit_inputs(self, p: dict[str, Any], train: TextPart) -> None:
        """Fit the representation (vocabulary, tokenizer) on the training texts."""

    @abc.abstractmethod
    def _encode(self, part: TextPart) -> Encoded:
        """Model inputs of a split (after ``_fit_inputs``)."""

    @abc.abstractmethod
    def _build(self, p: dict[str, Any], info: TextInfo) -> nn.Module:
        """The network: ``forward(*batch) -> (batch, K)`` logits."""

    @abc.abstractmethod
    def _check(self, p: dict[str, Any]) -> None:
        """Raise ConfigError for an out-of-range parameter."""

    def check_params(self) -> dict[str, Any]:
        """The resolved parameters, validated (the kind calls this when it reads the spec).

        Raises:
            ConfigError: an unknown or out-of-range parameter, naming it.
        """
        p = self.resolved_params()
        check_fixed(self.family, p)
        self._check(p)
        return p

    def fit(self, train: TextPart, val: TextPart, info: TextInfo, *, seed: int) -> TorchTextModel:
        import torch

        p = self.check_params()
        if torch.get_num_threads() != p["threads"]:
            torch.set_num_threads(p["threads"])
        reuse_freed_memory()
        self.device_ = torch.device(resolve_device(p["device"]))
        self.info_ = info
        self._fit_inputs(p, train)
        torch.manual_seed(seed)
        self.module_ = self._build(p, info).to(self.device_)
        opts = self._optimizers(p)
        gen = torch.Generator().manual_seed(derive_seed(seed, "batch_order"))
        self._train(p, opts, gen, self._encode(train), train, val)
        return self

    def _optimizers(self, p: dict[str, Any]) -> list[torch.optim.Optimizer]:
        """AdamW (torch's fused kernel: one pass over all parameters per step); biases, norms
        and other 1-d parameters are not decayed."""
        import torch

        decay: list[torch.nn.Parameter] = []
        no_decay: list[torch.nn.Parameter] = []
        for name, param in self.module_.named_parameters():
            (no_decay if param.ndim < 2 or "norm" in name.lower() else decay).append(param)
        groups = [
            {"params": decay, "weight_decay": p["weight_decay"]},
            {"params": no_decay, "weight_decay": 0.0},
        ]
        fused = self.device_.type in ("cpu", "cuda")
        return [torch.optim.AdamW(groups, lr=p["lr"], fused=fused)]

    def _train(
        self,
        p: dict[str, Any],
        opts: list[torch.optim.Optimizer],
        gen: torch.Generator,
        enc: Encoded,
        train: TextPart,
        val: TextPart,
    ) -> None:
        import torch

        spec = primary(self.info_.n_classes)
        enc_val = self._encode(val)
        y = torch.from_numpy(train.y.astype(np.int64)).to(self.device_)
        history: list[float] = []
        best_state: dict[str, torch.Tensor] | None = None
        best, bad, best_loss = 0, 0, math.inf
        for epoch in range(1, p["max_epochs"] + 1):
            loss = self._epoch(p, opts, gen, enc, y)
            pred = self._predict_encoded(enc_val)
            if not (math.isfinite(loss) and np.isfinite(pred).all()):
                if best_state is None:
                    raise FloatingPointError(
                        f"{self.family}: training diverged in epoch {epoch} (non-finite loss); "
                        f"lr = {p['lr']:g} is probably too high"
                    )
                log.warning("%s: non-finite loss in epoch %d; stopping", self.family, epoch)
                break
            history.append(spec.fn(val.y, pred))
            loss_val = log_loss(val.y, pred)
            if best_state is None or improves(
                spec, history[-1], loss_val, history[best - 1], best_loss
            ):
                best, bad, best_loss = epoch, 0, loss_val
                best_state = {k: v.detach().clone() for k, v in self.module_.state_dict().items()}
            else:
                bad += 1
                if bad >= p["patience"]:
                    break
        assert best_state is not None
        self.module_.load_state_dict(best_state)
        self.n_iter_, self.best_iter_, self.history_ = len(history), best, history
        self.history_metric_, self.best_score_ = spec.name, history[best - 1]

    def _epoch(
        self,
        p: dict[str, Any],
        opts: list[torch.optim.Optimizer],
        gen: torch.Generator,
        enc: Encoded,
        y: torch.Tensor,
    ) -> float:
        import torch
        from torch.nn import functional as F

        self.module_.train()
        n = len(enc)
        total = 0.0
        for idx in batches(n, p["batch_size"], gen, getattr(enc, "lengths", None)):
            for opt in opts:
                opt.zero_grad(set_to_none=True)
            out = self.module_(*enc.batch(idx, self.device_))
            loss = F.cross_entropy(out, y[torch.from_numpy(idx).to(self.device_)])
            loss.backward()
            if p["grad_clip"]:
                torch.nn.utils.clip_grad_norm_(self.module_.parameters(), p["grad_clip"])
            for opt in opts:
                opt.step()
            total += float(loss.detach()) * idx.size
        return total / max(n, 1)

    def _predict_encoded(self, enc: Encoded) -> np.ndarray:
        import torch

        self.module_.eval()
        size = EVAL_BATCH_SIZE.get(self.device_.type, EVAL_BATCH_SIZE["cuda"])
        lengths = getattr(enc, "lengths", None)
        order = np.arange(len(enc)) if lengths is None else np.argsort(lengths, kind="stable")
        outs = []
        with torch.inference_mode():
            for s in range(0, len(enc), size):
                idx = order[s : s + size]
                outs.append(self.module_(*enc.batch(idx, self.device_)).float().cpu())
        if not outs:
            return np.empty((0, self.info_.n_classes))
        logits = np.empty((len(enc), self.info_.n_classes))
        logits[order] = torch.cat(outs).numpy().astype(np.float64)
        return softmax(logits, axis=1)

    def predict(self, part: TextPart) -> np.ndarray:
        """``(n, K)`` class probabilities."""
        if not hasattr(self, "module_"):
            raise RuntimeError(f"{self.family}: predict called before fit")
        return self._predict_encoded(self._encode(part))


def batches(
    n: int, batch_size: int, gen: torch.Generator, lengths: np.ndarray | None = None
) -> list[np.ndarray]:
    """Row indices of one epoch's mini-batches, in an order drawn from ``gen``.

    With ``lengths`` (token counts), rows are bucketed: each window of ``BUCKET`` batches of a
    random permutation is sorted by length before it is cut into batches, and the batch order
    is shuffled again, so a batch pads to similar lengths (Transformer inputs) while the
    batches stay random.
    """
    import torch

    perm = torch.randperm(n, generator=gen).numpy()
    if lengths is None:
        return [perm[s : s + batch_size] for s in range(0, n, batch_size)]
    out: list[np.ndarray] = []
    window = batch_size * BUCKET
    for w in range(0, n, window):
        chunk = perm[w : w + window]
        chunk = chunk[np.argsort(lengths[chunk], kind="stable")]
        out.extend(chunk[s : s + batch_size] for s in range(0, chunk.size, batch_size))
    shuffle = torch.randperm(len(out), generator=gen).numpy()
    return [out[i] for i in shuffle]


def improves(spec: MetricSpec, score: float, loss: float, best: float, best_loss: float) -> bool:
    """Early stopping's test: a better validation primary metric, or the same one with a lower
    validation log-loss.

    Macro-F1 (the primary metric for more than two classes) and accuracy are step functions
    of the predictions: while a network still predicts the majority class for every text its
    macro-F1 stays exactly where it was even as its loss falls, and stopping on that plateau
    stopped a bag-of-n-grams MLP after 3 epochs at the majority class's score (a new user's
    979 drug reviews, 3 classes). A tie in the primary metric is broken by the loss.
    """
    if better(spec, score, best):
        return True
    return bool(score == best and np.isfinite(loss) and loss < best_loss)


def check_fixed(family: str, p: dict[str, Any]) -> None:
    """Validate the shared fixed settings, ``lr``, ``weight_decay`` and ``grad_clip``."""
    check_training_settings(family, p, ("lr", "weight_decay", "grad_clip"))
