"""The AutoETS reference row: statsforecast's own forecasts, no leakage, the budget, the absent
extra."""

from __future__ import annotations

import functools
import logging
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from archbench.kinds.forecasting import ets
from archbench.kinds.forecasting.data import ForecastData, ForecastSettings, load_frame
from archbench.kinds.forecasting.splits import ForecastShift, ForecastSplit, make_splits
from archbench.spec.load import spec_from_dict

from .test_kind import tiny_spec, tiny_table

AutoETS = pytest.importorskip(
    "statsforecast.models",
    reason="statsforecast is the optional forecasting extra (pip install 'archbench[forecasting]')",
).AutoETS
BIG = ets.EtsBudget(max_length=10_000, total_steps=100_000)


def weekly_panel(values: dict[str, np.ndarray] | None = None) -> ForecastData:
    """Three daily series of 210 days with a weekly cycle, a trend and noise."""
    rng = np.random.default_rng(3)
    t = np.arange(210)
    parts = []
    for k in range(3):
        y = 50 + 5 * k + 0.05 * k * t + (2 + k) * np.sin(2 * np.pi * t / 7) + rng.normal(0, 1, 210)
        if values and f"s{k}" in values:
            y = values[f"s{k}"]
        day = pd.date_range("2024-01-01", periods=210, freq="D")
        parts.append(pd.DataFrame({"id": f"s{k}", "ds": day, "y": y}))
    # stride 1: every series has an origin at the last training step (no stagger across series)
    settings = ForecastSettings(time="ds", target="y", series="id", horizon=7, context=14, stride=1)
    return load_frame(pd.concat(parts, ignore_index=True), settings)


def splits_of(data: ForecastData):  # type: ignore[no-untyped-def]
    return make_splits(data, ForecastSplit(), ForecastShift(kind="range", min="2024-07-01"))


def test_equal_to_statsforecast_at_the_training_cut() -> None:
    from statsforecast import StatsForecast

    data = weekly_panel()
    assert data.season == 7
    sp = splits_of(data)
    ref = ets.ets_reference(data, sp, BIG, AutoETS)
    assert isinstance(ref, ets.EtsReference)
    cut = sp.cuts["val_start"]
    keep = [t < cut for t in data.times]
    frame = pd.DataFrame({
        "unique_id": np.repeat(data.series_names, [k.sum() for k in keep]),
        "ds": np.concatenate([t[k] for t, k in zip(data.times, keep, strict=True)]),
        "y": np.concatenate([y[k] for y, k in zip(data.values, keep, strict=True)]),
    })  # fmt: skip
    theirs = StatsForecast(models=[AutoETS(season_length=7)], freq="D").forecast(df=frame, h=7)
    w = sp.windows["val"]
    for i, name in enumerate(data.series_names):
        # the first validation window of each series has its origin at the last training step
        k = np.flatnonzero(w.series == i)[0]
        assert w.origin[k] == data.times[i][data.times[i] < cut][-1]
        want = theirs.loc[theirs["unique_id"] == name, "AutoETS"].to_numpy()
        np.testing.assert_allclose(ref.forecasts["val"][k], want, rtol=1e-10, atol=1e-10)


def test_later_origins_filter_forward_with_fixed_parameters() -> None:
    """With the model fixed to simple exponential smoothing, every origin's forecast is the level
    of the recursion l_t = l_{t-1} + alpha (y_t - l_{t-1}) from the fitted initial level."""
    data = weekly_panel()
    sp = splits_of(data)
    ses = functools.partial(AutoETS, model="ANN")
    ref = ets.ets_reference(data, sp, ets.EtsBudget(max_length=100, total_steps=10_000), ses)
    assert isinstance(ref, ets.EtsReference) and ref.length == 100
    cut = sp.cuts["val_start"]
    for split in ("val", "test", "shift"):
        w = sp.windows[split]
        for k in range(len(w)):
            i = int(w.series[k])
            name, times, y = data.series_names[i], data.times[i], data.values[i]
            alpha, level = ref.params[name][0], ref.params[name][4]
            start = int(np.sum(times < cut)) - 100
            for v in y[start : int(np.searchsorted(times, w.origin[k])) + 1]:
                level += alpha * (v - level)
            np.testing.assert_allclose(ref.forecasts[split][k], level, rtol=1e-9)


