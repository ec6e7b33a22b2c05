"""Which forecast origins each split uses: season-covering strides and capped, seeded draws.

Origins are chosen as positions (cheap integer arrays) before any window is built, so a big
panel never materialises windows it does not use.

- **Phases.** The phase of a time step is its position on the panel's common time grid modulo
  the season (with a weekly season on daily data: the weekday). ``phases`` gives it per series.
- **Evaluation stride.** Validation, test and shift origins step by ``task.stride`` (default:
  the horizon). A stride that shares a factor with the season visits only some phases (stride
  14 with season 7: every origin on the same weekday), so ``eval_stride`` moves it up to the
  next stride coprime to the season (14 -> 15), which cycles through every phase: within a
  series, origin counts per phase differ by at most one.
- **Caps.** ``split.max_train_rows`` caps the training windows: a seeded draw without
  replacement, uniform over every (series, origin) pair, so it spans series and time alike and
  is the same for every family and seed. ``split.max_train_steps`` caps them by their length
  too (at most ``max_train_steps // (context + horizon)`` windows): a window's cost in every
  family grows with its steps, so a long context gets fewer windows, not a longer run.
  ``split.max_val_rows`` / ``max_test_rows`` / ``max_shift_rows`` cap the evaluation windows
  with a draw stratified by phase: every phase gets the same quota (or all of its origins when
  it has fewer), drawn at random across series and time within the phase. 0 means no cap.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np


def eval_stride(step: int, season: int) -> int:
    """The smallest stride ``>= step`` that is coprime to ``season`` (``step`` when season <= 1)."""
    if season <= 1:
        return step
    s = step
    while math.gcd(s, season) != 1:
        s += 1
    return s


def phases(times: Sequence[np.ndarray], season: int) -> tuple[np.ndarray, ...]:
    """Per series ``(T_s,)`` int64 phase of every step: its index on the union of all series'
    times, modulo ``season`` (all zeros without a season)."""
    if season <= 1:
        return tuple(np.zeros(len(t), dtype=np.int64) for t in times)
    grid = np.unique(np.concatenate(times))
    return tuple(np.searchsorted(grid, t).astype(np.int64) % season for t in times)


@dataclass(frozen=True)
class Chosen:
    """The origins of one split.

    Attributes:
        series: series index per entry of ``positions``.
        positions: per chosen series, ``(k,)`` sorted origin positions within the series.
        available: origins before the cap.
        per_phase: ``(season,)`` chosen origins per phase.
    """

    series: tuple[int, ...]
    positions: tuple[np.ndarray, ...]
    available: int
    per_phase: tuple[int, ...]

    @property
    def n(self) -> int:
        return int(sum(len(p) for p in self.positions))


def choose(
    series: Sequence[int],
    candidates: Sequence[np.ndarray],
    phase: Sequence[np.ndarray],
    season: int,
    cap: int,
    rng: np.random.Generator,
    *,
    stratify: bool,
) -> Chosen:
    """Keep at most ``cap`` of the candidate origins (``cap <= 0``: all of them).

    Args:
        series: series index of each candidate array.
        candidates: per series, sorted origin positions.
        phase: per series, the phase of every step of that series (:func:`phases`).
        season: number of phases.
        cap: the most origins to keep.
        rng: the generator of the draw.
        stratify: equal quotas per phase (evaluation) instead of a uniform draw (training).
    """
    m = max(season, 1)
    sizes = np.array([len(c) for c in candidates], dtype=np.int64)
    total = int(sizes.sum())
    flat_phase = (
        np.concatenate([ph[c] for ph, c in zip(phase, candidates, strict=True)]) % m
        if total
        else np.zeros(0, dtype=np.int64)
    )
    if cap <= 0 or total <= cap:
        keep = np.arange(total)
    elif not stratify:
        keep = np.sort(rng.choice(total, size=cap, replace=False))
    else:
        keep = _stratified(flat_phase, m, cap, rng)
    owner = np.repeat(np.arange(len(candidates)), sizes)
    offsets = np.concatenate([[0], np.cumsum(sizes)])
    out_series, out_pos = [], []
    for j in np.unique(owner[keep]):
        local = keep[owner[keep] == j] - offsets[j]
        out_series.append(int(series[j]))
        out_pos.append(candidates[j][local])
    counts = np.bincount(flat_phase[keep], minlength=m)
    return Chosen(tuple(out_series), tuple(out_pos), total, tuple(int(c) for c in counts))


def _stratified(flat_phase: np.ndarray, m: int, cap: int, rng: np.random.Generator) -> np.ndarray:
    """Indices: an equal quota of each present phase, drawn at random within the phase."""
    present = np.unique(flat_phase)
    quota = cap // len(present)
    parts = []
    for g in present:
        idx = np.flatnonzero(flat_phase == g)
        parts.append(idx if len(idx) <= quota else rng.choice(idx, size=quota, replace=False))
    return np.sort(np.concatenate(parts))


def notes(
    step: int,
    requested: int,
    season: int,
    available: dict[str, int],
    used: dict[str, int],
    size_cap: tuple[str, int, int] | None = None,
) -> tuple[str, ...]:
    """One line each: a moved evaluation stride, and the splits whose windows were capped.

    ``size_cap``: ``(key, cap, one window's steps or values)`` where ``split.max_train_steps``
    or ``split.max_train_values`` set the training windows' cap, which the line then explains.
    """
    out = []
    if step != requested:
        out.append(
            f"evaluation origins every {step} steps, not {requested}: a stride sharing a factor "
            f"with the season ({season}) would put every origin on the same phases of it"
        )
    capped = [
        f"{used[k]:,} of {available[k]:,} {k}" for k in available if used.get(k, 0) < available[k]
    ]
    if capped:
        why = ""
        if size_cap is not None and used.get("train", 0) < available.get("train", 0):
            key, most, per = size_cap
            what = (
                f"{per:,} steps (context + horizon)"
                if key == "max_train_steps"
                else f"{per:,} values (context + horizon, times the target and its covariates)"
            )
            unit = "window steps" if key == "max_train_steps" else "window values"
            why = (
                f"; training windows of {what} are capped at {most // per:,} by split.{key} = "
                f"{most:,} {unit}, so that large windows cost what the preset budgets"
            )
        out.append(
            "windows drawn at random under the preset's caps (split.max_<split>_rows; 0 uses "
            "all): " + ", ".join(capped) + why
        )
    return tuple(out)
