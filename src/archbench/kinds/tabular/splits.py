"""ID train / validation / test split, the shift set, the split manifest and leakage checks.

The ID pool is split into train, validation and test (seeded; stratified for
classification); shift rows form the shift set. Size caps are applied with the same data
seed. Identical feature rows are never allowed to sit on both sides of train and an
evaluation set: with ``split.duplicates = "group"`` copies are kept in one split, with
``"error"`` their presence is an error that names rows (``"auto"``, the default: group, for
built-in tasks and user data alike; identical feature rows are normal in real tables, e.g.
coarse survey answers or repeated bookings, and are leakage only when they straddle splits).
The number of ID rows that share their features with another row is a split note.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from archbench.errors import DataError
from archbench.kinds.common import rare
from archbench.kinds.common.groups import (
    check_group_count,
    drop_note,
    group_manifest,
    merge_keys,
    row_drop,
)
from archbench.names import SPLIT_NAMES
from archbench.seeding import derive_seed
from archbench.spec.model import SplitSpec

if TYPE_CHECKING:
    from archbench.kinds.tabular.tasks.base import TaskData

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Splits:
    """Row ids (index values of the task frame) per split, sorted."""

    train: np.ndarray
    val: np.ndarray
    test: np.ndarray
    shift: np.ndarray
    seed: int
    notes: tuple[str, ...] = field(default=())
    drops: tuple[dict[str, Any], ...] = field(default=())
    groups: np.ndarray | None = None
    group_column: str = ""

    def ids(self, name: str) -> np.ndarray:
        return np.asarray(getattr(self, name))

    def sizes(self) -> dict[str, int]:
        return {s: len(self.ids(s)) for s in SPLIT_NAMES}

    def digest(self) -> str:
        """sha256 over the row ids of every split, in split order."""
        h = hashlib.sha256()
        for s in SPLIT_NAMES:
            h.update(s.encode())
            h.update(np.ascontiguousarray(self.ids(s), dtype=np.int64).tobytes())
        return h.hexdigest()

    def frame(self) -> pd.DataFrame:
        """Long table ``row_id, split`` for splits.parquet."""
        parts = [pd.DataFrame({"row_id": self.ids(s), "split": s}) for s in SPLIT_NAMES]
        return pd.concat(parts, ignore_index=True)

    def manifest(self, task: TaskData) -> dict[str, Any]:
        out: dict[str, Any] = {
            "sizes": self.sizes(),
            "hash": self.digest(),
            "seed": self.seed,
            "notes": list(self.notes),
        }
        if self.drops:
            out["drops"] = [dict(d) for d in self.drops]
        if self.groups is not None:
            pos = pd.Series(np.arange(len(task.frame)), index=task.frame.index)
            out["groups"] = group_manifest(
                self.group_column,
                {s: np.asarray(self.groups)[pos.loc[self.ids(s)].to_numpy()] for s in SPLIT_NAMES},
            )
        if task.task_type == "classification":
            y = task.frame[task.target].astype("string")
            out["class_balance"] = {
                s: {
                    str(k): float(v)
                    for k, v in y.loc[self.ids(s)].value_counts(normalize=True).sort_index().items()
                }
                for s in SPLIT_NAMES
            }
        return out


def feature_row_hash(frame: pd.DataFrame, features: list[str]) -> np.ndarray:
    """``(n,)`` uint64 hash of each row's feature values (NaN-aware, order-sensitive)."""
    return pd.util.hash_pandas_object(frame[features], index=False).to_numpy()


def _cap(ids: np.ndarray, cap: int, strat: np.ndarray | None, seed: int) -> np.ndarray:
    if cap <= 0 or len(ids) <= cap:
        return ids
    from sklearn.model_selection import train_test_split

    try:
        kept, _ = train_test_split(ids, train_size=cap, random_state=seed, stratify=strat)
    except ValueError:  # a class too rare to stratify at this size: fall back to uniform
        kept, _ = train_test_split(ids, train_size=cap, random_state=seed)
    return np.asarray(kept)


