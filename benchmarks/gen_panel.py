"""A synthetic forecasting panel: N daily series of T days, weekly and yearly season, noise.

Each series ``k`` is ``level_k * (1 + trend) + weekly_k[dow] + yearly_k * sin(2 pi doy / 365.25 +
phase_k) + AR(1) noise``, with every coefficient drawn per series from the seed, so series
differ in level, weekday profile, yearly amplitude and phase. Written as a long CSV (columns
``series, date, value``; ~22 bytes a row) with a matching spec next to it:

    python benchmarks/gen_panel.py --series 2000 --days 730 --out /tmp/panel
    archbench run --spec /tmp/panel/spec.toml --preset quick

``--steps`` writes one half-hourly series of that many steps instead (daily and weekly cycle;
the issue's costly case). The spec forecasts 14 days from 56 (panel) or 48 half-hours from 336
with season 48 (long series), with a range shift over the last 10% of the time.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import pandas as pd


def panel(n_series: int, n_days: int, seed: int = 0, start: str = "2020-01-01") -> pd.DataFrame:
    """The long frame ``series, date, value`` (daily)."""
    rng = np.random.default_rng(seed)
    t = np.arange(n_days)
    dates = pd.date_range(start, periods=n_days, freq="D")
    dow = dates.day_of_week.to_numpy()
    doy = dates.day_of_year.to_numpy()
    level = rng.lognormal(3.0, 0.8, n_series)
    weekly = rng.normal(0, 0.15, (n_series, 7)) * level[:, None]
    yearly = rng.uniform(0.05, 0.3, n_series) * level
    phase = rng.uniform(0, 2 * np.pi, n_series)
    trend = rng.normal(0, 0.2, n_series)[:, None] * t[None, :] / max(n_days, 1)
    noise = _ar1(rng, n_series, n_days, 0.5) * rng.uniform(0.03, 0.1, n_series)[:, None]
    y = (
        level[:, None] * (1 + trend)
        + weekly[:, dow]
        + yearly[:, None] * np.sin(2 * np.pi * doy / 365.25 + phase[:, None])
        + noise * level[:, None]
    )
    names = np.array([f"s{k:05d}" for k in range(n_series)])
    return pd.DataFrame(
        {
            "series": np.repeat(names, n_days),
            "date": np.tile(dates.strftime("%Y-%m-%d").to_numpy(), n_series),
            "value": np.round(y.ravel(), 3),
        }
    )


def long_series(n_steps: int, seed: int = 0) -> pd.DataFrame:
    """One half-hourly series of ``n_steps`` with a daily and a weekly cycle."""
    rng = np.random.default_rng(seed)
    times = pd.date_range("2015-01-01", periods=n_steps, freq="30min")
    t = np.arange(n_steps)
    y = (
        100
        + 10 * np.sin(2 * np.pi * t / 48)
        + 5 * np.sin(2 * np.pi * t / (48 * 7))
        + 3 * _ar1(rng, 1, n_steps, 0.8)[0]
    )
    return pd.DataFrame({"date": times.strftime("%Y-%m-%d %H:%M"), "value": np.round(y, 3)})


def _ar1(rng: np.random.Generator, n: int, t: int, phi: float) -> np.ndarray:
    """``(n, t)`` stationary AR(1) noise with unit innovations."""
    eps = rng.normal(size=(n, t))
    out = np.empty_like(eps)
    out[:, 0] = eps[:, 0] / np.sqrt(1 - phi**2)
    for k in range(1, t):
        out[:, k] = phi * out[:, k - 1] + eps[:, k]
    return out


def spec_text(data: Path, *, panel_: bool, last: str) -> str:
    """A spec for the written file: a range shift over its last 10% of time."""
    horizon, context = (14, 56) if panel_ else (48, 336)
    series = 'series = "series"\n' if panel_ else "season = 48\n"
    return f"""[task]
type = "forecasting"
path = "{data.name}"
time = "date"
target = "value"
{series}horizon = {horizon}
context = {context}
description = "Synthetic data from benchmarks/gen_panel.py (seasonal, AR(1) noise)."

[task.shift]
kind = "range"
column = "date"
min = "{last}"
"""


def write(out: Path, frame: pd.DataFrame, *, panel_: bool) -> Path:
    """Write ``data.csv`` and ``spec.toml`` into ``out``; return the spec's path."""
    out.mkdir(parents=True, exist_ok=True)
    data = out / "data.csv"
    frame.to_csv(data, index=False)
    times = pd.to_datetime(frame["date"].drop_duplicates())
    cut = times.iloc[int(len(times) * 0.9)]
    last = cut.strftime("%Y-%m-%d" if panel_ else "%Y-%m-%dT%H:%M:%S")
    spec = out / "spec.toml"
    spec.write_text(spec_text(data, panel_=panel_, last=last))
    return spec


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--series", type=int, default=2000)
    p.add_argument("--days", type=int, default=730)
    p.add_argument("--steps", type=int, default=0, help="one half-hourly series instead")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--out", required=True)
    a = p.parse_args(argv)
    if a.steps:
        spec = write(Path(a.out), long_series(a.steps, a.seed), panel_=False)
    else:
        spec = write(Path(a.out), panel(a.series, a.days, a.seed), panel_=True)
    print(spec)


if __name__ == "__main__":
    main()
