"""The forecasting kind's part of a spec: ``[task]``, ``[task.shift]`` and ``[split]``.

``spec_sections`` is the commented text ``archbench init --task forecasting`` writes for these
sections (the spine adds ``[budget]``, ``[seeds]``, ``[output]`` and ``[report]``);
``parse_sections`` turns the TOML tables into frozen settings and rejects unknown keys;
``load_user`` reads the user's file.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import fields
from pathlib import Path
from typing import Any

from archbench.errors import ConfigError

from .data import ForecastData, ForecastSettings, load_frame
from .windows import ForecastShift, ForecastSplit

FAMILIES: tuple[str, ...] = ("mlp", "patchtst", "gbdt")

USER_SECTIONS = """\
# archbench spec for your own forecasting table. Run: archbench run --spec THIS_FILE
# Keys marked "required" must be set; unknown keys are errors.

[task]
type = "forecasting"
path = "sales.csv"          # required: .csv, .csv.gz or .parquet, one row per series and step
time = "date"               # required: timestamps (ISO 8601) or integer steps
target = "sales"            # required: the numeric column to forecast
# series = "store"          # a panel: the column naming each series (omit for one series)
horizon = 14                # required: steps ahead, forecast directly
context = 56                # required: steps of history each forecast reads
# frequency = "D"           # pandas alias (h, D, B, W, MS, ...); inferred when regular
# stride = 14               # steps between evaluation origins (default: horizon)
# season = 7                # seasonal period for seasonal naive and MASE (default: from the
                            # frequency: h 24, D 7, B 5, W 52, MS 12, Q 4; integer steps 1)
# known = ["promo"]         # covariates known in advance for every step of the horizon
# observed = ["visitors"]   # covariates known only up to the forecast origin
# description = "What is forecast and why (goes into the report)."

[task.shift]                # which windows form the distribution-shift set
kind = "range"              # "range": a later period | "groups": other series | "both"
min = "2024-01-01"          # range/both: first time of the shift period (inclusive)
# max = "2024-06-30"        # last time of the shift period (default: the end of the data)
# id_max = "2023-11-30"     # last time of the ID range (default: the step before min)
# values = ["store_7"]      # groups/both: series never seen in training
# description = "2024: after the new pricing"

[split]                     # train / validation / test are consecutive periods of the ID range
val_fraction = 0.15         # of the ID time steps, after the training period
test_fraction = 0.15        # the last ID steps
# train_stride = 1          # steps between training origins (1: every origin)

[families]
names = ["mlp", "patchtst", "gbdt"]   # N-HiTS-style MLP, PatchTST, LightGBM on lags
"""


def _strict(cls: type, table: Mapping[str, Any], section: str, ignore: set[str]) -> dict[str, Any]:
    names = {f.name for f in fields(cls)}
    out = {}
    for key, value in table.items():
        if key in ignore:
            continue
        if key not in names:
            raise ConfigError(f"{section}.{key} is not a forecasting key; use {sorted(names)}")
        out[key] = value
    return out


def parse_sections(
    task: Mapping[str, Any], split: Mapping[str, Any] | None = None
) -> tuple[ForecastSettings, ForecastShift | None, ForecastSplit]:
    """``[task]`` (with ``[task.shift]``) and ``[split]`` -> frozen settings.

    Raises:
        ConfigError: an unknown key, a missing required key or an out-of-range value.
    """
    settings = ForecastSettings.from_table(task)
    shift_table = task.get("shift")
    if shift_table is not None and not isinstance(shift_table, Mapping):
        raise ConfigError("task.shift must be a table: [task.shift] with kind, min, values")
    shift = ForecastShift.from_table(shift_table) if shift_table is not None else None
    split_kwargs = _strict(ForecastSplit, split or {}, "split", {"seed"})
    return settings, shift, ForecastSplit(**split_kwargs)


def load_user(path: Path, settings: ForecastSettings) -> ForecastData:
    """Read a CSV or Parquet file and validate it as a forecasting table."""
    from archbench.kinds.tabular.tasks.user import read_table

    return load_frame(read_table(path), settings, source=str(path))
