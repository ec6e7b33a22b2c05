"""Recompute every statistic of a run from its stored results and write them back.

Reads ``run.json``, ``results.parquet`` and ``predictions.parquet`` (docs/run-directory.md),
writes ``summary.csv``, ``comparisons.csv`` and ``stats.json`` atomically and returns the
``stats.json`` content. The arithmetic lives in :mod:`archbench.stats`; this module picks the
arrays, names the numbers and stores them.
"""

from __future__ import annotations

import itertools
import logging
import time
from dataclasses import asdict
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd

import archbench.analysis.rowtest as RT
from archbench import stats as S
from archbench.analysis.declare import (
    combined_fields,
    declare,
    mark,
    mark_rows,
    pair_test,
    verdict_rows,
)
from archbench.analysis.io import (
    COMPARISON_COLUMNS,
    EVAL_SPLITS,
    POWER_COLUMNS,
    SHIFT_COLUMNS,
    SPLITS,
    SUMMARY_COLUMNS,
    TABLE_COLUMNS,
    WHERE,
    Row,
    Scores,
    comparisons_frame,
    jsonable,
    read_inputs,
    run_notes,
    score_table,
    summary_frame,
    verdict_lines,
    write_outputs,
)
from archbench.analysis.refs import RULE as REFERENCE_RULE
from archbench.analysis.refs import reference_rows
from archbench.analysis.rows import RowStats, row_stats
from archbench.errors import StoreError
from archbench.kinds import get_kind
from archbench.kinds.base import Kind
from archbench.seeding import derive_seed

logger = logging.getLogger(__name__)

__all__ = [
    "COMPARISON_COLUMNS", "EVAL_SPLITS", "POWER_COLUMNS", "SHIFT_COLUMNS", "SPLITS",
    "SUMMARY_COLUMNS", "TABLE_COLUMNS", "WHERE", "analyze_run", "comparisons_frame",
    "summary_frame", "verdict_lines",
]  # fmt: skip


def _values(scores: Scores, family: str, split: str, metric: str) -> pd.Series:
    return scores.get((family, split, metric), pd.Series(dtype=float))


def _aligned(*series: pd.Series) -> list[np.ndarray]:
    """The series' values on the seeds all of them have, in seed order."""
    common = series[0].index
    for s in series[1:]:
        common = common.intersection(s.index)
    common = common.sort_values()
    return [s.loc[common].to_numpy(dtype=float) for s in series]


def _rank_families(
    scores: Scores, families: list[str], primary: str, higher: bool
) -> tuple[list[str], dict[str, float | None]]:
    """Families best-first by the primary metric's validation mean (ties: spec order)."""
    means: dict[str, float | None] = {}
    for f in families:
        v = _values(scores, f, "val", primary).to_numpy(dtype=float)
        v = v[np.isfinite(v)]
        means[f] = float(np.mean(v)) if v.size else None

    def key(f: str) -> tuple[int, float, int]:
        m = means[f]
        if m is None:
            return (1, 0.0, families.index(f))
        return (0, -m if higher else m, families.index(f))

    return sorted(families, key=key), means


# ----------------------------------------------------------------------------- tables
def _summary(
    scores: Scores,
    families: list[str],
    splits: list[str],
    metrics: list[str],
    *,
    ci_method: Literal["t", "bootstrap"],
    n_boot: int,
    boot_seed: int,
    confidence: float,
    rows_stats: RowStats | None = None,
) -> list[Row]:
    """Each family's mean per split and metric. ``ci_low``/``ci_high``: the interval shown,
    with seed and test-set noise where the rows were bootstrapped (``ci_noise``), else over
    seeds only; ``seed_ci_low``/``seed_ci_high``: the seed-only interval (given these rows)."""
    rows = []
    for f, split, m in itertools.product(families, splits, metrics):
        values = _values(scores, f, split, m).to_numpy(dtype=float)
        ci = S.mean_ci(
            values,
            confidence=confidence,
            method=ci_method,
            n_boot=n_boot or 2000,
            seed=derive_seed(boot_seed, "seeds", f, split, m),
        )
        row = {"family": f, "split": split, "metric": m, **asdict(ci)}
        boot = (rows_stats.family.get((f, split)) or {}).get(m) if rows_stats else None
        both = S.seed_row_interval(values, boot, confidence=confidence)
        row.update(seed_ci_low=ci.ci_low, seed_ci_high=ci.ci_high, row_se=both.row_se,
                   df=both.df, ci_noise="seeds only")  # fmt: skip
        if both.ci_low is not None:
            row.update(ci_low=both.ci_low, ci_high=both.ci_high, ci_noise="seeds and rows")
        rows.append(row)
    return rows


