"""The task layer: built-in tasks load offline with the documented pools; the user task reads
CSV and Parquet, applies every shift rule kind, and rejects bad data with a DataError that
names the column."""

from __future__ import annotations

import gzip
import json
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from archbench.errors import DataError
from archbench.kinds.tabular.splits import SPLIT_NAMES, feature_row_hash, make_splits
from archbench.kinds.tabular.tasks import (
    TaskData,
    adult,
    california,
    flights,
    load_task,
    shift_mask,
)
from archbench.kinds.tabular.tasks.base import labels_as_strings, read_shipped, sort_labels
from archbench.kinds.tabular.templates import BUILTIN_TASKS
from archbench.spec.load import spec_from_dict
from archbench.spec.model import ShiftSpec, SplitSpec, TaskSpec

SPECIAL = "100% & #1 $~^\\{}<>@*_x"  # LaTeX specials, kept as the column name
UNICODE = "température (°C)"
SPACED = "a b"


def check_invariants(task: TaskData) -> None:
    n = len(task.frame)
    assert task.frame.index.equals(pd.RangeIndex(n))
    assert task.frame.index.dtype == np.int64
    assert list(task.frame.columns) == [*task.features, task.target]
    assert set(task.numeric) | set(task.categorical) == set(task.features)
    assert not set(task.numeric) & set(task.categorical)
    assert task.id_mask.dtype == bool and task.shift_mask.dtype == bool
    assert task.id_mask.shape == task.shift_mask.shape == (n,)
    assert not (task.id_mask & task.shift_mask).any()
    rows = task.rows
    assert (
        rows["total"] == rows["dropped"] + rows["id_pool"] + rows["shift_pool"] + rows["excluded"]
    )
    assert rows["id_pool"] > 0 and rows["shift_pool"] > 0
    assert np.all(np.diff(task.source_row) > 0)
    assert task.frame[task.target].notna().all()
    for c in task.numeric:
        assert task.frame[c].dtype == np.float64, c
    if task.task_type == "classification":
        assert task.classes == tuple(sorted(task.frame[task.target][task.id_mask].unique()))
        assert set(task.frame[task.target][task.shift_mask].unique()) <= set(task.classes)
    else:
        assert task.classes == ()
    doc = json.loads(json.dumps(task.to_json()))
    assert {
        "name",
        "title",
        "description",
        "provenance",
        "licence",
        "target",
        "task_type",
        "features",
        "shift",
        "notes",
        "rows",
    } <= set(doc)
    assert doc["rows"] == rows


# ---------------------------------------------------------------------------------------------
# Built-in tasks


@pytest.fixture(scope="module")
def flights_task() -> TaskData:
    return load_task(TaskSpec(name="flights"))


@pytest.fixture(scope="module")
def flights_source() -> pd.DataFrame:
    cols = ["month", "dep_time", "arr_delay", "carrier", "origin", "dest", "hour", "distance"]
    return pd.read_csv(flights.data_dir() / "flights.csv.zip", usecols=cols)


def test_flights_pools_match_the_source(flights_task, flights_source):
    task, src = flights_task, flights_source
    check_invariants(task)
    assert task.name == "flights" and task.task_type == "classification"
    assert task.classes == ("0", "1")
    assert task.rows["total"] == len(src)
    has_target = src["arr_delay"].notna().to_numpy()
    # Every flight with an arrival delay is kept, repeated feature rows included.
    np.testing.assert_array_equal(task.source_row, np.flatnonzero(has_target))
    cancelled, diverted = src["dep_time"].isna(), src["arr_delay"].isna() & src["dep_time"].notna()
    assert task.rows["dropped"] == int(cancelled.sum()) + int(diverted.sum())
    assert f"{int(cancelled.sum()):,} cancelled flights" in " ".join(task.notes)
    assert f"{int(diverted.sum()):,} diverted flights" in " ".join(task.notes)
    assert not any("features repeat" in n for n in task.notes)
    assert task.frame.duplicated(list(task.features)).sum() == 1716
    # Pools by month, computed from the source rows.
    month = src["month"].to_numpy()[task.source_row]
    assert task.rows["id_pool"] == int((month <= 9).sum())
    assert task.rows["shift_pool"] == int((month >= 11).sum())
    assert task.rows["excluded"] == int((month == 10).sum())
    assert set(month[task.id_mask]) == set(range(1, 10))
    assert set(month[task.shift_mask]) == {11, 12}
    expected = (src["arr_delay"].to_numpy()[task.source_row] > 15).astype(int).astype(str)
    assert (task.frame["arr_delayed"].to_numpy() == expected).all()
    picked = src.iloc[task.source_row]
    for c in ("carrier", "origin", "dest"):
        assert (task.frame[c].to_numpy() == picked[c].to_numpy()).all()
    assert (task.frame["sched_hour"].to_numpy() == picked["hour"].to_numpy()).all()


