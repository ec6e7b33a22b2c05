"""Grouped splits and row accounting, shared by the kinds that split rows (tables and text).

* ``split.group = "column"``: rows with the same value of the column form a group, and a group
  sits whole in one of train, validation and test (the shift set follows the shift rule, as
  without groups). :func:`group_codes` reads the column (a missing value is a group of its own
  row), :func:`check_group_count` refuses fewer than three groups in the ID pool,
  :func:`merge_keys` joins the groups with the kind's own keys (identical rows), and
  :func:`group_manifest` counts groups per split for splits.json and the report.
* Row drops: :func:`row_drop` records rows a split loses after the shift rule (how many, why,
  and the base rate or target mean before and after), :func:`drop_note` words it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from archbench.errors import DataError
from archbench.kinds.common.shift import did_you_mean

#: Groups the ID pool needs: one each for train, validation and test.
MIN_GROUPS = 3


def group_codes(
    frame: pd.DataFrame, column: str, source: str, *, not_allowed: Sequence[str] = ()
) -> np.ndarray:
    """``(N,)`` int64 group codes of ``frame[column]``; a missing value is its own group.

    Raises:
        DataError: the column is missing, or is one the kind uses otherwise (``not_allowed``).
    """
    if column in not_allowed:
        raise DataError(
            f"split.group {column!r} is the target or a text column; name the column whose "
            "equal values mark rows that belong together (e.g. a product or patient id)"
        )
    if column not in frame.columns:
        cols = [str(c) for c in frame.columns]
        raise DataError(
            f"split.group {column!r} is not a column of {source}{did_you_mean(column, cols)}"
        )
    codes, _ = pd.factorize(frame[column], use_na_sentinel=True)
    codes = codes.astype(np.int64)
    missing = codes < 0
    if missing.any():
        codes[missing] = codes.max(initial=-1) + 1 + np.arange(int(missing.sum()))
    return codes


def check_group_count(groups: np.ndarray, column: str, unit: str) -> None:
    """Raise DataError when the ID pool's rows fall in fewer than :data:`MIN_GROUPS` groups."""
    n = len(np.unique(groups))
    if n < MIN_GROUPS:
        raise DataError(
            f"split.group {column!r} has {n} {'group' if n == 1 else 'groups'} in the ID pool "
            f"({len(groups):,} {unit}); train, validation and test need one group each: name a "
            "column with more distinct values or remove split.group"
        )


def merge_keys(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``(n,)`` int64 component ids: rows sharing a value of ``a`` or of ``b`` (directly or
    through other rows) get the same id (connected components of the two keyings)."""
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    _, ia = np.unique(a, return_inverse=True)
    _, ib = np.unique(b, return_inverse=True)
    n_a = int(ia.max(initial=-1)) + 1
    n = n_a + int(ib.max(initial=-1)) + 1
    graph = coo_matrix((np.ones(len(ia)), (ia, n_a + ib)), shape=(n, n))
    _, comp = connected_components(graph, directed=False)
    return np.asarray(comp[ia], dtype=np.int64)


def group_manifest(column: str, by_split: Mapping[str, np.ndarray]) -> dict[str, Any]:
    """splits.json ``groups``: the column, groups per split, and shift groups also in train."""
    sets = {s: set(np.asarray(g).tolist()) for s, g in by_split.items()}
    out: dict[str, Any] = {"column": column, "counts": {s: len(v) for s, v in sets.items()}}
    if "shift" in sets and "train" in sets:
        out["shift_groups_in_train"] = len(sets["shift"] & sets["train"])
    return out


def crossing_groups(by_split: Mapping[str, np.ndarray]) -> int:
    """How many groups occur in more than one of train, validation and test."""
    seen: dict[Any, int] = {}
    for s in ("train", "val", "test"):
        for g in set(np.asarray(by_split.get(s, ())).tolist()):
            seen[g] = seen.get(g, 0) + 1
    return sum(1 for v in seen.values() if v > 1)


def groups_text(sp: Mapping[str, Any], unit: str = "rows") -> str:
    """The report sentence on grouped splits (splits.json ``groups``), or ""."""
    g = sp.get("groups") or {}
    counts = g.get("counts") or {}
    if not counts:
        return ""
    txt = (
        f" {unit.capitalize()} are grouped by {g.get('column')}: each group sits whole in one "
        f"split ({counts.get('train', 0):,} groups in train, {counts.get('val', 0):,} in "
        f"validation, {counts.get('test', 0):,} in ID test; {counts.get('shift', 0):,} in shift"
    )
    shared = g.get("shift_groups_in_train")
    return txt + (f", {shared:,} of them also in train)." if shared is not None else ").")


def row_drop(
    split: str, reason: str, keep: np.ndarray, values: np.ndarray, positive: object | None
) -> dict[str, Any]:
    """A drop record: ``rows`` removed from ``split`` (``before``, ``after``) and the base rate
    of class ``positive`` (classification) or the target mean (``positive`` None) before and
    after. ``keep`` is the bool mask of kept rows, ``values`` the targets of every row."""
    keep = np.asarray(keep, dtype=bool)
    v = np.asarray(values)
    out: dict[str, Any] = {
        "split": split,
        "reason": reason,
        "rows": int((~keep).sum()),
        "before": int(keep.size),
        "after": int(keep.sum()),
    }

    def stat(x: np.ndarray) -> float | None:
        if not x.size:
            return None
        if positive is not None:
            return float(np.mean(x == positive))
        return float(np.mean(x.astype(np.float64)))

    key = "base_rate" if positive is not None else "target_mean"
    out[key] = {"before": stat(v), "after": stat(v[keep])}
    if positive is not None:
        out["positive_class"] = str(positive)
    return out


def drop_note(d: Mapping[str, Any]) -> str:
    """``"1,592 shift rows dropped: identical features in train (shift set 8,879 -> 7,287 rows;
    base rate of class '1' 4.21% -> 4.73%)"``."""
    n = int(d["rows"])
    txt = (
        f"{n:,} {d['split']} {'row' if n == 1 else 'rows'} dropped: {d['reason']} "
        f"({d['split']} set {int(d['before']):,} -> {int(d['after']):,} rows"
    )
    if "base_rate" in d:
        b, a = d["base_rate"]["before"], d["base_rate"]["after"]
        if b is not None and a is not None:
            txt += f"; base rate of class {d.get('positive_class')!r} {b:.2%} -> {a:.2%}"
    elif "target_mean" in d:
        b, a = d["target_mean"]["before"], d["target_mean"]["after"]
        if b is not None and a is not None:
            txt += f"; target mean {b:.4g} -> {a:.4g}"
    return txt + ")"


def account_drops(rows: Mapping[str, int], drops: Sequence[Mapping[str, Any]]) -> dict[str, int]:
    """task.json ``rows`` with the split-time drops counted: ``<split>_dropped`` per split
    and ``shift_set`` (the shift rows left), so ``shift_pool = shift_set + shift_dropped``."""
    out = dict(rows)
    for d in drops:
        key = f"{d['split']}_dropped"
        out[key] = int(out.get(key, 0)) + int(d["rows"])
    if "shift_pool" in out:
        out["shift_set"] = int(out["shift_pool"]) - int(out.get("shift_dropped", 0))
    return out
