"""The tabular kind's hooks into the shared training loop (``kinds.common.torchloop``) for the
neural families (MLP, FT-Transformer).

Inputs are ``(x_num, x_cat)`` tensors (``None`` for a kind of feature the task lacks); early
stopping reads the validation primary metric (ROC-AUC or RMSE). Regression targets are
standardised with the train mean and standard deviation and mapped back on prediction; binary
classification uses one logit and BCE, multiclass ``K`` logits and cross-entropy.
"""

from __future__ import annotations

import abc
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np
from scipy.special import expit, softmax

from archbench.kinds.common.metrics import HIGHER_IS_BETTER, PRIMARY, metric
from archbench.kinds.common.torchloop import Selection, TensorRows, TorchLoop
from archbench.kinds.tabular.models.base import check_matrix
from archbench.kinds.tabular.prepare import FeatureInfo, Matrix

if TYPE_CHECKING:
    import torch
    from torch import nn

#: Rows per forward pass at inference. On CPU small batches stay in cache: FT-Transformer
#: inference on 5k rows took 190 ms with 512-row batches and 280 ms with 8192 (MLP: no change).
EVAL_BATCH_SIZE: dict[str, int] = {"cpu": 512, "cuda": 8192}


class TorchModel(TorchLoop[Matrix, FeatureInfo]):
    """Base class of the neural families: subclasses build the network, the shared loop
    trains it.

    Fixed settings: ``max_epochs``, ``patience`` (epochs without a validation improvement before
    stopping), ``batch_size``, ``device`` (``"auto"``: CUDA when visible, else CPU) and
    ``threads`` (``torch.set_num_threads``) and ``matmul_precision``
    (``torch.set_float32_matmul_precision`` while fitting and predicting on CUDA; on CPU the
    products stay exact float32, see ``torchloop.matmul_precision``). Every family also
    tunes ``lr`` and ``weight_decay``.
    """

    # fixed_defaults: the loop's (100 epochs, patience 16, batch 256, "auto", 1 thread, "highest")
    eval_batch_size: ClassVar[dict[str, int]] = EVAL_BATCH_SIZE

    @abc.abstractmethod
    def _build(self, params: dict[str, Any], info: FeatureInfo, d_out: int) -> nn.Module:
        """The network: ``forward(x_num | None, x_cat | None) -> (batch, d_out)`` logits."""

    def _net_forward(
        self, module: nn.Module, x_num: torch.Tensor | None, x_cat: torch.Tensor | None
    ) -> torch.Tensor:
        """Apply the network; override when ``module`` is not ``module(x_num, x_cat)``."""
        return module(x_num, x_cat)  # type: ignore[no-any-return]

    def _network(self, p: dict[str, Any], info: FeatureInfo) -> nn.Module:
        d_out = info.n_classes if info.task_type == "classification" and info.n_classes > 2 else 1
        return self._build(p, info, d_out)

    def _check_part(self, part: Matrix, info: FeatureInfo, name: str) -> None:
        check_matrix(part, info, name)

    def _forward(self, inputs: tuple[torch.Tensor | None, ...]) -> torch.Tensor:
        x_num, x_cat = inputs
        return self._net_forward(self.module_, x_num, x_cat)

    def _rows(self, part: Matrix) -> TensorRows:
        return TensorRows(*_tensors(part, self.device_))

    def _targets(self, part: Matrix) -> torch.Tensor:
        return _target_tensor(part, self.info_, self.device_)

    def _loss(self, out: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        return _loss(out, y, self.info_)

    def _selection(self, val: Matrix) -> Selection:
        primary = PRIMARY[self.info_.task_type]
        return Selection(
            primary, HIGHER_IS_BETTER[primary], lambda pred: metric(primary, val.y, pred)
        )

    def _to_prediction(self, out: np.ndarray, part: Matrix) -> np.ndarray:
        """Network outputs ``(n, d_out)`` -> target units ``(n,)`` or probabilities ``(n, K)``."""
        info = self.info_
        if info.task_type == "regression":
            return out[:, 0] * info.y_std + info.y_mean
        if out.shape[1] == 1:
            pos = expit(out[:, 0])
            return np.column_stack([1.0 - pos, pos])
        return softmax(out, axis=1)


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
