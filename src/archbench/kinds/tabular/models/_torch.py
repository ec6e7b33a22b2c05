"""The training loop shared by the neural families (MLP, FT-Transformer).

AdamW, mini-batches drawn from in-memory tensors (no DataLoader) in an order set by a
``torch.Generator`` seeded from the run seed, early stopping on the validation primary metric
(ROC-AUC or RMSE) with the best weights restored. Regression targets are standardised with the
train mean and standard deviation and mapped back on prediction; binary classification uses one
logit and BCE, multiclass ``K`` logits and cross-entropy. On CPU, the same seed and thread count
give bit-identical predictions.
"""

from __future__ import annotations

import abc
import contextlib
import logging
import math
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np
from scipy.special import expit, softmax

from archbench.config import MATMUL_PRECISIONS
from archbench.errors import ConfigError
from archbench.kinds.common.torchfit import check_training_settings, reuse_freed_memory
from archbench.kinds.metriclib import PRIMARY, better, metric
from archbench.seeding import derive_seed

from ..preprocess import FeatureInfo, Matrix
from .base import Model, check_matrix, resolve_device

if TYPE_CHECKING:
    import torch
    from torch import nn

log = logging.getLogger(__name__)

#: Rows per forward pass at inference. On CPU small batches stay in cache: FT-Transformer
#: inference on 5k rows took 190 ms with 512-row batches and 280 ms with 8192 (MLP: no change).
EVAL_BATCH_SIZE: dict[str, int] = {"cpu": 512, "cuda": 8192}


