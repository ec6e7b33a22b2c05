"""One reader for every kind: tables, texts and series load alike from .csv, .tsv, each
compressed (gz, bz2, zip, xz; zst where pandas has zstandard), a ;-separated .csv and Parquet,
with the same messages."""

from __future__ import annotations

import bz2
import gzip
import importlib.util
import lzma
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from archbench.errors import DataError
from archbench.kinds import get_kind
from archbench.kinds.common.files import read_table, table_stem
from archbench.spec.load import spec_from_dict

FORMATS = [
    ".csv", ".tsv", ".txt", ".csv.gz", ".csv.bz2", ".csv.zip", ".csv.xz", ".tsv.gz", ".csv.zst",
    "semicolon.csv", ".parquet", ".pq",
]  # fmt: skip
HAS_ZSTD = importlib.util.find_spec("zstandard") is not None


def write(frame: pd.DataFrame, folder: Path, fmt: str) -> Path:
    """``frame`` written as ``fmt`` (compressed by the stdlib, not by pandas)."""
    if fmt in (".parquet", ".pq"):
        path = folder / f"data{fmt}"
        frame.to_parquet(path, index=False)
        return path
    if fmt == "semicolon.csv":
        path = folder / "data.csv"
        path.write_text(frame.to_csv(index=False, sep=";"), encoding="utf-8")
        return path
    path = folder / f"data{fmt}"
    sep = "\t" if fmt.startswith(".tsv") else ","
    raw = frame.to_csv(index=False, sep=sep).encode()
    if fmt.endswith(".zst"):
        if not HAS_ZSTD:
            path.write_bytes(b"\x28\xb5\x2f\xfd")
            return path
        import zstandard

        raw = zstandard.ZstdCompressor().compress(raw)
    elif fmt.endswith(".zip"):
        with zipfile.ZipFile(path, "w") as z:
            z.writestr("data.csv", raw)
        return path
    packers: dict[str, Callable[[bytes], bytes]] = {
        ".gz": gzip.compress, ".bz2": bz2.compress, ".xz": lzma.compress,
    }  # fmt: skip
    for end, pack in packers.items():
        if fmt.endswith(end):
            raw = pack(raw)
    path.write_bytes(raw)
    return path


def tabular(n: int = 120) -> tuple[pd.DataFrame, dict[str, Any], Callable[[Any], Any]]:
    rng = np.random.default_rng(0)
    x = rng.normal(size=n)
    frame = pd.DataFrame({
        "x": x.round(4), "city": rng.choice(["a", "b", "c"], n),
        "year": np.repeat([2019, 2020], n // 2), "y": (x > 0).astype(int),
    })  # fmt: skip
    task = {"type": "classification", "target": "y",
            "shift": {"kind": "range", "column": "year", "min": 2020}}  # fmt: skip
    return frame, task, lambda t: (t.frame.round(6).to_dict("list"), t.shift_mask.tolist())


def text(n: int = 120) -> tuple[pd.DataFrame, dict[str, Any], Callable[[Any], Any]]:
    rng = np.random.default_rng(1)
    words = np.array(["good", "bad", "fine", "NA", "null", "great"])
    frame = pd.DataFrame({
        "body": [" ".join(rng.choice(words, 4)) for _ in range(n)],
        "shop": rng.choice(["north", "south", "west"], n), "label": rng.choice(["p", "q"], n),
    })  # fmt: skip
    frame.loc[0, "body"] = "NA"  # a text, not a missing value
    task = {"type": "text_classification", "text": "body", "target": "label",
            "shift": {"kind": "groups", "column": "shop", "values": ["west"]}}  # fmt: skip
    return frame, task, lambda d: (list(d.texts), d.labels.tolist(), d.shift_mask.tolist())


def forecasting(n: int = 24 * 20) -> tuple[pd.DataFrame, dict[str, Any], Callable[[Any], Any]]:
    rng = np.random.default_rng(2)
    t = np.arange(n)
    parts = [
        pd.DataFrame({
            "site": f"s{k}", "time": pd.date_range("2024-01-01", periods=n, freq="h").astype(str),
            "load": (10 + k + np.sin(2 * np.pi * t / 24) + rng.normal(0, 0.3, n)).round(5),
        })
        for k in range(2)
    ]  # fmt: skip
    task = {"type": "forecasting", "time": "time", "target": "load", "series": "site",
            "horizon": 6, "context": 24,
            "shift": {"kind": "range", "column": "time", "min": "2024-01-15"}}  # fmt: skip
    return (
        pd.concat(parts, ignore_index=True),
        task,
        lambda ft: [v.round(6).tolist() for v in ft.data.values],
    )


KINDS = {"tabular": tabular, "text": text, "forecasting": forecasting}


def _load(kind: str, task: dict[str, Any], path: Path) -> Any:
    spec = spec_from_dict({"preset": "quick", "task": {**task, "path": str(path)}})
    return get_kind(kind).load(spec)


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("kind", sorted(KINDS))
def test_every_kind_reads_every_format_alike(kind: str, fmt: str, tmp_path: Path) -> None:
    frame, task, key = KINDS[kind]()
    (tmp_path / "ref").mkdir()
    want = key(_load(kind, task, write(frame, tmp_path / "ref", ".csv")))
    path = write(frame, tmp_path, fmt)
    if fmt.endswith(".zst") and not HAS_ZSTD:
        with pytest.raises(DataError, match=r"task.path .*data.csv.zst.* zstandard"):
            _load(kind, task, path)
        return
    assert key(_load(kind, task, path)) == want
    assert table_stem(path) == "data"


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_every_kind_gives_the_same_messages(kind: str, tmp_path: Path) -> None:
    frame, task, _ = KINDS[kind]()
    cases = {
        "data.xlsx": (b"PK\x03\x04", "has an unsupported type; use a .csv or .tsv"),
        "data.csv": (b"", r"is empty \(0 bytes\)"),
        "data.csv.gz": (b"not gzip at all", "cannot be read as CSV"),
        "bad.csv": (
            frame.to_csv(index=False).encode() + "x,caf\xe9\n".encode("latin-1"),
            rf"is not valid UTF-8 \(byte .*, line {len(frame) + 2}\); re-save it as UTF-8",
        ),
    }
    for name, (raw, message) in cases.items():
        (tmp_path / name).write_bytes(raw)
        with pytest.raises(DataError, match=rf"^task.path '.*{name}' {message}"):
            _load(kind, task, tmp_path / name)
    with pytest.raises(DataError, match=r"does not exist"):
        _load(kind, task, tmp_path / "none.csv")


def test_text_cells_stay_as_written_and_tables_read_missing_markers(tmp_path: Path) -> None:
    p = tmp_path / "d.csv.gz"
    p.write_bytes(gzip.compress("\ufeffa,b\nNA,1\n,2\n".encode()))  # BOM, NA, empty
    table = read_table(p)
    assert list(table.columns) == ["a", "b"] and table["a"].isna().all()
    kept = read_table(p, keep_strings=True)
    assert kept["a"].tolist()[0] == "NA" and pd.isna(kept["a"].tolist()[1])