def _comparison_row(fa: str, fb: str, split: str, metric: str, comp: S.PairedComparison) -> Row:
    return {"family_a": fa, "family_b": fb, "split": split, "metric": metric, **asdict(comp)}


def _all_pairs(
    scores: Scores, ranked: list[str], splits: list[str], primary: str, rows_stats: RowStats,
    confidence: float,
) -> tuple[list[Row], dict[tuple[str, str, str], tuple[S.PairedComparison, Any]]]:  # fmt: skip
    """Every pair on the primary metric (family_a has the better validation mean)."""
    rows, comps = [], {}
    for split in splits:
        for fa, fb in itertools.combinations(ranked, 2):
            a, b = _aligned(
                _values(scores, fa, split, primary), _values(scores, fb, split, primary)
            )
            comp = S.paired_comparison(a, b, confidence=confidence)
            rt = rows_stats.row_tests.get((fa, fb, split, primary))
            combined = RT.combine(comp, rt, primary) or pair_test(
                comp, rows_stats.pairs.get((fa, fb, split))
            )
            rows.append(_comparison_row(fa, fb, split, primary, comp))
            combined_fields(rows[-1], combined)
            rows[-1].update(RT.row_test_fields(rows_stats.row_tests.get((fa, fb, split, primary))))
            comps[(fa, fb, split)] = (comp, combined)
    return rows, comps


def _comparisons(
    scores: Scores,
    pair: tuple[str, str],
    splits: list[str],
    metrics: list[str],
    *,
    rows_stats: RowStats,
    confidence: float,
) -> tuple[list[Row], list[Row], dict[tuple[str, str], Any]]:
    """Top-two rows for every metric and evaluation split, their power rows, and the objects."""
    rows, power_rows, objects = [], [], {}
    for split, m in itertools.product(splits, metrics):
        a, b = _aligned(*(_values(scores, f, split, m) for f in pair))
        comp = S.paired_comparison(a, b, confidence=confidence)
        power = S.power_analysis(comp)
        boot = rows_stats.boots.get(split, {}).get(m)
        mc = rows_stats.mcnemar.get(split, {}).get(m, [])
        row = _comparison_row(*pair, split, m, comp)
        row.update(
            bootstrap_ci_low=boot.ci_low if boot else None,
            bootstrap_ci_high=boot.ci_high if boot else None,
            bootstrap_estimate=boot.estimate if boot else None,
            bootstrap_n_valid=boot.n_valid if boot else None,
            bootstrap_pvalue=boot.p_value if boot else None,
            bootstrap_se=boot.se if boot else None,
            n_boot=boot.n_boot if boot else None,
            mcnemar_pvalue=max(r.pvalue for r in mc) if mc else None,
            mcnemar_pvalues=[r.pvalue for r in mc] or None,
            mcnemar_a_only=[r.a_only for r in mc] or None,
            mcnemar_b_only=[r.b_only for r in mc] or None,
        )
        rt = rows_stats.row_tests.get((*pair, split, m))
        combined = RT.combine(comp, rt, m) or pair_test(comp, boot)
        combined_fields(row, combined)
        row.update(RT.row_test_fields(rows_stats.row_tests.get((*pair, split, m))))
        rows.append(row)
        power_rows.append({"split": split, "metric": m, **asdict(power)})
        objects[(split, m)] = (comp, power, boot, [r.pvalue for r in mc] or None, combined)
    return rows, power_rows, objects


