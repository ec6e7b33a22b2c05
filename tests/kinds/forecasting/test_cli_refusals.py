"""Bad forecasting input through ``archbench run``: exit code 2, one line, nothing written."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

import archbench.cli as cli

from .test_kind import tiny_spec


def table(n: int = 24 * 40) -> pd.DataFrame:
    rng = np.random.default_rng(1)
    t = np.arange(n)
    parts = [
        pd.DataFrame({
            "site": f"s{k}", "time": pd.date_range("2024-01-01", periods=n, freq="h").astype(str),
            "load": 10 + np.sin(2 * np.pi * t / 24) + rng.normal(0, 0.2, n),
            "holiday": (t // 24 % 7 == 6).astype(float), "temp": rng.normal(size=n),
        })
        for k in range(2)
    ]  # fmt: skip
    return pd.concat(parts, ignore_index=True)


def _toml(v: Any) -> str:
    import json

    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, list):
        return "[" + ", ".join(_toml(x) for x in v) + "]"
    if isinstance(v, dict):
        return "{" + ", ".join(f"{k} = {_toml(x)}" for k, x in v.items()) + "}"
    return json.dumps(v) if isinstance(v, str) else repr(v)


def write_spec(root: Path, frame: pd.DataFrame, change: dict[str, Any]) -> Path:
    data = root / "load.csv"
    frame.to_csv(data, index=False)
    spec = tiny_spec(data)
    spec["task"].update(change)
    lines = [f"preset = {_toml(spec['preset'])}"]
    for section in ("task", "budget", "seeds"):
        lines.append(f"[{section}]")
        lines += [f"{k} = {_toml(v)}" for k, v in spec[section].items()]
    path = root / "spec.toml"
    path.write_text("\n".join(lines) + "\n")
    return path


def _drop(rows: list[int]) -> Callable[[pd.DataFrame], pd.DataFrame]:
    return lambda f: f.drop(index=rows)


def _set(row: int, col: str, value: Any) -> Callable[[pd.DataFrame], pd.DataFrame]:
    def edit(f: pd.DataFrame) -> pd.DataFrame:
        f = f.astype({col: object}) if isinstance(value, str) else f
        f.loc[row, col] = value
        return f

    return edit


def _same(f: pd.DataFrame) -> pd.DataFrame:
    return f


def _jitter(f: pd.DataFrame) -> pd.DataFrame:
    minutes = np.random.default_rng(0).integers(0, 50, len(f))
    return f.assign(time=(pd.to_datetime(f["time"]) + pd.to_timedelta(minutes, "min")).astype(str))


def _short(f: pd.DataFrame) -> pd.DataFrame:
    return f.iloc[list(range(960)) + list(range(960, 980))]


def _two_hourly(f: pd.DataFrame) -> pd.DataFrame:
    """Series s1 every two hours next to the hourly s0."""
    odd = (f["site"] == "s1") & (pd.to_datetime(f["time"]).dt.hour % 2 == 1)
    return f[~odd.to_numpy()]


def _s1_of(n: int) -> Callable[[pd.DataFrame], pd.DataFrame]:
    return lambda f: f.iloc[list(range(960)) + list(range(960, 960 + n))]


def _groups(values: list[str]) -> dict[str, Any]:
    return {"shift": {"kind": "groups", "column": "site", "values": values}}


def _range(start: str) -> dict[str, Any]:
    return {"shift": {"kind": "range", "column": "time", "min": start}}


Case = tuple[Callable[[pd.DataFrame], pd.DataFrame], dict[str, Any], tuple[str, ...]]
CASES: dict[str, Case] = {
    "unparseable timestamp": (_set(5, "time", "noon-ish"), {}, ("'time'", "not a timestamp")),
    "missing timestamp": (_set(7, "time", np.nan), {}, ("'time'", "missing values")),
    "duplicated (series, time)": (
        lambda f: pd.concat([f, f.iloc[[3]]]),
        {},
        ("share a (series, time)",),
    ),
    "irregular spacing": (_jitter, {}, ("irregularly spaced", "task.frequency")),
    "gap": (_drop([100, 101, 102]), {}, ("missing time steps", "task.fill_gaps")),
    "series too short": (_short, {}, ("series 's1' has 20 steps",)),
    "horizon <= 0": (_same, {"horizon": 0}, ("task.horizon = 0",)),
    "non-numeric target": (_set(9, "load", "n/a!"), {}, ("target 'load' is not numeric",)),
    "missing target inside": (_set(300, "load", np.nan), {}, ("missing values inside", "fill")),
    "unknown series in groups rule": (_same, _groups(["zz"]), ("series 'zz'", "not in the data")),
    "groups rule leaving no ID": (_same, _groups(["s0", "s1"]), ("leaves no ID series",)),
    "range rule leaving no ID": (_same, _range("2023-12-01"), ("leaves no ID range",)),
    "no shift window": (_same, _range("2024-02-09T22:00:00"), ("no shift window",)),
    "known covariate missing in the future": (
        _set(959, "holiday", np.nan),
        {},
        ("known covariate 'holiday'", "future"),
    ),
    "timezone mix": (_set(11, "time", "2024-01-01T11:00:00+00:00"), {}, ("time zone",)),
    "series of different frequencies": (
        _two_hourly,
        {},
        ("series 's1' steps every 2 hours", "'s0' every 1 hour", "one frequency", "resample"),
    ),
    "season longer than the context": (
        _same,
        {"season": 48},
        ("task.season = 48", "longer than task.context = 24", "raise task.context"),
    ),
    "horizon longer than a series": (
        _s1_of(5),
        {},
        ("task.horizon = 6 is longer than series 's1' (5 steps)", "lower task.horizon"),
    ),
}


@pytest.fixture(autouse=True)
def _restore_logging() -> Iterator[None]:
    log = logging.getLogger("archbench")
    handlers, level = list(log.handlers), log.level
    yield
    log.handlers[:] = handlers
    log.setLevel(level)


@pytest.mark.parametrize("case", list(CASES))
def test_refused(case: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    edit, change, needles = CASES[case]
    spec = write_spec(tmp_path, edit(table()).reset_index(drop=True), change)
    out = tmp_path / "run"
    code = cli.main(["run", "--spec", str(spec), "--out", str(out), "--quiet"])
    captured = capsys.readouterr()
    lines = [ln for ln in captured.err.splitlines() if ln.strip()]
    assert code == 2, captured.err
    assert len(lines) == 1 and lines[0].startswith("error: "), captured.err
    assert "Traceback" not in captured.err
    for needle in needles:
        assert needle in lines[0], (needle, lines[0])
    assert not out.exists()


def _refusal(args: list[str], capsys: pytest.CaptureFixture[str]) -> str:
    code = cli.main(args)
    captured = capsys.readouterr()
    lines = [ln for ln in captured.err.splitlines() if ln.strip()]
    assert code == 2 and len(lines) == 1 and "Traceback" not in captured.err, captured.err
    return lines[0]


def test_a_step_cap_below_one_window_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    spec = write_spec(tmp_path, table(), {})
    spec.write_text(spec.read_text() + "[split]\nmax_train_steps = 20\n")
    out = tmp_path / "run"
    line = _refusal(["run", "--spec", str(spec), "--out", str(out), "--quiet"], capsys)
    assert "split.max_train_steps = 20 is less than one window" in line
    assert "(context + horizon = 30 steps); raise it or set 0" in line
    assert not out.exists()


@pytest.mark.parametrize("key", ["max_train_steps", "max_train_values"])
def test_a_size_cap_on_a_table_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], key: str
) -> None:
    spec = tmp_path / "spec.toml"
    spec.write_text(f'[task]\nname = "california"\n[split]\n{key} = 1000\n')
    out = tmp_path / "run"
    line = _refusal(["run", "--spec", str(spec), "--out", str(out), "--quiet"], capsys)
    assert f"split.{key} caps forecasting windows" in line
    assert f"remove split.{key}" in line and not out.exists()


def test_a_value_cap_below_one_window_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    spec = write_spec(tmp_path, table(), {})
    spec.write_text(spec.read_text() + "[split]\nmax_train_values = 20\n")
    out = tmp_path / "run"
    line = _refusal(["run", "--spec", str(spec), "--out", str(out), "--quiet"], capsys)
    assert "split.max_train_values = 20 is less than one window" in line
    assert "raise it or set 0" in line and not out.exists()