class TorchModel(Model):
    """Base class of the neural families: subclasses build the network, this class trains it.

    Fixed settings: ``max_epochs``, ``patience`` (epochs without a validation improvement before
    stopping), ``batch_size``, ``device`` (``"auto"``: CUDA when visible, else CPU) and
    ``threads`` (``torch.set_num_threads``) and ``matmul_precision``
    (``torch.set_float32_matmul_precision`` while fitting and predicting on CUDA; on CPU the
    products stay exact float32, see ``_matmul_precision``). Every family also
    tunes ``lr`` and ``weight_decay``.
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

    @abc.abstractmethod
    def _build(self, params: dict[str, Any], info: FeatureInfo, d_out: int) -> nn.Module:
        """The network: ``forward(x_num | None, x_cat | None) -> (batch, d_out)`` logits."""

    @abc.abstractmethod
    def _check(self, params: dict[str, Any]) -> None:
        """Raise ConfigError for an out-of-range architecture parameter."""

    def _param_groups(self, module: nn.Module, weight_decay: float) -> list[dict[str, Any]]:
        """AdamW parameter groups; by default every parameter is decayed."""
        return [{"params": list(module.parameters()), "weight_decay": weight_decay}]

    def _net_forward(
        self, module: nn.Module, x_num: torch.Tensor | None, x_cat: torch.Tensor | None
    ) -> torch.Tensor:
        """Apply the network; override when ``module`` is not ``module(x_num, x_cat)``."""
        return module(x_num, x_cat)

    def fit(self, train: Matrix, val: Matrix, info: FeatureInfo, *, seed: int) -> TorchModel:
        import torch

        p = self.resolved_params()
        _check_fixed(self.family, p)
        self._check(p)
        for data, name in ((train, "train"), (val, "val")):
            check_matrix(data, info, name)
        if torch.get_num_threads() != p["threads"]:
            torch.set_num_threads(p["threads"])
        reuse_freed_memory()
        device = torch.device(resolve_device(p["device"]))
        torch.manual_seed(seed)
        d_out = info.n_classes if info.task_type == "classification" and info.n_classes > 2 else 1
        self.precision_ = p["matmul_precision"] if device.type == "cuda" else "highest"
        if p["matmul_precision"] != self.precision_:
            log.warning(
                "%s: matmul_precision = %r applies on CUDA only; CPU matrix products stay "
                "exact float32",
                self.family,
                p["matmul_precision"],
            )
        with _matmul_precision(self.precision_):
            self.module_ = self._build(p, info, d_out).to(device)
            self.info_, self.device_ = info, device
            opt = torch.optim.AdamW(self._param_groups(self.module_, p["weight_decay"]), lr=p["lr"])
            gen = torch.Generator().manual_seed(derive_seed(seed, "batch_order"))
            self._train(p, opt, gen, train, val)
        return self

    def _train(
        self,
        p: dict[str, Any],
        opt: torch.optim.Optimizer,
        gen: torch.Generator,
        train: Matrix,
        val: Matrix,
    ) -> None:
        """Epochs until ``patience`` epochs pass without a validation improvement."""
        module, info = self.module_, self.info_
        xs_train, y_train = _tensors(train, self.device_), _target_tensor(train, info, self.device_)
        xs_val = _tensors(val, self.device_)
        primary = PRIMARY[info.task_type]
        history: list[float] = []
        best_state: dict[str, torch.Tensor] | None = None
        best_epoch, bad_epochs = 0, 0
        for epoch in range(1, p["max_epochs"] + 1):
            loss = _train_epoch(self, opt, xs_train, y_train, p["batch_size"], gen)
            pred = self._to_prediction(_infer(self, *xs_val))
            if not (math.isfinite(loss) and np.isfinite(pred).all()):
                if best_state is None:
                    raise FloatingPointError(
                        f"{self.family}: training diverged in epoch {epoch} (non-finite loss); "
                        f"lr = {p['lr']:g} is probably too high"
                    )
                log.warning("%s: non-finite loss in epoch %d; stopping", self.family, epoch)
                break
            history.append(metric(primary, val.y, pred))
            if best_state is None or better(primary, history[-1], history[best_epoch - 1]):
                best_epoch, bad_epochs = epoch, 0
                best_state = {k: v.detach().clone() for k, v in module.state_dict().items()}
            else:
                bad_epochs += 1
                if bad_epochs >= p["patience"]:
                    break
        assert best_state is not None
        module.load_state_dict(best_state)
        self.n_iter_, self.best_iter_, self.history_ = len(history), best_epoch, history
        self.history_metric_, self.best_score_ = primary, history[best_epoch - 1]

    def predict(self, data: Matrix) -> np.ndarray:
        if not hasattr(self, "module_"):
            raise RuntimeError(f"{self.family}: predict called before fit")
        check_matrix(data, self.info_, "data")
        with _matmul_precision(self.precision_):
            return self._to_prediction(_infer(self, *_tensors(data, self.device_)))

    def _to_prediction(self, out: np.ndarray) -> np.ndarray:
        """Network outputs ``(n, d_out)`` -> target units ``(n,)`` or probabilities ``(n, K)``."""
        info = self.info_
        if info.task_type == "regression":
            return out[:, 0] * info.y_std + info.y_mean
        if out.shape[1] == 1:
            pos = expit(out[:, 0])
            return np.column_stack([1.0 - pos, pos])
        return softmax(out, axis=1)


@contextlib.contextmanager
def _matmul_precision(precision: str) -> Iterator[None]:
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


def _check_fixed(family: str, p: dict[str, Any]) -> None:
    if p["matmul_precision"] not in MATMUL_PRECISIONS:
        raise ConfigError(
            f"{family}: matmul_precision = {p['matmul_precision']!r}; use one of "
            + ", ".join(MATMUL_PRECISIONS)
        )
    check_training_settings(family, p)


def _tensors(data: Matrix, device: torch.device) -> tuple[torch.Tensor | None, torch.Tensor | None]:
    """``(x_num, x_cat)`` on ``device``; ``None`` for a kind of feature the task lacks."""
    import torch

    x_num = x_cat = None
    if data.x_num.shape[1]:
        x_num = torch.from_numpy(np.ascontiguousarray(data.x_num, dtype=np.float32)).to(device)
    if data.x_cat.shape[1]:
        x_cat = torch.from_numpy(np.ascontiguousarray(data.x_cat, dtype=np.int64)).to(device)
    return x_num, x_cat


def _target_tensor(data: Matrix, info: FeatureInfo, device: torch.device) -> torch.Tensor:
    """Standardised float targets (regression), float 0/1 (binary) or int64 classes."""
    import torch

    if info.task_type == "regression":
        y = (data.y.astype(np.float64) - info.y_mean) / info.y_std
        return torch.from_numpy(y.astype(np.float32)).to(device)
    if info.n_classes > 2:
        return torch.from_numpy(data.y.astype(np.int64)).to(device)
    return torch.from_numpy(data.y.astype(np.float32)).to(device)


def _loss(out: torch.Tensor, y: torch.Tensor, info: FeatureInfo) -> torch.Tensor:
    from torch.nn import functional as F

    if info.task_type == "regression":
        return F.mse_loss(out.squeeze(-1), y)
    if info.n_classes > 2:
        return F.cross_entropy(out, y)
    return F.binary_cross_entropy_with_logits(out.squeeze(-1), y)


def _train_epoch(
    model: TorchModel,
    opt: torch.optim.Optimizer,
    xs: tuple[torch.Tensor | None, torch.Tensor | None],
    y: torch.Tensor,
    batch_size: int,
    gen: torch.Generator,
) -> float:
    """One pass over the training rows in a random order; returns the mean training loss."""
    import torch

    module, info = model.module_, model.info_
    module.train()
    x_num, x_cat = xs
    n = int(y.shape[0])
    perm = torch.randperm(n, generator=gen).to(y.device)
    total = torch.zeros((), device=y.device)
    for start in range(0, n, batch_size):
        idx = perm[start : start + batch_size]
        opt.zero_grad(set_to_none=True)
        xb_num = None if x_num is None else x_num[idx]
        out = model._net_forward(module, xb_num, None if x_cat is None else x_cat[idx])
        loss = _loss(out, y[idx], info)
        loss.backward()
        opt.step()
        total += loss.detach() * idx.shape[0]
    return float(total) / n


def _infer(model: TorchModel, x_num: torch.Tensor | None, x_cat: torch.Tensor | None) -> np.ndarray:
    """Outputs ``(n, d_out)`` as float64, computed in batches of EVAL_BATCH_SIZE rows."""
    import torch

    module = model.module_
    module.eval()
    x_any = x_num if x_num is not None else x_cat
    assert x_any is not None
    n = int(x_any.shape[0])
    batch = EVAL_BATCH_SIZE.get(x_any.device.type, EVAL_BATCH_SIZE["cuda"])
    outs = []
    with torch.inference_mode():
        for s in range(0, max(n, 1), batch):
            sl = slice(s, s + batch)
            xb_num = None if x_num is None else x_num[sl]
            out = model._net_forward(module, xb_num, None if x_cat is None else x_cat[sl])
            outs.append(out.float().cpu())
    return torch.cat(outs).numpy().astype(np.float64)
