"""The user task: a CSV or Parquet file, a target column, a task type and a shift rule.

Column names are kept exactly as they are in the file (spaces, unicode and LaTeX specials
included). Features default to every column but the target, ``task.drop`` and date columns;
non-numeric and boolean columns are categorical, numeric columns numeric, unless
``task.categorical`` names them. Rows with a missing target are dropped and counted.
"""

from __future__ import annotations

import logging
import re
from pathlib import Path
from typing import cast

import numpy as np
import pandas as pd

from archbench.errors import DataError
from archbench.kinds.common.describe import task_title
from archbench.kinds.common.files import read_table, table_stem, user_file_provenance
from archbench.kinds.common.groups import group_codes
from archbench.kinds.common.shift import apply_shift, did_you_mean
from archbench.kinds.tabular.tasks.base import (
    TaskData,
    TaskType,
    check_classes,
    count,
    labels_as_strings,
)
from archbench.kinds.tabular.templates import BUILTIN_TASKS
from archbench.spec.model import TaskSpec

log = logging.getLogger(__name__)

#: The largest float32: the models work in float32, larger magnitudes would overflow.
_FLOAT32_MAX = float(np.finfo(np.float32).max)
_ISO_DATE = re.compile(
    r"^\d{4}-\d{2}-\d{2}([ T]\d{2}:\d{2}(:\d{2}(\.\d+)?)?)?(Z|[+-]\d{2}:?\d{2})?$"
)


def _is_date_column(s: pd.Series) -> bool:
    if pd.api.types.is_datetime64_any_dtype(s.dtype):
        return True
    if pd.api.types.is_numeric_dtype(s.dtype) or pd.api.types.is_bool_dtype(s.dtype):
        return False
    sample = s.dropna().head(200)
    if sample.empty or not all(isinstance(v, str) for v in sample):
        return False
    return bool(sample.str.match(_ISO_DATE).all())


def _is_numeric(s: pd.Series) -> bool:
    return pd.api.types.is_numeric_dtype(s.dtype) and not pd.api.types.is_bool_dtype(s.dtype)


def _check_names(names: tuple[str, ...], key: str, columns: list[str], where: str) -> None:
    for c in names:
        if c not in columns:
            raise DataError(
                f"{key}: column {c!r} is not a column of {where}{did_you_mean(c, columns)}"
            )


def _target(raw: pd.DataFrame, spec: TaskSpec, where: str) -> tuple[pd.DataFrame, list[str]]:
    """Rows with a target; the target cleaned (numbers for regression, labels for classes).

    Rows with a missing (or, for regression, infinite) target are dropped and counted.
    """
    t = spec.target
    if t not in raw.columns:
        raise DataError(
            f"task.target {t!r} is not a column of {where}{did_you_mean(t, list(raw.columns))}"
        )
    y = raw[t]
    missing = y.isna()
    if missing.all():
        raise DataError(
            f"task.target column {t!r} of {where} has no values (all missing); pick "
            "another target column"
        )
    notes = _dropped(missing, f"a missing target {t!r}")
    if spec.type == "regression":
        clean, infinite = _regression_target(y, missing, where)
        notes += _dropped(infinite, f"an infinite target {t!r}")
        missing = missing | infinite
    else:
        clean = labels_as_strings(y)
    out = raw.copy()
    out[t] = clean
    keep = ~missing.to_numpy()
    return out[keep].reset_index(drop=True).set_axis(np.flatnonzero(keep), axis=0), notes


def _dropped(mask: pd.Series, what: str) -> list[str]:
    """``["3 rows with <what> dropped"]`` (also logged) when ``mask`` has any True, else []."""
    n = int(mask.sum())
    if not n:
        return []
    note = count(n, f"rows with {what} dropped", f"row with {what} dropped")
    log.warning("%s", note)
    return [note]


