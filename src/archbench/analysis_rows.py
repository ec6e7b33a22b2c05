"""Row-level statistics of a run: the paired row bootstrap, McNemar, and the shift bootstraps.

Works on the stored predictions (read by :mod:`archbench.analysis_io`); the arithmetic is in
:mod:`archbench.stats`. Every bootstrap seed is derived from ``boot_seed`` and the thing it
resamples, so adding a family never moves another's numbers.
"""

from __future__ import annotations

import itertools
import logging
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from archbench import stats as S
from archbench.analysis_io import EVAL_SPLITS, prediction_arrays, read_predictions
from archbench.errors import StoreError
from archbench.seeding import derive_seed

logger = logging.getLogger(__name__)

Arrays = tuple[np.ndarray, np.ndarray, np.ndarray]  # row ids (n,), targets (n,), preds (S, n[, K])


@dataclass
class RowStats:
    """What the stored predictions give: per (family, split) arrays and the row-level tests."""

    arrays: dict[tuple[str, str], tuple[list[int], Arrays]] = field(default_factory=dict)
    boots: dict[str, dict[str, S.RowBootstrap]] = field(default_factory=dict)  # split -> metric
    mcnemar: dict[str, list[S.McNemarResult]] = field(default_factory=dict)  # split -> per seed
    shift: dict[str, dict[str, S.RowBootstrap]] = field(default_factory=dict)  # family -> metric
    gap: dict[str, S.RowBootstrap] = field(default_factory=dict)  # metric -> top two's gap
    pairs: dict[tuple[str, str, str], S.RowBootstrap] = field(default_factory=dict)  # primary


def load_arrays(
    run_dir: Path, task_type: str, families: list[str], notes: list[str]
) -> dict[tuple[str, str], tuple[list[int], Arrays]] | None:
    """Seeds and arrays of every family on the ID test and shift sets; ``None`` without files."""
    stored = read_predictions(run_dir, families, EVAL_SPLITS)
    path = run_dir / "predictions.parquet"
    if stored is None:
        notes.append(
            "predictions.parquet is missing: no row bootstrap, no McNemar test, and no shift "
            "verdict can include test-set noise (so none is resolved)."
        )
        logger.warning("%s is missing; skipping the row bootstrap and McNemar's test", path)
        return None
    preds, prob_cols = stored
    if task_type == "classification" and len(prob_cols) < 2:
        raise StoreError(f"{path} has no probability columns p_0 .. p_K-1: {list(preds.columns)}")
    out = {}
    for split in EVAL_SPLITS:
        df = preds[preds["split"] == split]
        for f in families:
            seeds = sorted(int(s) for s in set(df.loc[df["family"] == f, "seed"]))
            if seeds:
                out[(f, split)] = (seeds, prediction_arrays(df, f, seeds, prob_cols, task_type))
    return out


def _take(
    arrays: dict[tuple[str, str], tuple[list[int], Arrays]],
    family: str,
    split: str,
    seeds: list[int],
) -> Arrays:
    have, (ids, y, p) = arrays[(family, split)]
    return ids, y, p[[have.index(s) for s in seeds]]


def _common(
    arrays: dict[tuple[str, str], tuple[list[int], Arrays]], keys: list[tuple[str, str]]
) -> list[int]:
    if not all(k in arrays for k in keys):
        return []
    return sorted(set.intersection(*(set(arrays[k][0]) for k in keys)))


