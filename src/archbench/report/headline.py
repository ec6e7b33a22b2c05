"""The headline sentences of a run report: the finding per set, the change under shift, the
ranking flip, and the shift summary (abstract and results section; :mod:`.content`).

Each sentence reads the run directory through :class:`~archbench.report.rundata.RunData` and
is hedged by the statistics (``resolved`` / ``not resolved``).
"""

from __future__ import annotations

from typing import Any

from archbench.report.fmt import (
    ALPHA,
    interval,
    list_words,
    metric_decimals,
    num,
    resolved,
    signed,
)
from archbench.report.prose import confidence_label
from archbench.report.rundata import RunData, finite
from archbench.stats import fmt_p


def _means(run: RunData, split: str, metric: str) -> dict[str, float | None]:
    return {f: finite((run.summary_row(f, split, metric) or {}).get("mean")) for f in run.families}


def headline(run: RunData, split: str, *, short: bool = False, brief: bool = False) -> str:
    """The top two on the primary metric and ``split``, as a hedged clause.

    ``short`` leaves out the means and the p-value (for the abstract); ``brief`` keeps only the
    means (the interval and tests are in the tables and the verdicts).
    """
    m, conf = run.primary, confidence_label(run)
    d, ml = metric_decimals(run, m), run.metric_label(m)
    means = _means(run, split, m)
    c = run.comparison(split, m)
    if c is None:
        listed = ", ".join(f"{run.label(f)} {num(v, d)}" for f, v in means.items())
        return f"the mean {ml} is {listed}"
    a, b = str(c["family_a"]), str(c["family_b"])
    lo_key, hi_key = _ci_keys(c)
    stat = (
        f"difference {signed(c.get('mean_diff'), d)}, {conf} CI "
        f"{interval(c.get(lo_key), c.get(hi_key), d)}"
    )
    if not short:
        stat += f", {_p(run, c)}"
    if says_resolved(c):
        diff = finite(c.get("mean_diff")) or 0.0
        hi = run.higher(m)
        win, lose = (a, b) if (diff > 0) == hi else (b, a)
        vs = "" if short else f"{num(means[win], d)} vs {num(means[lose], d)}; "
        if brief:
            return (
                f"{run.label(win)} has {'higher' if hi else 'lower'} {ml} than "
                f"{run.label(lose)} ({num(means[win], d)} vs {num(means[lose], d)}; "
                "resolved)"
            )
        return (
            f"{run.label(win)} has {'higher' if hi else 'lower'} {ml} than "
            f"{run.label(lose)} ({vs}{stat})"
        )
    if brief:
        return (
            f"{run.label(a)} ({num(means[a], d)}) and {run.label(b)} ({num(means[b], d)}), "
            f"the two best on validation, are not resolved"
        )
    if short:
        return (
            f"the two families with the best validation {ml}, {run.label(a)} and "
            f"{run.label(b)}, are not resolved ({stat})"
        )
    return (
        f"the two families with the best validation {ml}, {run.label(a)} "
        f"({num(means[a], d)}) and {run.label(b)} ({num(means[b], d)}), are not resolved "
        f"({stat})"
    )


def change_range(run: RunData) -> str:
    """ "ROC-AUC changes by -0.0382 to -0.0275 from the ID test set to the shift set"."""
    m = run.primary
    d = metric_decimals(run, m)
    changes = [finite((run.shift_row(f, m) or {}).get("change")) for f in run.families]
    vals = sorted(c for c in changes if c is not None)
    if not vals:
        return ""
    span = (
        signed(vals[0], d)
        if len(vals) == 1 or signed(vals[0], d) == signed(vals[-1], d)
        else f"{signed(vals[0], d)} to {signed(vals[-1], d)}"
    )
    return (
        f"From the ID test set to the shift set, the mean {run.metric_label(m)} changes by "
        f"{span} across families (point estimates)."
    )