def _regression_target(y: pd.Series, missing: pd.Series, where: str) -> tuple[pd.Series, pd.Series]:
    """(float64 target with +-inf as NaN, mask of the infinite values); raise if unusable."""
    t = y.name
    if pd.api.types.is_bool_dtype(y.dtype):
        raise DataError(
            f'task.target column {t!r} is boolean, not a number; use task.type = "classification"'
        )
    num = y if _is_numeric(y) else pd.to_numeric(y, errors="coerce")
    bad = num.isna() & ~missing
    if bad.any():
        example = y[bad].iloc[0]
        raise DataError(
            f"task.type is regression but target column {t!r} is not numeric "
            f'(e.g. {example!r}); use task.type = "classification" or fix the column'
        )
    x = num.astype(np.float64)
    infinite = pd.Series(np.isinf(x.to_numpy(na_value=np.nan)), index=x.index)
    if (missing | infinite).all():
        raise DataError(
            f"task.target column {t!r} of {where} has no finite values; pick another target column"
        )
    big = x.abs().gt(_FLOAT32_MAX) & ~infinite
    if big.any():
        example = float(x[big].iloc[0])
        raise DataError(
            f"target column {t!r} holds values beyond +-3.4e38 (e.g. {example!r}), too large "
            "for the models; rescale the target (e.g. a log or a change of unit)"
        )
    return x.mask(infinite), infinite


#: A column whose distinct values cover at least this share of its rows identifies rows.
ID_SHARE = 0.95
#: ... when it has at least this many values (a few rows prove nothing).
ID_MIN_ROWS = 20
_ID_NAME = re.compile(r"(^|[^a-z])(id|ids|key|index|idx|row|rownum|row_number|uuid)$", re.I)


def identifies_rows(s: pd.Series) -> bool:
    """True for a column that names rows rather than describing them.

    Text columns with a distinct value in at least 95% of their (>= 20) rows ("U-00001",
    "17-000003", free text); integer columns with a distinct value in every row that count rows
    (consecutive integers, any order), rise with the file's row order (the row names of a
    filtered file: 6823, 6824, 6826, ...) or whose name says id/key/index/row.
    """
    v = s.dropna()
    if len(v) < ID_MIN_ROWS:
        return False
    n_distinct = int(v.nunique())
    if pd.api.types.is_bool_dtype(s.dtype):
        return False
    if not _is_numeric(s):
        return n_distinct >= ID_SHARE * len(v)
    x = v.to_numpy(dtype=np.float64)
    if n_distinct < len(v) or not np.all(np.isfinite(x)) or not np.all(x == np.round(x)):
        return False
    consecutive = float(x.max() - x.min()) == len(x) - 1
    rising = bool(np.all(np.diff(x) > 0))
    return consecutive or rising or bool(_ID_NAME.search(str(s.name).strip()))


def _id_columns(raw: pd.DataFrame, candidates: list[str], keep: tuple[str, ...]) -> list[str]:
    """Columns among ``candidates`` that identify rows, except those listed in ``keep``."""
    return [c for c in candidates if c not in keep and identifies_rows(raw[c])]