def _shift_rows(
    scores: Scores, families: list[str], metrics: list[str], rows_stats: RowStats,
    confidence: float,
) -> list[tuple[Row, S.PairedComparison, S.ShiftTest]]:  # fmt: skip
    """Each family's ID -> shift change: per-seed t-test and the test with row noise."""
    out = []
    for f, m in itertools.product(families, metrics):
        idv, shv = _aligned(_values(scores, f, "test", m), _values(scores, f, "shift", m))
        keep = np.isfinite(idv) & np.isfinite(shv)
        comp = S.shift_change(idv[keep], shv[keep], confidence=confidence)
        test = S.seed_row_test(comp, rows_stats.shift.get(f, {}).get(m))
        row = {"family": f, "metric": m, "n": comp.n}
        row["id_mean"] = float(np.mean(idv[keep])) if comp.n else None
        row["shift_mean"] = float(np.mean(shv[keep])) if comp.n else None
        row.update(change=comp.mean_diff, ci_low=test.ci_low, ci_high=test.ci_high)
        row.update(p_value=test.p_value, seed_se=test.seed_se, row_se=test.row_se, df=test.df)
        row.update(t_pvalue=comp.t_pvalue, seed_ci_low=comp.ci_low, seed_ci_high=comp.ci_high)
        row.update(wilcoxon_pvalue=comp.wilcoxon_pvalue, identical_seeds=comp.identical)
        out.append((row, comp, test))
    return out


def _gap_test(
    scores: Scores, pair: tuple[str, str], primary: str, rows_stats: RowStats, confidence: float
) -> S.ShiftTest:
    """The change of the top two's gap, ``(a - b)_shift - (a - b)_id``, with row noise."""
    a_id, b_id, a_sh, b_sh = _aligned(
        *(_values(scores, f, split, primary) for split in EVAL_SPLITS for f in pair)
    )
    keep = np.isfinite(a_id) & np.isfinite(b_id) & np.isfinite(a_sh) & np.isfinite(b_sh)
    change = S.paired_comparison(
        a_sh[keep] - b_sh[keep], a_id[keep] - b_id[keep], confidence=confidence
    )
    return S.seed_row_test(change, rows_stats.gap.get(primary))


def _ranking(
    scores: Scores, pair: tuple[str, str], primary: str, gap: S.ShiftTest,
    decisions: dict[tuple[Any, ...], S.Decision], confidence: float,
) -> tuple[Row, S.RankingFlip]:  # fmt: skip
    a_id, b_id, a_sh, b_sh = _aligned(
        *(_values(scores, f, split, primary) for split in EVAL_SPLITS for f in pair)
    )
    id_dec, sh_dec = decisions[("pair", *pair, "test")], decisions[("pair", *pair, "shift")]
    flip = S.ranking_flip(
        a_id, b_id, a_sh, b_sh, confidence=confidence,
        id_resolved=id_dec.resolved, shift_resolved=sh_dec.resolved,
    )  # fmt: skip
    ch, gap_dec = flip.change, decisions[("gap",)]
    row = {"metric": primary, "family_a": pair[0], "family_b": pair[1], "n": ch.n}
    row.update(id_diff=flip.id.mean_diff, shift_diff=flip.shift.mean_diff)
    row.update(diff_of_diffs=ch.mean_diff, ci_low=gap.ci_low, ci_high=gap.ci_high)
    row.update(seed_se=gap.seed_se, row_se=gap.row_se, df=gap.df)
    row.update(t_pvalue=ch.t_pvalue, wilcoxon_pvalue=ch.wilcoxon_pvalue)
    row.update(id_t_pvalue=flip.id.t_pvalue, shift_t_pvalue=flip.shift.t_pvalue)
    mark(row, gap_dec)
    row.update(id_resolved=id_dec.resolved, shift_resolved=sh_dec.resolved)
    row.update(flips=flip.flips, flip_resolved=flip.flip_resolved, gap_resolved=gap_dec.resolved)
    row["resolved"] = flip.flip_resolved
    return row, flip