def _split_groups(
    keys: np.ndarray,
    strat: np.ndarray | None,
    frac: float,
    seed: int,
    what: str,
    *,
    loose: bool = False,
) -> tuple[np.ndarray, np.ndarray]:
    """Split row positions so that rows with equal ``keys`` stay together (stratified by the
    first row's class of each key; ``loose``: unstratified when a class has too few keys)."""
    uniq, first, inverse = np.unique(keys, return_index=True, return_inverse=True)
    g_strat = strat[first] if strat is not None else None
    g_idx = np.arange(len(uniq))
    from sklearn.model_selection import train_test_split

    try:
        try:
            _, g_b = train_test_split(g_idx, test_size=frac, random_state=seed, stratify=g_strat)
        except ValueError:
            if not loose or g_strat is None:
                raise
            _, g_b = train_test_split(g_idx, test_size=frac, random_state=seed)
    except ValueError as exc:
        raise DataError(
            f"cannot split the ID pool into {what} ({exc}); add rows, lower "
            "split.val_fraction/test_fraction, or check the target's class counts"
        ) from None
    in_b = np.zeros(len(uniq), dtype=bool)
    in_b[g_b] = True
    rows = np.arange(len(keys))
    return rows[~in_b[inverse]], rows[in_b[inverse]]


def make_splits(
    task: TaskData, spec: SplitSpec, *, builtin: bool, rare_requested: bool = False
) -> Splits:
    """Split the task's ID pool into train/val/test and cap every split, then check them.

    With ``spec.group`` (``task.groups`` loaded), rows of one group stay in one of train,
    validation and test. With a rare class (``rare_requested``: a positive class or an
    imbalanced-label metric; else a class under 10% of the ID pool), evaluation caps grow so
    that the capped sets keep up to 100 rows of it.
    """
    policy = "group" if spec.duplicates == "auto" else spec.duplicates
    features = list(task.numeric) + list(task.categorical)
    frame = task.frame
    id_ids = frame.index.to_numpy()[task.id_mask]
    shift_ids = frame.index.to_numpy()[task.shift_mask]
    classif = task.task_type == "classification"
    y_id = frame.loc[id_ids, task.target].astype("string").to_numpy() if classif else None
    hashes = feature_row_hash(frame, features)
    pos = pd.Series(np.arange(len(frame)), index=frame.index)
    id_hash = hashes[pos.loc[id_ids].to_numpy()]
    keys = id_hash if policy == "group" else np.arange(len(id_ids))
    grouped = task.groups is not None
    if grouped:
        assert task.groups is not None
        g_id = np.asarray(task.groups)[pos.loc[id_ids].to_numpy()]
        check_group_count(g_id, spec.group, "rows")
        keys = merge_keys(keys, g_id)
    _check_pool(task, spec, keys, y_id)
    s1 = derive_seed(spec.seed, "split", "test")
    s2 = derive_seed(spec.seed, "split", "val")
    rest, test = _split_groups(
        keys, y_id, spec.test_fraction, s1, "train+validation and test", loose=grouped
    )
    val_frac = spec.val_fraction / (1.0 - spec.test_fraction)
    y_rest = y_id[rest] if y_id is not None else None
    tr, va = _split_groups(keys[rest], y_rest, val_frac, s2, "train and validation", loose=grouped)
    train, val = rest[tr], rest[va]
    notes = _duplicate_notes(id_hash) if policy == "group" else []
    shift_hash = hashes[pos.loc[shift_ids].to_numpy()]
    y_shift = frame.loc[shift_ids, task.target].astype("string").to_numpy() if classif else None
    drops: list[dict[str, Any]] = []
    if policy == "group":
        clash = np.isin(shift_hash, id_hash[train])
        if clash.any():
            y_all = frame.loc[shift_ids, task.target]
            values = y_all.astype("string").to_numpy() if classif else y_all.to_numpy()
            positive = task.classes[-1] if classif else None
            drops.append(row_drop("shift", "identical features in train", ~clash, values, positive))
            notes.append(drop_note(drops[-1]))
            log.warning("%s", notes[-1])
            shift_ids, shift_hash = shift_ids[~clash], shift_hash[~clash]
            y_shift = y_shift[~clash] if y_shift is not None else None
    focus = _focus_label(task, y_id, rare_requested)

    def grow(name: str, n: int, labels: np.ndarray | None) -> int:
        if focus is None or labels is None:
            return n
        grown = rare.grown_cap(n, len(labels), int((labels == focus).sum()))
        if grown != n:
            notes.append(rare.cap_note(name, n, grown, focus, len(labels)))
            log.warning("%s", notes[-1])
        return grown

    def cap(idx: np.ndarray, n: int, name: str) -> np.ndarray:
        strat = y_id[idx] if y_id is not None else None
        n = grow(name, n, strat) if name != "train" else n
        return _cap(id_ids[idx], n, strat, derive_seed(spec.seed, "cap", name))

    shift_cap = grow("shift", spec.max_shift_rows, y_shift)

    splits = Splits(
        train=np.sort(cap(train, spec.max_train_rows, "train")),
        val=np.sort(cap(val, spec.max_val_rows, "val")),
        test=np.sort(cap(test, spec.max_test_rows, "test")),
        shift=np.sort(_cap(shift_ids, shift_cap, y_shift, derive_seed(spec.seed, "cap", "shift"))),
        seed=spec.seed,
        notes=tuple(notes),
        drops=tuple(drops),
        groups=task.groups if grouped else None,
        group_column=spec.group if grouped else "",
    )
    check_splits(task, splits, spec, hashes=pd.Series(hashes, index=frame.index))
    return splits