def test_flights_has_no_leakage_and_no_month(flights_task):
    cols = set(flights_task.frame.columns)
    assert not cols & set(flights.LEAKY)
    assert not cols & {"month", "year", "day", "time_hour", "sched_arr_time", "tailnum", "flight"}
    assert set(flights_task.categorical) == {"carrier", "origin", "dest", "weekday"}
    assert {"temp", "wind_speed", "visib", "plane_year", "plane_seats"} <= set(flights_task.numeric)
    assert set(flights_task.frame["weekday"].unique()) == set(flights.WEEKDAYS)


def test_flights_weather_is_the_origin_hour_record(flights_task):
    key = ["origin", "year", "month", "day", "hour"]
    weather = pd.read_csv(flights.data_dir() / "weather.csv").drop_duplicates(key)
    src = pd.read_csv(flights.data_dir() / "flights.csv.zip", usecols=key, nrows=2000)
    row = 1234
    pos = int(np.searchsorted(flights_task.source_row, row))
    assert flights_task.source_row[pos] == row
    rec = weather.merge(src.iloc[[row]], on=key)
    assert len(rec) == 1
    assert flights_task.frame["temp"].iloc[pos] == pytest.approx(rec["temp"].iloc[0])


def test_california_pools_by_latitude():
    task = load_task(TaskSpec(name="california"))
    check_invariants(task)
    raw = read_shipped("california_housing.parquet")
    assert task.task_type == "regression" and task.target == "MedHouseVal"
    assert task.rows["total"] == len(raw) == len(task.frame)
    assert task.rows["id_pool"] == int((raw["Latitude"] < 36).sum())
    assert task.rows["shift_pool"] == int((raw["Latitude"] >= 36).sum())
    assert task.rows["excluded"] == 0
    np.testing.assert_array_equal(task.frame["MedHouseVal"], raw["MedHouseVal"])
    assert task.frame["MedHouseVal"].max() == pytest.approx(5.00001)


def test_adult_pools_by_age():
    task = load_task(TaskSpec(name="adult"))
    check_invariants(task)
    raw = read_shipped("adult.parquet")
    assert task.classes == ("<=50K", ">50K")
    assert task.rows["total"] == len(raw) == len(task.frame) and task.rows["dropped"] == 0
    np.testing.assert_array_equal(task.source_row, np.arange(len(raw)))
    assert "fnlwgt" not in task.frame and "education" not in task.frame
    age = raw["age"].to_numpy()[task.source_row]
    assert task.rows["id_pool"] == int((age < 45).sum())
    assert task.rows["shift_pool"] == int((age >= 45).sum())
    assert task.frame["age"][task.id_mask].max() < 45 <= task.frame["age"][task.shift_mask].min()
    assert not (task.frame == "?").any().any()
    # Repeated feature rows are kept; the splitter keeps the copies in one split.
    assert task.frame.duplicated(list(task.features)).sum() == 7403
    kept = raw.iloc[task.source_row]
    assert (task.frame["income"].to_numpy() == kept["income"].to_numpy()).all()