# ----------------------------------------------------------------------------- entry point
def analyze_run(
    run_dir: Path,
    *,
    ci_method: Literal["t", "bootstrap"] = "t",
    n_boot: int = 2000,
    boot_seed: int | None = None,
    confidence: float = 0.95,
) -> dict[str, Any]:
    """Compute every statistic of a run; write summary.csv, comparisons.csv and stats.json.

    Args:
        run_dir: the run directory (run.json and results.parquet; predictions.parquet for
            the row bootstrap and McNemar's test).
        ci_method: interval for each family's mean over seeds: "t", or the percentile
            bootstrap over seeds (too narrow with 5 seeds). Paired comparisons always use
            the t-interval that matches their t-test.
        n_boot: row-bootstrap resamples (0 switches the row bootstrap off).
        boot_seed: seed of every bootstrap; ``None`` derives it from run.json's base_seed.
        confidence: confidence level of every interval.

    Returns:
        The content of stats.json (``None`` where a number cannot be computed).
    """
    started = time.perf_counter()
    run_dir = Path(run_dir)
    if ci_method not in ("t", "bootstrap"):
        raise ValueError(f"ci_method {ci_method!r} is not 't' or 'bootstrap'")
    if n_boot < 0:
        raise ValueError(f"n_boot must be >= 0, got {n_boot}")
    run, results = read_inputs(run_dir)
    scores = score_table(results)
    kind = get_kind(str(run.get("kind", "tabular")))
    primary = run["primary_metric"]
    families, splits, metrics = _layout(run, scores)
    hib, metric_labels = _metric_meta(run, kind, metrics)
    eval_splits = [s for s in EVAL_SPLITS if s in splits]
    labels = {f: run.get("family_labels", {}).get(f, f) for f in families}
    ranked, val_means = _rank_families(scores, families, primary, hib[primary])
    if sum(v is not None for v in val_means.values()) < 2:
        raise StoreError(f"need validation {primary} for at least two families; have {val_means}")
    pair = (ranked[0], ranked[1])
    if boot_seed is None:
        boot_seed = derive_seed(int(run.get("base_seed", 0)), "stats", "bootstrap")
    alpha = round(1.0 - confidence, 12)  # one setting: alpha = 1 - confidence
    notes = run_notes(ci_method, alpha)
    tested, rs = _evaluate(
        run_dir, run, kind, scores, families, ranked, pair, metrics, eval_splits,
        labels, metric_labels, hib, n_boot=n_boot, boot_seed=boot_seed, confidence=confidence,
        notes=notes,
    )  # fmt: skip
    word = "highest" if hib[primary] else "lowest"
    stats = {
        "confidence": confidence, "ci_method": ci_method, "n_boot": n_boot,
        "boot_seed": boot_seed, "alpha": alpha, "power_target": S.POWER,
        "task_type": run["task_type"], "primary_metric": primary, "metrics": metrics,
        "higher_is_better": {m: hib[m] for m in metrics}, "family_labels": labels,
        "metric_labels": metric_labels,
        "top_two": {"rule": f"the two {word} validation means of {primary}",
                    "families": list(pair), "ranking": ranked, "val_means": val_means},
        "pair_method": S.PAIR_METHOD, "shift_method": S.SHIFT_METHOD,
        "reference_method": REFERENCE_RULE,
        "references": reference_rows(run_dir, run, kind, families, primary, rs, n_boot=n_boot,
                                     boot_seed=boot_seed, confidence=confidence),
        "summary": _summary(scores, families, splits, metrics, ci_method=ci_method,
                            n_boot=n_boot, boot_seed=boot_seed, confidence=confidence,
                            rows_stats=rs),
        "summary_method": {"seeds and rows": S.SEED_ROW_INTERVAL,
                           "seeds only": "Student-t (or percentile-bootstrap) interval over "
                           "seeds, conditional on these test rows"},
        **tested, "notes": notes,
    }  # fmt: skip
    stats = jsonable(stats)
    write_outputs(run_dir, stats)
    elapsed = time.perf_counter() - started
    logger.info("statistics of %s written in %.1f s; top two: %s", run_dir, elapsed, pair)
    return stats


