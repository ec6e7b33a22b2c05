"""The kind's row-level test beside the row bootstrap (forecasting: Diebold-Mariano).

``Kind.paired_row_test`` returns an object such as
:class:`archbench.stats.timeblocks.DieboldMariano`; this module turns it into stored fields
(``row_test_*`` in comparisons.csv and stats.json), the comparisons it refuses to resolve
(``too_short``: too few independent blocks of origins) and the sentence of the verdict.
"""

from __future__ import annotations

from typing import Any

from archbench import stats as S

#: The test named in a decision that was refused because the split is too short.
TOO_SHORT_TEST = "none: too few independent blocks of origins for inference"
_FIELDS = ("statistic", "p_value", "ci_low", "ci_high", "se", "df", "lag", "block_len",
           "n_times", "too_short")  # fmt: skip


def row_test_fields(rt: Any) -> dict[str, Any]:
    """``row_test_<field>`` for comparisons rows; empty without a row-level test."""
    if rt is None:
        return {}
    out = {f"row_test_{f}": getattr(rt, f, None) for f in _FIELDS}
    out["row_test"] = "Diebold-Mariano (Newey-West HAC, HLN, t)"
    return out


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
    text = (
        f" Diebold-Mariano test on the cross-series mean loss difference per origin time "
        f"(Newey-West variance, lag {rt.lag}; HLN correction, t with {rt.df} df): {p}."
    )
    if rt.too_short:
        from archbench.stats.timeblocks import too_short_sentence

        text += " " + too_short_sentence(rt.n_times, rt.block_len)
    return text
