"""Reference rows that beat every family: one sentence for the abstract and the terminal.

The limitations paragraph compares each family's interval with each reference; when a
reference row's value is better than every family's mean on a set, that is a headline (the
families have not learned more than the trivial or classical answer), so the abstract and the
terminal summary say it too.
"""

from __future__ import annotations

from archbench.report.fmt import metric_decimals
from archbench.report.reference import reference_rows
from archbench.report.rundata import RunData, finite

__all__ = ["reference_beats_all"]

_WHERE = {"test": "the ID test set", "shift": "the shift set"}


def reference_beats_all(run: RunData) -> str:
    """``"On the ID test set, the reference row Ridge regression (0.770) beats every family
    (best: GBDT, 0.790 mean RMSE)."`` for each set where a reference row's primary-metric value
    is better than every family's mean; "" where none is (or nothing is recorded)."""
    m = run.primary
    hi = run.higher(m)
    d = metric_decimals(run, m)
    sentences = []
    for split, where in _WHERE.items():
        means = {
            fam: v
            for fam in run.families
            if (v := finite((run.summary_row(fam, split, m) or {}).get("mean"))) is not None
        }
        if len(means) != len(run.families) or not means:
            continue
        best = (max if hi else min)(means, key=lambda f: means[f])
        beats = [
            (label, v[split])
            for label, v in reference_rows(run, m)
            if split in v and (v[split] > means[best] if hi else v[split] < means[best])
        ]
        if not beats:
            continue
        label, value = (max if hi else min)(beats, key=lambda lv: lv[1])
        rows = "reference row" if len(beats) == 1 else f"{len(beats)} reference rows, best"
        sentences.append(
            f"On {where}, the {rows} {label} ({value:.{d}f}) beats every family (best: "
            f"{run.label(best)}, {means[best]:.{d}f} mean {run.metric_label(m)}; point "
            "estimates, the tests against the reference rows are under Limitations)."
        )
    return " ".join(sentences)
