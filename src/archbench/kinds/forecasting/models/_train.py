"""The forecasting kind's hooks into the shared training loop (``kinds.common.torchloop``) for
the neural forecasters (window MLP, PatchTST).

Inputs are the window arrays in per-series standard units (training-period mean and standard
deviation of the series, ``Windows.loc``/``scale``); each network (``_nets``) adds RevIN instance
normalisation on top. Early stopping reads the validation MASE (the primary metric).
Covariates, when a family uses them, are flattened and standardised with means and deviations
of the training windows.
"""

from __future__ import annotations

import abc
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np

from archbench.errors import DataError
from archbench.kinds.common.params import check_fractions
from archbench.kinds.common.torchloop import Selection, TensorRows, TorchLoop
from archbench.kinds.forecasting.metrics import METRICS, PRIMARY, pack_truth
from archbench.kinds.forecasting.splits import ForecastInfo, Windows

if TYPE_CHECKING:
    import torch
    from torch import nn

EVAL_BATCH = 2048


def check_windows(w: Windows, info: ForecastInfo, name: str) -> None:
    """Fail fast when ``w`` does not match ``info`` (lengths, covariate counts)."""
    want = (info.context, info.horizon, len(info.known_names), len(info.observed_names))
    got = (w.context.shape[1], w.target.shape[1], w.known.shape[2], w.observed.shape[2])
    if got != want or len(w) == 0:
        raise DataError(
            f"{name}: {len(w)} windows of (context, horizon, known, observed) = {got}, "
            f"expected a non-empty set with {want}"
        )


def covariate_matrix(w: Windows) -> np.ndarray:
    """``(n, (C + H) * k + C * o)`` flattened known and observed covariates."""
    n = len(w)
    return np.hstack([w.known.reshape(n, -1), w.observed.reshape(n, -1)])


class WindowNetModel(TorchLoop[Windows, ForecastInfo]):
    """Base of the neural forecasters: subclasses build the network, the shared loop trains it.

    Fixed settings: ``max_epochs`` (30), ``patience`` (5 epochs without a validation
    improvement), ``batch_size`` (256 windows), ``device`` ("auto": CUDA when visible),
    ``threads`` (1) and ``matmul_precision`` (TF32 products on CUDA with "high"/"medium").
    Forecasting epochs pass over thousands of overlapping windows, so the validation MASE
    settles within a few epochs (weather: best epoch 4-11 at the defaults).
    """

    fixed_defaults: ClassVar[dict[str, Any]] = {
        **TorchLoop.fixed_defaults,
        "max_epochs": 30,
        "patience": 5,
    }
    eval_batch_size: ClassVar[dict[str, int]] = {"cpu": EVAL_BATCH, "cuda": EVAL_BATCH}
    #: Training loss in standard units: "mae" (N-HiTS) or "mse" (PatchTST).
    loss: ClassVar[str] = "mae"
    #: Whether the network reads the covariates (PatchTST is channel-independent: no).
    uses_covariates: ClassVar[bool] = True

    @abc.abstractmethod
    def _build(self, p: dict[str, Any], info: ForecastInfo, n_cov: int) -> nn.Module:
        """``forward(context (B, C), cov (B, F) | None) -> (B, H)``, all in standard units."""

    def check_params(self) -> dict[str, Any]:
        p = super().check_params()
        check_fractions(self.family, p, ("dropout",))
        return p

    def _check_part(self, part: Windows, info: ForecastInfo, name: str) -> None:
        check_windows(part, info, name)

    def _prepare(self, p: dict[str, Any], train: Windows) -> None:
        """Means and deviations of the training windows' flattened covariates."""
        cov = covariate_matrix(train)
        self.cov_mean_ = cov.mean(axis=0) if cov.shape[1] else cov[:0].sum(axis=0)
        std = cov.std(axis=0) if cov.shape[1] else self.cov_mean_
        self.cov_std_ = np.where(std > 0, std, 1.0)
        self.n_cov_ = cov.shape[1] if self.uses_covariates else 0

    def _network(self, p: dict[str, Any], info: ForecastInfo) -> nn.Module:
        return self._build(p, info, self.n_cov_)

    def _rows(self, part: Windows) -> TensorRows:
        """``(context, covariates | None)`` in standard units."""
        import torch

        ctx = (part.context - part.loc[:, None]) / part.scale[:, None]
        x = torch.from_numpy(ctx.astype(np.float32)).to(self.device_)
        if not self.uses_covariates or not self.cov_mean_.size:
            return TensorRows(x, None)
        cov = (covariate_matrix(part) - self.cov_mean_) / self.cov_std_
        return TensorRows(x, torch.from_numpy(cov.astype(np.float32)).to(self.device_))

    def _targets(self, part: Windows) -> torch.Tensor:
        import torch

        y = (part.target - part.loc[:, None]) / part.scale[:, None]
        return torch.from_numpy(y.astype(np.float32)).to(self.device_)

    def _loss(self, out: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        from torch.nn import functional as F

        return F.l1_loss(out, y) if self.loss == "mae" else F.mse_loss(out, y)

    def _selection(self, val: Windows) -> Selection:
        truth = pack_truth(val.target, val.mase_scale)
        spec = METRICS[PRIMARY]
        return Selection(PRIMARY, spec.higher_is_better, lambda pred: spec.fn(truth, pred))

    def _to_prediction(self, out: np.ndarray, part: Windows) -> np.ndarray:
        """``(n, H)`` forecasts in the target's units."""
        return out * part.scale[:, None] + part.loc[:, None]
