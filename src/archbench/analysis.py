"""Recompute every statistic of a run from its stored results and write them back.

Reads ``run.json``, ``results.parquet`` and ``predictions.parquet`` (docs/run-directory.md),
writes ``summary.csv``, ``comparisons.csv`` and ``stats.json`` atomically and returns the
``stats.json`` content. The arithmetic lives in :mod:`archbench.stats`; this module picks the
arrays, names the numbers and stores them.
"""

from __future__ import annotations

import itertools
import json
import logging
import math
import time
from collections.abc import Sequence
from dataclasses import asdict
from functools import partial
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd

from archbench import stats as S
from archbench.errors import StoreError
from archbench.kinds import get_kind
from archbench.kinds.base import Kind
from archbench.metrics import MetricSpec
from archbench.seeding import derive_seed
from archbench.store import atomic_write_text

logger = logging.getLogger(__name__)

SPLITS = ("val", "test", "shift")
EVAL_SPLITS = ("test", "shift")
WHERE = {"val": "validation set", "test": "ID test set", "shift": "shift set"}
SUMMARY_COLUMNS = ["family", "split", "metric", "n", "mean", "sd", "ci_low", "ci_high"]
COMPARISON_COLUMNS = [
    "table", "family_a", "family_b", "split", "metric", "n", "mean_diff", "sd_diff", "ci_low",
    "ci_high", "t_stat", "t_pvalue", "wilcoxon_pvalue", "cohens_dz", "bootstrap_ci_low",
    "bootstrap_ci_high", "mcnemar_pvalue", "holm_pvalue",
]  # fmt: skip
SHIFT_COLUMNS = [
    "family", "metric", "n", "id_mean", "shift_mean", "change", "ci_low", "ci_high", "t_pvalue",
]  # fmt: skip
POWER_COLUMNS = ["split", "metric", "n", "sd_diff", "observed_diff", "mde", "seeds_needed"]
TABLE_COLUMNS = {
    "comparisons": COMPARISON_COLUMNS[1:],
    "all_pairs": [c for c in COMPARISON_COLUMNS[1:] if not c.startswith(("boot", "mcnemar"))],
    "shift": SHIFT_COLUMNS,
    "power": POWER_COLUMNS,
}

Scores = dict[tuple[str, str, str], pd.Series]  # (family, split, metric) -> value by seed
Row = dict[str, Any]


# ----------------------------------------------------------------------------- loading
def _read_inputs(run_dir: Path) -> tuple[dict[str, Any], pd.DataFrame]:
    run_path, res_path = run_dir / "run.json", run_dir / "results.parquet"
    for path in (run_path, res_path):
        if not path.is_file():
            raise StoreError(f"{path} does not exist; is {run_dir} a finished archbench run?")
    run = json.loads(run_path.read_text())
    for key in ("task_type", "primary_metric", "metrics", "families"):
        if key not in run:
            raise StoreError(f"{run_path} has no {key!r}; its keys are: {sorted(run)}")
    results = pd.read_parquet(res_path)
    missing = {"family", "seed", "split", "metric", "value"} - set(results.columns)
    if missing:
        raise StoreError(f"{res_path} lacks columns {sorted(missing)}; has {list(results.columns)}")
    return run, results


def _score_table(results: pd.DataFrame) -> Scores:
    keyed = results.set_index(["family", "split", "metric", "seed"])["value"].astype(float)
    if not keyed.index.is_unique:
        dup = keyed.index[keyed.index.duplicated()][0]
        raise StoreError(f"results.parquet has more than one value for {dup}")
    return {
        (str(f), str(sp), str(m)): grp.droplevel([0, 1, 2]).sort_index()
        for (f, sp, m), grp in keyed.groupby(level=[0, 1, 2], sort=False)
    }


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