def row_stats(
    run_dir: Path,
    task_type: str,
    ranked: list[str],
    pair: tuple[str, str],
    metrics: list[str],
    *,
    n_boot: int,
    boot_seed: int,
    confidence: float,
    notes: list[str],
) -> RowStats:
    """Top-two row bootstrap and McNemar per split; every pair's row bootstrap on the primary
    metric (``metrics[0]``); each family's and the top two's gap's shift bootstrap.

    ``ranked``: the families best-first on validation (pairs are ``(better, worse)``).
    """
    out = RowStats()
    families = list(ranked)
    arrays = load_arrays(run_dir, task_type, families, notes)
    if arrays is None:
        return out
    out.arrays = arrays
    skipped = [m for m in metrics if m not in S.RESAMPLED_METRICS]
    if skipped:
        logger.warning("no row bootstrap for metrics %s", skipped)
    metrics = [m for m in metrics if m in S.RESAMPLED_METRICS]
    for split in EVAL_SPLITS:
        seeds = _common(arrays, [(f, split) for f in pair])
        if not seeds:
            continue
        ids_a, y, pa = _take(arrays, pair[0], split, seeds)
        ids_b, y_b, pb = _take(arrays, pair[1], split, seeds)
        if not (np.array_equal(ids_a, ids_b) and np.array_equal(y, y_b)):
            raise StoreError(f"{pair[0]} and {pair[1]} were scored on different {split} rows")
        if n_boot > 0:
            seed = derive_seed(boot_seed, "rows", split)
            out.boots[split] = S.paired_bootstrap_rows(
                y, pa, pb, metrics, n_boot=n_boot, seed=seed, confidence=confidence
            )
        if task_type == "classification":
            yi = y.astype(np.int64)
            out.mcnemar[split] = [
                S.mcnemar_exact(pa[i].argmax(axis=1) == yi, pb[i].argmax(axis=1) == yi)
                for i in range(len(seeds))
            ]
    if n_boot > 0 and metrics:
        _pair_boots(out, ranked, pair, metrics[0], n_boot, boot_seed, confidence)
        _shift_boots(out, families, pair, metrics, n_boot, boot_seed, confidence)
    return out


def _pair_boots(
    out: RowStats,
    ranked: list[str],
    pair: tuple[str, str],
    primary: str,
    n_boot: int,
    boot_seed: int,
    confidence: float,
) -> None:
    """Paired row bootstrap of every pair on the primary metric (the top two's is reused)."""
    for split in EVAL_SPLITS:
        for fa, fb in itertools.combinations(ranked, 2):
            if (fa, fb) == pair:
                if primary in out.boots.get(split, {}):
                    out.pairs[(fa, fb, split)] = out.boots[split][primary]
                continue
            seeds = _common(out.arrays, [(fa, split), (fb, split)])
            if not seeds:
                continue
            ids_a, y, pa = _take(out.arrays, fa, split, seeds)
            ids_b, y_b, pb = _take(out.arrays, fb, split, seeds)
            if not (np.array_equal(ids_a, ids_b) and np.array_equal(y, y_b)):
                raise StoreError(f"{fa} and {fb} were scored on different {split} rows")
            seed = derive_seed(boot_seed, "rows", split, fa, fb)
            out.pairs[(fa, fb, split)] = S.paired_bootstrap_rows(
                y, pa, pb, [primary], n_boot=n_boot, seed=seed, confidence=confidence
            )[primary]


def _shift_boots(
    out: RowStats,
    families: list[str],
    pair: tuple[str, str],
    metrics: list[str],
    n_boot: int,
    boot_seed: int,
    confidence: float,
) -> None:
    """ID-test and shift rows resampled independently, paired by seed (and by family)."""
    groups = {f: ([f], [1.0]) for f in families}
    groups["\0gap"] = (list(pair), [1.0, -1.0])
    for key, (fams, weights) in groups.items():
        seeds = _common(out.arrays, [(f, s) for f in fams for s in EVAL_SPLITS])
        if not seeds:
            continue
        id_parts = [_take(out.arrays, f, "test", seeds) for f in fams]
        sh_parts = [_take(out.arrays, f, "shift", seeds) for f in fams]
        seed = (
            derive_seed(boot_seed, "shift-gap")
            if key == "\0gap"
            else (derive_seed(boot_seed, "shift", key))
        )
        res = S.shift_bootstrap(
            id_parts[0][1], sh_parts[0][1], [p for *_, p in id_parts], [p for *_, p in sh_parts],
            metrics, weights=weights, n_boot=n_boot, seed=seed, confidence=confidence,
        )  # fmt: skip
        if key == "\0gap":
            out.gap = res
        else:
            out.shift[key] = res
