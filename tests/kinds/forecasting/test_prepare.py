"""prepare(): packed truth, strata, references; the shift profile; the kind's figures."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from archbench.kinds.forecasting.data import ForecastSettings, load_frame
from archbench.kinds.forecasting.figures import error_by_horizon, forecast_window
from archbench.kinds.forecasting.metrics import METRICS, error_by_step
from archbench.kinds.forecasting.prepare import prepare, shift_profile
from archbench.kinds.forecasting.splits import ForecastShift, ForecastSplit


def seasonal_panel():  # type: ignore[no-untyped-def]
    rng = np.random.default_rng(0)
    n, parts = 24 * 60, []
    t = np.arange(n)
    for k, amp in enumerate((2.0, 5.0)):
        level = 10 + 8 * (t >= 24 * 45)  # the level jumps in the last 15 days
        y = level + amp * np.sin(2 * np.pi * t / 24) + rng.normal(0, 0.2, n)
        parts.append(
            pd.DataFrame(
                {"id": f"s{k}", "ts": pd.date_range("2024-01-01", periods=n, freq="h"), "y": y}
            )
        )
    settings = ForecastSettings(time="ts", target="y", series="id", horizon=12, context=48)
    return load_frame(pd.concat(parts, ignore_index=True), settings)


def test_prepare_scores_references_and_strata() -> None:
    data = seasonal_panel()
    prep = prepare(data, ForecastSplit(), ForecastShift(kind="range", min="2024-02-15"))
    assert set(prep.truth) == {"train", "val", "test", "shift"}
    for split, w in prep.windows.items():
        assert prep.truth[split].shape == (len(w), 13)
        np.testing.assert_array_equal(prep.groups[split], w.series)
    snaive = METRICS["mase"].fn(prep.truth["test"], prep.references["seasonal_naive"]["test"])
    naive = METRICS["mase"].fn(prep.truth["test"], prep.references["naive"]["test"])
    # MASE is scaled by the in-sample seasonal-naive MAE: about 1 for the seasonal naive itself
    assert 0.8 < snaive < 1.2 and naive > 2 * snaive
    counts = prep.resample_counts("shift", 0, 30)
    assert counts.shape == (30, len(prep.windows["shift"]))
    for g in np.unique(prep.groups["shift"]):
        assert np.all(
            counts[:, prep.groups["shift"] == g].sum(axis=1) == (prep.groups["shift"] == g).sum()
        )


def test_shift_profile_shows_the_level_shift() -> None:
    data = seasonal_panel()
    prep = prepare(data, ForecastSplit(), ForecastShift(kind="range", min="2024-02-15"))
    prof = shift_profile(data, prep).set_index(["series", "period"])
    assert prof.loc[("s0", "shift"), "mean"] - prof.loc[("s0", "train"), "mean"] > 7
    assert 3.5 < prof.loc[("s0", "train"), "seasonal_amplitude"] < 4.5  # 2 x amplitude 2
    assert 9.5 < prof.loc[("s1", "shift"), "seasonal_amplitude"] < 10.5


def test_figures_draw() -> None:
    data = seasonal_panel()
    prep = prepare(data, ForecastSplit(), ForecastShift(kind="range", min="2024-02-15"))
    w, truth = prep.windows["shift"], prep.truth["shift"]
    rows = []
    for name, per in prep.references.items():
        err = error_by_step(truth, per["shift"])
        rows += [{"model": name, "step": s + 1, "value": v} for s, v in enumerate(err)]
    rows += [{"model": "gbdt", "step": s, "value": 0.5} for s in range(1, 13)]
    fig, (a, b) = plt.subplots(1, 2)
    error_by_horizon(a, pd.DataFrame(rows), families=["gbdt"], labels={"gbdt": "GBDT"})
    assert len(a.get_lines()) == 3
    forecast_window(
        b,
        w.context[0],
        w.target[0],
        {"gbdt": w.target[0] + 0.1, "naive": prep.references["naive"]["shift"][0]},
        families=["gbdt"],
        labels={},
        show_context=24,
    )
    assert len(b.get_lines()) == 5
    plt.close(fig)
