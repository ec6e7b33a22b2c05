"""Weighted counts at score thresholds, read only where the positives are.

The ranking metrics (ROC-AUC, average precision, recall at a false-positive rate) of a row
bootstrap are functions of ``counts (B, n)``, the weight of every row in every resample. Their
running sums over all rows in score order cost several passes over ``B x n`` floats per metric
and seed; but each metric changes only at the tied-score groups that hold a positive row, so
:class:`PositiveSteps` reads the weights there: one segment sum of the weights in score order
and one running sum over the positive rows, in exact integers. With rare positives (the case
that grows the evaluation sets) this is most of the statistics' cost saved; the values are the
same to the last bit (``tests/kinds/common/test_ranks.py``).
"""

from __future__ import annotations

import numpy as np

__all__ = ["PositiveSteps", "descending_groups"]


def descending_groups(score: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``(order, ends)``: rows by descending score (stable) and the last position of each
    group of tied scores in that order."""
    order = np.argsort(-score, kind="stable")
    s = score[order]
    ends = np.flatnonzero(np.r_[s[1:] != s[:-1], True])
    return order, ends


class PositiveSteps:
    """The tied-score groups (descending) that hold a positive row, and the weighted counts
    at their edges under integer row weights.

    ``read(counts)`` gives, per resample and positive group ``g`` (best-scored first):
    ``tp[:, g]``, the positive weight at or above the group's lowest score; ``seen[:, g]``
    and ``before[:, g]``, every row's weight at or above that score and strictly above the
    group's score; and ``total``, every row's weight.
    """

    def __init__(self, score: np.ndarray, positive: np.ndarray) -> None:
        order, ends = descending_groups(np.asarray(score, dtype=np.float64))
        self.order, self.ends = order, ends
        where = np.flatnonzero(np.asarray(positive, dtype=bool)[order])
        group = np.searchsorted(ends, where)  # the tied group of each positive row
        keep = np.unique(group)
        last = ends[keep]
        first = np.where(keep > 0, ends[np.maximum(keep - 1, 0)] + 1, 0)
        self.n_groups = int(keep.size)
        # cumulative weights are read through these positions (inclusive), each once
        edges = np.unique(np.r_[first - 1, last])
        edges = edges[edges >= 0]
        self._head = order[: int(edges[-1]) + 1] if edges.size else order[:0]
        self._starts = np.r_[0, edges[:-1] + 1].astype(np.intp)
        self._at_last = np.searchsorted(edges, last)
        # "through first - 1": column of the edge, or -1 for nothing above (weight 0)
        self._at_before = np.where(first > 0, np.searchsorted(edges, first - 1), -1)
        self._pos_rows = order[where]
        self._upto = np.searchsorted(where, last, side="right") - 1

    def read(
        self, counts: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray] | None:
        """``(tp, seen, before, total)`` as int64 (``(B, K)`` x 3 and ``(B,)``); None for
        non-integer weights or without a positive group."""
        if not np.issubdtype(counts.dtype, np.integer) or not self.n_groups:
            return None
        part = np.add.reduceat(counts[:, self._head], self._starts, axis=1, dtype=np.int64)
        through = np.cumsum(part, axis=1)
        seen = through[:, self._at_last]
        before = np.where(self._at_before >= 0, through[:, np.maximum(self._at_before, 0)], 0)
        tp = np.cumsum(counts[:, self._pos_rows], axis=1, dtype=np.int64)[:, self._upto]
        return tp, seen, before, counts.sum(axis=1, dtype=np.int64)
