"""The forecasting kind through the whole spine (the shipped contract), on a tiny user table."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from archbench.errors import ConfigError
from archbench.kinds import get_kind, kind_of
from archbench.kinds.base import Kind
from archbench.kinds.forecasting import ets
from archbench.spec.load import spec_from_dict
from archbench.testing import KindContract


def tiny_table(path: Path) -> Path:
    """Two hourly series, 40 days, a daily cycle; a known and an observed covariate."""
    rng = np.random.default_rng(0)
    n, parts = 24 * 40, []
    t = np.arange(n)
    for k in range(2):
        y = 10 + 5 * k + 3 * np.sin(2 * np.pi * t / 24) + rng.normal(0, 0.3, n)
        parts.append(pd.DataFrame({
            "site": f"s{k}", "time": pd.date_range("2024-01-01", periods=n, freq="h").astype(str),
            "load": y, "holiday": (t // 24 % 7 == 6).astype(float), "temp": rng.normal(size=n),
        }))  # fmt: skip
    pd.concat(parts).to_csv(path, index=False)
    return path


def tiny_spec(path: Path) -> dict[str, Any]:
    return {
        "preset": "quick",
        "task": {"type": "forecasting", "path": str(path), "time": "time", "target": "load",
                 "series": "site", "horizon": 6, "context": 24, "known": ["holiday"],
                 "observed": ["temp"], "train_stride": 3,
                 "shift": {"kind": "range", "column": "time", "min": "2024-02-01"}},
        "budget": {"trials": 2, "startup_trials": 1},
        "seeds": {"count": 2},
        "families": {"mlp": {"max_epochs": 2, "params": {"width": 32}},
                     "patchtst": {"max_epochs": 2, "params": {"n_layers": 1}},
                     "gbdt": {"max_rounds": 20}},
    }  # fmt: skip


@pytest.mark.slow
class TestForecastingKind(KindContract):
    @pytest.fixture(scope="class")
    @classmethod
    def kind(cls) -> Kind:
        return get_kind("forecasting")

    @pytest.fixture(scope="class")
    @classmethod
    def spec_dict(cls, tmp_path_factory: Any) -> dict[str, Any]:
        return tiny_spec(tiny_table(tmp_path_factory.mktemp("fc") / "load.csv"))

    def test_kind_figures_and_reference_rows(self, run_dir: Path, tmp_path: Path) -> None:
        from archbench.kinds.forecasting.report_figures import draw, figures, step_errors
        from archbench.report.rundata import load_run

        run = load_run(run_dir)
        paths = draw(run, tmp_path)
        assert [f.stem for f in figures(run, 0)] == ["forecasting"] == [p.stem for p in paths]
        assert [f.stem for f in figures(run, 4)] == ["forecasting"]  # kept when compacted
        assert paths[0].stat().st_size > 5_000
        assert (run_dir / "report" / "latex" / "figures" / "forecasting.pdf").is_file()
        steps = step_errors(pd.read_parquet(run_dir / "horizon_errors.parquet"), "shift")
        # AutoETS is a reference row where the forecasting extra (statsforecast) is installed
        with_ets = {"ets"} if ets.load_autoets() is not None else set()
        want = {"mlp", "patchtst", "gbdt", "naive", "seasonal_naive", *with_ets}
        assert set(steps["model"]) == want
        assert steps["step"].max() == 6
        refs = run.task["references"]
        assert set(refs) == {"naive", "seasonal_naive", *with_ets}
        assert refs["seasonal_naive"]["shift"]["mase"] > 0

    def test_horizon_table_recomputes_from_predictions(self, run_dir: Path, spec: Any) -> None:
        from archbench.pipeline import RunOptions, run_benchmark

        path = run_dir / "horizon_errors.parquet"
        check_horizon_table(run_dir, pd.read_parquet(path))
        path.unlink()  # a resume retrains nothing and writes the table again, unchanged
        run_benchmark(spec, RunOptions(out=run_dir, executor="inline", report=False))
        check_horizon_table(run_dir, pd.read_parquet(path))


def check_horizon_table(run_dir: Path, table: pd.DataFrame) -> None:
    """Every row of horizon_errors.parquet equals a recomputation from predictions.parquet
    (families) or from task.json's reference MASE per step and metrics (references)."""
    preds = pd.read_parquet(run_dir / "predictions.parquet")
    task = json.loads((run_dir / "task.json").read_text())
    fams = table[~table["reference"]]
    assert len(fams) == preds.groupby(["family", "seed", "split"]).ngroups * 6
    for (fam, seed, split), g in preds.groupby(["family", "seed", "split"]):
        err = (
            g[[f"f_{k}" for k in range(1, 7)]].to_numpy()
            - g[[f"y_{k}" for k in range(1, 7)]].to_numpy()
        )
        sel = fams[(fams["model"] == fam) & (fams["seed"] == seed) & (fams["split"] == split)]
        sel = sel.sort_values("step")
        mase = (np.abs(err) / g["mase_scale"].to_numpy()[:, None]).mean(axis=0)
        np.testing.assert_allclose(sel["mase"], mase, rtol=1e-12)
        np.testing.assert_allclose(sel["mae"], np.abs(err).mean(axis=0), rtol=1e-12)
        np.testing.assert_allclose(sel["rmse"], np.sqrt((err**2).mean(axis=0)), rtol=1e-12)
        # the mean over steps of the per-step MASE is the stored MASE of that seed
        res = pd.read_parquet(run_dir / "results.parquet")
        stored = res[(res["family"] == fam) & (res["seed"] == seed) & (res["split"] == split)]
        stored_mase = float(stored.loc[stored["metric"] == "mase", "value"].iloc[0])
        np.testing.assert_allclose(sel["mase"].mean(), stored_mase, rtol=1e-9)
    refs = table[table["reference"]]
    assert refs["seed"].isna().all()
    for ref, per in task["reference_steps"].items():
        for split, vals in per.items():
            sel = refs[(refs["model"] == ref) & (refs["split"] == split)].sort_values("step")
            np.testing.assert_allclose(sel["mase"], vals, rtol=1e-12)
            entry = task["references"][ref]
            np.testing.assert_allclose(
                sel["mase"].mean(), entry.get("metrics", entry)[split]["mase"], rtol=1e-9
            )


