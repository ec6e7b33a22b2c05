"""CPU time of the AutoETS reference: weather and a 200-series daily panel, per preset."""

import numpy as np
import pandas as pd

from archbench.kinds.forecasting import ets
from archbench.kinds.forecasting.data import ForecastSettings, load_frame
from archbench.kinds.forecasting.splits import ForecastShift, ForecastSplit, make_splits
from archbench.kinds.forecasting.tasks import BUILTINS

AE = ets.load_autoets()
b = BUILTINS["weather"]()
sp = make_splits(b.data, b.split, b.shift)
for preset in ("quick", "default"):
    r = ets.ets_reference(b.data, sp, ets.BUDGETS[preset], AE)
    print(
        "weather",
        preset,
        r.summary()["fit_length"],
        r.summary()["series_fitted"],
        round(r.cpu_seconds, 1),
        "CPU s",
    )
rng = np.random.default_rng(0)
t = np.arange(1000)
parts = []
for k in range(200):
    y = (
        100
        + rng.normal(0, 10)
        + 0.01 * k * t
        + 10 * np.sin(2 * np.pi * t / 7 + k)
        + rng.normal(0, 3, 1000)
    )
    parts.append(
        pd.DataFrame(
            {"id": f"s{k}", "ds": pd.date_range("2020-01-01", periods=1000, freq="D"), "y": y}
        )
    )
data = load_frame(
    pd.concat(parts), ForecastSettings(time="ds", target="y", series="id", horizon=14, context=56)
)
sp = make_splits(data, ForecastSplit(), ForecastShift(kind="range", min="2022-06-01"))
print("panel windows", {k: len(w) for k, w in sp.windows.items()})
for preset in ("quick", "default"):
    r = ets.ets_reference(data, sp, ets.BUDGETS[preset], AE)
    print(
        "panel200",
        preset,
        r.summary()["fit_length"],
        r.summary()["series_fitted"],
        round(r.cpu_seconds, 1),
        "CPU s",
    )