def _features(
    raw: pd.DataFrame, spec: TaskSpec, where: str, notes: list[str] | None = None
) -> tuple[list[str], list[str], list[str]]:
    """(features, numeric, categorical), every named column checked against the file.

    Without ``task.features``, columns that identify rows are left out (noted in ``notes``)
    unless ``task.keep_ids`` lists them.
    """
    cols = list(raw.columns)
    keep = tuple(spec.options.get("keep_ids", ()))
    _check_names(keep, "task.keep_ids", cols, where)
    keep += spec.categorical
    _check_names(spec.drop, "task.drop", cols, where)
    _check_names(spec.features, "task.features", cols, where)
    _check_names(spec.categorical, "task.categorical", cols, where)
    if spec.target in spec.features:
        raise DataError(f"task.features lists the target {spec.target!r}; remove it from the list")
    if spec.target in spec.drop:
        raise DataError(
            f"task.drop lists the target {spec.target!r}; remove it from the list (the target "
            "is never a feature)"
        )
    twice = sorted({c for c in spec.features if spec.features.count(c) > 1})
    if twice:
        raise DataError(f"task.features lists {twice[0]!r} twice; list each column once")
    if spec.features:
        feats = [c for c in spec.features if c not in spec.drop]
    else:
        feats = [
            c
            for c in cols
            if c != spec.target
            and c not in spec.drop
            and (c in spec.categorical or not _is_date_column(raw[c]))
        ]
        ids = _id_columns(raw, feats, keep)
        if ids:
            feats = [c for c in feats if c not in ids]
            one = len(ids) == 1
            note = (
                f"{_plural_cols(ids)} {'identifies' if one else 'identify'} rows (a distinct "
                "value in almost every row, or integers rising with the row order) and "
                f"{'is' if one else 'are'} not used as "
                f"{'a feature' if one else 'features'}; list {'it' if one else 'them'} in "
                f"task.keep_ids (or task.features) to keep {'it' if one else 'them'}"
            )
            log.warning("%s", note)
            if notes is not None:
                notes.append(note)
    for c in spec.categorical:
        if c not in feats:
            raise DataError(
                f"task.categorical: column {c!r} is not a feature (it is the target, "
                "dropped or not in task.features); remove it from the list"
            )
    if not feats:
        raise DataError(f"no feature columns are left in {where}; list them in task.features")
    cat = [
        c
        for c in feats
        if c in spec.categorical or not (_is_numeric(raw[c]) or _is_date_column(raw[c]))
    ]
    num = [c for c in feats if c not in cat]
    return feats, num, cat


def _plural_cols(names: list[str]) -> str:
    shown = ", ".join(repr(c) for c in names)
    return f"column {shown}" if len(names) == 1 else f"columns {shown}"


def _date_notes(raw: pd.DataFrame, spec: TaskSpec, feats: list[str]) -> list[str]:
    notes = []
    for c in raw.columns:
        if c == spec.target or c in spec.drop or not _is_date_column(raw[c]):
            continue
        if c in feats:
            notes.append(f"date column {c!r} used as a number: days since 1970-01-01")
        elif not spec.features:
            notes.append(
                f"date column {c!r} not used as a feature (list it in task.features to "
                "use it as days since 1970-01-01)"
            )
    return notes


def _days(s: pd.Series) -> pd.Series:
    d = (
        s
        if pd.api.types.is_datetime64_any_dtype(s.dtype)
        else pd.to_datetime(s, errors="coerce", format="ISO8601", utc=True)
    )
    if getattr(d.dt, "tz", None) is not None:
        d = d.dt.tz_convert("UTC").dt.tz_localize(None)
    ns = d.dt.as_unit("ns").astype("int64").astype(np.float64)
    return (ns / 86400e9).where(d.notna())


def _check_varies(y: pd.Series, id_mask: np.ndarray) -> None:
    """A regression target must take at least two values in the ID pool."""
    values = y[id_mask].dropna().unique()
    if len(values) < 2:
        shown = repr(float(values[0])) if len(values) else "no value"
        raise DataError(
            f"target column {y.name!r} is constant ({shown}) in the ID pool: there is nothing "
            "to predict; pick another target column or another shift rule"
        )


def _model_frame(
    data: pd.DataFrame, feats: list[str], cat: list[str], notes: list[str]
) -> pd.DataFrame:
    """The feature columns typed for the task frame; infinite numbers become missing (noted)."""
    frame = pd.DataFrame(index=pd.RangeIndex(len(data), name="row_id"))
    for c in feats:
        s = data[c]
        if c in cat:
            frame[c] = s.astype("str") if s.dtype == "str" else labels_as_strings(s)
            continue
        x = _days(s) if _is_date_column(s) else s.astype(np.float64)
        inf = np.isinf(x.to_numpy(dtype=np.float64, na_value=np.nan))
        if inf.any():
            notes.append(
                count(
                    int(inf.sum()),
                    f"infinite values of feature {c!r} treated as missing",
                    f"infinite value of feature {c!r} treated as missing",
                )
            )
            log.warning("%s", notes[-1])
            x = x.mask(inf)
        frame[c] = x
    return frame


