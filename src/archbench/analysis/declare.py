"""The declared tests of a run: the confirmatory test, the gated Holm family of secondary
tests and the exploratory rest; each comparison row is marked with its role and deciding
p-value, and the verdict sentences are written (:func:`archbench.analysis.run.analyze_run`).
"""

from __future__ import annotations

from typing import Any

import numpy as np

import archbench.analysis.rowtest as RT
from archbench import stats as S
from archbench.analysis.io import (
    WHERE,
    Row,
)


def pair_test(comp: S.PairedComparison, boot: S.RowBootstrap | None) -> S.SeedRowTest | None:
    """The seed-and-row test of a paired comparison; ``None`` without a row bootstrap."""
    return S.seed_row_test(comp, boot, S.PAIR_METHOD) if boot is not None else None


def _pair_p(comp: S.PairedComparison, combined: S.SeedRowTest | None) -> tuple[float | None, str]:
    """The deciding p-value of a paired comparison and the name of its test."""
    if combined is not None and combined.p_value is not None:
        if combined.method == RT.TIME_TEST:
            return combined.p_value, RT.TIME_TEST
        return combined.p_value, ("row bootstrap" if comp.identical else S.COMBINED_TEST)
    if comp.identical:
        return None, "row bootstrap (not run)"
    return comp.t_pvalue, "paired t-test (seed noise only)"


def combined_fields(row: Row, combined: S.SeedRowTest | None) -> None:
    row.update(
        combined_ci_low=combined.ci_low if combined else None,
        combined_ci_high=combined.ci_high if combined else None,
        combined_se=combined.se if combined else None,
        combined_df=combined.df if combined else None,
    )


def declare(
    pair: tuple[str, str],
    primary: str,
    pair_comps: dict[tuple[str, str, str], tuple[S.PairedComparison, S.SeedRowTest | None]],
    shift: list[tuple[Row, S.PairedComparison, S.ShiftTest]],
    gap_p: float | None,
    alpha: float,
    short: set[Any] | None = None,
) -> tuple[dict[tuple[Any, ...], S.Decision], dict[str, Any]]:
    """The confirmatory test, the gated Holm family of secondary tests, and their decisions."""
    members: dict[tuple[Any, ...], tuple[float | None, str]] = {}
    for (fa, fb, split), (c, combined) in pair_comps.items():
        members[("pair", fa, fb, split)] = _pair_p(c, combined)
    if short:
        members = RT.refuse(members, short)
    p, test = members.pop(("pair", *pair, "test"), (None, "paired t-test"))
    conf = S.Decision("confirmatory", test, p, alpha)
    for row, _, t in shift:
        if row["metric"] == primary:
            members[("shift", row["family"])] = (t.p_value, S.COMBINED_TEST)
    if shift:
        members[("gap",)] = (gap_p, S.COMBINED_TEST)
    if short:
        members = RT.refuse(members, short)
    keys = list(members)
    gate = S.gatekeeping(conf.p_value, [members[k][0] for k in keys], alpha=alpha)
    decisions = {("pair", *pair, "test"): conf}
    for k, h in zip(keys, gate.secondary_holm, strict=True):
        p, test = members[k]
        holm = float(h) if np.isfinite(h) else None
        decisions[k] = S.Decision("secondary", test, p, alpha, holm, len(keys), gate.gate_open)
    declared = {
        "alpha": alpha,
        "procedure": "serial gatekeeping: the confirmatory test at alpha on its raw p-value; "
        "the secondary family is tested with Holm's correction only if it resolved, so the "
        "family-wise error over both is at most alpha; everything else is exploratory",
        "confirmatory": {"family_a": pair[0], "family_b": pair[1], "split": "test",
                         "metric": primary, "test": conf.test, "p_value": conf.p_value,
                         "resolved": conf.resolved,
                         "rule": "the top two on validation, primary metric, ID test set"},
        "secondary": {"size": len(keys), "gate_open": gate.gate_open,
                      "members": [_member(k) for k in keys]},
        "exploratory": "every other metric: the top two's comparisons, each family's shift "
        "change, McNemar's test; uncorrected and never 'resolved'",
    }  # fmt: skip
    return decisions, declared


def _member(key: tuple[Any, ...]) -> str:
    if key[0] == "pair":
        return f"{key[1]} - {key[2]} on {key[3]}"
    return f"shift change of {key[1]}" if key[0] == "shift" else "change of the top two's gap"