def test_later_values_change_neither_parameters_nor_earlier_forecasts() -> None:
    data = weekly_panel()
    sp = splits_of(data)
    base = ets.ets_reference(data, sp, BIG, AutoETS)
    test_start = sp.cuts["test_start"]
    changed = {}
    for name, t, y in zip(data.series_names, data.times, data.values, strict=True):
        changed[name] = np.where(t >= test_start, y * 3.0 + 40.0, y)
    other = weekly_panel(changed)
    sp2 = splits_of(other)
    alt = ets.ets_reference(other, sp2, BIG, AutoETS)
    assert isinstance(base, ets.EtsReference) and isinstance(alt, ets.EtsReference)
    assert base.models == alt.models
    for name in data.series_names:
        np.testing.assert_array_equal(base.params[name], alt.params[name])
    np.testing.assert_array_equal(base.forecasts["val"], alt.forecasts["val"])
    assert not np.allclose(base.forecasts["test"], alt.forecasts["test"])


def test_budget_caps_the_fit_and_leaves_big_panels_out() -> None:
    b = ets.EtsBudget(max_length=1_000, total_steps=10_000, min_length=50)
    assert ets.fit_length(3, [5_000, 5_000, 5_000], b) == 1_000
    assert ets.fit_length(50, [5_000] * 50, b) == 200
    assert ets.fit_length(3, [120, 80, 90], b) == 120
    assert ets.fit_length(201, [5_000] * 201, b) is None
    data = weekly_panel()
    said = ets.ets_reference(data, splits_of(data), ets.EtsBudget(100, 100, 50), AutoETS)
    assert isinstance(said, str) and "3 series exceed" in said and "thorough" in said


def test_absent_extra_is_one_warning_and_the_run_goes_on(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    from archbench.engine.prepare import prepare

    monkeypatch.setitem(sys.modules, "statsforecast.models", None)  # import now fails
    assert ets.load_autoets() is None
    spec = spec_from_dict(tiny_spec(tiny_table(tmp_path / "load.csv")))
    with caplog.at_level(logging.WARNING, logger="archbench.kinds.forecasting.ets"):
        p = prepare(spec).prepared
    said = [r for r in caplog.records if r.name == "archbench.kinds.forecasting.ets"]
    assert len(said) == 1 and said[0].getMessage() == ets.ABSENT
    assert set(p.task_json["references"]) == {"naive", "seasonal_naive"}
    assert p.task_json["reference_note"] == ets.ABSENT


def test_the_row_reaches_task_json_and_the_horizon_table(tmp_path: Path) -> None:
    from archbench.engine.prepare import prepare
    from archbench.kinds.forecasting.horizon import horizon_table

    spec = spec_from_dict(tiny_spec(tiny_table(tmp_path / "load.csv")))
    run = prepare(spec)
    p = run.prepared
    entry = p.task_json["references"]["ets"]
    assert entry["label"] == "AutoETS" and entry["fit_length"] > 0
    assert p.task_json["reference_note"] == ""
    w = p.parts["test"]
    fc = p.fitted.ets.forecasts["test"]
    mase = np.mean(np.abs(fc - w.target) / w.mase_scale[:, None])
    assert entry["metrics"]["test"]["mase"] == pytest.approx(mase)
    preds = pd.concat(
        [run.kind.prediction_frame(s, p.parts[s], p.parts[s].target).assign(family="x", seed=0)
         for s in ("val", "test", "shift")]
    )  # fmt: skip
    table = horizon_table(preds, p.parts, p.info, p.fitted.forecasts())
    rows = table[(table["model"] == "ets") & (table["split"] == "test")]
    assert rows["reference"].all() and rows["seed"].isna().all()
    assert rows["mase"].mean() == pytest.approx(mase)
