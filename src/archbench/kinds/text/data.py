"""Text tasks: the ``[task]`` settings, the loaded data and the parts the families train on.

A text task is one string per row (one column, or several joined with ``separator``), a class
label, and the in-distribution (ID) / shift masks of a shift rule (``tasks.shift``: groups on a
category column, a range on a date column, a quantile of a numeric column). Rows without a
label are dropped; rows whose text is empty or whitespace once joined are dropped and counted
(an error when more than ``max_empty_fraction`` of the rows are empty). Text must be valid
UTF-8: a CSV with bad bytes, a ``bytes`` value that does not decode, or a string holding lone
surrogates (what ``errors="surrogateescape"`` leaves) is an error naming the row.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from archbench.errors import ConfigError, DataError
from archbench.kinds.common.describe import task_title
from archbench.kinds.common.files import read_table, table_stem, user_file_provenance
from archbench.kinds.common.labels import (
    check_classes,
    count,
    kept_change,
    labels_as_strings,
    sort_labels,
)
from archbench.kinds.common.pools import freeze_pools, pool_rows
from archbench.kinds.common.rare import order_classes, positive_label
from archbench.kinds.common.shift import apply_shift, did_you_mean
from archbench.spec.model import ShiftSpec

#: ``[task]`` keys the spine reads itself; ``TextSettings.from_table`` leaves them alone.
SPINE_KEYS: tuple[str, ...] = ("name", "path", "type", "description", "shift", "drop")
#: ``[task]`` keys of the rare-label handling shared with tables (``kinds/common/rare.py``).
SHARED_KEYS: tuple[str, ...] = ("primary_metric", "min_positives")


@dataclass(frozen=True)
class TextSettings:
    """The text-specific ``[task]`` keys.

    Attributes:
        text: the text column, or several joined in this order with ``separator``.
        target: the label column (any values; two or more classes).
        separator: joins several text columns (missing parts are skipped).
        positive_class: the class the imbalanced-label metrics (and, for two classes,
            ROC-AUC) score; it becomes the last class index. Empty: the last label in sorted
            order. A number is spelled as labels are (1.0 -> "1").
        max_empty_fraction: empty texts above this share of the labelled rows are an error.
    """

    text: tuple[str, ...]
    target: str
    separator: str = " \n "
    positive_class: str = ""
    max_empty_fraction: float = 0.05

    @classmethod
    def from_table(cls, table: Mapping[str, Any]) -> TextSettings:
        """Build from a TOML ``[task]`` table; keys of ``SPINE_KEYS`` are ignored.

        Raises:
            ConfigError: an unknown key, a missing ``text``/``target``, or a value of the
                wrong type.
        """
        known = {f.name for f in dataclasses.fields(cls)}
        for key in table:
            if key not in known and key not in SPINE_KEYS and key not in SHARED_KEYS:
                raise ConfigError(
                    f"task.{key} is not a text-task key"
                    f"{did_you_mean(key, sorted(known), 'text-task keys are')}"
                )
        for key in ("text", "target"):
            if not table.get(key):
                raise ConfigError(f'task.{key} is missing; e.g. {key} = "review"')
        raw = table["text"]
        names = (raw,) if isinstance(raw, str) else tuple(raw)
        if not names or not all(isinstance(n, str) and n for n in names):
            raise ConfigError(
                f"task.text = {raw!r} must be a column name or a list of column names"
            )
        if len(set(names)) != len(names):
            raise ConfigError(f"task.text = {list(names)!r} names a column twice")
        for key in ("target", "separator"):
            if key in table and not isinstance(table[key], str):
                raise ConfigError(f"task.{key} = {table[key]!r} must be a string")
        pc = table.get("positive_class")
        if pc is not None and (isinstance(pc, bool) or not isinstance(pc, str | int | float)):
            raise ConfigError(
                f"task.positive_class must be a class label (text or number), got {pc!r}"
            )
        frac = table.get("max_empty_fraction", cls.max_empty_fraction)
        if isinstance(frac, bool) or not isinstance(frac, int | float) or not 0 <= frac < 1:
            raise ConfigError(f"task.max_empty_fraction = {frac!r} must be a number in [0, 1)")
        kw = {k: table[k] for k in ("target", "separator") if k in table}
        kw["positive_class"] = positive_label({"positive_class": pc}) or ""
        return cls(text=names, max_empty_fraction=float(frac), **kw)


@dataclass(frozen=True, eq=False)
class TextData:
    """One loaded text task. ``N`` = rows kept (labelled, non-empty text).

    Attributes:
        texts: ``(N,)`` object array of ``str``, stripped, never empty.
        labels: ``(N,)`` int64 class indices into ``classes``.
        classes: class labels as strings; for two classes index 1 is the positive class.
        id_mask, shift_mask: ``(N,)`` bool, disjoint; rows in neither are excluded.
        columns: the other columns of the kept rows (rule columns, ids, dates, numbers),
            index ``0..N-1``; kept for shift rules and tracing, never a model input.
        source_row: ``(N,)`` int64 position of each row in the source table.
        notes: one line per thing dropped or excluded, with counts.
    """

    name: str
    title: str
    description: str
    provenance: str
    licence: str
    texts: np.ndarray
    labels: np.ndarray
    classes: tuple[str, ...]
    id_mask: np.ndarray
    shift_mask: np.ndarray
    shift_description: str
    text_columns: tuple[str, ...]
    separator: str
    target: str
    columns: pd.DataFrame = field(default_factory=pd.DataFrame)
    source_row: np.ndarray | None = None
    n_source_rows: int = 0
    notes: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        n = len(self.texts)
        freeze_pools(self, n)
        assert self.labels.shape == (n,) and self.labels.dtype == np.int64
        src = np.arange(n) if self.source_row is None else np.asarray(self.source_row)
        object.__setattr__(self, "source_row", src.astype(np.int64))
        object.__setattr__(self, "n_source_rows", max(self.n_source_rows, n))

    @property
    def n_classes(self) -> int:
        return len(self.classes)

    @property
    def rows(self) -> dict[str, int]:
        """Row counts: total = dropped + id_pool + shift_pool + excluded."""
        return pool_rows(self.n_source_rows, len(self.texts), self.id_mask, self.shift_mask)


@dataclass(frozen=True)
class TextInfo:
    """What a family needs to know besides the rows: the classes (``K >= 2``)."""

    classes: tuple[str, ...]

    @property
    def n_classes(self) -> int:
        return len(self.classes)


@dataclass(frozen=True, eq=False)
class TextPart:
    """One split as the families see it.

    Attributes:
        texts: ``(n,)`` object array of ``str``.
        y: ``(n,)`` int64 class indices.
        name: the split's name.
        row_id: ``(n,)`` int64 unit ids (row indices of the ``TextData``); default ``0..n-1``.
    """

    texts: np.ndarray
    y: np.ndarray
    name: str = ""
    row_id: np.ndarray | None = None

    def __post_init__(self) -> None:
        assert self.texts.shape == self.y.shape, "texts and labels differ in length"
        ids = np.arange(len(self.y)) if self.row_id is None else np.asarray(self.row_id)
        assert ids.shape == self.y.shape, "row ids and labels differ in length"
        object.__setattr__(self, "row_id", ids.astype(np.int64))

    def __len__(self) -> int:
        return int(self.y.shape[0])

    def take(self, idx: np.ndarray) -> TextPart:
        """The rows at positions ``idx``."""
        assert self.row_id is not None
        return TextPart(self.texts[idx], self.y[idx], self.name, self.row_id[idx])

    def bootstrap(self, seed: int) -> TextPart:
        """As many texts, drawn with replacement within each class (class counts kept)."""
        rng = np.random.default_rng(seed)
        idx = np.concatenate(
            [
                rng.choice(np.flatnonzero(self.y == c), size=int((self.y == c).sum()))
                for c in np.unique(self.y)
            ]
        )
        return self.take(np.sort(idx))

    def subsample(self, n: int, seed: int) -> TextPart:
        """A label-stratified random subset of ``n`` rows (all rows when ``n >= len``)."""
        if n <= 0 or n >= len(self):
            return self
        rng = np.random.default_rng(seed)
        keep: list[np.ndarray] = []
        for c in np.unique(self.y):
            rows = np.flatnonzero(self.y == c)
            k = max(1, round(n * rows.size / len(self)))
            keep.append(rng.permutation(rows)[:k])
        return self.take(np.sort(np.concatenate(keep)))


# ---------------------------------------------------------------------------------------------
# Building a TextData from a table


def read_text_table(path: str | Path) -> pd.DataFrame:
    """Read a text task's table with the reader of every kind (``kinds.common.files``): CSV/TSV
    plain or compressed, or Parquet; CSV cells as written (only an empty cell is missing).

    Raises:
        DataError: a missing file, an unknown extension, or bytes that are not UTF-8 (with the
            line number).
    """
    frame = read_table(Path(path), keep_strings=True)
    frame.attrs.pop("notes", None)
    return frame


def text_data_from_frame(
    frame: pd.DataFrame,
    settings: TextSettings,
    shift: ShiftSpec | None,
    *,
    name: str,
    source: str = "the data",
    title: str = "",
    description: str = "",
    provenance: str = "",
    licence: str = "",
) -> TextData:
    """Check and assemble a text task from a table (one row per document).

    Raises:
        DataError: a missing or numeric text column, invalid UTF-8, too many empty texts, a
            label with one class in the ID pool, or a shift rule that does not fit.
    """
    _check_columns(frame, settings, source)
    notes: list[str] = []
    texts = join_texts(frame, settings, source)
    labelled, empty = _usable_rows(frame, texts, settings, source, notes)
    keep = np.flatnonzero(labelled & ~empty)
    kept = frame.iloc[keep].reset_index(drop=True)
    id_mask, shift_mask, shift_desc = _masks(
        kept, shift, source, notes, settings.target, settings.positive_class
    )
    y = labels_as_strings(kept[settings.target])
    classes = check_classes(y, id_mask, shift_mask) if shift_mask.any() else _id_classes(y, id_mask)
    classes = _order_classes(classes, settings.positive_class, settings.target)
    lookup = {c: i for i, c in enumerate(classes)}
    labels = np.array([lookup.get(v, -1) for v in y], dtype=np.int64)
    used = set(settings.text) | {settings.target}
    extra = kept[[c for c in kept.columns if c not in used]]
    return TextData(
        name=name,
        title=title or name,
        description=description,
        provenance=provenance,
        licence=licence,
        texts=np.asarray(texts, dtype=object)[keep],
        labels=labels,
        classes=classes,
        id_mask=id_mask & (labels >= 0),
        shift_mask=shift_mask & (labels >= 0),
        shift_description=shift_desc,
        text_columns=settings.text,
        separator=settings.separator,
        target=settings.target,
        columns=extra,
        source_row=keep.astype(np.int64),
        n_source_rows=len(frame),
        notes=tuple(notes),
    )


def _usable_rows(
    frame: pd.DataFrame, texts: list[str], settings: TextSettings, source: str, notes: list[str]
) -> tuple[np.ndarray, np.ndarray]:
    """``(labelled, empty)`` row masks; the dropped rows are counted in ``notes``.

    Raises:
        DataError: more than ``max_empty_fraction`` of the labelled rows have an empty text.
    """
    labelled = frame[settings.target].notna().to_numpy()
    if not labelled.all():
        notes.append(count(int((~labelled).sum()), f"rows without a {settings.target!r} dropped"))
    empty = np.array([not t for t in texts], dtype=bool) & labelled
    n_empty, n_labelled = int(empty.sum()), int(labelled.sum())
    if n_empty > settings.max_empty_fraction * max(n_labelled, 1):
        raise DataError(
            f"task.text: {n_empty:,} of {n_labelled:,} labelled rows of {source} have an empty "
            f"or whitespace-only text (over max_empty_fraction = {settings.max_empty_fraction}); "
            "check the text column(s) or raise task.max_empty_fraction"
        )
    if n_empty:
        target = frame[settings.target][labelled].reset_index(drop=True)
        change = kept_change(target, ~empty[labelled], settings.positive_class or None)
        notes.append(
            count(
                n_empty,
                "rows with an empty or whitespace-only text dropped",
                "row with an empty or whitespace-only text dropped",
            )
            + f" ({change})"
        )
    return labelled, empty


def _check_columns(frame: pd.DataFrame, settings: TextSettings, source: str) -> None:
    cols = [str(c) for c in frame.columns]
    for key, names in (("text", settings.text), ("target", (settings.target,))):
        for col in names:
            if col not in frame.columns:
                raise DataError(
                    f"task.{key} column {col!r} is not a column of {source}"
                    f"{did_you_mean(col, cols)}"
                )
    if settings.target in settings.text:
        raise DataError(f"task.target {settings.target!r} is also a text column; pick another")
    for col in settings.text:
        s = frame[col].dropna()
        if s.empty:
            raise DataError(f"task.text column {col!r} of {source} has no values (all missing)")
        numeric = pd.api.types.is_numeric_dtype(s.dtype) or pd.api.types.is_bool_dtype(s.dtype)
        if not numeric:
            numeric = all(_is_number_text(v) for v in s.to_numpy(dtype=object))
        if numeric:
            raise DataError(
                f"task.text column {col!r} of {source} holds only numbers, not text; name the "
                "column with the documents"
            )


def _is_number_text(v: object) -> bool:
    if isinstance(v, bytes):
        return False
    try:
        float(str(v).strip())
    except ValueError:
        return False
    return True


def join_texts(frame: pd.DataFrame, settings: TextSettings, source: str) -> list[str]:
    """One stripped string per row: the non-empty text columns joined with the separator.

    Raises:
        DataError: a value that is not valid UTF-8 (undecodable bytes or lone surrogates).
    """
    parts = [frame[c].to_numpy(dtype=object) for c in settings.text]
    out: list[str] = []
    for i in range(len(frame)):
        pieces = []
        for col, values in zip(settings.text, parts, strict=True):
            v = values[i]
            if v is None or (isinstance(v, float) and np.isnan(v)) or v is pd.NA:
                continue
            s = _as_text(v, col, i, source).strip()
            if s:
                pieces.append(s)
        out.append(settings.separator.join(pieces))
    return out


def _as_text(v: object, col: str, row: int, source: str) -> str:
    if isinstance(v, bytes):
        try:
            return v.decode("utf-8")
        except UnicodeDecodeError:
            raise DataError(
                f"task.text column {col!r}, row {row:,} of {source} is not valid UTF-8; "
                "re-encode the data as UTF-8"
            ) from None
    s = str(v)
    try:
        s.encode("utf-8")
    except UnicodeEncodeError:
        raise DataError(
            f"task.text column {col!r}, row {row:,} of {source} holds bytes that are not valid "
            "UTF-8 (lone surrogates); re-encode the data as UTF-8"
        ) from None
    return s


def _masks(
    kept: pd.DataFrame,
    shift: ShiftSpec | None,
    source: str,
    notes: list[str],
    target: str = "",
    positive: str = "",
) -> tuple[np.ndarray, np.ndarray, str]:
    n = len(kept)
    if shift is None:
        return np.ones(n, dtype=bool), np.zeros(n, dtype=bool), "none (no shift rule)"
    result = apply_shift(kept, shift, source=source, target=target, positive=positive or None)
    notes.extend(result.notes)
    return result.id_mask, result.shift_mask, result.description


def _id_classes(y: pd.Series, id_mask: np.ndarray) -> tuple[str, ...]:
    in_id = set(y[id_mask].dropna().unique())
    if len(in_id) < 2:
        only = ", ".join(repr(c) for c in sorted(in_id)) or "none"
        raise DataError(
            f"target column {y.name!r} has one class ({only}) in the ID pool; classification "
            "needs at least two: pick another target or another shift rule"
        )
    return sort_labels(in_id)


def _order_classes(classes: tuple[str, ...], positive: str, target: str) -> tuple[str, ...]:
    """The classes with ``positive`` last (the rule tables follow, ``rare.order_classes``)."""
    return order_classes(classes, {"positive_class": positive or None}, (), target)


def load_user_text(
    path: str | Path,
    settings: TextSettings,
    shift: ShiftSpec | None,
    given: str = "",
    description: str = "",
) -> TextData:
    """A user's CSV/TSV/Parquet text task (``task.path``); ``description`` is the spec's
    ``task.description`` (the report's title and data paragraph), empty for a generated one."""
    p = Path(path)
    frame = read_text_table(p)
    stem = table_stem(p)
    return text_data_from_frame(
        frame,
        settings,
        shift,
        name=stem,
        source=str(p),
        title=task_title(description, stem),
        description=description
        or f"Text classification of {settings.target!r} from "
        + " + ".join(repr(c) for c in settings.text)
        + f" ({p.name})",
        provenance=user_file_provenance(p, given),
    )
