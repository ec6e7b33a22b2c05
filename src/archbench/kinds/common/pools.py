"""The ID pool and the shift set of a loaded task: two frozen masks and the row counts.

A loaded task (a table's or a text task's) holds ``N`` kept rows and two disjoint boolean
masks over them; rows in neither are excluded. ``task.json``'s ``rows`` counts every source
row once: ``total = dropped + id_pool + shift_pool + excluded``.
"""

from __future__ import annotations

import numpy as np

__all__ = ["freeze_pools", "pool_rows"]


def freeze_pools(task: object, n: int) -> None:
    """Replace ``task.id_mask`` and ``task.shift_mask`` (of a frozen dataclass) by read-only
    bool copies, checking their shape ``(n,)`` and that they are disjoint."""
    for name in ("id_mask", "shift_mask"):
        m = np.asarray(getattr(task, name), dtype=bool).copy()
        assert m.shape == (n,), f"{name} has shape {m.shape}, the task has {n} rows"
        m.setflags(write=False)
        object.__setattr__(task, name, m)
    overlap = getattr(task, "id_mask") & getattr(task, "shift_mask")  # noqa: B009
    assert not overlap.any(), "ID and shift pools overlap"


def pool_rows(
    n_source_rows: int, n: int, id_mask: np.ndarray, shift_mask: np.ndarray
) -> dict[str, int]:
    """Row counts: ``total = dropped + id_pool + shift_pool + excluded`` (``n`` rows kept of
    ``n_source_rows``)."""
    n_id, n_shift = int(id_mask.sum()), int(shift_mask.sum())
    return {
        "total": int(n_source_rows),
        "dropped": int(n_source_rows - n),
        "id_pool": n_id,
        "shift_pool": n_shift,
        "excluded": n - n_id - n_shift,
    }
