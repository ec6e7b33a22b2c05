"""The forecasting spec sections: the commented template parses; typos fail loudly."""

from __future__ import annotations

import tomllib
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from archbench.errors import ConfigError, DataError
from archbench.kinds.forecasting.spec import USER_SECTIONS, load_user, parse_sections
from archbench.kinds.forecasting.windows import make_splits


def test_template_parses_and_runs_on_a_matching_file(tmp_path: Path) -> None:
    spec = tomllib.loads(USER_SECTIONS)
    settings, shift, split = parse_sections(spec["task"], spec["split"])
    assert (settings.horizon, settings.context, settings.step) == (14, 56, 14)
    assert shift is not None and shift.kind == "range" and split.val_fraction == 0.15
    days = pd.date_range("2021-01-01", "2024-03-31", freq="D")
    rng = np.random.default_rng(0)
    frame = pd.DataFrame(
        {
            "date": days.strftime("%Y-%m-%d"),
            "sales": 100
            + 10 * np.sin(np.arange(len(days)) / 7 * 2 * np.pi)
            + rng.normal(0, 1, len(days)),
        }
    )
    frame.to_csv(tmp_path / "sales.csv", index=False)
    data = load_user(tmp_path / "sales.csv", settings)
    assert data.frequency == "D" and data.season == 7
    splits = make_splits(data, split, shift)
    assert len(splits.windows["shift"]) == (91 - 14) // 14 + 1


def test_unknown_keys_are_refused() -> None:
    task = {"type": "forecasting", "time": "t", "target": "y", "horizon": 2, "context": 4}
    with pytest.raises(ConfigError, match=r"split.train_strde is not a forecasting key"):
        parse_sections(task, {"train_strde": 2})
    with pytest.raises(ConfigError, match=r"task.shift.valeus is not a forecasting shift key"):
        parse_sections({**task, "shift": {"kind": "groups", "valeus": ["a"]}})
    with pytest.raises(ConfigError, match=r"task.shift.min is required for kind = 'range'"):
        parse_sections({**task, "shift": {"kind": "range"}})
    with pytest.raises(ConfigError, match=r"task.shift.kind = 'season'"):
        parse_sections({**task, "shift": {"kind": "season", "min": "2020"}})
    with pytest.raises(ConfigError, match="must be in \\(0, 1\\) with a sum below 1"):
        parse_sections(task, {"val_fraction": 0.6, "test_fraction": 0.5})


def test_missing_file(tmp_path: Path) -> None:
    task = {"type": "forecasting", "time": "t", "target": "y", "horizon": 2, "context": 4}
    settings, _, _ = parse_sections(task)
    with pytest.raises(DataError, match="does not exist"):
        load_user(tmp_path / "nope.csv", settings)
