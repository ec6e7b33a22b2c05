"""Which origins a split uses: season-covering evaluation strides and seeded, bounded caps."""

from __future__ import annotations

import tracemalloc

import numpy as np
import pandas as pd
import pytest

from archbench.kinds.forecasting.data import ForecastData, ForecastSettings, load_frame
from archbench.kinds.forecasting.metrics import METRICS, pack_truth
from archbench.kinds.forecasting.models.gbdt import (
    LightGBMForecaster,
    feature_rows,
    features,
    steps_per_window,
)
from archbench.kinds.forecasting.origins import eval_stride
from archbench.kinds.forecasting.references import naive, seasonal_naive
from archbench.kinds.forecasting.splits import (
    ForecastInfo,
    ForecastSplit,
    ForecastSplits,
    Windows,
    make_splits,
)

MASE = METRICS["mase"].fn
N_DAYS = 500


def weekday_panel(n_series: int, noisy_weekday: int | None, seed: int = 0) -> pd.DataFrame:
    """Daily series from 2020-01-01 with a strong weekday effect: Sundays high, and (when
    ``noisy_weekday`` is set) that weekday 5 times as noisy as the others."""
    rng = np.random.default_rng(seed)
    t = pd.date_range("2020-01-01", periods=N_DAYS, freq="D")
    dow = t.day_of_week.to_numpy()
    parts = []
    for k in range(n_series):
        sd = np.where(dow == noisy_weekday, 1.0, 0.2) if noisy_weekday is not None else 0.3
        y = 20 + k + 8.0 * (dow == 6) + 2.0 * np.sin(dow) + rng.normal(0, 1, N_DAYS) * sd
        parts.append(pd.DataFrame({"id": f"s{k}", "t": t, "y": y}))
    return pd.concat(parts, ignore_index=True)


def first_test_target_weekday(split: ForecastSplit) -> int:
    """The weekday of the first test target under the documented cut rule."""
    k_train = round(N_DAYS * (1 - split.val_fraction - split.test_fraction))
    k_val = round(N_DAYS * split.val_fraction)
    return int(pd.Timestamp("2020-01-01").day_of_week + k_train + k_val) % 7


def load(frame: pd.DataFrame, horizon: int, context: int, stride: int = 0) -> ForecastData:
    s = ForecastSettings(time="t", target="y", series="id", horizon=horizon, context=context,
                         stride=stride)  # fmt: skip
    return load_frame(frame, s)


def every_origin(frame: pd.DataFrame, horizon: int, context: int) -> ForecastSplits:
    return make_splits(load(frame, horizon, context, stride=1), ForecastSplit(), None)


def subset(w: Windows, row_ids: np.ndarray) -> Windows:
    return w.take(np.flatnonzero(np.isin(w.row_id, row_ids)))


def old_stride(w: Windows, stride: int) -> Windows:
    """Every ``stride``-th window of each series from its first (the rule before the fix)."""
    keep = np.concatenate([np.flatnonzero(w.series == s)[::stride] for s in np.unique(w.series)])
    return w.take(np.sort(keep))


def mase(w: Windows, pred: np.ndarray) -> float:
    return float(MASE(pack_truth(w.target, w.mase_scale), pred))


def test_eval_stride_is_the_next_coprime_one() -> None:
    assert [eval_stride(s, 7) for s in (1, 6, 7, 14, 15)] == [1, 6, 8, 15, 15]
    assert eval_stride(24, 24) == 25 and eval_stride(48, 48) == 49 and eval_stride(12, 1) == 12
    assert eval_stride(3, 24) == 5 and eval_stride(5, 24) == 5


