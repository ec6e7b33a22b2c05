"""The kind's reference rows in a run report (seasonal naive, TF-IDF + logistic regression, ...):
the rows of task.json ``references`` and the sentence that sets the families beside them.
"""

from __future__ import annotations

from typing import Any

from archbench.report.fmt import (
    ALPHA,
    interval,
    list_words,
    metric_decimals,
    num,
    signed,
)
from archbench.report.rundata import RunData, finite
from archbench.stats import fmt_p


def reference_rows(run: RunData, metric: str) -> list[tuple[str, dict[str, float]]]:
    """The kind's reference rows (task.json ``references``: seasonal naive, TF-IDF + logistic
    regression, ...) as ``(label, {split: value})`` for ``metric``; a reference entry is
    ``{split: {metric: value}}`` or ``{"label": ..., "metrics": {split: {metric: value}}}``."""
    out = []
    for name, entry in (run.task.get("references") or {}).items():
        if not isinstance(entry, dict):
            continue
        by_split = entry.get("metrics", entry)
        label = str(entry.get("label") or name.replace("_", " ").capitalize())
        values = {
            s: v
            for s in ("test", "shift")
            if (v := finite((by_split.get(s) or {}).get(metric))) is not None
        }
        if values:
            out.append((label, values))
    return out


def _ref_label(label: str) -> str:
    return "the " + label[:1].lower() + label[1:] if label[1:2].islower() else label


def _reference_labels(run: RunData) -> dict[str, str]:
    """task.json reference key -> its label, in the task's order."""
    out = {}
    for name, entry in (run.task.get("references") or {}).items():
        if isinstance(entry, dict):
            out[name] = str(entry.get("label") or name.replace("_", " ").capitalize())
    return out


def _tested_parts(
    run: RunData, split: str, tests: list[dict[str, Any]], d: int, short: bool = False
) -> tuple[list[str], set[str]]:
    """Per family, the tested reference comparisons of ``split`` it does not win (stats.json
    ``references``), and the families not shown to beat each reference (``short``, for a
    report near its page limit: the difference and p without the interval, which stats.json
    and the console keep)."""
    hi, labels = run.higher(run.primary), _reference_labels(run)
    values = {label: v for label, v in reference_rows(run, run.primary)}
    parts, unbeaten = [], set()
    for fam in run.families:
        mean = finite((run.summary_row(fam, split, run.primary) or {}).get("mean"))
        said = []
        for t in (t for t in tests if t.get("family") == fam and t.get("split") == split):
            label = labels.get(str(t["reference"]), str(t["reference"]))
            diff = finite(t.get("diff"))
            if diff is None:
                continue
            better = (diff > 0) == hi and diff != 0
            if t.get("resolved") and better:
                continue  # tested: it beats this reference
            unbeaten.add(f"{fam}\0{t['reference']}")
            ref = f"{_ref_label(label)} ({num(values.get(label, {}).get(split), d)}"
            ci = "" if short else " " + interval(t.get("ci_low"), t.get("ci_high"), d)
            stats = (
                f"{signed(diff, d)}{ci}, "
                f"{fmt_p(finite(t.get('p_value')), float(t.get('alpha') or ALPHA))})"
            )
            said.append(
                f"is worse than {ref}; {stats}"
                if t.get("resolved")
                else f"is not resolved against {ref}; {stats}"
            )
        if said:
            parts.append(f"{run.label(fam)} ({num(mean, d)}) " + list_words(said))
    return parts, unbeaten


def _point_parts(
    run: RunData, split: str, refs: list[tuple[str, float]], d: int, short: bool = False
) -> tuple[list[str], bool]:
    """Untested (no reference predictions stored): the families whose mean is on the worse
    side of a reference value, worded as point estimates (``short``: the family and how many
    rows, for a report near its page limit); and whether one of them is on the worse side of
    the weakest reference (the trivial answer)."""
    hi, parts, trivial = run.higher(run.primary), [], False
    weakest = (min if hi else max)(v for _, v in refs)
    for fam in run.families:
        mean = finite((run.summary_row(fam, split, run.primary) or {}).get("mean"))
        if mean is None:
            continue
        worse = [(label, v) for label, v in refs if (mean < v if hi else mean > v)]
        if worse:
            side = "below" if hi else "above"
            listed = list_words([f"{label} ({num(v, d)})" for label, v in worse])
            if short:
                n = len(worse)
                listed = "every reference row" if n == len(refs) else f"{n} of the {len(refs)}"
            parts.append(f"{run.label(fam)}'s mean ({num(mean, d)}) is {side} {listed}")
            trivial = trivial or any(v == weakest for _, v in worse)
    return parts, trivial


def reference_sentence(run: RunData, compact: int = 0) -> str | None:
    """Name the families that are not shown to beat a reference row on the primary metric,
    on the ID test set and on the shift set.

    Where analysis tested them (stats.json ``references``: the seed-and-row t-test of family -
    reference on the same rows, the reference deterministic), a family "is worse than" a
    reference only when that test resolves it so, and "is not resolved against" it otherwise,
    with the difference, its interval and p. Without stored tests the sentence gives point
    estimates and says they are untested. A family not shown to beat the trivial answer on
    the ID test set has not reliably learned the task at this budget (a finding about the
    training, not the architecture).
    """
    m = run.primary
    d = metric_decimals(run, m)
    rows = reference_rows(run, m)
    tested = [t for t in run.stats.get("references") or [] if t.get("metric") == m]
    weakest = _weakest_reference(run, rows)
    sentences, trivial_id = [], False
    for split, where in (("test", "on the ID test set"), ("shift", "on the shift set")):
        refs = [(_ref_label(label), v[split]) for label, v in rows if split in v]
        if not refs:
            continue
        if tested:
            parts, unbeaten = _tested_parts(run, split, tested, d, short=compact >= 5)
            trivial = any(u.endswith(f"\0{weakest}") for u in unbeaten)
        else:
            parts, trivial = _point_parts(run, split, refs, d, short=compact >= 5)
        trivial_id = trivial_id or (trivial and split == "test" and bool(parts))
        if parts:
            sentences.append(f"{where}: " + "; ".join(parts))
    if not sentences:
        return None
    how = (
        (
            "family \u2212 reference and p of the seed-and-row t-test on the same rows, "
            "uncorrected; intervals in stats.json"
            if compact >= 5
            else f"family \u2212 reference with its {run.confidence:.0%} CI and p, each family "
            "tested against each reference on the same rows by the seed-and-row t-test, "
            "uncorrected"
        )
        if tested
        else "point estimates only: no reference predictions are stored, so nothing is tested"
    )
    return (
        f" Against the reference rows ({run.metric_label(m)}; {how}), "
        + "; ".join(sentences)
        + "."
        + (
            " A family not shown to beat the trivial answer on the ID test set has not reliably "
            "learned the task at this budget (seeds left at the trivial answer, too few steps or "
            "a poor configuration), so its rank says little about its architecture."
            if trivial_id
            else ""
        )
    )


def _weakest_reference(run: RunData, rows: list[tuple[str, dict[str, float]]]) -> str | None:
    """The task.json key of the reference with the worst ID value (the trivial answer)."""
    labels = {label: name for name, label in _reference_labels(run).items()}
    ids = [(v["test"], labels.get(label)) for label, v in rows if "test" in v]
    if not ids:
        return None
    hi = run.higher(run.primary)
    return (min if hi else max)(ids, key=lambda x: x[0])[1]
