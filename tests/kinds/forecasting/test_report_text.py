"""The forecasting report names what it held out, its reference rows and the MASE scale."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from archbench.kinds.forecasting import ets
from archbench.kinds.forecasting.report import _held_out, _references, _shift
from archbench.report.document import plain_text
from archbench.spec.load import spec_from_dict

from .test_kind import tiny_spec, tiny_table

REFS = {
    "naive": {"val": {"mase": 2.0}, "test": {"mase": 2.5}, "shift": {"mase": 3.0}},
    "seasonal_naive": {"val": {"mase": 1.1}, "test": {"mase": 1.256}, "shift": {"mase": 1.4}},
}


def fake_run(shift: dict[str, Any], cuts: dict[str, Any], **task: Any) -> Any:
    return SimpleNamespace(
        task={"shift": shift, "references": REFS, "season": 7, **task},
        splits={"cuts": cuts},
    )


def test_groups_shift_names_count_a_few_series_and_the_period() -> None:
    names = [f"store_{k}" for k in range(7)]
    run = fake_run(
        {"kind": "groups", "description": "Five stores opened later.", "series": names},
        {"shift_min": "2024-03-01T00:00:00", "shift_max": "2024-03-31T00:00:00"},
    )
    said = _held_out(run)
    assert said == (
        " Held out: 7 series never seen in training (store_0, store_1, store_2, store_3 and 3 "
        "more), over the ID test period 2024-03-01 to 2024-03-31."
    )
    assert "Five stores opened later. Held out: 7 series" in plain_text(_shift(run, 3))


def test_range_shift_names_its_period() -> None:
    cuts = {"shift_min": "2013-10-01T00:00:00", "shift_max": "2013-12-30T23:00:00"}
    run = fake_run({"kind": "range", "description": "d", "series": []}, cuts)
    assert _held_out(run) == " Held out: the period 2013-10-01 to 2013-12-30 23:00."
    assert _held_out(fake_run({"kind": ""}, {})) == ""


def test_references_state_the_mase_scale_and_the_ets_row() -> None:
    run = fake_run({}, {}, reference_note=ets.ABSENT)
    text = plain_text(_references(run))
    assert "naive 2.000/2.500/3.000; seasonal naive 1.100/1.256/1.400." in text
    assert (
        "MASE's scale is fixed per series: the in-sample MAE of the seasonal naive forecast over "
        "the training period" in text
    )
    assert "the seasonal naive scores 1.256 on the test windows here" in text
    assert "The AutoETS reference row is left out: the optional extra is not installed" in text
    run.task["references"] = {**REFS, "ets": {"label": "AutoETS", "fit_length": 1000, "metrics": {
        "val": {"mase": 0.9}, "test": {"mase": 0.95}, "shift": {"mase": 1.2}}}}  # fmt: skip
    run.task["reference_note"] = ""
    text = plain_text(_references(run))
    assert "seasonal naive 1.100/1.256/1.400; AutoETS 0.900/0.950/1.200." in text
    assert "fitted on the last 1,000 training steps of each series" in text
    assert "error, trend and season chosen per series by AICc" in text  # season 7
    assert "left out" not in text
    run.task["season"] = 48  # half-hourly: statsforecast fits no seasonal ETS above 24
    text = plain_text(_references(run))
    assert "no seasonal component, since statsforecast fits none for a season of 48" in text
    assert "and season chosen" not in text
    short = plain_text(_references(run, compact=5))  # a report near its page limit
    assert "AICc" not in short and "in-sample seasonal-naive MAE" in short


@pytest.mark.parametrize(
    ("extra", "title"),
    [
        ({"name": "Store sales"}, "Store sales"),
        ({"description": "Daily load of two sites. Hourly data."}, "Daily load of two sites"),
        (
            {
                "description": "Load of two sites (MW, hourly, from the grid operator's open data "
                "portal), forecast a day ahead. More."
            },
            "Load of two sites",
        ),
        ({}, "load: load"),
    ],
)
def test_title_comes_from_the_spec_not_the_file(
    tmp_path: Path, extra: dict[str, Any], title: str
) -> None:
    from archbench.kinds.forecasting.tasks import load_task

    spec = tiny_spec(tiny_table(tmp_path / "load.csv"))
    spec["task"].update(extra)
    task = load_task(spec_from_dict(spec))
    assert task.title == title and task.name == "load"


def test_setup_counts_the_series_left_out_for_a_short_history() -> None:
    from archbench.kinds.forecasting.report import _setup

    run = fake_run(
        {"kind": "range"}, {"val_start": "1992-03-01", "test_start": "2003-05-01"},
        series=[f"s{k}" for k in range(148)], target="Employed", frequency="MS", season=12,
        context=36, horizon=12, stride=13, train_stride=1,
    )  # fmt: skip
    assert "148 series of Employed monthly (season 12). " in plain_text(_setup(run, 0))
    run.task["series_left_out"] = [f"s{k}" for k in range(103)]
    said = plain_text(_setup(run, 0))
    assert "148 series of Employed monthly (season 12); 103 of them, with fewer than" in said
    assert "are in no split" in said
