"""Reading a user's table: CSV (``.csv``, ``.csv.gz``) or Parquet, with one clear error for
each way a file can be wrong, and the file's sha256 for the report."""

from __future__ import annotations

import csv
import hashlib
import logging
from pathlib import Path

import pandas as pd
import pyarrow as pa

from archbench.errors import DataError

log = logging.getLogger(__name__)

__all__ = ["SUFFIXES", "file_sha256", "read_table", "table_suffix", "user_file_provenance"]

SUFFIXES = (".csv", ".csv.gz", ".parquet", ".pq")


def file_sha256(path: Path) -> str:
    """The sha256 of the file's bytes (hex), read in 1 MiB blocks."""
    h = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def table_suffix(path: Path) -> str:
    name = path.name.lower()
    for s in sorted(SUFFIXES, key=len, reverse=True):
        if name.endswith(s):
            return s
    return ""


def read_table(path: Path) -> pd.DataFrame:
    """Read a CSV (``.csv``, ``.csv.gz``) or Parquet (``.parquet``, ``.pq``) file.

    Raises:
        DataError: the file is missing, a folder, of another type, empty or unreadable.
    """
    where = f"task.path {str(path)!r}"
    if not path.exists():
        raise DataError(
            f"{where} does not exist; check the path (relative paths are resolved "
            "against the spec file's folder)"
        )
    if path.is_dir():
        raise DataError(f"{where} is a folder; give a .csv, .csv.gz, .parquet or .pq file")
    suffix = table_suffix(path)
    if not suffix:
        raise DataError(
            f"{where} has an unsupported type; use a .csv, .csv.gz, .parquet or .pq file"
        )
    try:
        size = path.stat().st_size
        if size == 0:
            raise DataError(f"{where} is empty (0 bytes); point task.path at the data file")
        if suffix in (".parquet", ".pq"):
            df = _read_parquet(path, where)
        else:
            df = _read_csv(path, where)
    except PermissionError:
        raise DataError(
            f"{where} cannot be read (permission denied); fix its permissions"
        ) from None
    except (IsADirectoryError, FileNotFoundError) as exc:
        raise DataError(f"{where} cannot be read ({exc.strerror}); check the path") from None
    header = df.attrs.pop("header", None)
    df.columns = [str(c) for c in df.columns]
    df.attrs["notes"] = _renamed_columns(header, list(df.columns), where)
    if df.shape[1] == 0:
        raise DataError(f"{where} has no columns; check that it is a data table")
    if len(df) == 0:
        raise DataError(f"{where} has a header but no data rows; point task.path at the data file")
    return df


def _read_csv(path: Path, where: str) -> pd.DataFrame:
    try:
        sep: str | None = ","
        df = pd.read_csv(path, low_memory=False)
        if df.shape[1] == 1:
            head = str(df.columns[0])
            sep = ";" if ";" in head else "\t" if "\t" in head else None
            if sep:
                df = pd.read_csv(path, sep=sep, low_memory=False)
        header = pd.read_csv(path, sep=sep or ",", header=None, nrows=1, dtype=str)
        df.attrs["header"] = [str(v) for v in header.iloc[0].tolist()]
    except pd.errors.EmptyDataError:
        raise DataError(
            f"{where} is empty (no header, no rows); point task.path at the data file"
        ) from None
    except pd.errors.ParserError as exc:
        first = _one_line(str(exc).strip().splitlines()[-1]) if str(exc).strip() else "?"
        raise DataError(
            f"{where} cannot be parsed as CSV ({first}); check the delimiter and quoting"
        ) from None
    except UnicodeDecodeError:
        raise DataError(f"{where} is not UTF-8 text; re-save it as UTF-8 CSV") from None
    except (OSError, EOFError, csv.Error, ValueError) as exc:
        if isinstance(exc, PermissionError):
            raise
        raise DataError(
            f"{where} cannot be read as CSV ({type(exc).__name__}: {_one_line(exc)}); check "
            "that it is an uncorrupted CSV file"
        ) from None
    return df


def _renamed_columns(header: list[str] | None, columns: list[str], where: str) -> list[str]:
    """Notes (also logged) on column names that occur twice in the file and were renamed.

    The reader renames the second ``a`` to ``a.1``; the note says so, so that the spec can name
    either copy. Names that collide after conversion to strings are refused.
    """
    if len(set(columns)) != len(columns):
        twice = next(c for c in columns if columns.count(c) > 1)
        raise DataError(f"{where} has two columns named {twice!r}; rename one of them in the file")
    if not header or len(header) != len(columns):
        return []
    notes = []
    for name in dict.fromkeys(h for h in header if header.count(h) > 1):
        copies = [c for h, c in zip(header, columns, strict=True) if h == name]
        note = (
            f"column name {name!r} occurs {len(copies)} times in the file: the copies are read "
            f"as {', '.join(repr(c) for c in copies)} (name them so in the spec, or rename them "
            "in the file)"
        )
        log.warning("%s", note)
        notes.append(note)
    return notes


def _read_parquet(path: Path, where: str) -> pd.DataFrame:
    try:
        return pd.read_parquet(path)
    except PermissionError:
        raise
    except (pa.ArrowException, OSError, ValueError) as exc:
        msg = _one_line(exc) or type(exc).__name__
        raise DataError(
            f"{where} is not a readable Parquet file ({msg}); check that it is an "
            "uncorrupted Parquet file"
        ) from None


def _one_line(text: object) -> str:
    return " ".join(str(text).split())


def user_file_provenance(path: Path, given: str = "") -> str:
    """How the report names a user's file: the path as the spec wrote it (``given``; the file
    name when the spec came from a dict), its size and sha256. The resolved absolute path is
    never printed: the folder it sits in says nothing about the data and may be private."""
    name = given or path.name
    return f"user file {name} ({path.stat().st_size:,} bytes, sha256 {file_sha256(path)})"