def test_sunday_only_origins_are_gone() -> None:
    """The issue's case: daily panel, horizon 14, stride 14, weekly season. The old stride put
    every test origin on one weekday, and the naive reference's MASE was far from its MASE over
    every origin; the coprime stride matches it."""
    frame = weekday_panel(30, None)
    data = load(frame, horizon=14, context=28)
    splits = make_splits(data, ForecastSplit(), None)
    assert splits.eval_stride == 15 and data.settings.step == 14
    for split in ("val", "test"):
        w = splits.windows[split]
        per = splits.per_phase[split]
        assert len(per) == 7 and min(per) > 0 and max(per) - min(per) <= len(np.unique(w.series))
        assert len(pd.DatetimeIndex(w.origin).day_of_week.unique()) == 7
    full = every_origin(frame, 14, 28).windows["test"]
    old = old_stride(full, 14)
    assert len(pd.DatetimeIndex(old.origin).day_of_week.unique()) == 1  # the old aliasing
    chosen = subset(full, splits.windows["test"].row_id)
    assert len(chosen) == len(splits.windows["test"])
    for ref in (lambda c: naive(c, 14), lambda c: seasonal_naive(c, 14, 7)):
        m_all, m_new = mase(full, ref(full.context)), mase(chosen, ref(chosen.context))
        assert abs(m_new - m_all) < 0.05 * m_all, (m_new, m_all)
    m_all, m_old = mase(full, naive(full.context, 14)), mase(old, naive(old.context, 14))
    assert abs(m_old - m_all) > 0.25 * m_all, (m_old, m_all)


def test_family_and_reference_mase_match_every_origin() -> None:
    """Horizon 1, stride 7: the old rule scored one weekday only (here the noisy one)."""
    split = ForecastSplit()
    noisy = first_test_target_weekday(split)
    frame = weekday_panel(120, noisy)
    data = load(frame, horizon=1, context=14, stride=7)
    splits = make_splits(data, split, None)
    assert splits.eval_stride == 8
    full = every_origin(frame, 1, 14).windows["test"]
    chosen, old = subset(full, splits.windows["test"].row_id), old_stride(full, 7)
    assert np.all((pd.DatetimeIndex(old.origin).day_of_week.to_numpy() + 1) % 7 == noisy)
    model = LightGBMForecaster(max_rounds=60, early_stopping_rounds=10)
    model.fit(splits.windows["train"], splits.windows["val"], ForecastInfo.from_data(data), seed=0)
    predictors = {
        "gbdt": model.predict,
        "naive": lambda w: naive(w.context, 1),
        "seasonal naive": lambda w: seasonal_naive(w.context, 1, 7),
    }
    for name, predict in predictors.items():
        m_all, m_new, m_old = (mase(w, predict(w)) for w in (full, chosen, old))
        assert abs(m_new - m_all) < 0.15 * m_all, (name, m_new, m_all)
        assert m_old > 2 * m_all, (name, m_old, m_all)


def test_train_cap_draws_across_series_and_time_with_the_seed() -> None:
    data = load(weekday_panel(40, None), horizon=7, context=21)
    whole = make_splits(data, ForecastSplit(), None)
    capped = make_splits(data, ForecastSplit(max_train=800, seed=3), None)
    again = make_splits(data, ForecastSplit(max_train=800, seed=3), None)
    other = make_splits(data, ForecastSplit(max_train=800, seed=4), None)
    w, all_w = capped.windows["train"], whole.windows["train"]
    assert len(w) == 800 and capped.available["train"] == len(all_w) > 10_000
    assert np.array_equal(w.row_id, again.windows["train"].row_id)
    assert not np.array_equal(w.row_id, other.windows["train"].row_id)
    assert np.isin(w.row_id, all_w.row_id).all() and np.all(np.diff(w.row_id) > 0)
    assert len(np.unique(w.series)) == 40  # every series is drawn from
    t = pd.DatetimeIndex(w.origin)
    lo, hi = pd.DatetimeIndex(all_w.origin).min(), pd.DatetimeIndex(all_w.origin).max()
    quarter = (hi - lo) / 4
    assert t.min() < lo + quarter / 4 and t.max() > hi - quarter / 4  # and the whole period
    quarters = np.bincount(np.minimum(((t - lo) / quarter).astype(int), 3), minlength=4)
    assert quarters.min() > 150  # about 200 each
    # the windows themselves are the uncapped ones at those origins
    sub = subset(all_w, w.row_id)
    np.testing.assert_array_equal(sub.context, w.context)
    np.testing.assert_array_equal(sub.target, w.target)
    assert capped.windows["test"].row_id.tolist() == whole.windows["test"].row_id.tolist()
    assert any("800 of" in n and "train" in n for n in capped.notes)