@pytest.mark.parametrize("name", BUILTIN_TASKS)
@pytest.mark.parametrize("preset", ["default", "quick"])
def test_builtin_splits_pass_their_checks(name, preset, flights_task):
    """Repeated feature rows are kept at load time; the splitter keeps copies in one split."""
    task = flights_task if name == "flights" else load_task(TaskSpec(name=name))
    split = spec_from_dict({"task": {"name": name}}, preset=preset).split
    s = make_splits(task, split, builtin=True)  # runs check_splits: raises on any failure
    h = pd.Series(feature_row_hash(task.frame, list(task.features)), index=task.frame.index)
    seen: set[int] = set()
    for part in SPLIT_NAMES:
        ids = s.ids(part)
        assert len(ids) >= split.min_rows
        hashes = set(h.loc[ids].tolist())
        if part != "shift":  # train, val and test share no feature row at all
            assert not hashes & seen, part
            seen |= hashes
    assert not set(h.loc[s.shift].tolist()) & set(h.loc[s.train].tolist())
    if task.task_type == "classification":
        for part in SPLIT_NAMES:
            assert set(task.frame[task.target].loc[s.ids(part)]) == set(task.classes)


@pytest.mark.parametrize("name", ["flights", "adult"])
def test_builtin_repeats_would_leak_without_grouping(name, flights_task):
    task = flights_task if name == "flights" else load_task(TaskSpec(name=name))
    with pytest.raises(DataError, match="leakage"):
        make_splits(task, SplitSpec(duplicates="error"), builtin=True)


def test_every_builtin_is_registered():
    assert set(BUILTIN_TASKS) == {"flights", "california", "adult"}
    for mod in (flights, california, adult):
        assert callable(mod.load)


def test_builtin_with_a_custom_shift_and_dropped_feature():
    spec = TaskSpec(
        name="california",
        drop=("Latitude",),
        shift=ShiftSpec(kind="quantile", column="Latitude", quantile=0.75),
    )
    task = load_task(spec)
    check_invariants(task)
    assert "Latitude" not in task.frame
    raw = read_shipped("california_housing.parquet")
    q = np.quantile(raw["Latitude"], 0.75)
    assert task.rows["shift_pool"] == int((raw["Latitude"] > q).sum())
    assert task.shift_rule["kind"] == "quantile"


def test_flights_custom_date_range(flights_task):
    spec = TaskSpec(name="flights", shift=ShiftSpec(kind="range", column="date", min="2013-12-01"))
    task = load_task(spec)
    check_invariants(task)
    src = pd.read_csv(flights.data_dir() / "flights.csv.zip", usecols=["month"])
    month = src["month"].to_numpy()[task.source_row]
    assert task.rows["shift_pool"] == int((month == 12).sum())
    assert task.rows["excluded"] == 0


@pytest.mark.parametrize(
    ("spec", "field"),
    [
        (TaskSpec(name="flights", target="arr_delay"), "task.target"),
        (TaskSpec(name="adult", type="regression"), "task.type"),
        (TaskSpec(name="adult", drop=("fnlwgt",)), "fnlwgt"),
        (TaskSpec(name="adult", shift=ShiftSpec(kind="range", column="agee", min=50)), "agee"),
    ],
)
def test_builtin_bad_overrides(spec, field):
    with pytest.raises(DataError, match=re.escape(field)):
        load_task(spec)


# ---------------------------------------------------------------------------------------------
# The user task