def _exploratory(p: float | None, test: str, alpha: float) -> S.Decision:
    return S.Decision("exploratory", test, p, alpha)


def mark(row: Row, dec: S.Decision) -> None:
    row.update(role=dec.role if not dec.exploratory else "exploratory", test=dec.test,
               p_value=dec.p_value, holm_pvalue=dec.holm_pvalue, resolved=dec.resolved)  # fmt: skip


def mark_rows(
    comparisons: list[Row], all_pairs: list[Row],
    shift: list[tuple[Row, S.PairedComparison, S.ShiftTest]],
    objects: dict[tuple[str, str], Any], decisions: dict[tuple[Any, ...], S.Decision],
    primary: str, alpha: float,
) -> None:  # fmt: skip
    """Write each row's role, deciding p-value, Holm p-value and "resolved"."""
    for row in comparisons:
        split, m = row["split"], row["metric"]
        key = ("pair", row["family_a"], row["family_b"], split)
        comp, _, _, _, combined = objects[(split, m)]
        dec = decisions.get(key) if m == primary else None
        mark(row, dec or _exploratory(*_pair_p(comp, combined), alpha))
    for row in all_pairs:
        mark(row, decisions[("pair", row["family_a"], row["family_b"], row["split"])])
    for row, _, test in shift:
        dec = decisions.get(("shift", row["family"])) if row["metric"] == primary else None
        mark(row, dec or _exploratory(test.p_value, S.COMBINED_TEST, alpha))


def verdict_rows(
    pair: tuple[str, str],
    objects: dict[tuple[str, str], Any],
    shift: list[tuple[Row, S.PairedComparison, S.ShiftTest]],
    ranking: tuple[S.RankingFlip, S.ShiftTest] | None,
    decisions: dict[tuple[Any, ...], S.Decision],
    *,
    labels: dict[str, str],
    metric_labels: dict[str, str],
    hib: dict[str, bool],
    primary: str,
    alpha: float,
    row_tests: dict[tuple[str, str, str, str], Any] | None = None,
) -> list[Row]:
    la, lb = labels[pair[0]], labels[pair[1]]
    out = []
    for (split, m), (comp, power, boot, mc, combined) in objects.items():
        dec = decisions.get(("pair", *pair, split)) if m == primary else None
        dec = dec or _exploratory(*_pair_p(comp, combined), alpha)
        text = S.comparison_verdict(
            la, lb, metric_labels.get(m, m), WHERE[split], comp, higher_is_better=hib[m],
            decision=dec, boot=boot, power=power, mcnemar_pvalues=mc, combined=combined,
        )  # fmt: skip
        text += RT.sentence((row_tests or {}).get((*pair, split, m)), alpha)
        out.append(_verdict_row(split, pair[0], pair[1], m, dec, text))
    if ranking is not None:
        flip, gap = ranking
        text = S.ranking_verdict(
            la, lb, metric_labels.get(primary, primary), flip, higher_is_better=hib[primary],
            id_decision=decisions[("pair", *pair, "test")],
            shift_decision=decisions[("pair", *pair, "shift")],
            gap=gap, gap_decision=decisions[("gap",)],
        )  # fmt: skip
        row = _verdict_row("ranking", pair[0], pair[1], primary, decisions[("gap",)], text)
        row["resolved"] = flip.flip_resolved
        row["gap_resolved"] = decisions[("gap",)].resolved
        out.append(row)
    for row, comp, test in shift:
        f, m = str(row["family"]), str(row["metric"])
        dec = decisions.get(("shift", f)) if m == primary else None
        dec = dec or _exploratory(test.p_value, S.COMBINED_TEST, alpha)
        text = S.shift_change_verdict(
            labels[f], metric_labels.get(m, m), test, seeds=comp, id_mean=row["id_mean"],
            shift_mean=row["shift_mean"], higher_is_better=hib[m], decision=dec,
        )  # fmt: skip
        out.append(_verdict_row("shift_change", f, None, m, dec, text))
    return out


def _verdict_row(
    scope: str, fa: str, fb: str | None, metric: str, dec: S.Decision, text: str
) -> Row:
    role = "exploratory" if dec.exploratory else dec.role
    return {"scope": scope, "family_a": fa, "family_b": fb, "metric": metric,
            "role": role, "resolved": dec.resolved, "text": text}  # fmt: skip