def test_builtins_and_type_pick_the_kind() -> None:
    assert kind_of(spec_from_dict({"task": {"name": "weather"}})).name == "forecasting"
    spec = spec_from_dict({"task": {"name": "nyse", "train_stride": 2}})
    assert spec.families.names == ("mlp", "patchtst", "gbdt")
    assert spec.task.options == {"train_stride": 2}


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"horizon": 0}, "task.horizon = 0 must be an integer >= 1"),
        ({"horizn": 3}, "unknown key 'task.horizn'"),
        ({"features": ["a"]}, "task.features does not apply to forecasting"),
        ({"shift": {"kind": "range", "column": "load", "min": "2024-02-01"}},
         "a range shift of a forecasting task is a later period"),
        ({"shift": {"kind": "groups", "column": "time", "values": ["s1"]}},
         "a groups shift names series never seen in training"),
        ({"shift": {"kind": "quantile", "column": "time"}}, "does not apply to forecasting"),
    ],
)  # fmt: skip
def test_bad_specs_are_one_line_errors(
    tmp_path: Path, change: dict[str, Any], message: str
) -> None:
    spec = tiny_spec(tmp_path / "x.csv")
    spec["task"].update(change)
    with pytest.raises(ConfigError, match=message):
        spec_from_dict(spec)


def test_builtin_task_keys_are_fixed() -> None:
    with pytest.raises(ConfigError, match=r"task.horizon cannot be changed for the built-in"):
        spec_from_dict({"task": {"name": "weather", "horizon": 12}})


def test_prepared_parts_and_block_draws(tmp_path: Path) -> None:
    from archbench.engine.prepare import prepare

    spec = spec_from_dict(tiny_spec(tiny_table(tmp_path / "load.csv")))
    run = prepare(spec)
    p, kind = run.prepared, run.kind
    assert set(p.parts) == {"train", "val", "test", "shift"}
    assert p.task_json["references"]["seasonal_naive"]["test"]["mase"] > 0
    frame = kind.prediction_frame("shift", p.parts["shift"], p.parts["shift"].target + 1.0)
    ids, y, preds = kind.unit_arrays([frame, frame], {})
    assert preds.shape == (2, *p.parts["shift"].target.shape)
    mase = kind.metric("mase").fn(y, preds[0])
    assert mase == pytest.approx(np.mean(1.0 / p.parts["shift"].mase_scale))
    counts = kind.draw_counts(np.random.default_rng(0), frame, 10)
    assert counts is not None and counts.shape == (10, len(ids))
    sub = kind.subsample(p.parts["train"], 50, 0, p.info)
    assert len(sub) == 50 and np.all(np.diff(sub.row_id) > 0)


def test_init_templates_parse(tmp_path: Path) -> None:
    import tomllib

    kind = get_kind("forecasting")
    for variant in ("weather", "nyse"):
        text = kind.init_template(variant)
        assert text is not None
        assert spec_from_dict(tomllib.loads(text)).task.name == variant
    user = tomllib.loads(kind.init_template("forecasting") or "")
    user["task"]["path"] = str(tmp_path / "sales.csv")
    spec = spec_from_dict(user)
    assert spec.task.options["horizon"] == 14


@pytest.mark.parametrize(
    ("shift", "extra", "shift_series"),
    [
        ({"kind": "groups", "column": "site", "values": ["s1"]}, {}, ["s1"]),
        ({"kind": "range", "column": "time", "min": "2024-02-01"}, {"shift_series": ["s0"]},
         ["s0"]),
    ],
)  # fmt: skip
def test_groups_and_both_rules_through_the_spec(
    tmp_path: Path, shift: dict[str, Any], extra: dict[str, Any], shift_series: list[str]
) -> None:
    from archbench.engine.prepare import prepare

    spec = tiny_spec(tiny_table(tmp_path / "load.csv"))
    spec["task"].update(shift=shift, **extra)
    p = prepare(spec_from_dict(spec)).prepared
    assert p.splits_json["shift_series"] == shift_series
    frame = p.splits_frame
    assert set(frame.loc[frame["split"] == "shift", "series"]) == set(shift_series)
    if shift["kind"] == "groups":
        assert not set(frame.loc[frame["split"] == "train", "series"]) & set(shift_series)
    # without a description the rule describes itself; the report names the file, not its folder
    said = p.task_json["shift"]["description"]
    assert (
        ("never seen in training: s1" in said)
        if shift["kind"] == "groups"
        else ("on or after 2024-02-01" in said and "series s0 only" in said)
    )
    assert p.task_json["provenance"].startswith("user file load.csv (")
    assert str(tmp_path) not in p.task_json["provenance"]


def test_builtin_nyse_through_the_spine() -> None:
    from archbench.engine.prepare import prepare

    p = prepare(spec_from_dict({"task": {"name": "nyse"}})).prepared
    assert dict(p.sizes) == {"train": 2957, "val": 642, "test": 642, "shift": 1770}
    assert p.task_json["licence"] == "BSD-style"
    refs = p.task_json["references"]
    assert refs["naive"]["shift"]["mase"] == pytest.approx(refs["seasonal_naive"]["shift"]["mase"])
    assert p.splits_json["cuts"]["shift_min"] == "4281"