def says_resolved(row: dict[str, Any] | None, *, p_key: str = "t_pvalue") -> bool:
    """The row's stored decision ("resolved" in stats.json); older files: p and CI."""
    if row and "resolved" in row:
        return bool(row["resolved"])
    return resolved(row, p_key=p_key)


def alpha(run: RunData) -> float:
    return float(run.stats.get("alpha") or ALPHA)


def _p(run: RunData, row: dict[str, Any]) -> str:
    """The deciding p-value of a row (its test named when stored), on its side of alpha."""
    p = row.get("p_value", row.get("t_pvalue"))
    name = str(row.get("test") or "paired t-test").removesuffix(" (seed noise only)")
    return f"{name} {fmt_p(finite(p), alpha(run))}"


def _ci_keys(row: dict[str, Any]) -> tuple[str, str]:
    """The interval that matches the deciding test: with test-set noise when stored."""
    if finite(row.get("combined_ci_low")) is not None:
        return "combined_ci_low", "combined_ci_high"
    return "ci_low", "ci_high"


def gate_open(run: RunData) -> bool | None:
    tests = run.stats.get("tests") or {}
    return (tests.get("secondary") or {}).get("gate_open")


def n_secondary(run: RunData) -> int:
    return int(((run.stats.get("tests") or {}).get("secondary") or {}).get("size") or 0)


def flip_sentence(run: RunData) -> str:
    """The ranking of the top two under shift: "reverses" only when both differences are
    resolved with opposite signs; a resolved change of the gap is "the gap changes"."""
    f = run.stats.get("ranking_flip") or {}
    if not f.get("family_a"):
        return ""
    m = str(f.get("metric") or run.primary)
    d = metric_decimals(run, m)
    a, b = run.label(str(f["family_a"])), run.label(str(f["family_b"]))
    ml = run.metric_label(m)
    stat = (
        f"difference of differences {signed(f.get('diff_of_diffs'), d)}, "
        f"{confidence_label(run)} CI {interval(f.get('ci_low'), f.get('ci_high'), d)}, "
        f"{_p(run, f)}"
    )
    if f.get("flip_resolved"):
        order = (
            f"The order of {a} and {b} on {ml} reverses from the ID test set to the shift set: "
            "both differences are resolved."
        )
    elif f.get("flips"):
        order = (
            f"The point estimates of {a} and {b} on {ml} reverse from the ID test set to the "
            "shift set; the reversal is not resolved."
        )
    else:
        order = f"By point estimate, {a} and {b} are in the same order on both sets."
    gap_res = f.get("gap_resolved", "gap_resolved" not in f and resolved(f))
    if gap_res:
        gap = f" Their gap changes under shift ({stat}; Holm-corrected)."
    elif f.get("role") == "exploratory":
        gap = f" The change in their gap is exploratory, uncorrected ({stat})."
    else:
        gap = f" The change in their gap is not resolved ({stat})."
    return order + gap


def shift_summary(run: RunData) -> str:
    m = run.primary
    d = metric_decimals(run, m)
    parts, n_res, exploratory = [], 0, False
    for fam in run.families:
        r = run.shift_row(fam, m)
        if r is None:
            continue
        parts.append(f"{signed(r.get('change'), d)} for {run.label(fam)}")
        n_res += says_resolved(r)
        exploratory |= r.get("role") == "exploratory"
    if not parts:
        return ""
    head = f"From the ID test set to the shift set, {run.metric_label(m)} changes by "
    noise = (
        "with seed and test-set noise"
        if "p_value" in (run.shift_row(run.families[0], m) or {})
        else "with seed noise only"
    )
    if exploratory:
        return (
            f"{head}{list_words(parts)}; these changes are exploratory and uncorrected "
            f"({noise}): the confirmatory test did not resolve, so no shift change is claimed."
        )
    fam = (
        f"Holm-corrected over the {n_secondary(run)} secondary tests, " if n_secondary(run) else ""
    )
    return (
        f"{head}{list_words(parts)}; the change is resolved ({fam}{noise}) for {n_res} of "
        f"{len(parts)} families."
    )
