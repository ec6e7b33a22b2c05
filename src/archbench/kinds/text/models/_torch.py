"""The text kind's hooks into the shared training loop (``kinds.common.torchloop``) for the
neural text families (bag-of-n-grams MLP, Transformer encoder).

A family turns a ``TextPart`` into an ``Encoded`` part (fitted on train only) and builds a
``torch.nn.Module`` whose ``forward(*batch)`` returns ``(batch, K)`` logits; the shared loop
trains it with cross-entropy, gradient-norm clipping (``grad_clip``), mini-batches bucketed by
length (``batches``) and early stopping on the validation primary metric (ROC-AUC for two
classes, macro-F1 for more; a tie broken by the validation log-loss, see
``torchloop.improves``) with the best weights restored.
"""

from __future__ import annotations

import abc
from typing import TYPE_CHECKING, Any, ClassVar, Protocol

import numpy as np
from scipy.special import softmax

from archbench.kinds.common.torchloop import Selection, TorchLoop
from archbench.kinds.text.data import TextInfo, TextPart
from archbench.kinds.text.metrics import log_loss, primary

if TYPE_CHECKING:
    import torch
    from torch import nn

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


class TorchTextModel(TorchLoop[TextPart, TextInfo]):
    """Base class: subclasses encode texts and build the network; the shared loop trains it."""

    fixed_defaults: ClassVar[dict[str, Any]] = {
        **TorchLoop.fixed_defaults,
        "max_epochs": 30,
        "patience": 3,
        "batch_size": 128,
        "grad_clip": 1.0,
    }
    eval_batch_size: ClassVar[dict[str, int]] = EVAL_BATCH_SIZE

    @abc.abstractmethod
    def _fit_inputs(self, p: dict[str, Any], train: TextPart) -> None:
        """Fit the representation (vocabulary, tokenizer) on the training texts."""

    @abc.abstractmethod
    def _encode(self, part: TextPart) -> Encoded:
        """Model inputs of a split (after ``_fit_inputs``)."""

    @abc.abstractmethod
    def _build(self, p: dict[str, Any], info: TextInfo) -> nn.Module:
        """The network: ``forward(*batch) -> (batch, K)`` logits."""

    def _prepare(self, p: dict[str, Any], train: TextPart) -> None:
        self._fit_inputs(p, train)

    def _network(self, p: dict[str, Any], info: TextInfo) -> nn.Module:
        return self._build(p, info)

    def _rows(self, part: TextPart) -> Encoded:
        return self._encode(part)

    def _targets(self, part: TextPart) -> torch.Tensor:
        import torch

        return torch.from_numpy(part.y.astype(np.int64)).to(self.device_)

    def _loss(self, out: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        from torch.nn import functional as F

        return F.cross_entropy(out, y)

    def _batches(
        self, n: int, batch_size: int, gen: torch.Generator, rows: Encoded
    ) -> list[np.ndarray]:
        return batches(n, batch_size, gen, getattr(rows, "lengths", None))

    def _eval_order(self, rows: Encoded) -> np.ndarray:
        """Length order when the rows have lengths (less padding per batch)."""
        lengths = getattr(rows, "lengths", None)
        return np.arange(len(rows)) if lengths is None else np.argsort(lengths, kind="stable")

    def _selection(self, val: TextPart) -> Selection:
        spec = primary(self.info_.n_classes)
        return Selection(
            spec.name,
            spec.higher_is_better,
            lambda pred: spec.fn(val.y, pred),
            lambda pred: log_loss(val.y, pred),
        )

    def _to_prediction(self, out: np.ndarray, part: TextPart) -> np.ndarray:
        """``(n, K)`` class probabilities."""
        return softmax(out, axis=1)

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