def load(spec: TaskSpec, group: str = "") -> TaskData:
    """Load the user task described by ``spec`` (``spec.path`` set); ``group`` names the
    column of ``split.group`` (its codes become ``TaskData.groups``).

    Raises:
        DataError: a file, column, target or shift problem; the message names the field.
    """
    path = Path(spec.path).expanduser()
    where = str(path)
    if spec.type not in ("classification", "regression"):
        raise DataError('task.type is missing: use "classification" or "regression"')
    if spec.shift is None:
        raise DataError("[task.shift] is missing: say which rows form the shift set")
    raw = read_table(path)
    read_notes = list(raw.attrs.pop("notes", []))
    n_source = len(raw)
    data, notes = _target(raw, spec, where)
    notes = read_notes + notes
    source_row = data.index.to_numpy(dtype=np.int64)
    data = data.reset_index(drop=True)
    groups = group_codes(data, group, where, not_allowed=(spec.target,)) if group else None
    feats, num, cat = _features(data, spec, where, notes)
    if group and group in feats and group not in spec.features:
        feats, num, cat = ([c for c in x if c != group] for x in (feats, num, cat))
        notes.append(
            f"the group column {group!r} (split.group) is not a feature: its groups never "
            "repeat across train, validation and test (list it in task.features to keep it)"
        )
    notes += _date_notes(data, spec, feats)
    shift = apply_shift(
        data, spec.shift, source=where, target=spec.target,
        positive=spec.options.get("positive_class"),
    )  # fmt: skip
    notes += shift.notes
    if spec.shift.column in feats:
        notes.append(
            f"the shift column {spec.shift.column!r} is also a feature (list it in "
            "task.drop to leave it out)"
        )
    y = data[spec.target]
    classes: tuple[str, ...] = ()
    if spec.type == "classification":
        classes = check_classes(y, shift.id_mask, shift.shift_mask)
    else:
        _check_varies(y, shift.id_mask)
    frame = _model_frame(data, feats, cat, notes)
    frame[spec.target] = y
    stem = table_stem(path)
    name = spec.name if spec.name and spec.name not in BUILTIN_TASKS else stem
    return TaskData(
        name=name,
        title=task_title(spec.description, f"{stem}: {spec.target}"),
        description=spec.description
        or (
            f"{spec.type.capitalize()} of {spec.target!r} from {len(feats)} feature columns of "
            f"{path.name}; shift set: {shift.description}."
        ),
        provenance=user_file_provenance(path, spec.given_path),
        licence="as stated by the data owner (user file)",
        frame=frame,
        target=spec.target,
        task_type=cast(TaskType, spec.type),
        numeric=tuple(num),
        categorical=tuple(cat),
        classes=classes,
        id_mask=shift.id_mask,
        shift_mask=shift.shift_mask,
        shift_description=shift.description,
        notes=tuple(notes),
        source_row=source_row,
        n_source_rows=n_source,
        shift_rule={k: v for k, v in _shift_dict(spec).items() if v not in (None, (), "")},
        groups=groups,
    )


def _shift_dict(spec: TaskSpec) -> dict[str, object]:
    s = spec.shift
    assert s is not None
    d: dict[str, object] = {"kind": s.kind, "column": s.column}
    if s.kind == "range":
        d.update(min=s.min, max=s.max)
    elif s.kind == "groups":
        d["values"] = list(s.values)
    else:
        d.update(quantile=s.quantile, side=s.side)
    return d
