"""The training loop shared by the neural forecasters (window MLP, PatchTST).

Inputs are the window arrays in per-series standard units (training-period mean and standard
deviation of the series, ``Windows.loc``/``scale``); each network (``_nets``) adds RevIN instance
normalisation on top. AdamW on mini-batches drawn from in-memory tensors in an order set by a
``torch.Generator`` seeded from the run seed; after every epoch the validation MASE (the
primary metric) decides early stopping and the best weights are restored. Covariates, when a
family uses them, are flattened and standardised with means and deviations of the training
windows. On CPU the same seed and thread count give bit-identical predictions.
"""

from __future__ import annotations

import abc
import math
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np

from archbench.errors import ConfigError, DataError
from archbench.family import Model, resolve_device
from archbench.kinds.common.torchfit import check_training_settings, reuse_freed_memory
from archbench.seeding import derive_seed

from .metrics import METRICS, PRIMARY, pack_truth
from .windows import ForecastInfo, Windows

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


class WindowNetModel(Model[Windows, ForecastInfo]):
    """Base of the neural forecasters: subclasses build the network, this class trains it.

    Fixed settings: ``max_epochs`` (30), ``patience`` (5 epochs without a validation
    improvement), ``batch_size`` (256 windows), ``device`` ("auto": CUDA when visible) and
    ``threads`` (1). Forecasting epochs pass over thousands of overlapping windows, so the
    validation MASE settles within a few epochs (weather: best epoch 4-11 at the defaults).
    """

    fixed_defaults: ClassVar[dict[str, Any]] = {
        "max_epochs": 30,
        "patience": 5,
        "batch_size": 256,
        "device": "auto",
        "threads": 1,
    }
    fixed_keys: ClassVar[tuple[str, ...]] = tuple(fixed_defaults)
    #: Training loss in standard units: "mae" (N-HiTS) or "mse" (PatchTST).
    loss: ClassVar[str] = "mae"
    #: Whether the network reads the covariates (PatchTST is channel-independent: no).
    uses_covariates: ClassVar[bool] = True

    @abc.abstractmethod
    def _build(self, p: dict[str, Any], info: ForecastInfo, n_cov: int) -> nn.Module:
        """``forward(context (B, C), cov (B, F) | None) -> (B, H)``, all in standard units."""

    @abc.abstractmethod
    def _check(self, p: dict[str, Any]) -> None:
        """Raise ConfigError for an out-of-range architecture parameter."""

    def fit(self, train: Windows, val: Windows, info: ForecastInfo, *, seed: int) -> WindowNetModel:
        import torch

        p = self.resolved_params()
        _check_fixed(self.family, p)
        self._check(p)
        check_windows(train, info, "train")
        check_windows(val, info, "val")
        if torch.get_num_threads() != p["threads"]:
            torch.set_num_threads(p["threads"])
        reuse_freed_memory()
        self.device_ = torch.device(resolve_device(p["device"]))
        torch.manual_seed(seed)
        self.info_ = info
        cov = covariate_matrix(train)
        self.cov_mean_ = cov.mean(axis=0) if cov.shape[1] else cov[:0].sum(axis=0)
        std = cov.std(axis=0) if cov.shape[1] else self.cov_mean_
        self.cov_std_ = np.where(std > 0, std, 1.0)
        n_cov = cov.shape[1] if self.uses_covariates else 0
        self.module_ = self._build(p, info, n_cov).to(self.device_)
        opt = torch.optim.AdamW(
            self.module_.parameters(), lr=p["lr"], weight_decay=p["weight_decay"]
        )
        gen = torch.Generator().manual_seed(derive_seed(seed, "batch_order"))
        self._loop(p, opt, gen, train, val)
        return self

    def _inputs(self, w: Windows) -> tuple[torch.Tensor, torch.Tensor | None]:
        import torch

        ctx = (w.context - w.loc[:, None]) / w.scale[:, None]
        x = torch.from_numpy(ctx.astype(np.float32)).to(self.device_)
        if not self.uses_covariates or not self.cov_mean_.size:
            return x, None
        cov = (covariate_matrix(w) - self.cov_mean_) / self.cov_std_
        return x, torch.from_numpy(cov.astype(np.float32)).to(self.device_)

    def _loop(
        self,
        p: dict[str, Any],
        opt: torch.optim.Optimizer,
        gen: torch.Generator,
        train: Windows,
        val: Windows,
    ) -> None:
        """Epochs until ``patience`` epochs pass without a better validation MASE."""
        import torch

        x, cov = self._inputs(train)
        y = torch.from_numpy(
            ((train.target - train.loc[:, None]) / train.scale[:, None]).astype(np.float32)
        ).to(self.device_)
        truth = pack_truth(val.target, val.mase_scale)
        mase = METRICS[PRIMARY].fn
        history: list[float] = []
        best: dict[str, torch.Tensor] | None = None
        best_epoch = bad = 0
        for epoch in range(1, p["max_epochs"] + 1):
            loss = self._epoch(opt, x, cov, y, p["batch_size"], gen)
            pred = self.predict(val)
            if not (math.isfinite(loss) and np.isfinite(pred).all()):
                if best is None:
                    raise FloatingPointError(
                        f"{self.family}: training diverged in epoch {epoch}; lr = {p['lr']:g} "
                        "is probably too high"
                    )
                break
            history.append(mase(truth, pred))
            if best is None or history[-1] < history[best_epoch - 1]:
                best_epoch, bad = epoch, 0
                best = {k: v.detach().clone() for k, v in self.module_.state_dict().items()}
            else:
                bad += 1
                if bad >= p["patience"]:
                    break
        assert best is not None
        self.module_.load_state_dict(best)
        self.n_iter_, self.best_iter_, self.history_ = len(history), best_epoch, history
        self.history_metric_, self.best_score_ = PRIMARY, history[best_epoch - 1]

    def _epoch(
        self,
        opt: torch.optim.Optimizer,
        x: torch.Tensor,
        cov: torch.Tensor | None,
        y: torch.Tensor,
        batch_size: int,
        gen: torch.Generator,
    ) -> float:
        import torch
        from torch.nn import functional as F

        module = self.module_
        module.train()
        n = int(x.shape[0])
        perm = torch.randperm(n, generator=gen).to(x.device)
        total = torch.zeros((), device=x.device)
        lossf = F.l1_loss if self.loss == "mae" else F.mse_loss
        for start in range(0, n, batch_size):
            idx = perm[start : start + batch_size]
            opt.zero_grad(set_to_none=True)
            out = module(x[idx], None if cov is None else cov[idx])
            loss = lossf(out, y[idx])
            loss.backward()
            opt.step()
            total += loss.detach() * idx.shape[0]
        return float(total) / n

    def predict(self, data: Windows) -> np.ndarray:
        """``(n, H)`` forecasts in the target's units."""
        import torch

        if not hasattr(self, "module_"):
            raise RuntimeError(f"{self.family}: predict called before fit")
        check_windows(data, self.info_, "data")
        x, cov = self._inputs(data)
        self.module_.eval()
        outs = []
        with torch.inference_mode():
            for s in range(0, len(data), EVAL_BATCH):
                sl = slice(s, s + EVAL_BATCH)
                outs.append(self.module_(x[sl], None if cov is None else cov[sl]).float().cpu())
        z = torch.cat(outs).numpy().astype(np.float64)
        return z * data.scale[:, None] + data.loc[:, None]


def _check_fixed(family: str, p: dict[str, Any]) -> None:
    check_training_settings(family, p)
    if not 0.0 <= p.get("dropout", 0.0) < 1.0:
        raise ConfigError(f"{family}: dropout = {p['dropout']!r} must lie in [0, 1)")
