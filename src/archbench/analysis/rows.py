"""Row-level statistics of a run: the paired row bootstrap, McNemar, and the shift bootstraps.

Works on the stored predictions (read by :mod:`archbench.analysis.io`); the arithmetic is in
:mod:`archbench.stats`. Every bootstrap seed is derived from ``boot_seed`` and the thing it
resamples, so adding a family never moves another's numbers.
"""

from __future__ import annotations

import itertools
import logging
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from archbench import stats as S
from archbench.analysis.io import EVAL_SPLITS, prediction_arrays, read_predictions
from archbench.errors import StoreError
from archbench.kinds.base import Kind
from archbench.kinds.metric import MetricSpec
from archbench.seeding import derive_seed

logger = logging.getLogger(__name__)

Arrays = tuple[np.ndarray, np.ndarray, np.ndarray]  # row ids (n,), targets (n,), preds (S, n[, K])


@dataclass
class RowStats:
    """What the stored predictions give: per (family, split) arrays and the row-level tests."""

    arrays: dict[tuple[str, str], tuple[list[int], Arrays]] = field(default_factory=dict)
    boots: dict[str, dict[str, S.RowBootstrap]] = field(default_factory=dict)  # split -> metric
    # split -> metric -> per seed, for metrics whose spec declares a paired count test
    mcnemar: dict[str, dict[str, list[S.McNemarResult]]] = field(default_factory=dict)
    # (family, split) -> one seed's prediction frame, for kinds that draw dependent units
    units: dict[tuple[str, str], pd.DataFrame] = field(default_factory=dict)
    draws: dict[tuple[str, str], S.DrawCounts | None] = field(default_factory=dict)
    # metric -> family -> seed -> its weighted form's state (metrics calibrated on validation);
    # plain metrics map to their weighted form under the key None
    forms: dict[str, dict[str | None, Any]] = field(default_factory=dict)

    def weighted(self, family: str, seeds: list[int], metrics: list[str]) -> dict[str, S.Weighted]:
        """The weighted form of each metric for ``family``'s ``seeds`` (calibrated metrics:
        with each seed's validation state bound)."""
        out: dict[str, S.Weighted] = {}
        for m in metrics:
            form = self.forms[m]
            if None in form:
                out[m] = form[None]
            else:
                spec, states = form["\0spec"], form[family]
                w = spec.weighted_given([states[s] for s in seeds])
                assert w is not None
                out[m] = w
        return out

    shift: dict[str, dict[str, S.RowBootstrap]] = field(default_factory=dict)  # family -> metric
    gap: dict[str, S.RowBootstrap] = field(default_factory=dict)  # metric -> top two's gap
    pairs: dict[tuple[str, str, str], S.RowBootstrap] = field(default_factory=dict)  # primary
    # (family, split) -> metric -> the row bootstrap of that family's seed-mean score
    family: dict[tuple[str, str], dict[str, S.RowBootstrap]] = field(default_factory=dict)
    # (family_a, family_b, split, metric) -> the kind's row-level test (forecasting: DM)
    row_tests: dict[tuple[str, str, str, str], Any] = field(default_factory=dict)


def load_arrays(
    run_dir: Path,
    run: dict[str, Any],
    kind: Kind,
    families: list[str],
    notes: list[str],
    out: RowStats,
) -> dict[tuple[str, str], tuple[list[int], Arrays]] | None:
    """Seeds and arrays of every family on the ID test and shift sets; ``None`` without files.

    Also fills ``out.draws``: the kind's resampling of each split's units where they are
    dependent (``Kind.draw_counts`` overridden), else ``None`` (independent units).
    """
    preds = read_predictions(run_dir, families, EVAL_SPLITS)
    path = run_dir / "predictions.parquet"
    if preds is None:
        notes.append(
            "predictions.parquet is missing: no row bootstrap, no McNemar test, and no shift "
            "verdict can include test-set noise (so none is resolved)."
        )
        logger.warning("%s is missing; skipping the row bootstrap and McNemar's test", path)
        return None
    blocks = type(kind).draw_counts is not Kind.draw_counts
    arrays = {}
    for split in EVAL_SPLITS:
        df = preds[preds["split"] == split]
        for f in families:
            seeds = sorted(int(s) for s in set(df.loc[df["family"] == f, "seed"]))
            if seeds:
                arrays[(f, split)] = (seeds, prediction_arrays(kind, df, f, seeds, run))
                units = df[(df["family"] == f) & (df["seed"] == seeds[0])].sort_values("row_id")
                out.draws[(f, split)] = partial(_draw, kind, units) if blocks else None
                out.units[(f, split)] = units
    return arrays


