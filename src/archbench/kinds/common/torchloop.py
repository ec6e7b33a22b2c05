"""The one PyTorch training loop of the neural families of every kind.

``TorchLoop`` is a ``Model`` whose ``fit`` validates the fixed settings, sets the thread count,
seeds torch from the run seed, builds the network and its optimizers and trains it: AdamW by
default, mini-batches drawn from in-memory inputs in an order set by a ``torch.Generator``
seeded from the run seed (``derive_seed(seed, "batch_order")``), after every epoch the
validation primary metric (``Selection``) decides early stopping, and the best weights are
restored. A non-finite loss or prediction before any good epoch raises ``FloatingPointError``;
after one it stops training there. ``matmul_precision`` (``torch.set_float32_matmul_precision``)
applies while fitting and predicting on CUDA; CPU products stay exact float32 (see
``matmul_precision``). On CPU the same seed and thread count give bit-identical predictions.

A kind's base class brings the hooks: ``_rows``/``_targets`` (a split as network inputs and
training targets), ``_network`` (the module), ``_loss``, ``_to_prediction`` (outputs ->
the kind's prediction array) and ``_selection`` (the primary metric on the validation split),
and may override ``_prepare`` (a representation fitted on train), ``_optimizers``,
``_param_groups``, ``_batches``, ``_forward``, ``_eval_order`` and ``_check_part``. torch is
imported inside the functions only, so importing this module stays cheap.
"""

from __future__ import annotations

import abc
import contextlib
import logging
import math
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar, Protocol, Self

import numpy as np

from archbench.errors import ConfigError
from archbench.kinds.common.params import DeclaredDefaults
from archbench.kinds.common.torchfit import check_training_settings, reuse_freed_memory
from archbench.kinds.family import InfoT, Model, PartT, resolve_device
from archbench.seeding import derive_seed
from archbench.spec.model import MATMUL_PRECISIONS

if TYPE_CHECKING:
    import torch
    from torch import nn

__all__ = [
    "Rows",
    "Selection",
    "TensorRows",
    "TorchLoop",
    "check_fixed",
    "improves",
    "matmul_precision",
]

log = logging.getLogger(__name__)

#: A batch's row index: a device tensor or numpy array of rows, or a slice (inference).
Index = Any


class Rows(Protocol):
    """A split as network inputs; ``batch`` gives the input tensors of some rows (None for an
    input the network can do without)."""

    def __len__(self) -> int: ...

    def batch(self, idx: Index, device: torch.device) -> tuple[torch.Tensor | None, ...]: ...


class TensorRows:
    """Inputs already on the device: ``batch`` indexes each tensor (None stays None)."""

    def __init__(self, *tensors: torch.Tensor | None) -> None:
        self.tensors = tensors

    def __len__(self) -> int:
        return next(int(t.shape[0]) for t in self.tensors if t is not None)

    def batch(self, idx: Index, device: torch.device) -> tuple[torch.Tensor | None, ...]:
        return tuple(None if t is None else t[idx] for t in self.tensors)


@dataclass(frozen=True)
class Selection:
    """What early stopping reads after each epoch: the primary metric of the validation
    predictions and, optionally, a tie-break (lower wins) among epochs with an equal score."""

    name: str
    higher_is_better: bool
    score: Callable[[np.ndarray], float]
    tiebreak: Callable[[np.ndarray], float] | None = None


class _Direction(Protocol):
    @property
    def higher_is_better(self) -> bool: ...


def improves(sel: _Direction, score: float, loss: float, best: float, best_loss: float) -> bool:
    """Early stopping's test: a better validation primary metric, or the same one with a lower
    tie-break loss (``nan`` when the family has none). A non-finite score never improves; any
    finite score improves on a non-finite best.

    Macro-F1 and accuracy are step functions of the predictions: while a network still predicts
    the majority class for every text its macro-F1 stays exactly where it was even as its loss
    falls, and stopping on that plateau stopped a bag-of-n-grams MLP after 3 epochs at the
    majority class's score (a new user's 979 drug reviews, 3 classes). The text families break
    such ties by the validation log-loss.
    """
    if not np.isfinite(score):
        return False
    if not np.isfinite(best) or (score > best if sel.higher_is_better else score < best):
        return True
    return bool(score == best and np.isfinite(loss) and loss < best_loss)


@contextlib.contextmanager
def matmul_precision(precision: str) -> Iterator[None]:
    """``torch.set_float32_matmul_precision(precision)`` for the block, restored after it.

    Used on CUDA only (TF32). On CPU, torch 2.13 routes a float32 product to oneDNN's bfloat16
    kernels under "medium" for some calls and not others: of two identical benchmark runs here,
    one trained both neural families in bfloat16 (1.3x faster, other numbers), the other only
    the MLP. Results must not depend on that, so CPU training ignores the setting.
    """
    import torch

    old = torch.get_float32_matmul_precision()
    torch.set_float32_matmul_precision(precision)
    try:
        yield
    finally:
        torch.set_float32_matmul_precision(old)