def _focus_label(task: TaskData, y_id: np.ndarray | None, requested: bool) -> str | None:
    """The label of the class the evaluation caps keep (see ``rare.focus_class``), or None."""
    if y_id is None:
        return None
    index = {c: i for i, c in enumerate(task.classes)}
    codes = pd.Series(y_id).map(index).fillna(0).to_numpy(dtype=np.int64)
    focus = rare.focus_class(codes, len(task.classes), requested)
    return None if focus is None else task.classes[focus]


def _duplicate_notes(id_hash: np.ndarray) -> list[str]:
    """The split note (also logged) counting ID rows whose features repeat another ID row."""
    _, inverse, counts = np.unique(id_hash, return_inverse=True, return_counts=True)
    n = int((counts[inverse] > 1).sum())
    if not n:
        return []
    groups = int((counts > 1).sum())
    rows = "1 ID row has" if n == 1 else f"{n:,} ID rows have"
    note = (
        f"{rows} the same features as another row ({groups:,} "
        f"{'group' if groups == 1 else 'groups'} of identical feature rows); each group is kept "
        'in one split (split.duplicates = "group"; "error" refuses such rows)'
    )
    log.warning("%s", note)
    return [note]


def check_splits(
    task: TaskData, splits: Splits, spec: SplitSpec, *, hashes: pd.Series | None = None
) -> None:
    """Raise DataError unless the splits are disjoint, large enough, leak-free and cover classes."""
    seen: set[int] = set()
    for s in SPLIT_NAMES:
        ids = set(splits.ids(s).tolist())
        if seen & ids:
            raise DataError(f"split {s!r} shares rows with an earlier split (internal error)")
        seen |= ids
    for s in SPLIT_NAMES:
        n = len(splits.ids(s))
        if n < spec.min_rows:
            raise DataError(
                f"the {s} split has {n} rows, fewer than split.min_rows = "
                f"{spec.min_rows}; {_size_hint(task, spec, s, n)}"
            )
    if hashes is None:
        features = list(task.numeric) + list(task.categorical)
        hashes = pd.Series(feature_row_hash(task.frame, features), index=task.frame.index)
    train_h = set(hashes.loc[splits.train].tolist())
    for s in ("val", "test", "shift"):
        h = hashes.loc[splits.ids(s)]
        shared = h[h.isin(train_h)]
        if len(shared):
            rows = "1 row of the" if len(shared) == 1 else f"{len(shared):,} rows of the"
            have = "has" if len(shared) == 1 else "have"
            raise DataError(
                f"{rows} {s} split {have} exactly the same features as train "
                f"rows (leakage; e.g. {_example_copy(task, splits, hashes, shared)}); remove "
                'duplicated rows from the data or set split.duplicates = "group" to keep copies '
                "in one split"
            )
    if task.task_type == "classification":
        y = task.frame[task.target].astype("string")
        for s in SPLIT_NAMES:
            present = set(y.loc[splits.ids(s)].unique().tolist())
            missing = [c for c in task.classes if c not in present]
            if missing:
                fix = (
                    "change the shift rule (task.shift) so the shift set holds every class"
                    if s == "shift"
                    else "use more data or merge rare classes"
                )
                raise DataError(
                    f"class {missing[0]!r} of target {task.target!r} is absent from the {s} "
                    f"split; {fix}"
                )


