"""Forecasting's joint time blocks and batch-means test (Diebold-Mariano beside) on real
prediction frames, the deciding seed-and-time test, and the refusal of too-short splits."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import archbench.analysis.rowtest as RT
from archbench import stats as S
from archbench.kinds.forecasting import rowtest
from archbench.spec.load import spec_from_dict
from archbench.stats.timeblocks import N_BATCHES, batch_means_test, dm_test, time_means

from .test_kind import tiny_spec, tiny_table


@pytest.fixture(scope="module")
def shift_frame(tmp_path_factory: pytest.TempPathFactory) -> tuple[Any, Any, Any]:
    from archbench.engine.prepare import prepare

    path = tiny_table(tmp_path_factory.mktemp("rt") / "load.csv")
    run = prepare(spec_from_dict(tiny_spec(path)))
    part = run.prepared.parts["shift"]
    rng = np.random.default_rng(0)
    pred = part.target + rng.normal(0, 1, part.target.shape)
    return run.kind, part, run.kind.prediction_frame("shift", part, pred)


def test_draws_move_both_series_together(shift_frame: tuple[Any, Any, Any]) -> None:
    kind, _, frame = shift_frame
    counts = kind.draw_counts(np.random.default_rng(1), frame, 50)
    codes, overlap = rowtest.layout(frame)
    assert overlap == 1  # evaluation stride = horizon (6): targets do not overlap
    # one code per origin time (series are staggered over the season, so a time may hold one
    # window or several), and one draw per time: windows of a time move together
    assert len(np.unique(codes)) == len(np.unique(frame["origin"]))
    for c in np.unique(codes):
        at = counts[:, codes == c]
        assert np.all(at == at[:, :1])
    assert np.all(counts.sum(axis=1) == len(frame))


def test_paired_test_is_batch_means_on_the_cross_series_mean(
    shift_frame: tuple[Any, Any, Any],
) -> None:
    kind, _, frame = shift_frame
    _, truth, pa = kind.unit_arrays([frame], {})
    pb = pa + np.random.default_rng(2).normal(0, 0.5, pa.shape)
    r = kind.paired_row_test(frame, "mae", truth, pa, pb, confidence=0.95)
    codes, _ = rowtest.layout(frame)
    tgt = truth[:, :-1]
    d = np.abs(pa[0] - tgt).mean(axis=1) - np.abs(pb[0] - tgt).mean(axis=1)
    dt = time_means(d, codes)
    want = batch_means_test(dt, confidence=0.95)
    assert r.p_value == pytest.approx(want.p_value) and r.n_batches == N_BATCHES
    # the mean of the batch means (batches differ by at most one origin time)
    assert r.estimate == pytest.approx(want.estimate)
    assert r.estimate == pytest.approx(dt.mean(), abs=0.01)
    assert r.dm is not None and r.dm.p_value == pytest.approx(dm_test(dt).p_value)
    assert kind.paired_row_test(frame, "r2", truth, pa, pb, confidence=0.95) is None


def test_too_short_pairs_are_refused_in_the_declared_tests() -> None:
    short_rt = batch_means_test(np.random.default_rng(3).normal(size=12), block_len=3)
    ok_rt = batch_means_test(np.random.default_rng(3).normal(size=400), block_len=3)
    assert short_rt.too_short and not ok_rt.too_short
    tests = {("a", "b", "shift", "mase"): short_rt, ("a", "b", "test", "mase"): ok_rt}
    short = RT.short_keys(tests, "mase")
    members = {("pair", "a", "b", "shift"): (0.001, "t"), ("pair", "a", "b", "test"): (0.001, "t"),
               ("shift", "a"): (0.001, "t"), ("gap",): (0.002, "t")}  # fmt: skip
    out = RT.refuse(members, short)
    assert out[("pair", "a", "b", "test")] == (0.001, "t")
    for k in (("pair", "a", "b", "shift"), ("shift", "a"), ("gap",)):
        assert out[k] == (None, RT.TOO_SHORT_TEST)
    assert "Too short for inference" in RT.sentence(short_rt, 0.05)
    assert RT.row_test_fields(ok_rt)["row_test_too_short"] is False


def test_combine_needs_both_the_seed_test_and_the_time_test() -> None:
    """The deciding p is the larger of the seed t-test's and the batch-means test's, and the
    interval the hull of theirs; RMSE (not the mean of the tested loss) keeps the bootstrap."""
    rng = np.random.default_rng(4)
    rt = batch_means_test(rng.normal(0.3, 1.0, 400), block_len=2)
    seeds = S.paired_comparison(np.array([1.0, 1.2, 0.9, 1.1, 1.05]), np.full(5, 0.8))
    c = RT.combine(seeds, rt, "mase")
    assert c is not None and c.method == RT.TIME_TEST
    assert c.p_value == pytest.approx(max(rt.p_value, seeds.t_pvalue))
    assert c.ci_low == pytest.approx(min(rt.ci_low, seeds.ci_low))
    assert c.ci_high == pytest.approx(max(rt.ci_high, seeds.ci_high))
    assert (c.ci_low > 0) == (c.p_value < 0.05)
    assert RT.combine(seeds, rt, "rmse") is None and RT.combine(seeds, None, "mase") is None