def check_fixed(family: str, p: dict[str, Any]) -> None:
    """One ConfigError line for a bad ``matmul_precision``, epoch cap, patience, batch size,
    thread count, device, ``lr``, ``weight_decay`` or (where declared) ``grad_clip``."""
    if p["matmul_precision"] not in MATMUL_PRECISIONS:
        raise ConfigError(
            f"{family}: matmul_precision = {p['matmul_precision']!r}; use one of "
            + ", ".join(MATMUL_PRECISIONS)
        )
    numbers = ("lr", "weight_decay") + (("grad_clip",) if "grad_clip" in p else ())
    check_training_settings(family, p, numbers)


class TorchLoop(DeclaredDefaults, Model[PartT, InfoT]):
    """A neural family: the kind's base class supplies the hooks, this class trains.

    Fixed settings (``fixed_defaults``): ``max_epochs``, ``patience`` (epochs without a
    validation improvement before stopping), ``batch_size``, ``device`` (``"auto"``: CUDA when
    visible), ``threads`` (``torch.set_num_threads``), ``matmul_precision`` and, where a kind
    declares it, ``grad_clip`` (gradient-norm clipping; 0 for none). A subclass changes or
    adds fixed settings in ``fixed_defaults`` only: ``fixed_keys`` follows it.
    """

    fixed_defaults: ClassVar[dict[str, Any]] = {
        "max_epochs": 100,
        "patience": 16,
        "batch_size": 256,
        "device": "auto",
        "threads": 1,
        "matmul_precision": "highest",
    }
    fixed_keys: ClassVar[tuple[str, ...]] = tuple(fixed_defaults)
    #: Rows per forward pass at inference, by device type (others: the "cuda" entry).
    eval_batch_size: ClassVar[dict[str, int]] = {"cpu": 512, "cuda": 8192}

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        cls.fixed_keys = tuple(cls.fixed_defaults)

    # Filled by fit.
    module_: nn.Module
    device_: torch.device
    info_: InfoT
    precision_: str
    history_metric_: str
    best_score_: float

    # -- hooks every kind supplies ---------------------------------------------------------
    @abc.abstractmethod
    def _check(self, p: dict[str, Any]) -> None:
        """Raise ConfigError for an out-of-range architecture parameter."""

    @abc.abstractmethod
    def _network(self, p: dict[str, Any], info: InfoT) -> nn.Module:
        """The untrained network (on CPU; the loop moves it to the device)."""

    @abc.abstractmethod
    def _rows(self, part: PartT) -> Rows:
        """A split as network inputs on ``self.device_``."""

    @abc.abstractmethod
    def _targets(self, part: PartT) -> torch.Tensor:
        """The training targets of a split, one row per input row, on ``self.device_``."""

    @abc.abstractmethod
    def _loss(self, out: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        """The mean training loss of a batch's outputs."""

    @abc.abstractmethod
    def _to_prediction(self, out: np.ndarray, part: PartT) -> np.ndarray:
        """Network outputs ``(n, d_out)`` (float64) -> the kind's prediction array."""

    @abc.abstractmethod
    def _selection(self, val: PartT) -> Selection:
        """The validation primary metric that early stopping reads."""

    # -- hooks with defaults ---------------------------------------------------------------
    def check_params(self) -> dict[str, Any]:
        """The resolved parameters, validated.

        Raises:
            ConfigError: an unknown or out-of-range parameter, naming it.
        """
        p = self.resolved_params()
        check_fixed(self.family, p)
        self._check(p)
        return p

    def _check_part(self, part: PartT, info: InfoT, name: str) -> None:
        """Raise DataError when a split does not match ``info``; by default nothing."""

    def _prepare(self, p: dict[str, Any], train: PartT) -> None:
        """Fit what the inputs need on the training split (before torch is seeded)."""

    def _param_groups(self, module: nn.Module, weight_decay: float) -> list[dict[str, Any]]:
        """AdamW parameter groups; by default every parameter is decayed."""
        return [{"params": list(module.parameters()), "weight_decay": weight_decay}]

    def _optimizers(self, p: dict[str, Any]) -> list[torch.optim.Optimizer]:
        """The optimizers stepped after every batch: AdamW over ``_param_groups``."""
        import torch

        return [torch.optim.AdamW(self._param_groups(self.module_, p["weight_decay"]), lr=p["lr"])]

    def _batches(self, n: int, batch_size: int, gen: torch.Generator, rows: Rows) -> list[Index]:
        """One epoch's mini-batches: consecutive slices of a permutation drawn from ``gen``."""
        import torch

        perm = torch.randperm(n, generator=gen).to(self.device_)
        return [perm[s : s + batch_size] for s in range(0, n, batch_size)]

    def _forward(self, inputs: tuple[torch.Tensor | None, ...]) -> torch.Tensor:
        """Apply the network to a batch's inputs."""
        return self.module_(*inputs)  # type: ignore[no-any-return]

    def _eval_order(self, rows: Rows) -> np.ndarray | None:
        """Row order of inference (None: consecutive slices)."""
        return None

    # -- the loop --------------------------------------------------------------------------
    def fit(self, train: PartT, val: PartT, info: InfoT, *, seed: int) -> Self:
        import torch

        p = self.check_params()
        for part, name in ((train, "train"), (val, "val")):
            self._check_part(part, info, name)
        if torch.get_num_threads() != p["threads"]:
            torch.set_num_threads(p["threads"])
        reuse_freed_memory()
        self.device_ = device = torch.device(resolve_device(p["device"]))
        self.info_ = info
        self.precision_ = p["matmul_precision"] if device.type == "cuda" else "highest"
        if p["matmul_precision"] != self.precision_:
            log.warning(
                "%s: matmul_precision = %r applies on CUDA only; CPU matrix products stay "
                "exact float32",
                self.family,
                p["matmul_precision"],
            )
        self._prepare(p, train)
        torch.manual_seed(seed)
        with matmul_precision(self.precision_):
            self.module_ = self._network(p, info).to(device)
            opts = self._optimizers(p)
            gen = torch.Generator().manual_seed(derive_seed(seed, "batch_order"))
            self._train(p, opts, gen, train, val)
        return self

    def _train(
        self,
        p: dict[str, Any],
        opts: Sequence[torch.optim.Optimizer],
        gen: torch.Generator,
        train: PartT,
        val: PartT,
    ) -> None:
        """Epochs until ``patience`` epochs pass without a validation improvement."""

        rows, y = self._rows(train), self._targets(train)
        rows_val, sel = self._rows(val), self._selection(val)
        history: list[float] = []
        best_state: dict[str, torch.Tensor] | None = None
        best, bad, best_loss = 0, 0, math.inf
        for epoch in range(1, p["max_epochs"] + 1):
            loss = self._train_epoch(opts, rows, y, p["batch_size"], gen, p.get("grad_clip", 0))
            pred = self._to_prediction(self._outputs(rows_val), val)
            if not (math.isfinite(loss) and np.isfinite(pred).all()):
                if best_state is None:
                    raise FloatingPointError(
                        f"{self.family}: training diverged in epoch {epoch} (non-finite loss); "
                        f"lr = {p['lr']:g} is probably too high"
                    )
                log.warning("%s: non-finite loss in epoch %d; stopping", self.family, epoch)
                break
            history.append(sel.score(pred))
            loss_val = math.nan if sel.tiebreak is None else sel.tiebreak(pred)
            if best_state is None or improves(
                sel, history[-1], loss_val, history[best - 1], best_loss
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
        self.history_metric_, self.best_score_ = sel.name, history[best - 1]

    def _train_epoch(
        self,
        opts: Sequence[torch.optim.Optimizer],
        rows: Rows,
        y: torch.Tensor,
        batch_size: int,
        gen: torch.Generator,
        grad_clip: float = 0.0,
    ) -> float:
        """One pass over the training rows in a random order; returns the mean training loss
        (summed on the device, so a step never waits for the GPU)."""
        import torch

        module = self.module_
        module.train()
        n = len(rows)
        total = torch.zeros((), device=self.device_)
        for idx in self._batches(n, batch_size, gen, rows):
            for opt in opts:
                opt.zero_grad(set_to_none=True)
            out = self._forward(rows.batch(idx, self.device_))
            loss = self._loss(out, _take(y, idx))
            loss.backward()
            if grad_clip:
                torch.nn.utils.clip_grad_norm_(module.parameters(), grad_clip)
            for opt in opts:
                opt.step()
            total += loss.detach() * idx.shape[0]
        return float(total) / max(n, 1)

    def _outputs(self, rows: Rows) -> np.ndarray:
        """Network outputs ``(n, d_out)`` as float64, in batches of ``eval_batch_size``."""
        import torch

        self.module_.eval()
        n = len(rows)
        size = self.eval_batch_size.get(self.device_.type, self.eval_batch_size["cuda"])
        order = self._eval_order(rows)
        outs = []
        with torch.inference_mode():
            for s in range(0, max(n, 1), size):
                idx = slice(s, s + size) if order is None else order[s : s + size]
                outs.append(self._forward(rows.batch(idx, self.device_)).float().cpu())
        out = torch.cat(outs).numpy().astype(np.float64)
        if order is None:
            return out
        placed = np.empty_like(out)
        placed[order] = out
        return placed

    def predict(self, data: PartT) -> np.ndarray:
        if not hasattr(self, "module_"):
            raise RuntimeError(f"{self.family}: predict called before fit")
        self._check_part(data, self.info_, "data")
        with matmul_precision(self.precision_):
            return self._to_prediction(self._outputs(self._rows(data)), data)


def _take(y: torch.Tensor, idx: Index) -> torch.Tensor:
    """``y[idx]``; a numpy index is moved to ``y``'s device first."""
    import torch

    if isinstance(idx, np.ndarray):
        idx = torch.from_numpy(idx).to(y.device)
    return y[idx]
