"""The kind's row-level test (forecasting: batch means over origin time, Diebold-Mariano beside).

``Kind.paired_row_test`` returns an object such as
:class:`archbench.stats.timeblocks.BatchMeans`; this module turns it into stored fields
(``row_test_*`` in comparisons.csv and stats.json), the deciding seed-and-time test of a pair
(:func:`combine`: it replaces the seed-and-row-bootstrap test where the metric is the mean of
the tested loss), the comparisons it refuses to resolve (``too_short``: too few independent
blocks of origins) and the sentence of the verdict.
"""

from __future__ import annotations

from typing import Any

from archbench import stats as S

#: The test named in a decision that was refused because the split is too short.
TOO_SHORT_TEST = "none: too few independent blocks of origins for inference"
#: The deciding test of a forecasting pair (:func:`combine`).
TIME_TEST = "seed t-test and batch-means t-test over origin time (both must reject)"
_FIELDS = ("estimate", "statistic", "p_value", "ci_low", "ci_high", "se", "df", "n_batches",
           "batch_len", "block_len", "n_times", "too_short")  # fmt: skip
#: Metrics that are the plain mean of the per-window loss the row test compares.
MEAN_LOSS_METRICS = ("mase", "mae", "smape")


def row_test_fields(rt: Any) -> dict[str, Any]:
    """``row_test_<field>`` for comparisons rows; empty without a row-level test."""
    if rt is None:
        return {}
    out = {f"row_test_{f}": getattr(rt, f, None) for f in _FIELDS}
    out["row_test"] = f"batch means over origin time (Ibragimov-Mueller, t with {rt.df} df)"
    dm = getattr(rt, "dm", None)
    out["row_test_dm_p_value"] = dm.p_value if dm is not None else None
    out["row_test_dm_lag"] = dm.lag if dm is not None else None
    return out


def combine(comp: S.PairedComparison, rt: Any, metric: str) -> S.SeedRowTest | None:
    """The deciding test of a pair from the seed t-test and the kind's row-level test ``rt``.

    Both must reject (intersection-union: the larger p-value, the hull of the two intervals,
    as in :func:`archbench.stats.seed_row_test`): the seed t-test carries the seed noise, the
    row test the dependent test-set noise. ``None`` (keep the row bootstrap) without a row
    test, without its p-value, or where ``metric`` is not the mean of the tested loss (RMSE).
    """
    if rt is None or rt.p_value is None or metric not in MEAN_LOSS_METRICS:
        return None
    p, lo, hi = float(rt.p_value), float(rt.ci_low), float(rt.ci_high)
    seed_se = None
    sp, slo, shi = comp.t_pvalue, comp.ci_low, comp.ci_high
    if not comp.identical and sp is not None and slo is not None and shi is not None:
        p, lo, hi = max(p, sp), min(lo, slo), max(hi, shi)
        seed_se = comp.sd_diff / comp.n**0.5 if comp.sd_diff is not None else None
    return S.SeedRowTest(comp.n, rt.estimate, seed_se, rt.se, rt.se, rt.df, lo, hi, p,
                         comp.confidence, TIME_TEST)  # fmt: skip


def short_keys(row_tests: dict[tuple[str, str, str, str], Any], primary: str) -> set[Any]:
    """Decision keys refused as too short: ``("pair", a, b, split)`` on the primary metric,
    and the shift changes and the gap (``("shift",)``) when the top two's test or shift
    split is too short."""
    keys: set[Any] = set()
    for (fa, fb, split, m), rt in row_tests.items():
        if m == primary and getattr(rt, "too_short", False):
            keys.add(("pair", fa, fb, split))
            keys.add(("shift",))
    return keys


def refuse(
    members: dict[tuple[Any, ...], tuple[float | None, str]], short: set[Any]
) -> dict[tuple[Any, ...], tuple[float | None, str]]:
    """``members`` with the p-value of every refused key set to ``None`` (never resolved)."""
    out = {}
    for k, v in members.items():
        gone = k in short or (k[0] in ("shift", "gap") and ("shift",) in short)
        out[k] = (None, TOO_SHORT_TEST) if gone else v
    return out


def sentence(rt: Any, alpha: float) -> str:
    """The row-level test's clause for the paired-comparison text; ``""`` without one."""
    if rt is None:
        return ""
    p = S.fmt_p(rt.p_value, alpha)
    ci = (
        f", {rt.confidence:.0%} CI [{rt.ci_low:.4g}, {rt.ci_high:.4g}]"
        if rt.ci_low is not None
        else ""
    )
    text = (
        f" Batch-means t-test on the cross-series mean loss difference per origin time "
        f"({rt.n_batches} batches of {rt.batch_len} origin times, t with {rt.df} df): {p}{ci}."
    )
    dm = getattr(rt, "dm", None)
    if dm is not None and dm.p_value is not None:
        text += (
            f" Diebold-Mariano beside it (Newey-West lag {dm.lag}, HLN): "
            f"{S.fmt_p(dm.p_value, alpha)}."
        )
    if rt.too_short:
        from archbench.stats.timeblocks import too_short_sentence

        text += " " + too_short_sentence(rt.n_times, rt.block_len)
    return text
