"""Reading a user's table, the one reader of every kind: CSV/TSV (``.csv``, ``.tsv``, ``.txt``,
each plain or compressed with gz, bz2, zip, xz or zst) or Parquet, with the same delimiter
sniffing and one clear error for each way a file can be wrong, and the file's sha256 for the
report."""

from __future__ import annotations

import bz2
import csv
import gzip
import hashlib
import logging
import lzma
import zipfile
from pathlib import Path

import pandas as pd
import pyarrow as pa

from archbench.errors import DataError

log = logging.getLogger(__name__)

__all__ = [
    "SUFFIXES",
    "file_sha256",
    "read_table",
    "table_stem",
    "table_suffix",
    "user_file_provenance",
]

#: Delimited text, each also compressed (pandas infers the compression from the suffix).
TEXT_SUFFIXES = (".csv", ".tsv", ".txt")
COMPRESSIONS = ("", ".gz", ".bz2", ".zip", ".xz", ".zst")
PARQUET_SUFFIXES = (".parquet", ".pq")
SUFFIXES = (*(t + c for t in TEXT_SUFFIXES for c in COMPRESSIONS), *PARQUET_SUFFIXES)
#: How the messages name the accepted files.
ACCEPTED = ".csv or .tsv (plain or .gz, .bz2, .zip, .xz, .zst), .parquet or .pq"


def file_sha256(path: Path) -> str:
    """The sha256 of the file's bytes (hex), read in 1 MiB blocks."""
    h = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def table_suffix(path: Path) -> str:
    """The table suffix of ``path`` (``".csv.gz"``, ``".parquet"``); "" for another type."""
    name = path.name.lower()
    for s in sorted(SUFFIXES, key=len, reverse=True):
        if name.endswith(s):
            return s
    return ""


def table_stem(path: Path) -> str:
    """The file name without its table suffix: ``reviews`` for ``reviews.csv.gz``."""
    return path.name[: len(path.name) - len(table_suffix(path))] or path.name


def read_table(path: Path, *, keep_strings: bool = False) -> pd.DataFrame:
    """Read a CSV/TSV file (plain or compressed) or a Parquet file.

    Args:
        path: the file; its suffix says the format (``SUFFIXES``).
        keep_strings: read CSV cells as written (only an empty cell is missing), so that a text
            such as "NA" or "null" stays a text; tables read pandas' usual missing markers.

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
        raise DataError(f"{where} is a folder; give a {ACCEPTED} file")
    suffix = table_suffix(path)
    if not suffix:
        raise DataError(f"{where} has an unsupported type; use a {ACCEPTED} file")
    try:
        size = path.stat().st_size
        if size == 0:
            raise DataError(f"{where} is empty (0 bytes); point task.path at the data file")
        if suffix in PARQUET_SUFFIXES:
            df = _read_parquet(path, where)
        else:
            df = _read_csv(path, where, suffix, keep_strings)
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


def _read_csv(path: Path, where: str, suffix: str, keep_strings: bool) -> pd.DataFrame:
    """Comma-separated unless the suffix says tab (``.tsv``) or the header shows ``;`` or tab."""
    kw: dict[str, object] = {"low_memory": False, "encoding": "utf-8-sig"}
    if keep_strings:
        kw.update(keep_default_na=False, na_values=[""])
    try:
        sep: str | None = "\t" if suffix.startswith(".tsv") else ","
        df = pd.read_csv(path, sep=sep, **kw)  # type: ignore[call-overload]
        if df.shape[1] == 1 and sep == ",":
            head = str(df.columns[0])
            sep = ";" if ";" in head else "\t" if "\t" in head else None
            if sep:
                df = pd.read_csv(path, sep=sep, **kw)  # type: ignore[call-overload]
        header = pd.read_csv(
            path, sep=sep or ",", header=None, nrows=1, dtype=str, encoding="utf-8-sig"
        )
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
        at = _utf8_position(path)
        raise DataError(f"{where} is not valid UTF-8{at}; re-save it as UTF-8") from None
    except ImportError as exc:  # pandas reads .zst with the optional zstandard package
        raise DataError(
            f"{where} cannot be decompressed here ({_one_line(exc)}); install the package it "
            "names or re-save the file as .csv.gz"
        ) from None
    except (OSError, EOFError, csv.Error, ValueError, zipfile.BadZipFile) as exc:
        if isinstance(exc, PermissionError):
            raise
        raise DataError(
            f"{where} cannot be read as CSV ({type(exc).__name__}: {_one_line(exc)}); check "
            "that it is an uncorrupted CSV file"
        ) from None
    return df


def _utf8_position(path: Path) -> str:
    """Where the first byte that is not UTF-8 sits (after decompression), as
    ``" (byte N, line L)"``; "" where that cannot be told."""
    name = path.name.lower()
    try:
        if name.endswith(".gz"):
            raw = gzip.decompress(path.read_bytes())
        elif name.endswith(".bz2"):
            raw = bz2.decompress(path.read_bytes())
        elif name.endswith(".xz"):
            raw = lzma.decompress(path.read_bytes())
        elif name.endswith(".zip"):
            with zipfile.ZipFile(path) as z:
                raw = z.read(z.namelist()[0])
        elif name.endswith(".zst"):
            return ""
        else:
            raw = path.read_bytes()
        raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        return f" (byte {exc.start:,}, line {line:,})"
    except (OSError, EOFError, ValueError, zipfile.BadZipFile, lzma.LZMAError):
        return ""
    return ""


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


def data_digest(frame: pd.DataFrame) -> str:
    """sha256 of the task table (values, row ids and column names)."""
    h = hashlib.sha256()
    h.update("\x1f".join(map(str, frame.columns)).encode())
    h.update(pd.util.hash_pandas_object(frame, index=True).to_numpy().tobytes())
    return h.hexdigest()