# ----------------------------------------------------------------------------- row level
def _unit_arrays(
    kind: Kind, df: pd.DataFrame, family: str, seeds: Sequence[int], run: dict[str, Any]
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Unit ids ``(n,)``, targets and predictions ``(S, n, ...)`` of one family, via the kind."""
    frames = [df[(df["family"] == family) & (df["seed"] == s)].sort_values("row_id") for s in seeds]
    try:
        return kind.unit_arrays(frames, run)
    except ValueError as exc:
        raise StoreError(f"predictions of {family}: {exc}") from None


def _row_level(
    run_dir: Path,
    run: dict[str, Any],
    kind: Kind,
    pair: tuple[str, str],
    metrics: list[str],
    *,
    n_boot: int,
    boot_seed: int,
    confidence: float,
    notes: list[str],
) -> tuple[dict[str, dict[str, S.RowBootstrap]], dict[str, dict[str, list[S.McNemarResult]]]]:
    """Paired bootstrap over evaluation units (every metric with a weighted form) and
    per-seed McNemar tests (metrics whose spec declares a paired count test) for the top two."""
    path = run_dir / "predictions.parquet"
    boots: dict[str, dict[str, S.RowBootstrap]] = {}
    mcnemar: dict[str, dict[str, list[S.McNemarResult]]] = {}
    if not path.is_file():
        notes.append("predictions.parquet is missing: no row bootstrap and no McNemar test.")
        logger.warning("%s is missing; skipping the row bootstrap and McNemar's test", path)
        return boots, mcnemar
    filters = [("family", "in", list(pair)), ("split", "in", list(EVAL_SPLITS))]
    preds = pd.read_parquet(path, filters=filters)
    specs = {m: _metric_spec(kind, m) for m in metrics}
    weighted = {m: sp.weighted for m, sp in specs.items() if sp is not None and sp.weighted}
    skipped = [m for m in metrics if m not in weighted]
    if skipped:
        logger.warning("no row bootstrap for metrics %s", skipped)
    for split in EVAL_SPLITS:
        df = preds[preds["split"] == split]
        seeds = sorted(set.intersection(*(set(df.loc[df["family"] == f, "seed"]) for f in pair)))
        if not seeds:
            continue
        ids_a, y, pa = _unit_arrays(kind, df, pair[0], seeds, run)
        ids_b, y_b, pb = _unit_arrays(kind, df, pair[1], seeds, run)
        if not (np.array_equal(ids_a, ids_b) and np.array_equal(y, y_b)):
            raise StoreError(f"{pair[0]} and {pair[1]} were scored on different {split} rows")
        if n_boot > 0:
            seed = derive_seed(boot_seed, "rows", split)
            units = df[(df["family"] == pair[0]) & (df["seed"] == seeds[0])].sort_values("row_id")
            blocks = type(kind).draw_counts is not Kind.draw_counts
            draw = partial(_draw, kind, units) if blocks else None
            boots[split] = S.paired_bootstrap_rows(
                y, pa, pb, weighted, n_boot=n_boot, seed=seed, confidence=confidence, draw=draw
            )
        for m, sp in specs.items():
            if sp is not None and sp.correct is not None:
                mcnemar.setdefault(split, {})[m] = [
                    S.mcnemar_exact(sp.correct(y, pa[i]), sp.correct(y, pb[i]))
                    for i in range(len(seeds))
                ]
    return boots, mcnemar


def _draw(kind: Kind, units: pd.DataFrame, rng: np.random.Generator, size: int) -> np.ndarray:
    counts = kind.draw_counts(rng, units, size)
    assert counts is not None
    return counts


def _metric_spec(kind: Kind, name: str) -> MetricSpec | None:
    try:
        return kind.metric(name)
    except KeyError:
        return None


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
) -> list[Row]:
    rows = []
    for f, split, m in itertools.product(families, splits, metrics):
        ci = S.mean_ci(
            _values(scores, f, split, m).to_numpy(dtype=float),
            confidence=confidence,
            method=ci_method,
            n_boot=n_boot or 2000,
            seed=derive_seed(boot_seed, "seeds", f, split, m),
        )
        rows.append({"family": f, "split": split, "metric": m, **asdict(ci)})
    return rows


def _comparison_row(fa: str, fb: str, split: str, metric: str, comp: S.PairedComparison) -> Row:
    return {"family_a": fa, "family_b": fb, "split": split, "metric": metric, **asdict(comp)}


def _all_pairs(
    scores: Scores, ranked: list[str], splits: list[str], primary: str, confidence: float
) -> list[Row]:
    """Every pair on the primary metric; Holm over the pairs within each split."""
    rows = []
    for split in splits:
        block = []
        for fa, fb in itertools.combinations(ranked, 2):
            a, b = _aligned(
                _values(scores, fa, split, primary), _values(scores, fb, split, primary)
            )
            comp = S.paired_comparison(a, b, confidence=confidence)
            block.append(_comparison_row(fa, fb, split, primary, comp))
        for row, h in zip(block, S.holm([r["t_pvalue"] for r in block]), strict=True):
            row["holm_pvalue"] = float(h)
        rows += block
    return rows


def _comparisons(
    scores: Scores,
    pair: tuple[str, str],
    splits: list[str],
    metrics: list[str],
    *,
    boots: dict[str, dict[str, S.RowBootstrap]],
    mcnemar: dict[str, dict[str, list[S.McNemarResult]]],
    holm_p: dict[tuple[str, str], float],
    confidence: float,
) -> tuple[list[Row], list[Row], dict[tuple[str, str], Any]]:
    """Top-two rows for every metric and evaluation split, their power rows, and the objects."""
    rows, power_rows, objects = [], [], {}
    for split, m in itertools.product(splits, metrics):
        a, b = _aligned(*(_values(scores, f, split, m) for f in pair))
        comp = S.paired_comparison(a, b, confidence=confidence)
        power = S.power_analysis(comp)
        boot = boots.get(split, {}).get(m)
        mc = mcnemar.get(split, {}).get(m, [])
        row = _comparison_row(*pair, split, m, comp)
        row.update(
            bootstrap_ci_low=boot.ci_low if boot else None,
            bootstrap_ci_high=boot.ci_high if boot else None,
            bootstrap_estimate=boot.estimate if boot else None,
            bootstrap_n_valid=boot.n_valid if boot else None,
            n_boot=boot.n_boot if boot else None,
            mcnemar_pvalue=max(r.pvalue for r in mc) if mc else None,
            mcnemar_pvalues=[r.pvalue for r in mc] or None,
            mcnemar_a_only=[r.a_only for r in mc] or None,
            mcnemar_b_only=[r.b_only for r in mc] or None,
            holm_pvalue=holm_p.get((split, m)),
        )
        rows.append(row)
        power_rows.append({"split": split, "metric": m, **asdict(power)})
        objects[(split, m)] = (
            comp,
            power,
            boot,
            [r.pvalue for r in mc] or None,
            row["holm_pvalue"],
        )
    return rows, power_rows, objects


def _shift_rows(
    scores: Scores, families: list[str], metrics: list[str], confidence: float
) -> list[tuple[Row, S.PairedComparison]]:
    out = []
    for f, m in itertools.product(families, metrics):
        idv, shv = _aligned(_values(scores, f, "test", m), _values(scores, f, "shift", m))
        keep = np.isfinite(idv) & np.isfinite(shv)
        comp = S.shift_change(idv[keep], shv[keep], confidence=confidence)
        row = {"family": f, "metric": m, "n": comp.n}
        row["id_mean"] = float(np.mean(idv[keep])) if comp.n else None
        row["shift_mean"] = float(np.mean(shv[keep])) if comp.n else None
        row.update(change=comp.mean_diff, ci_low=comp.ci_low, ci_high=comp.ci_high)
        row.update(t_pvalue=comp.t_pvalue, wilcoxon_pvalue=comp.wilcoxon_pvalue)
        out.append((row, comp))
    return out


def _ranking(
    scores: Scores, pair: tuple[str, str], primary: str, confidence: float
) -> tuple[Row, S.RankingFlip]:
    a_id, b_id, a_sh, b_sh = _aligned(
        *(_values(scores, f, split, primary) for split in EVAL_SPLITS for f in pair)
    )
    flip = S.ranking_flip(a_id, b_id, a_sh, b_sh, confidence=confidence)
    ch = flip.change
    row = {"metric": primary, "family_a": pair[0], "family_b": pair[1], "n": ch.n}
    row.update(id_diff=flip.id.mean_diff, shift_diff=flip.shift.mean_diff)
    row.update(diff_of_diffs=ch.mean_diff, ci_low=ch.ci_low, ci_high=ch.ci_high)
    row.update(t_pvalue=ch.t_pvalue, wilcoxon_pvalue=ch.wilcoxon_pvalue)
    row.update(id_t_pvalue=flip.id.t_pvalue, shift_t_pvalue=flip.shift.t_pvalue)
    row.update(flips=flip.flips, flip_resolved=flip.flip_resolved)
    return row, flip


def _verdicts(
    pair: tuple[str, str],
    objects: dict[tuple[str, str], Any],
    shift: list[tuple[Row, S.PairedComparison]],
    flip: S.RankingFlip | None,
    *,
    labels: dict[str, str],
    metric_labels: dict[str, str],
    hib: dict[str, bool],
    primary: str,
) -> list[Row]:
    la, lb = labels[pair[0]], labels[pair[1]]
    out = []
    for (split, m), (comp, power, boot, mc, holm) in objects.items():
        text = S.comparison_verdict(
            la, lb, metric_labels.get(m, m), WHERE[split], comp, higher_is_better=hib[m],
            boot=boot, power=power, mcnemar_pvalues=mc, holm_pvalue=holm,
        )  # fmt: skip
        out.append({"scope": split, "family_a": pair[0], "family_b": pair[1], "metric": m,
                    "resolved": comp.resolved(), "text": text})  # fmt: skip
    if flip is not None:
        label = metric_labels.get(primary, primary)
        text = S.ranking_verdict(la, lb, label, flip, higher_is_better=hib[primary])
        out.append({"scope": "ranking", "family_a": pair[0], "family_b": pair[1],
                    "metric": primary, "resolved": flip.flip_resolved, "text": text})  # fmt: skip
    for row, comp in shift:
        f, m = str(row["family"]), str(row["metric"])
        text = S.shift_change_verdict(
            labels[f], metric_labels.get(m, m), comp, id_mean=row["id_mean"],
            shift_mean=row["shift_mean"], higher_is_better=hib[m],
        )  # fmt: skip
        out.append({"scope": "shift_change", "family_a": f, "family_b": None, "metric": m,
                    "resolved": comp.resolved(), "text": text})  # fmt: skip
    return out


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
    run, results = _read_inputs(run_dir)
    scores = _score_table(results)
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
    notes = _notes(ci_method)
    boots, mcnemar = _row_level(
        run_dir, run, kind, pair, metrics, n_boot=n_boot, boot_seed=boot_seed,
        confidence=confidence, notes=notes,
    )  # fmt: skip
    all_pairs = _all_pairs(scores, ranked, eval_splits, primary, confidence)
    holm_p = {
        (r["split"], r["metric"]): r["holm_pvalue"]
        for r in all_pairs
        if (r["family_a"], r["family_b"]) == pair
    }
    comparisons, power, objects = _comparisons(
        scores, pair, eval_splits, metrics, boots=boots, mcnemar=mcnemar, holm_p=holm_p,
        confidence=confidence,
    )  # fmt: skip
    shift, ranking_row, flip = [], None, None
    if eval_splits == list(EVAL_SPLITS):
        shift = _shift_rows(scores, families, metrics, confidence)
        ranking_row, flip = _ranking(scores, pair, primary, confidence)
    verdicts = _verdicts(
        pair, objects, shift, flip, labels=labels, metric_labels=metric_labels, hib=hib,
        primary=primary,
    )  # fmt: skip
    word = "highest" if hib[primary] else "lowest"
    stats = {
        "confidence": confidence, "ci_method": ci_method, "n_boot": n_boot,
        "boot_seed": boot_seed, "alpha": S.ALPHA, "power_target": S.POWER,
        "task_type": run["task_type"], "primary_metric": primary, "metrics": metrics,
        "higher_is_better": {m: hib[m] for m in metrics}, "family_labels": labels,
        "metric_labels": metric_labels,
        "top_two": {"rule": f"the two {word} validation means of {primary}",
                    "families": list(pair), "ranking": ranked, "val_means": val_means},
        "summary": _summary(scores, families, splits, metrics, ci_method=ci_method,
                            n_boot=n_boot, boot_seed=boot_seed, confidence=confidence),
        "comparisons": comparisons, "all_pairs": all_pairs, "shift": [r for r, _ in shift],
        "ranking_flip": ranking_row, "power": power, "verdicts": verdicts, "notes": notes,
    }  # fmt: skip
    stats = _jsonable(stats)
    _write_outputs(run_dir, stats)
    elapsed = time.perf_counter() - started
    logger.info("statistics of %s written in %.1f s; top two: %s", run_dir, elapsed, pair)
    return stats


def _metric_meta(
    run: dict[str, Any], kind: Kind, metrics: list[str]
) -> tuple[dict[str, bool], dict[str, str]]:
    """Direction and label of each metric: run.json first, then the kind's spec."""
    info = run.get("metric_info") or {}
    hib, labels = {}, {}
    for m in metrics:
        sp = _metric_spec(kind, m)
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


def _notes(ci_method: str) -> list[str]:
    seeds_ci = "Student t" if ci_method == "t" else "percentile bootstrap (too narrow at n = 5)"
    return [
        "The top two are the families with the best validation mean of the primary metric; "
        "choosing them never looks at the test or shift scores.",
        f"Each family's interval over seeds: {seeds_ci}. Paired comparisons use the Student-t "
        "interval of the per-seed differences and the paired t-test; mean_diff is always "
        "family_a - family_b, where family_a has the better validation mean.",
        "The exact two-sided Wilcoxon signed-rank test cannot give p below 2/2^n: 0.0625 with "
        "5 seeds, so it can never reach 0.05. It is reported beside the t-test.",
        "The paired bootstrap resamples evaluation rows (the same rows for both families and "
        "every seed) and shows test-set sampling noise beside the seed-to-seed noise.",
        "McNemar's exact test is run per seed; mcnemar_pvalue is the largest per-seed p-value, "
        "below alpha only when every seed's test rejects.",
        "Holm's correction in all_pairs is over the pairs of families within each split.",
        "'Resolved' means the paired t-test gives p < 0.05. 'Not resolved' is not evidence "
        "that two families are equal.",
    ]


# ----------------------------------------------------------------------------- output
def _jsonable(obj: Any) -> Any:
    if isinstance(obj, dict):
        return {str(k): _jsonable(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [_jsonable(v) for v in obj]
    if isinstance(obj, bool | np.bool_):
        return bool(obj)
    if isinstance(obj, int | np.integer):
        return int(obj)
    if isinstance(obj, float | np.floating):
        return float(obj) if math.isfinite(obj) else None
    return obj


def _write_outputs(run_dir: Path, stats: dict[str, Any]) -> None:
    atomic_write_text(run_dir / "summary.csv", summary_frame(stats).to_csv(index=False))
    table = pd.concat(
        [comparisons_frame(stats).assign(table="top_two"),
         comparisons_frame(stats, "all_pairs").assign(table="all_pairs")],
        ignore_index=True,
    )  # fmt: skip
    atomic_write_text(run_dir / "comparisons.csv", table[COMPARISON_COLUMNS].to_csv(index=False))
    atomic_write_text(run_dir / "stats.json", json.dumps(stats, indent=2, allow_nan=False) + "\n")


def summary_frame(stats: dict[str, Any]) -> pd.DataFrame:
    """The summary table (one row per family x split x metric) of a stats dict."""
    return pd.DataFrame(stats["summary"], columns=SUMMARY_COLUMNS)


def comparisons_frame(
    stats: dict[str, Any],
    table: Literal["comparisons", "all_pairs", "shift", "power"] = "comparisons",
) -> pd.DataFrame:
    """One table of a stats dict: the top-two comparisons (default), all_pairs, shift, power."""
    return pd.DataFrame(stats[table], columns=TABLE_COLUMNS[table])


def verdict_lines(
    stats: dict[str, Any],
    *,
    metrics: Sequence[str] | None = None,
    scopes: Sequence[str] | None = None,
) -> list[str]:
    """The verdict sentences, optionally only those for some metrics and scopes."""
    return [
        v["text"]
        for v in stats["verdicts"]
        if (metrics is None or v["metric"] in metrics) and (scopes is None or v["scope"] in scopes)
    ]