def _evaluate(
    run_dir: Path, run: dict[str, Any], kind: Kind, scores: Scores, families: list[str],
    ranked: list[str], pair: tuple[str, str], metrics: list[str], eval_splits: list[str],
    labels: dict[str, str], metric_labels: dict[str, str], hib: dict[str, bool],
    *, n_boot: int, boot_seed: int, confidence: float, notes: list[str],
) -> tuple[dict[str, Any], RowStats]:  # fmt: skip
    """Every comparison, shift change and verdict, decided by the declared tests (and the
    row statistics they used)."""
    primary, alpha = metrics[0], round(1.0 - confidence, 12)
    rs = row_stats(
        run_dir, run, kind, ranked, pair, metrics, n_boot=n_boot, boot_seed=boot_seed,
        confidence=confidence, notes=notes,
    )  # fmt: skip
    all_pairs, pair_comps = _all_pairs(scores, ranked, eval_splits, primary, rs, confidence)
    comparisons, power, objects = _comparisons(
        scores, pair, eval_splits, metrics, rows_stats=rs, confidence=confidence
    )
    both = eval_splits == list(EVAL_SPLITS)
    shift = _shift_rows(scores, families, metrics, rs, confidence) if both else []
    gap = _gap_test(scores, pair, primary, rs, confidence) if both else None
    short = RT.short_keys(rs.row_tests, primary)
    decisions, declared = declare(
        pair, primary, pair_comps, shift, gap.p_value if gap else None, alpha, short
    )
    ranking_row, ranking = None, None
    if gap is not None:
        ranking_row, flip = _ranking(scores, pair, primary, gap, decisions, confidence)
        ranking = (flip, gap)
    mark_rows(comparisons, all_pairs, shift, objects, decisions, primary, alpha)
    verdicts = verdict_rows(
        pair, objects, shift, ranking, decisions, labels=labels, metric_labels=metric_labels,
        hib=hib, primary=primary, alpha=alpha, row_tests=rs.row_tests,
    )  # fmt: skip
    return {
        "tests": declared, "comparisons": comparisons, "all_pairs": all_pairs,
        "shift": [r for r, *_ in shift], "ranking_flip": ranking_row, "power": power,
        "verdicts": verdicts,
    }, rs  # fmt: skip


def _metric_meta(
    run: dict[str, Any], kind: Kind, metrics: list[str]
) -> tuple[dict[str, bool], dict[str, str]]:
    """Direction and label of each metric: run.json first, then the kind's spec."""
    info = run.get("metric_info") or {}
    hib, labels = {}, {}
    for m in metrics:
        try:
            sp = kind.metric(m)
        except KeyError:
            sp = None
        stored = run.get("higher_is_better", {}).get(m)
        hib[m] = bool(stored if stored is not None else (sp.higher_is_better if sp else True))
        labels[m] = str((info.get(m) or {}).get("label") or (sp.label if sp else m))
    return hib, labels


def _layout(run: dict[str, Any], scores: Scores) -> tuple[list[str], list[str], list[str]]:
    """Families (spec order), splits and metrics (primary first) present in the results."""
    primary = run["primary_metric"]
    present = {k[2] for k in scores}
    if primary not in present:
        raise StoreError(f"results.parquet has no {primary!r} scores; metrics: {sorted(present)}")
    metrics = [primary, *[m for m in run["metrics"] if m in present and m != primary]]
    known = {k[0] for k in scores}
    families = [f for f in run["families"] if f in known]
    families += sorted(known - set(families))
    splits = [s for s in SPLITS if any(k[1] == s for k in scores)]
    return families, splits, metrics


# ----------------------------------------------------------------------------- output
