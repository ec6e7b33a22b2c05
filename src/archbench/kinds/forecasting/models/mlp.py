"""Window MLP in the N-BEATS / N-HiTS line (Oreshkin et al. 2020; Challu et al. 2023).

A stack of residual MLP blocks reads the RevIN-normalised context (plus the flattened,
standardised covariates). Each block max-pools its input at its own rate (multi-rate input
pooling), runs ``n_layers`` ReLU layers of width ``width``, and emits a full-length backcast,
which is subtracted from the block's input, and a coarse forecast of ``H / r`` points that is
linearly interpolated to the horizon (hierarchical interpolation); the forecasts of the blocks
add up. The schedule "nhits" is N-HiTS's default (pooling 2, 2, 1; downsampling 4, 2, 1),
"nhits_coarse" doubles both, and "nbeats" (no pooling, full-rate forecasts) is the N-BEATS
generic architecture. Direct multi-horizon output, MAE loss (N-HiTS's default), AdamW, early
stopping on the validation MASE.

Default after the N-HiTS paper/neuralforecast: 3 blocks of 2 x 512, no dropout, lr 1e-3;
batch 256 (neuralforecast: 32 windows) to keep CPU epochs short.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from optuna.distributions import (
    BaseDistribution,
    CategoricalDistribution,
    FloatDistribution,
    IntDistribution,
)

from archbench.errors import ConfigError
from archbench.kinds.common.params import adamw_space, check_positive_ints
from archbench.kinds.forecasting.models._train import WindowNetModel
from archbench.kinds.forecasting.splits import ForecastInfo

if TYPE_CHECKING:
    from torch import nn

#: (pooling kernel, forecast downsampling) per block, by schedule name.
SCHEDULES: dict[str, tuple[tuple[int, int], ...]] = {
    "nhits": ((2, 4), (2, 2), (1, 1)),
    "nhits_coarse": ((4, 8), (2, 4), (1, 1)),
    "nbeats": ((1, 1), (1, 1), (1, 1)),
}


class NHiTSModel(WindowNetModel):
    """The MLP family of the forecasting kind."""

    family: ClassVar[str] = "mlp"
    loss: ClassVar[str] = "mae"
    uses_covariates: ClassVar[bool] = True

    defaults: ClassVar[dict[str, Any]] = {
        "schedule": "nhits",
        "n_layers": 2,
        "width": 512,
        "dropout": 0.0,
        "lr": 1e-3,
        "weight_decay": 1e-6,
    }

    space: ClassVar[dict[str, BaseDistribution]] = {
        "schedule": CategoricalDistribution(list(SCHEDULES)),
        "n_layers": IntDistribution(1, 3),
        "width": IntDistribution(64, 512, log=True),
        "dropout": FloatDistribution(0.0, 0.3),
        **adamw_space(lr=(1e-4, 3e-3), weight_decay=(1e-6, 1e-3)),
    }

    def _check(self, p: dict[str, Any]) -> None:
        if p["schedule"] not in SCHEDULES:
            raise ConfigError(f"mlp: schedule = {p['schedule']!r}; use one of {list(SCHEDULES)}")
        check_positive_ints(self.family, p, ("n_layers", "width"))

    def _build(self, p: dict[str, Any], info: ForecastInfo, n_cov: int) -> nn.Module:
        from archbench.kinds.forecasting.models._nets import NHiTS

        return NHiTS(p, info.context, info.horizon, n_cov, SCHEDULES[p["schedule"]])