def _check_pool(task: TaskData, spec: SplitSpec, keys: np.ndarray, y_id: np.ndarray | None) -> None:
    """Fail early, with the reason, when no split of the ID pool can pass ``check_splits``."""
    n = len(keys)
    if n < 3 * spec.min_rows:
        raise DataError(
            f"the ID pool has {n:,} rows, too few for train, validation and test of at least "
            f"split.min_rows = {spec.min_rows} rows each; use more data, move rows from the "
            "shift set to the ID pool (task.shift) or lower split.min_rows"
        )
    if y_id is None:
        return
    # Rows with equal keys stay in one split, so a class needs rows in 3 distinct keys.
    per_class = pd.DataFrame({"k": keys, "y": y_id}).drop_duplicates().groupby("y").size()
    rare = per_class[per_class < 3].sort_values()
    if len(rare):
        label, k = str(rare.index[0]), int(rare.iloc[0])
        rows = ("distinct feature " if len(np.unique(keys)) < n else "") + (
            "row" if k == 1 else "rows"
        )
        raise DataError(
            f"class {label!r} of target {task.target!r} has {k} {rows} in the ID pool; train, "
            "validation and test each need one: add rows of that class, or merge it into "
            "another class, or drop its rows"
        )


_CAP_KEY = {
    "train": "max_train_rows",
    "val": "max_val_rows",
    "test": "max_test_rows",
    "shift": "max_shift_rows",
}


def _size_hint(task: TaskData, spec: SplitSpec, name: str, n: int) -> str:
    """What to change when split ``name`` has only ``n`` rows."""
    cap = int(getattr(spec, _CAP_KEY[name]))
    if 0 < cap < spec.min_rows:
        return f"raise split.{_CAP_KEY[name]} (now {cap}) or lower split.min_rows"
    if name == "shift":
        return "widen the shift rule (task.shift) or lower split.min_rows"
    pool = int(task.id_mask.sum())
    fix = {
        "train": "lower split.val_fraction / split.test_fraction",
        "val": "raise split.val_fraction",
        "test": "raise split.test_fraction",
    }[name]
    return f"the ID pool has {pool:,} rows: use more data, {fix} or lower split.min_rows"


def _example_copy(task: TaskData, splits: Splits, hashes: pd.Series, shared: pd.Series) -> str:
    """``"row 215 repeats row 16 of the data"``: the first shared row and its train copy."""
    row = int(shared.index[0])
    train = hashes.loc[splits.train]
    twin = int(train.index[train.to_numpy() == shared.iloc[0]][0])
    src = np.asarray(task.source_row)
    pos = pd.Series(np.arange(len(task.frame)), index=task.frame.index)
    a, b = sorted((int(src[pos[row]]), int(src[pos[twin]])))
    return f"row {b} repeats row {a} of the data, counting data rows from 0"
