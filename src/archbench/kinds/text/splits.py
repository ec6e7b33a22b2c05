"""ID train/validation/test split of a text task, with exact duplicates kept together.

Rows of the ID pool are grouped by their exact text (and, with ``split.group``, by that
column too); a group goes whole to one split, so a review posted twice, or two reviews of one
product, cannot sit in train and in test (leakage). Groups are assigned per label
(the group's most frequent label), in a seeded random order, so every split keeps the class
proportions. Size caps (``max_*_rows``) then keep a seeded random subset of a split
(stratified by class, and grown for evaluation splits, when a class is rare). The shift
set is not split; texts it shares with the training split are counted and reported (they are
not removed: the shift set is what the user's rule selected).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from archbench.errors import ConfigError, DataError
from archbench.kinds.common import rare
from archbench.kinds.common.groups import check_group_count, group_manifest, merge_keys
from archbench.kinds.text.data import TextData, TextPart

SPLITS: tuple[str, ...] = ("train", "val", "test", "shift")


@dataclass(frozen=True, eq=False)
class TextSplits:
    """Row indices into a ``TextData`` for each split, plus the duplicate audit.

    Attributes:
        rows: ``{"train"|"val"|"test"|"shift": (n,) int64}`` sorted row indices.
        duplicates: rows of each evaluation split whose exact text also occurs in train
            (``val`` and ``test`` are 0 by construction), and ID texts with copies.
        notes: one line per thing capped or found.
    """

    rows: dict[str, np.ndarray]
    duplicates: dict[str, int]
    notes: tuple[str, ...] = ()
    seed: int = 0
    sizes: dict[str, int] = field(default_factory=dict)
    groups: np.ndarray | None = None
    group_column: str = ""

    def part(self, data: TextData, split: str) -> TextPart:
        """The texts and labels of one split."""
        idx = self.rows[split]
        return TextPart(data.texts[idx], data.labels[idx], split, idx)

    def manifest(self, data: TextData) -> dict[str, Any]:
        """JSON-able summary: sizes, class counts per split, the duplicate audit, notes."""
        out: dict[str, Any] = {
            "seed": self.seed,
            "rows": {s: int(r.size) for s, r in self.rows.items()},
            "class_counts": {
                s: {c: int((data.labels[r] == k).sum()) for k, c in enumerate(data.classes)}
                for s, r in self.rows.items()
            },
            "duplicates": dict(self.duplicates),
            "notes": list(self.notes),
        }
        if self.groups is not None:
            by_split = {s: self.groups[r] for s, r in self.rows.items()}
            out["groups"] = group_manifest(self.group_column, by_split)
        return out


def split_text(
    data: TextData,
    *,
    val_fraction: float = 0.2,
    test_fraction: float = 0.2,
    seed: int = 0,
    caps: dict[str, int] | None = None,
    focus: int | None = None,
    groups: np.ndarray | None = None,
    group_column: str = "",
) -> TextSplits:
    """Split the ID pool into train/val/test (label-stratified, duplicates together).

    Args:
        caps: ``{"train"|"val"|"test"|"shift": max rows}``; 0 or missing means no cap.
        focus: a rare class (``rare.focus_class``): caps keep class shares (stratified) and
            evaluation caps grow to keep up to 100 of its rows. None: caps draw at random.
        groups: ``(N,)`` group codes of ``split.group`` (``group_column``): rows of one group
            stay in one of train, validation and test.

    Raises:
        ConfigError: fractions outside (0, 1) or summing to 1 or more; a negative cap.
        DataError: an empty split (the training split after caps included) or a training
            split with one class.
    """
    _check_fractions(val_fraction, test_fraction, caps or {})
    rng = np.random.default_rng(seed)
    id_rows = np.flatnonzero(data.id_mask)
    if groups is None:
        members, first_label = _groups(data.texts[id_rows], data.labels[id_rows])
    else:
        check_group_count(groups[id_rows], group_column, "texts")
        members, first_label = _merged_groups(
            data.texts[id_rows], data.labels[id_rows], groups[id_rows]
        )
    assign = _assign(members, first_label, val_fraction, test_fraction, rng)
    rows = {
        name: np.sort(
            id_rows[
                np.concatenate(
                    [members[g] for g in np.flatnonzero(assign == k)] or [np.empty(0, np.int64)]
                )
            ]
        )
        for k, name in enumerate(("train", "val", "test"))
    }
    rows["shift"] = np.flatnonzero(data.shift_mask)
    notes: list[str] = []
    for name, cap in sorted((caps or {}).items()):
        if focus is not None and cap:
            rows[name] = _rare_cap(data, rows[name], name, cap, focus, rng, notes)
        elif cap and rows[name].size > cap:
            notes.append(f"{name} capped at {cap:,} of {rows[name].size:,} rows")
            rows[name] = np.sort(rng.permutation(rows[name])[:cap])
    _check_nonempty(data, rows)
    dup = _duplicates(data, rows, id_rows, members)
    if dup["shift_in_train"]:
        notes.append(f"{dup['shift_in_train']:,} shift rows have a text that also occurs in train")
    return TextSplits(
        rows,
        dup,
        tuple(notes),
        seed,
        {k: int(v.size) for k, v in rows.items()},
        groups=groups,
        group_column=group_column if groups is not None else "",
    )


def _rare_cap(
    data: TextData,
    rows: np.ndarray,
    name: str,
    cap: int,
    focus: int,
    rng: np.random.Generator,
    notes: list[str],
) -> np.ndarray:
    """A class-stratified cap; an evaluation split's cap grows to keep up to 100 rows of the
    rare class ``focus`` (``rare.grown_cap``)."""
    labels = data.labels[rows]
    if name != "train":
        grown = rare.grown_cap(cap, rows.size, int((labels == focus).sum()))
        if grown != cap:
            notes.append(rare.cap_note(name, cap, grown, data.classes[focus], rows.size))
        cap = grown
    if rows.size <= cap:
        return rows
    notes.append(f"{name} capped at {cap:,} of {rows.size:,} rows (stratified by class)")
    from sklearn.model_selection import train_test_split

    state = int(rng.integers(2**31 - 1))
    try:
        kept, _ = train_test_split(rows, train_size=cap, random_state=state, stratify=labels)
    except ValueError:  # a class too rare to stratify at this size: uniform
        kept = rng.permutation(rows)[:cap]
    return np.sort(np.asarray(kept))


def _merged_groups(
    texts: np.ndarray, labels: np.ndarray, groups: np.ndarray
) -> tuple[list[np.ndarray], np.ndarray]:
    """Positions grouped by exact text or by ``groups`` (connected through either), in
    first-seen order, and each group's majority label."""
    text_codes, _ = pd.factorize(pd.Series(texts, dtype=object))
    comp = merge_keys(text_codes, groups)
    _, first, inverse = np.unique(comp, return_index=True, return_inverse=True)
    order = np.argsort(first, kind="stable")  # components in first-seen order
    rank = np.empty_like(order)
    rank[order] = np.arange(order.size)
    ids = rank[inverse]
    sort = np.argsort(ids, kind="stable")
    bounds = np.flatnonzero(np.r_[True, np.diff(ids[sort]) != 0, True])
    members = [sort[a:b].astype(np.int64) for a, b in itertools.pairwise(bounds)]
    label = np.array([np.bincount(labels[g]).argmax() for g in members], dtype=np.int64)
    return members, label


