"""Each family against each reference row, on the same evaluation rows.

Reads ``reference_predictions.parquet`` (the reference rows' per-unit predictions, written by
kinds that store them) and the families' stored predictions; tests ``family - reference`` on
the primary metric with the seed-and-row t-test (:func:`archbench.stats.reference_test`: the
reference is deterministic, so the rows are its only noise and the seeds are the family's).
Without that file, ``stats.json["references"]`` holds the point estimates only, marked
untested.
"""

from __future__ import annotations

import itertools
import logging
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from archbench import stats as S
from archbench.analysis.io import EVAL_SPLITS, Row, prediction_arrays
from archbench.analysis.rows import RowStats, _spec, _take
from archbench.errors import StoreError
from archbench.kinds.base import Kind
from archbench.seeding import derive_seed

logger = logging.getLogger(__name__)

FILE = "reference_predictions.parquet"
RULE = (
    "each family against each reference row on the primary metric: the seed-and-row t-test "
    "of family - reference (the paired row bootstrap on the same rows, the reference "
    "deterministic, the seeds the family's), at alpha, uncorrected over these comparisons; "
    "'resolved' in one direction is a tested sentence, anything else is worded as a point "
    "estimate or as not resolved"
)


def _ref_forms(
    kind: Kind, refs: pd.DataFrame, name: str, run: dict[str, Any], metric: str
) -> dict[str, S.Weighted] | None:
    """The reference's weighted form of ``metric`` (calibrated on its own validation rows)."""
    sp = _spec(kind, metric)
    if sp is None or (sp.weighted is None and sp.weighted_at is None):
        return None
    if sp.calibrate is None:
        assert sp.weighted is not None
        return {metric: sp.weighted}
    val = refs[(refs["family"] == name) & (refs["split"] == "val")]
    if val.empty:
        return None
    _, y_val, p_val = prediction_arrays(kind, val, name, [0], run)
    w = sp.weighted_given([sp.calibrate(y_val, p_val[0])])
    return None if w is None else {metric: w}


def reference_rows(
    run_dir: Path,
    run: dict[str, Any],
    kind: Kind,
    families: list[str],
    primary: str,
    rs: RowStats,
    *,
    n_boot: int,
    boot_seed: int,
    confidence: float,
) -> list[Row]:
    """One row per (reference, family, split): the difference, its interval with seed and
    test-set noise, the p-value and whether it is resolved; point estimates only when the
    reference predictions (or the families') are missing."""
    path = run_dir / FILE
    if not path.is_file() or not rs.arrays or n_boot <= 0:
        return []
    refs = pd.read_parquet(path)
    alpha = round(1.0 - confidence, 12)
    out: list[Row] = []
    for name, f, split in itertools.product(sorted(set(refs["family"])), families, EVAL_SPLITS):
        sub = refs[(refs["family"] == name) & (refs["split"] == split)]
        forms = _ref_forms(kind, refs, name, run, primary)
        if sub.empty or (f, split) not in rs.arrays or forms is None:
            continue
        seeds = rs.arrays[(f, split)][0]
        ids, y, pf = _take(rs.arrays, f, split, seeds)
        r_ids, r_y, pr = prediction_arrays(kind, sub, name, [0], run)
        if not (np.array_equal(ids, r_ids) and np.array_equal(y, r_y)):
            raise StoreError(f"reference {name} and {f} were scored on different {split} rows")
        test = S.reference_test(
            y, pf, pr[0], rs.weighted(f, seeds, [primary]), n_boot=n_boot,
            seed=derive_seed(boot_seed, "reference", name, f, split), confidence=confidence,
            draw=rs.draws.get((f, split)), metrics_ref=forms,
        )[primary]  # fmt: skip
        out.append(_row(name, f, split, primary, test, alpha))
    return out


def _row(name: str, family: str, split: str, metric: str, t: S.SeedRowTest, alpha: float) -> Row:
    return {
        "reference": name, "family": family, "split": split, "metric": metric, "n": t.n,
        "diff": t.estimate, "ci_low": t.ci_low, "ci_high": t.ci_high, "p_value": t.p_value,
        "seed_se": t.seed_se, "row_se": t.row_se, "df": t.df, "test": S.REFERENCE_TEST,
        "alpha": alpha, "resolved": t.resolved(alpha),
    }  # fmt: skip
