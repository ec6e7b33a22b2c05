"""Reading a run directory's inputs and writing its statistics (the file side of analysis).

Reads ``run.json``, ``results.parquet`` and ``predictions.parquet`` (docs/run-directory.md);
writes ``summary.csv``, ``comparisons.csv`` and ``stats.json`` atomically. The numbers are
computed in :mod:`archbench.analysis.run`.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd

from archbench.engine.store import atomic_write_text
from archbench.errors import StoreError
from archbench.kinds.base import Kind
from archbench.names import COMPARED_SPLITS, SCORED_SPLITS, SPLIT_PLACES
from archbench.stats import SHIFT_METHOD

SPLITS = SCORED_SPLITS
EVAL_SPLITS = COMPARED_SPLITS
WHERE = SPLIT_PLACES
SUMMARY_COLUMNS = [
    "family", "split", "metric", "n", "mean", "sd", "ci_low", "ci_high", "ci_noise",
    "seed_ci_low", "seed_ci_high", "row_se",
]  # fmt: skip
COMPARISON_COLUMNS = [
    "table", "family_a", "family_b", "split", "metric", "n", "mean_diff", "sd_diff", "ci_low",
    "ci_high", "t_stat", "t_pvalue", "wilcoxon_pvalue", "cohens_dz", "bootstrap_ci_low",
    "bootstrap_ci_high", "mcnemar_pvalue", "holm_pvalue", "role", "p_value", "resolved",
    "combined_ci_low", "combined_ci_high", "combined_df",
]  # fmt: skip
SHIFT_COLUMNS = [
    "family", "metric", "n", "id_mean", "shift_mean", "change", "ci_low", "ci_high", "p_value",
    "holm_pvalue", "role", "resolved", "t_pvalue",
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


def read_inputs(run_dir: Path) -> tuple[dict[str, Any], pd.DataFrame]:
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


def score_table(results: pd.DataFrame) -> Scores:
    keyed = results.set_index(["family", "split", "metric", "seed"])["value"].astype(float)
    if not keyed.index.is_unique:
        dup = keyed.index[keyed.index.duplicated()][0]
        raise StoreError(f"results.parquet has more than one value for {dup}")
    return {
        (str(f), str(sp), str(m)): grp.droplevel([0, 1, 2]).sort_index()
        for (f, sp, m), grp in keyed.groupby(level=[0, 1, 2], sort=False)
    }


def read_predictions(
    run_dir: Path, families: Sequence[str], splits: Sequence[str]
) -> pd.DataFrame | None:
    """Stored predictions of ``families`` on ``splits``; ``None`` when predictions.parquet is
    missing. The columns beyond ``family, seed, split, row_id, y_true`` are the kind's."""
    path = run_dir / "predictions.parquet"
    if not path.is_file():
        return None
    filters = [("family", "in", list(families)), ("split", "in", list(splits))]
    return pd.read_parquet(path, filters=filters)


def prediction_arrays(
    kind: Kind, df: pd.DataFrame, family: str, seeds: Sequence[int], run: dict[str, Any]
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Unit ids ``(n,)``, targets and predictions ``(S, n, ...)`` of one family, as the run's
    kind reads them back from its per-unit frames (``Kind.unit_arrays``)."""
    frames = [df[(df["family"] == family) & (df["seed"] == s)].sort_values("row_id") for s in seeds]
    try:
        return kind.unit_arrays(frames, run)
    except ValueError as exc:
        raise StoreError(f"predictions of {family}: {exc}") from None


def run_notes(ci_method: str, alpha: float) -> list[str]:
    """The notes stored in stats.json: how to read every number."""
    seeds_ci = "Student t" if ci_method == "t" else "percentile bootstrap (too narrow at n = 5)"
    return [
        "The top two are the families with the best validation mean of the primary metric; "
        "choosing them never looks at the test or shift scores.",
        f"Each family's interval over seeds: {seeds_ci}. Paired comparisons use the Student-t "
        "interval of the per-seed differences and the paired t-test; mean_diff is always "
        "family_a - family_b, where family_a has the better validation mean.",
        f"One setting: every interval has confidence 1 - alpha = {1 - alpha:g} and every test "
        f"uses alpha = {alpha:g}.",
        "Confirmatory test (declared before the data): the top two on the primary metric on the "
        "ID test set; it alone is 'resolved' on its raw p-value. Secondary tests (primary "
        "metric: the top two on the shift set, every other pair on both sets, each family's "
        "shift change, the change of the top two's gap) are Holm-corrected as one family and "
        "tested only if the confirmatory test resolved (serial gatekeeping; family-wise error "
        "<= alpha). Every other metric is exploratory, uncorrected, and never 'resolved'.",
        "Shift changes (each family, and the top two's gap) include test-set noise: "
        + SHIFT_METHOD
        + ". t_pvalue in the shift rows is the seed-only t-test, for reference.",
        "When every seed gave the same difference, the seeds are one experiment: no t-test and "
        "no Wilcoxon p-value; the paired row bootstrap is the only evidence.",
        "The exact two-sided Wilcoxon signed-rank test cannot give p below 2/2^n: 0.0625 with "
        "5 seeds, so it can never reach 0.05. It is reported beside the t-test; ties and zeros "
        "are judged relative to the scores' scale.",
        "The paired bootstrap resamples evaluation rows (the same rows for both families and "
        "every seed) and shows test-set sampling noise beside the seed-to-seed noise.",
        "McNemar's exact test (exploratory) is run per seed; mcnemar_pvalue is the largest "
        "per-seed p-value, below alpha only when every seed's test rejects.",
        "'Not resolved' is not evidence that two families are equal.",
    ]


def jsonable(obj: Any) -> Any:
    if isinstance(obj, dict):
        return {str(k): jsonable(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [jsonable(v) for v in obj]
    if isinstance(obj, bool | np.bool_):
        return bool(obj)
    if isinstance(obj, int | np.integer):
        return int(obj)
    if isinstance(obj, float | np.floating):
        return float(obj) if math.isfinite(obj) else None
    return obj


def write_outputs(run_dir: Path, stats: dict[str, Any]) -> None:
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