def make_frame(n: int = 240, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame(
        {
            SPACED: rng.normal(size=n),
            UNICODE: rng.normal(10, 5, size=n),
            SPECIAL: rng.choice(["α", "β", "γ"], size=n),
            "site": rng.choice(["north", "south", "east"], size=n),
            "code": rng.integers(1, 4, size=n),
            "flag": rng.random(n) > 0.5,
            "date": pd.date_range("2020-01-01", periods=n, freq="D").strftime("%Y-%m-%d"),
            "y": rng.integers(0, 2, size=n).astype(float),
            "value": rng.normal(size=n),
        }
    )


@pytest.fixture
def frame() -> pd.DataFrame:
    return make_frame()


def write(df: pd.DataFrame, path: Path) -> Path:
    if path.name.endswith((".parquet", ".pq")):
        df.to_parquet(path, index=False)
    else:
        df.to_csv(path, index=False)
    return path


def spec_for(path: Path, shift: ShiftSpec | None = None, **kw) -> TaskSpec:
    kw.setdefault("target", "y")
    kw.setdefault("type", "classification")
    shift = shift or ShiftSpec(kind="groups", column="site", values=("east",))
    return TaskSpec(path=str(path), shift=shift, **kw)


RULES = [
    (ShiftSpec(kind="range", column="date", min="2020-06-01", max="2020-07-31"), None),
    (ShiftSpec(kind="range", column=UNICODE, min=12.0), None),
    (ShiftSpec(kind="groups", column="site", values=("east", "north")), None),
    (ShiftSpec(kind="groups", column="code", values=(3.0,)), None),
    (ShiftSpec(kind="quantile", column=SPACED, quantile=0.8, side="above"), None),
    (ShiftSpec(kind="quantile", column=UNICODE, quantile=0.25, side="below"), None),
]


def expected_shift(df: pd.DataFrame, rule: ShiftSpec) -> np.ndarray:
    col = df[rule.column]
    if rule.kind == "range" and rule.column == "date":
        d = pd.to_datetime(col)
        return ((d >= rule.min) & (d <= rule.max)).to_numpy()
    if rule.kind == "range":
        return (col >= rule.min).to_numpy()
    if rule.kind == "groups":
        return col.astype(str).isin([str(v).removesuffix(".0") for v in rule.values]).to_numpy()
    q = np.quantile(col, rule.quantile)
    return (col > q if rule.side == "above" else col < q).to_numpy()


@pytest.mark.parametrize("suffix", [".csv", ".csv.gz", ".parquet", ".pq"])
@pytest.mark.parametrize("rule", [r for r, _ in RULES], ids=lambda r: f"{r.kind}-{r.column}")
def test_user_task_each_rule_and_format(tmp_path, frame, suffix, rule):
    path = tmp_path / f"data{suffix}"
    if suffix == ".csv.gz":
        path.write_bytes(gzip.compress(frame.to_csv(index=False).encode()))
    else:
        write(frame, path)
    task = load_task(spec_for(path, rule))
    check_invariants(task)
    np.testing.assert_array_equal(task.shift_mask, expected_shift(frame, rule))
    np.testing.assert_array_equal(task.id_mask, ~expected_shift(frame, rule))
    assert task.name == "data"
    assert task.classes == ("0", "1")
    assert task.shift_rule["kind"] == rule.kind


def test_user_feature_types_and_special_names(tmp_path, frame):
    task = load_task(spec_for(write(frame, tmp_path / "d.csv"), categorical=("code",)))
    assert task.numeric == (SPACED, UNICODE, "value")
    assert task.categorical == (SPECIAL, "site", "code", "flag")
    assert "date" not in task.frame  # dates are not features unless listed
    assert any("date column 'date' not used" in n for n in task.notes)
    assert set(task.frame["code"].unique()) == {"1", "2", "3"}
    assert set(task.frame["flag"].unique()) == {"True", "False"}
    assert set(task.frame[SPECIAL].unique()) == {"α", "β", "γ"}
    assert task.to_json()["features"]["numeric"][1] == UNICODE


def test_user_special_target_and_explicit_features(tmp_path, frame):
    df = frame.rename(columns={"value": SPECIAL + " y"})
    path = write(df, tmp_path / "d.parquet")
    spec = spec_for(
        path,
        target=SPECIAL + " y",
        type="regression",
        features=(SPACED, "date", SPECIAL),
        shift=ShiftSpec(kind="range", column=SPACED, max=-0.5),
    )
    task = load_task(spec)
    check_invariants(task)
    assert list(task.frame.columns) == [SPACED, "date", SPECIAL, SPECIAL + " y"]
    assert task.numeric == (SPACED, "date")
    assert task.frame["date"].iloc[0] == pd.Timestamp("2020-01-01").value / 86400e9


def test_user_parquet_datetime_column_range(tmp_path, frame):
    df = frame.assign(date=pd.to_datetime(frame["date"]) + pd.Timedelta(hours=13))
    path = write(df, tmp_path / "d.parquet")
    rule = ShiftSpec(kind="range", column="date", min="2020-03-01", max="2020-03-31")
    task = load_task(spec_for(path, rule))
    assert task.rows["shift_pool"] == 31  # a date-only max includes that whole day


def test_classification_labels_are_normalised(tmp_path, frame):
    a = load_task(spec_for(write(frame, tmp_path / "a.csv")))
    b = load_task(spec_for(write(frame.assign(y=frame["y"].astype(int)), tmp_path / "b.parquet")))
    assert a.classes == b.classes == ("0", "1")
    assert (a.frame["y"] == b.frame["y"]).all()
    assert labels_as_strings(pd.Series([1.0, 2.5, np.nan, True])).tolist()[:2] == ["1", "2.5"]
    assert sort_labels(["10", "2", "1"]) == ("1", "2", "10")
    assert sort_labels(["b", "a", "10"]) == ("10", "a", "b")


def test_missing_target_rows_are_dropped_and_counted(tmp_path, frame):
    frame.loc[[3, 7, 11], "y"] = np.nan
    task = load_task(spec_for(write(frame, tmp_path / "d.csv")))
    assert task.rows["dropped"] == 3 and len(task.frame) == len(frame) - 3
    assert "3 rows with a missing target 'y' dropped" in task.notes
    assert 3 not in task.source_row and task.source_row[3] == 4


def test_missing_shift_values_are_excluded_and_counted(tmp_path, frame):
    frame.loc[[0, 1], "site"] = np.nan
    task = load_task(spec_for(write(frame, tmp_path / "d.csv")))
    assert task.rows["excluded"] == 2
    assert not task.id_mask[:2].any() and not task.shift_mask[:2].any()


def test_shift_mask_function(frame):
    mask = shift_mask(frame, ShiftSpec(kind="groups", column="site", values=("south",)))
    np.testing.assert_array_equal(mask, (frame["site"] == "south").to_numpy())


def test_constant_and_empty_features_are_kept_for_the_preprocessor(tmp_path, frame):
    df = frame.assign(const=1.0, empty=np.nan)
    task = load_task(spec_for(write(df, tmp_path / "d.csv")))
    assert {"const", "empty"} <= set(task.numeric)


# ---------------------------------------------------------------------------------------------
# Bad input: one DataError each, naming the file or column


def bad_cases(tmp_path: Path, df: pd.DataFrame) -> dict[str, tuple[TaskSpec, str]]:
    csv = write(df, tmp_path / "d.csv")
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    header = tmp_path / "header.csv"
    header.write_text("a,b,y\n")
    ragged = tmp_path / "ragged.csv"
    ragged.write_text("a,y\n1,0\n2,1,3,4\n")
    broken = tmp_path / "broken.parquet"
    broken.write_bytes(b"PAR1 this is not parquet")
    xlsx = tmp_path / "d.xlsx"
    xlsx.write_bytes(b"x")
    nan_y = write(df.assign(y=np.nan), tmp_path / "nan.csv")
    text_y = write(df.assign(value=["high", "low"] * (len(df) // 2)), tmp_path / "text.csv")
    one = write(df.assign(y=1.0), tmp_path / "one.csv")
    one_shift = write(df.assign(y=np.where(df["site"] == "east", 1.0, df["y"])), tmp_path / "s.csv")
    only_shift = df.assign(y=df["y"].astype(int).astype(str))
    only_shift.loc[only_shift["site"] == "east", "y"] = "2"
    only_shift.loc[only_shift.index[:3], "site"] = "east"
    only_shift.loc[only_shift.index[:3], "y"] = "0"
    only = write(only_shift, tmp_path / "only.csv")
    g = ShiftSpec(kind="groups", column="site", values=("east",))
    return {
        "missing file": (spec_for(tmp_path / "nope.csv"), "nope.csv"),
        "folder": (spec_for(tmp_path), str(tmp_path)),
        "unsupported type": (spec_for(xlsx), "d.xlsx"),
        "empty file": (spec_for(empty), "empty.csv"),
        "header only": (spec_for(header), "header.csv"),
        "unparseable csv": (spec_for(ragged), "ragged.csv"),
        "broken parquet": (spec_for(broken), "broken.parquet"),
        "target missing": (spec_for(csv, target="yy"), "'yy'"),
        "target all NaN": (spec_for(nan_y), "'y'"),
        "regression target not numeric": (
            spec_for(text_y, target="value", type="regression"),
            "'value'",
        ),
        "regression target boolean": (spec_for(csv, target="flag", type="regression"), "'flag'"),
        "one class": (spec_for(one), "'y'"),
        "one class in the shift set": (spec_for(one_shift, g), "shift set"),
        "class only in the shift set": (spec_for(only, g), "'2'"),
        "too many classes": (spec_for(csv, target="value"), "'value'"),
        "feature missing": (spec_for(csv, features=(SPACED, "nosuch")), "'nosuch'"),
        "target listed as a feature": (spec_for(csv, features=("y",)), "'y'"),
        "drop missing": (spec_for(csv, drop=("nosuch",)), "'nosuch'"),
        "categorical missing": (spec_for(csv, categorical=("nosuch",)), "'nosuch'"),
        "shift column missing": (
            spec_for(csv, ShiftSpec(kind="groups", column="sitee", values=("x",))),
            "'sitee'",
        ),
        "shift selects no rows": (
            spec_for(csv, ShiftSpec(kind="range", column=SPACED, min=99.0)),
            "selects no rows",
        ),
        "shift selects every row": (
            spec_for(csv, ShiftSpec(kind="range", column=SPACED, min=-99.0)),
            "selects every row",
        ),
        "quantile selects no rows": (
            spec_for(csv, ShiftSpec(kind="quantile", column="code", quantile=0.99)),
            "selects no rows",
        ),
        "quantile on booleans": (
            spec_for(csv, ShiftSpec(kind="quantile", column="flag")),
            "'flag'",
        ),
        "group value absent": (
            spec_for(csv, ShiftSpec(kind="groups", column="site", values=("weast",))),
            "'weast'",
        ),
        "range on text": (spec_for(csv, ShiftSpec(kind="range", column="site", min=1.0)), "'site'"),
        "date bound on numbers": (
            spec_for(csv, ShiftSpec(kind="range", column=SPACED, min="2020-01-01")),
            SPACED,
        ),
        "number bound on dates": (
            spec_for(csv, ShiftSpec(kind="range", column="date", min=3.0)),
            "'date'",
        ),
        "min above max": (
            spec_for(csv, ShiftSpec(kind="range", column=SPACED, min=1.0, max=0.0)),
            "min",
        ),
    }


CASES = (
    "missing file", "folder", "unsupported type", "empty file", "header only",
    "unparseable csv", "broken parquet", "target missing", "target all NaN",
    "regression target not numeric", "regression target boolean", "one class",
    "one class in the shift set", "class only in the shift set", "too many classes",
    "feature missing", "target listed as a feature", "drop missing", "categorical missing",
    "shift column missing", "shift selects no rows", "shift selects every row",
    "quantile selects no rows", "quantile on booleans", "group value absent", "range on text",
    "date bound on numbers", "number bound on dates", "min above max",
)  # fmt: skip


def test_bad_case_list_is_complete(tmp_path, frame):
    assert set(bad_cases(tmp_path, frame)) == set(CASES)


@pytest.mark.parametrize("case", CASES)
def test_bad_input_raises_a_clear_data_error(tmp_path, frame, case):
    spec, needle = bad_cases(tmp_path, frame)[case]
    with pytest.raises(DataError) as info:
        load_task(spec)
    msg = str(info.value)
    assert needle in msg, msg
    assert "\n" not in msg
    assert "Traceback" not in msg


def test_target_missing_suggests_a_close_match(tmp_path, frame):
    path = write(frame.rename(columns={"y": "Outcome Y"}), tmp_path / "d.csv")
    with pytest.raises(DataError, match="did you mean 'Outcome Y'"):
        load_task(spec_for(path, target="outcome y"))
