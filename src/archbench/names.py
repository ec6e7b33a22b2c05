"""The names every layer shares: the four parts of a task, their words, and alpha.

One table, imported wherever a split is named or a test is decided (the spine, the kinds, the
report), so no two modules can disagree.
"""

from __future__ import annotations

#: The four parts of every task: ID train / validation / test and the shift set.
SPLIT_NAMES: tuple[str, ...] = ("train", "val", "test", "shift")
#: The parts every final seed is scored on (results.parquet).
SCORED_SPLITS: tuple[str, ...] = ("val", "test", "shift")
#: The parts the paired statistics compare families on (validation only selects).
COMPARED_SPLITS: tuple[str, ...] = ("test", "shift")
#: Short labels ("ID test") and places in a sentence ("the ID test set").
SPLIT_LABELS: dict[str, str] = {"val": "validation", "test": "ID test", "shift": "shift"}
SPLIT_PLACES: dict[str, str] = {
    "val": "validation set",
    "test": "ID test set",
    "shift": "shift set",
}
#: The default significance level; a run's alpha is always 1 - its confidence level.
ALPHA: float = 0.05
