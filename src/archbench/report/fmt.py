"""Number formatting for the report: one place, so tables, text and tests agree.

Negative numbers use the Unicode minus sign (the writers map it to their own), missing values
print as "n/a", p-values below 0.001 as "<0.001".
"""

from __future__ import annotations

import math
from typing import Any

from archbench.names import ALPHA
from archbench.report.rundata import RunData, finite

MINUS = "\u2212"
NA = "n/a"
#: Significance level of every "resolved" statement in the report.


def num(x: Any, decimals: int) -> str:
    """``x`` with ``decimals`` decimals and a Unicode minus; "n/a" for null/NaN."""
    v = finite(x)
    if v is None:
        return NA
    s = f"{v:.{decimals}f}"
    if s.startswith("-"):
        s = MINUS + s[1:] if float(s) != 0 else s[1:]
    return s


def signed(x: Any, decimals: int) -> str:
    """Like :func:`num` with an explicit "+" for positive values (differences, changes)."""
    s = num(x, decimals)
    v = finite(x)
    return "+" + s if v is not None and s != NA and not s.startswith(MINUS) and float(s) != 0 else s


def interval(lo: Any, hi: Any, decimals: int) -> str:
    """``[lo, hi]``."""
    return f"[{num(lo, decimals)}, {num(hi, decimals)}]"


def pval(p: Any) -> str:
    """A p-value: 3 significant digits, "<0.001" below 0.001."""
    v = finite(p)
    if v is None:
        return NA
    if v < 0.001:
        return "<0.001"
    return f"{v:.3g}"


def p_is(p: Any) -> str:
    """ "p = 0.0123" or "p < 0.001", for running text."""
    s = pval(p)
    return f"p {s[0]} {s[1:]}" if s.startswith("<") else f"p = {s}"


def count(n: Any) -> str:
    """An integer with thousands separators."""
    v = finite(n)
    return NA if v is None else f"{round(v):,}"


def duration(seconds: Any) -> str:
    """ "38 s", "4.7 min", "1.25 h"."""
    v = finite(seconds)
    if v is None:
        return NA
    if v < 120:
        return f"{v:.0f} s"
    if v < 7200:
        return f"{v / 60:.1f} min"
    return f"{v / 3600:.2f} h"


def metric_decimals(run: RunData, metric: str) -> int:
    """Decimals for ``metric``: two significant digits of its typical CI half-width (2..5)."""
    s = run.summary[(run.summary["metric"] == metric) & (run.summary["split"] != "val")]
    widths = [
        (float(h) - float(lo)) / 2
        for lo, h in zip(s["ci_low"], s["ci_high"], strict=True)
        if finite(lo) is not None and finite(h) is not None and float(h) > float(lo)
    ]
    if not widths:
        return 4
    widths.sort()
    half = widths[len(widths) // 2]
    return max(0, min(5, 1 - math.floor(math.log10(half))))


def resolved(c: dict[str, Any] | None, *, p_key: str = "t_pvalue", alpha: float = ALPHA) -> bool:
    """True when a paired comparison has p < alpha and its CI excludes 0 (stats.json files
    written before rows carried their declared decision, ``resolved``)."""
    if not c:
        return False
    p, lo, hi = finite(c.get(p_key)), finite(c.get("ci_low")), finite(c.get("ci_high"))
    if p is None or lo is None or hi is None:
        return False
    return p < alpha and (lo > 0 or hi < 0)


def list_words(items: list[str]) -> str:
    """ "a", "a and b", "a, b and c"."""
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def plural(n: object, noun: str) -> str:
    """``"1 trial"``, ``"10 trials"``; a missing count stays as it is printed."""
    return f"{n} {noun}" + ("" if n == 1 else "s")