def _assign(
    groups: list[np.ndarray],
    label: np.ndarray,
    val_fraction: float,
    test_fraction: float,
    rng: np.random.Generator,
) -> np.ndarray:
    """Per group: 0 train, 1 val, 2 test; per label, groups in a random order fill test, then
    val, by their share of the label's rows."""
    assign = np.empty(len(groups), dtype=np.int8)
    for c in np.unique(label):
        members = rng.permutation(np.flatnonzero(label == c))
        sizes = np.array([len(groups[g]) for g in members])
        cum = np.cumsum(sizes) / sizes.sum()
        assign[members] = np.where(
            cum <= test_fraction + 1e-12, 2, np.where(cum <= test_fraction + val_fraction, 1, 0)
        )
    return assign


def _check_fractions(val_fraction: float, test_fraction: float, caps: dict[str, int]) -> None:
    for key, v in (("val_fraction", val_fraction), ("test_fraction", test_fraction)):
        if not 0 < v < 1:
            raise ConfigError(f"split.{key} = {v!r} must lie in (0, 1)")
    if val_fraction + test_fraction >= 1:
        raise ConfigError(
            f"split.val_fraction + split.test_fraction = {val_fraction + test_fraction:g} leaves "
            "no training rows; keep the sum below 1"
        )
    for name, cap in caps.items():
        if name not in SPLITS:
            raise ConfigError(f"split cap for {name!r}: splits are {', '.join(SPLITS)}")
        if isinstance(cap, bool) or not isinstance(cap, int) or cap < 0:
            raise ConfigError(f"split.max_{name}_rows = {cap!r} must be an integer >= 0")


def _groups(texts: np.ndarray, labels: np.ndarray) -> tuple[list[np.ndarray], np.ndarray]:
    """Positions grouped by exact text (first-seen order) and each group's majority label."""
    index: dict[str, int] = {}
    members: list[list[int]] = []
    for i, t in enumerate(texts):
        g = index.setdefault(t, len(members))
        if g == len(members):
            members.append([])
        members[g].append(i)
    groups = [np.asarray(m, dtype=np.int64) for m in members]
    label = np.array([np.bincount(labels[g]).argmax() for g in groups], dtype=np.int64)
    return groups, label


def _check_nonempty(data: TextData, rows: dict[str, np.ndarray]) -> None:
    for name in ("train", "val", "test"):
        if rows[name].size == 0:
            fix = (
                "raise split.max_train_rows or lower val_fraction/test_fraction"
                if name == "train"
                else f"raise split.{name}_fraction or add ID rows"
            )
            raise DataError(
                f"the {name} split is empty ({int(data.id_mask.sum()):,} ID rows); {fix}"
            )
    if np.unique(data.labels[rows["train"]]).size < 2:
        raise DataError(
            "the training split holds one class only; add rows of the other classes or lower "
            "the split caps"
        )


def _duplicates(
    data: TextData, rows: dict[str, np.ndarray], id_rows: np.ndarray, groups: list[np.ndarray]
) -> dict[str, int]:
    train_texts = set(data.texts[rows["train"]].tolist())
    out = {
        f"{s}_in_train": int(sum(t in train_texts for t in data.texts[rows[s]]))
        for s in ("val", "test", "shift")
    }
    multi = [g for g in groups if g.size > 1]
    out["id_texts_with_copies"] = len(multi)
    out["id_copy_rows"] = int(sum(g.size - 1 for g in multi))
    out["id_conflicting_labels"] = int(
        sum(np.unique(data.labels[id_rows[g]]).size > 1 for g in multi)
    )
    return out
