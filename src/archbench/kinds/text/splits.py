"""ID train/validation/test split of a text task, with exact duplicates kept together.

Rows of the ID pool are grouped by their exact text; a group goes whole to one split, so a
review posted twice cannot sit in train and in test (leakage). Groups are assigned per label
(the group's most frequent label), in a seeded random order, so every split keeps the class
proportions. Size caps (``max_*_rows``) then keep a seeded random subset of a split. The shift
set is not split; texts it shares with the training split are counted and reported (they are
not removed: the shift set is what the user's rule selected).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ...errors import ConfigError, DataError
from .data import TextData, TextPart

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

    def part(self, data: TextData, split: str) -> TextPart:
        """The texts and labels of one split."""
        idx = self.rows[split]
        return TextPart(data.texts[idx], data.labels[idx], split, idx)

    def manifest(self, data: TextData) -> dict[str, Any]:
        """JSON-able summary: sizes, class counts per split, the duplicate audit, notes."""
        return {
            "seed": self.seed,
            "rows": {s: int(r.size) for s, r in self.rows.items()},
            "class_counts": {
                s: {c: int((data.labels[r] == k).sum()) for k, c in enumerate(data.classes)}
                for s, r in self.rows.items()
            },
            "duplicates": dict(self.duplicates),
            "notes": list(self.notes),
        }


def split_text(
    data: TextData,
    *,
    val_fraction: float = 0.2,
    test_fraction: float = 0.2,
    seed: int = 0,
    caps: dict[str, int] | None = None,
) -> TextSplits:
    """Split the ID pool into train/val/test (label-stratified, duplicates together).

    Args:
        caps: ``{"train"|"val"|"test"|"shift": max rows}``; 0 or missing means no cap.

    Raises:
        ConfigError: fractions outside (0, 1) or summing to 1 or more; a negative cap.
        DataError: an empty split (the training split after caps included) or a training
            split with one class.
    """
    _check_fractions(val_fraction, test_fraction, caps or {})
    rng = np.random.default_rng(seed)
    id_rows = np.flatnonzero(data.id_mask)
    groups, first_label = _groups(data.texts[id_rows], data.labels[id_rows])
    assign = _assign(groups, first_label, val_fraction, test_fraction, rng)
    rows = {
        name: np.sort(
            id_rows[
                np.concatenate(
                    [groups[g] for g in np.flatnonzero(assign == k)] or [np.empty(0, np.int64)]
                )
            ]
        )
        for k, name in enumerate(("train", "val", "test"))
    }
    rows["shift"] = np.flatnonzero(data.shift_mask)
    notes: list[str] = []
    for name, cap in sorted((caps or {}).items()):
        if cap and rows[name].size > cap:
            notes.append(f"{name} capped at {cap:,} of {rows[name].size:,} rows")
            rows[name] = np.sort(rng.permutation(rows[name])[:cap])
    _check_nonempty(data, rows)
    dup = _duplicates(data, rows, id_rows, groups)
    if dup["shift_in_train"]:
        notes.append(f"{dup['shift_in_train']:,} shift rows have a text that also occurs in train")
    return TextSplits(rows, dup, tuple(notes), seed, {k: int(v.size) for k, v in rows.items()})


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