def _calibrated_forms(
    run_dir: Path,
    run: dict[str, Any],
    kind: Kind,
    families: list[str],
    specs: dict[str, MetricSpec | None],
    metrics: list[str],
) -> dict[str, dict[str | None, Any]]:
    """Per metric: the plain weighted form, or for metrics calibrated on validation (F1 at a
    validation threshold) each family's per-seed states, fixed on its stored validation
    predictions exactly as the workers fixed them."""
    forms: dict[str, dict[str | None, Any]] = {}
    calibrated = [m for m in metrics if (sp := specs[m]) is not None and sp.calibrate]
    val = read_predictions(run_dir, families, ["val"]) if calibrated else None
    for m in metrics:
        sp = specs[m]
        assert sp is not None
        if m not in calibrated:
            forms[m] = {None: sp.weighted}
            continue
        if val is None:
            raise StoreError(f"{m} is calibrated on validation but no val predictions are stored")
        assert sp.calibrate is not None
        forms[m] = {"\0spec": sp}
        for f in families:
            seeds = sorted(int(s) for s in set(val.loc[val["family"] == f, "seed"]))
            _, y_val, p_val = prediction_arrays(kind, val, f, seeds, run)
            forms[m][f] = {s: sp.calibrate(y_val, p_val[i]) for i, s in enumerate(seeds)}
    return forms


def _draw(kind: Kind, units: pd.DataFrame, rng: np.random.Generator, size: int) -> np.ndarray:
    counts = kind.draw_counts(rng, units, size)
    assert counts is not None, "a kind that overrides draw_counts returns counts"
    return counts


def _spec(kind: Kind, name: str) -> MetricSpec | None:
    try:
        return kind.metric(name)
    except KeyError:
        return None


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
    run: dict[str, Any],
    kind: Kind,
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
    arrays = load_arrays(run_dir, run, kind, families, notes, out)
    if arrays is None:
        return out
    out.arrays = arrays
    specs = {m: _spec(kind, m) for m in metrics}
    weighted = {
        m: sp.weighted
        for m, sp in specs.items()
        if sp is not None and (sp.weighted is not None or sp.weighted_at is not None)
    }
    skipped = [m for m in metrics if m not in weighted]
    if skipped:
        logger.warning("no row bootstrap for metrics %s", skipped)
    metrics = [m for m in metrics if m in weighted]
    out.forms = _calibrated_forms(run_dir, run, kind, families, specs, metrics)
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
                y, pa, pb, out.weighted(pair[0], seeds, metrics), n_boot=n_boot, seed=seed,
                confidence=confidence, draw=out.draws.get((pair[0], split)),
                metrics_b=out.weighted(pair[1], seeds, metrics),
            )  # fmt: skip
        for m, sp in specs.items():
            if sp is not None and sp.correct is not None:
                out.mcnemar.setdefault(split, {})[m] = [
                    S.mcnemar_exact(sp.correct(y, pa[i]), sp.correct(y, pb[i]))
                    for i in range(len(seeds))
                ]
    if metrics:
        _row_tests(out, kind, ranked, pair, metrics, confidence)
    if n_boot > 0 and metrics:
        _family_boots(out, families, metrics, n_boot, boot_seed, confidence)
        _pair_boots(out, ranked, pair, metrics[0], n_boot, boot_seed, confidence)
        _shift_boots(out, families, pair, metrics, n_boot, boot_seed, confidence)
    return out


def _family_boots(
    out: RowStats,
    families: list[str],
    metrics: list[str],
    n_boot: int,
    boot_seed: int,
    confidence: float,
) -> None:
    """Row bootstrap of each family's seed-mean score on each evaluation split (the row part
    of the per-family seed-and-row interval)."""
    for f, split in itertools.product(families, EVAL_SPLITS):
        if (f, split) not in out.arrays:
            continue
        seeds = out.arrays[(f, split)][0]
        _, y, p = _take(out.arrays, f, split, seeds)
        out.family[(f, split)] = S.bootstrap_rows(
            y, p, out.weighted(f, seeds, metrics), n_boot=n_boot,
            seed=derive_seed(boot_seed, "family-rows", f, split), confidence=confidence,
            draw=out.draws.get((f, split)),
        )  # fmt: skip


def _row_tests(
    out: RowStats,
    kind: Kind,
    ranked: list[str],
    pair: tuple[str, str],
    metrics: list[str],
    confidence: float,
) -> None:
    """The kind's row-level test (``Kind.paired_row_test``): the top two on every metric,
    every other pair on the primary metric."""
    for split in EVAL_SPLITS:
        for fa, fb in itertools.combinations(ranked, 2):
            seeds = _common(out.arrays, [(fa, split), (fb, split)])
            units = out.units.get((fa, split))
            if not seeds or units is None:
                continue
            _, y, pa = _take(out.arrays, fa, split, seeds)
            pb = _take(out.arrays, fb, split, seeds)[2]
            for m in metrics if (fa, fb) == pair else metrics[:1]:
                rt = kind.paired_row_test(units, m, y, pa, pb, confidence=confidence)
                if rt is not None:
                    out.row_tests[(fa, fb, split, m)] = rt


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
                y, pa, pb, out.weighted(fa, seeds, [primary]), n_boot=n_boot, seed=seed,
                confidence=confidence, draw=out.draws.get((fa, split)),
                metrics_b=out.weighted(fb, seeds, [primary]),
            )[primary]  # fmt: skip


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
            [out.weighted(f, seeds, metrics) for f in fams], weights=weights, n_boot=n_boot,
            seed=seed, confidence=confidence,
            draw_id=out.draws.get((fams[0], "test")), draw_shift=out.draws.get((fams[0], "shift")),
        )  # fmt: skip
        if key == "\0gap":
            out.gap = res
        else:
            out.shift[key] = res