def test_eval_cap_keeps_equal_quotas_per_phase() -> None:
    data = load(weekday_panel(40, None), horizon=1, context=14)
    capped = make_splits(data, ForecastSplit(max_val=140, max_test=140, seed=1), None)
    for split in ("val", "test"):
        w = capped.windows[split]
        assert len(w) == 140 and capped.per_phase[split] == (20,) * 7
        dow = pd.DatetimeIndex(w.origin).day_of_week
        assert np.bincount(dow, minlength=7).tolist() == [20] * 7
        assert len(np.unique(w.series)) > 30


def test_capped_windows_are_never_all_built() -> None:
    """200 series x 2,000 steps, context 200: every training window would take ~0.5 GB; under
    a cap of 1,000 the split stays within a few tens of MB."""
    rng = np.random.default_rng(0)
    n, k = 2000, 200
    t = np.arange(n)
    frame = pd.DataFrame({
        "id": np.repeat([f"s{i}" for i in range(k)], n), "t": np.tile(t, k),
        "y": rng.normal(size=n * k),
    })  # fmt: skip
    s = ForecastSettings(time="t", target="y", series="id", horizon=10, context=200)
    data = load_frame(frame, s)
    tracemalloc.start()
    try:
        splits = make_splits(data, ForecastSplit(max_train=1000, max_val=500, max_test=500), None)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert splits.available["train"] > 230_000 and len(splits.windows["train"]) == 1000
    assert peak < 60e6, peak


@pytest.mark.parametrize("n", [10, 333, 900])
def test_gbdt_row_cap_keeps_every_window_and_balances_steps(n: int) -> None:
    data = load(weekday_panel(3, None), horizon=12, context=28)
    w = make_splits(data, ForecastSplit(), None).windows["train"].take(np.arange(n))
    info = ForecastInfo.from_data(data)
    k = steps_per_window(n, 12, 1200)
    rows, kept = feature_rows(w, info, 14, k)
    full = features(w, info, 14)
    if n * 12 <= 1200:
        assert k == 12 and kept is None and np.array_equal(rows, full)
        return
    assert kept is not None and k == max(1, 1200 // n) and len(rows) == n * k
    np.testing.assert_array_equal(rows, full[kept])
    assert np.array_equal(np.unique(kept // 12), np.arange(n))  # every window contributes
    per_step = np.bincount(kept % 12, minlength=12)
    assert per_step.max() - per_step.min() <= 1


def test_report_setup_states_caps_and_origins_per_phase() -> None:
    from types import SimpleNamespace

    from archbench.kinds.forecasting.report import _setup
    from archbench.report.document import plain_text

    windows = {
        "train": {"used": 4000, "available": 1_260_000, "cap": 4000},
        "val": {"used": 2000, "available": 21_000, "cap": 2000},
        "test": {"used": 2000, "available": 2000, "cap": 2000},
        "shift": {"used": 900, "available": 900, "cap": 2000},
    }
    task = {
        "series": ["a"] * 2000, "target": "sales", "frequency": "D", "season": 7, "context": 56,
        "horizon": 14, "stride": 15, "stride_requested": 14, "train_stride": 1,
        "windows": windows, "origins_per_phase": {"test": [285, 286, 286, 285, 286, 286, 286]},
        "known": [], "observed": [],
    }  # fmt: skip
    sizes = {k: v["used"] for k, v in windows.items()}
    run = SimpleNamespace(task=task, splits={"sizes": sizes, "cuts": {}})
    text = plain_text(_setup(run, 0))  # type: ignore[arg-type]
    assert "Evaluation origins every 15 steps (moved from 14 to visit every phase" in text
    assert "285-286 test origins per phase of the season" in text
    assert "4,000 of 1,260,000 training, 2,000 of 21,000 validation, 2,000 test" in text
    assert "seeded draw under the preset's caps" in text
    task.update(stride=14, stride_requested=14, windows={}, origins_per_phase={})
    text = plain_text(_setup(run, 0))  # type: ignore[arg-type]
    assert "moved" not in text and "per phase" not in text and "caps" not in text
