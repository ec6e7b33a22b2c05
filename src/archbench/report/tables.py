"""The report's tables, built from the run directory into the document model."""

from __future__ import annotations

import json
from typing import Any

from archbench.report.document import Cell, Column, Emph, Ref, Row, Spans, Sub, Table, spans
from archbench.report.fmt import (
    ALPHA,
    NA,
    count,
    interval,
    list_words,
    metric_decimals,
    num,
    pval,
    resolved,
    signed,
)
from archbench.report.kindparts import unit_words
from archbench.report.reference import reference_rows, reference_sentence
from archbench.report.rundata import RunData, finite
from archbench.stats import fmt_p

# The reference rows live in .reference; their names stay importable from here.
__all__ = [
    "count_test_metrics",
    "design_table",
    "main_table",
    "metric_heading",
    "paired_table",
    "reference_rows",
    "reference_sentence",
    "shift_table",
    "supported_best",
]


def _c(text: str = "", *, bold: bool = False, colspan: int = 1, align: Any = None) -> Cell:
    return Cell(spans(text), bold=bold, colspan=colspan, align=align)


def _cs(s: Spans, *, colspan: int = 1, align: Any = None) -> Cell:
    return Cell(s, colspan=colspan, align=align)


def metric_heading(run: RunData, metric: str) -> str:
    arrow = "\u2191" if run.higher(metric) else "\u2193"
    return f"{run.metric_label(metric)} ({arrow})"


def supported_best(run: RunData, split: str, metric: str) -> str | None:
    """The family to mark best in a column, or None when the comparisons do not support it.

    The best mean is marked only if it belongs to the top two, their paired comparison on this
    split and metric is resolved in its favour by the declared test (the row's stored decision;
    older stats.json: t p < alpha with a CI excluding 0), and no other family's comparison with
    it (``all_pairs``, where stored) is unresolved.
    """
    means = {f: finite((run.summary_row(f, split, metric) or {}).get("mean")) for f in run.families}
    known = {f: m for f, m in means.items() if m is not None}
    if not known:
        return None
    hi = run.higher(metric)
    best = max(known, key=lambda f: known[f] if hi else -known[f])
    top = run.top_two()
    comp = run.comparison(split, metric)
    if top is None or best not in top or comp is None or not _says(comp):
        return None
    assert comp is not None
    diff = finite(comp.get("mean_diff")) or 0.0
    favoured = comp["family_a"] if (diff > 0) == hi else comp["family_b"]
    if favoured != best:
        return None
    for other in run.families:
        if other in top:
            continue
        pair = run.pair(best, other, split, metric)
        if pair is not None:
            key = "holm_pvalue" if finite(pair.get("holm_pvalue")) is not None else "t_pvalue"
            d = finite(pair.get("mean_diff")) or 0.0
            says = bool(pair["resolved"]) if "resolved" in pair else resolved(pair, p_key=key)
            if not says or (d > 0) != hi:
                return None
    return best


def main_table(run: RunData) -> Table:
    """Mean and CI per metric and family, ID test and shift side by side."""
    conf = f"{run.confidence:.0%}"
    header = (
        Row(
            (_c(""), _c(""), _c("ID test", colspan=2, align="c"), _c("Shift", colspan=2, align="c"))
        ),
        Row(
            (
                _c("Metric"),
                _c("Family"),
                _c("Mean", align="r"),
                _c(f"{conf} CI", align="c"),
                _c("Mean", align="r"),
                _c(f"{conf} CI", align="c"),
            )
        ),
    )
    body: list[Row] = []
    for i, metric in enumerate(run.metrics):
        d = metric_decimals(run, metric)
        marks = {s: supported_best(run, s, metric) for s in ("test", "shift")}
        for j, fam in enumerate(run.families):
            cells = [_c(metric_heading(run, metric) if j == 0 else ""), _c(run.label(fam))]
            for split in ("test", "shift"):
                r = run.summary_row(fam, split, metric) or {}
                cells.append(_c(num(r.get("mean"), d), bold=marks[split] == fam))
                cells.append(_c(interval(r.get("ci_low"), r.get("ci_high"), d)))
            body.append(Row(tuple(cells), gap_above=i > 0 and j == 0))
        for label, values in reference_rows(run, metric) if metric == run.primary else []:
            cells = [_c(""), _cs(spans(Emph(label)))]
            for split in ("test", "shift"):
                cells += [_c(num(values.get(split), d)), _c("")]
            body.append(Row(tuple(cells)))
    rule = (run.stats.get("top_two") or {}).get("rule", "")
    refs = bool(reference_rows(run, run.primary))
    caption = spans(
        "Reference rows (italics, primary metric; deterministic, no interval) show the trivial "
        "answer each family must beat; all their metrics are in task.json. "
        if refs
        else None,
        f"Mean and {conf} CI ({_ci_name(run)}, {run.n_seeds} seeds) on the ID test and shift "
        "sets; arrows give the better direction. Bold: the best mean of a column, only where "
        f"the top two ({_pair_names(run, run.top_two())}: {rule}) "
        + (
            "differ by the declared test and any other tested pair is resolved after Holm."
            if "tests" in run.stats
            else f"differ with paired t p < {ALPHA:g} and a CI excluding 0, and any other "
            "tested pair is resolved after Holm."
        ),
    )
    return Table(
        "tab-main",
        caption,
        (Column("l"), Column("l"), Column("r"), Column("c"), Column("r"), Column("c")),
        header,
        tuple(body),
    )


def _ci_name(run: RunData) -> str:
    if any(r.get("ci_noise") == "seeds and rows" for r in run.stats.get("summary") or []):
        return (
            f"Student t over seeds and test {unit_words(run)[1]}: seed variance plus the "
            "row-bootstrap variance of the mean; seed-only intervals in summary.csv"
        )
    method = str(run.stats.get("ci_method") or "t")
    return "Student t" if method == "t" else f"{method} interval"


def _pair_names(run: RunData, top: tuple[str, str] | None) -> str:
    if top is None:
        return "not recorded"
    return f"{run.label(top[0])} and {run.label(top[1])}"


def count_test_metrics(run: RunData) -> str:
    """The metrics whose spec declares a paired count test (McNemar), by label."""
    names = [m for m in run.metrics if run.metric_info(m).get("count_test")]
    return list_words([run.metric_label(m) for m in names]) or "per-unit outcomes"


def _says(row: dict[str, Any]) -> bool:
    """The row's stored decision; stats.json files without one: t p < ALPHA and CI excludes 0."""
    return bool(row["resolved"]) if "resolved" in row else resolved(row)


def _says_gap(flip: dict[str, Any]) -> bool:
    return bool(flip["gap_resolved"]) if "gap_resolved" in flip else resolved(flip)


def _pcell(run: RunData, p: Any) -> str:
    """A p-value cell with as many digits as keep it on its side of alpha."""
    text = fmt_p(finite(p), float(run.stats.get("alpha") or ALPHA))
    return NA if text == "p n/a" else text.removeprefix("p = ").replace("p < ", "<")


def _bold_rule(run: RunData) -> str:
    if "tests" not in run.stats:
        return f"Bold: resolved (t p < {ALPHA:g}, CI excludes 0)."
    return (
        "Bold: resolved by the declared test (the confirmatory top-two comparison on the "
        "primary metric and ID test set on its own p; other primary-metric tests after Holm, "
        "only if it resolved; other metrics are exploratory, never bold)."
    )


def paired_table(
    run: RunData, *, bootstrap: bool = True, metrics: list[str] | None = None
) -> Table | None:
    """The paired comparison of the top two on every metric, ID test and shift."""
    top = run.top_two()
    if top is None:
        return None
    metrics = metrics or run.metrics
    comps = {(s, m): run.comparison(s, m) for s in ("test", "shift") for m in metrics}
    if not any(comps.values()):
        return None
    mcnemar = any(finite((c or {}).get("mcnemar_pvalue")) is not None for c in comps.values())
    conf = f"{run.confidence:.0%}"
    heads: list[Cell] = [
        _c("Metric"),
        _cs(spans("\u0394 (", Emph("a"), "\u2212", Emph("b"), ")"), align="r"),
        _c(f"{conf} CI", align="c"),
        _cs(spans(Emph("p")), align="r"),
        _cs(spans(Emph("p"), Sub("W")), align="r"),
        _cs(spans(Emph("d"), Sub("z")), align="r"),
    ]
    cols = [Column("l"), Column("r"), Column("c"), Column("r"), Column("r"), Column("r")]
    if bootstrap:
        heads.append(_c(f"Bootstrap {conf} CI", align="c"))
        cols.append(Column("c"))
    if mcnemar:
        heads.append(_cs(spans(Emph("p"), Sub("McN")), align="r"))
        cols.append(Column("r"))
    n = len(cols)
    body: list[Row] = []
    for split, name in (("test", "ID test"), ("shift", "Shift")):
        body.append(Row((_c(name, colspan=n),), kind="group"))
        for metric in metrics:
            c = comps[(split, metric)] or {}
            d = metric_decimals(run, metric)
            cells = [
                _c(metric_heading(run, metric)),
                _c(signed(c.get("mean_diff"), d), bold=_says(c)),
                _c(interval(*_deciding_ci(c), d)),
                _c(_pcell(run, c.get("p_value", c.get("t_pvalue")))),
                _c(pval(c.get("wilcoxon_pvalue"))),
                _c(num(c.get("cohens_dz"), 2)),
            ]
            if bootstrap:
                cells.append(_c(interval(c.get("bootstrap_ci_low"), c.get("bootstrap_ci_high"), d)))
            if mcnemar:
                cells.append(_c(pval(c.get("mcnemar_pvalue"))))
            body.append(Row(tuple(cells)))
    a, b = run.label(top[0]), run.label(top[1])
    n_boot = run.stats.get("n_boot")
    rows = any(finite((c or {}).get("combined_ci_low")) is not None for c in comps.values())
    caption = spans(
        f"Paired comparison of the top two, a = {a} and b = {b} (\u0394 = a \u2212 b). ",
        spans(
            f"{conf} CI and ",
            Emph("p"),
            ": the deciding test, with seed and test-set noise together (seed-and-row t-test; "
            "the seed-only interval and t-test are in comparisons.csv). ",
        )
        if rows
        else spans(
            f"{conf} t-interval over seeds and paired t-test ", Emph("p"), " (no row bootstrap). "
        ),
        f"By seed (n = {run.n_seeds}): exact Wilcoxon (",
        Emph("p"),
        Sub("W"),
        ") tests, Cohen's ",
        Emph("d"),
        Sub("z"),
        ". ",
        (
            spans(
                f"Over test {unit_words(run)[1]}: paired bootstrap {conf} CI"
                + (f" ({count(n_boot)} resamples)" if finite(n_boot) is not None else "")
                + ". "
            )
            if bootstrap
            else ()
        ),
        (
            spans(
                "McNemar's test (",
                Emph("p"),
                Sub("McN"),
                f", exploratory) for {count_test_metrics(run)}. ",
            )
            if mcnemar
            else ()
        ),
        _bold_rule(run),
    )
    return Table(
        "tab-paired", caption, tuple(cols), (Row(tuple(heads)),), tuple(body), colsep_pt=3.0
    )


def _deciding_ci(c: dict[str, Any]) -> tuple[Any, Any]:
    """The interval of the deciding test: with test-set noise where stored, else over seeds."""
    if finite(c.get("combined_ci_low")) is not None:
        return c.get("combined_ci_low"), c.get("combined_ci_high")
    return c.get("ci_low"), c.get("ci_high")


def shift_table(run: RunData, *, metrics: list[str] | None = None) -> Table:
    """Change from ID test to shift per family (paired by seed) and the ranking flip test."""
    conf = f"{run.confidence:.0%}"
    header = (
        Row(
            (
                _c("Metric"),
                _c("Family"),
                _c("ID test", align="r"),
                _c("Shift", align="r"),
                _c("Change", align="r"),
                _c(f"{conf} CI", align="c"),
                _cs(spans(Emph("p"), Sub("t")), align="r"),
            )
        ),
    )
    body: list[Row] = []
    for i, metric in enumerate(metrics or run.metrics):
        d = metric_decimals(run, metric)
        for j, fam in enumerate(run.families):
            r = run.shift_row(fam, metric) or {}
            id_m = r.get("id_mean", (run.summary_row(fam, "test", metric) or {}).get("mean"))
            sh_m = r.get("shift_mean", (run.summary_row(fam, "shift", metric) or {}).get("mean"))
            body.append(
                Row(
                    (
                        _c(metric_heading(run, metric) if j == 0 else ""),
                        _c(run.label(fam)),
                        _c(num(id_m, d)),
                        _c(num(sh_m, d)),
                        _c(signed(r.get("change"), d), bold=_says(r)),
                        _c(interval(r.get("ci_low"), r.get("ci_high"), d)),
                        _c(_pcell(run, r.get("p_value", r.get("t_pvalue")))),
                    ),
                    gap_above=i > 0 and j == 0,
                )
            )
    flip = run.stats.get("ranking_flip") or {}
    if flip.get("family_a") and flip.get("family_b"):
        m = str(flip.get("metric") or run.primary)
        d = metric_decimals(run, m)
        body.append(
            Row(
                (
                    _c(metric_heading(run, m)),
                    _cs(spans("Top two, ", Emph("a"), " \u2212 ", Emph("b"))),
                    _c(signed(flip.get("id_diff"), d)),
                    _c(signed(flip.get("shift_diff"), d)),
                    _c(signed(flip.get("diff_of_diffs"), d), bold=_says_gap(flip)),
                    _c(interval(flip.get("ci_low"), flip.get("ci_high"), d)),
                    _c(_pcell(run, flip.get("p_value", flip.get("t_pvalue")))),
                ),
                rule_above=True,
            )
        )
    noise = (
        f"with seed and test-set noise (seed t-test and ID/shift {unit_words(run)[1]} resampled "
        "independently; both must agree)"
        if "shift_method" in run.stats
        else "paired by seed (seed noise only)"
    )
    caption = spans(
        "Shift analysis: change from the ID test set to the shift set (shift \u2212 ID), "
        f"{noise}, with its {conf} interval and p-value; last row: the top two's "
        "difference (as in ",
        Ref("tab-paired"),
        ") on each set and the change of that gap. ",
        "Bold: resolved by the declared test, as in " if "tests" in run.stats else None,
        Ref("tab-paired") if "tests" in run.stats else None,
        "." if "tests" in run.stats else _bold_rule(run),
    )
    return Table(
        "tab-shift",
        caption,
        (Column("l"), Column("l"), Column("r"), Column("r"), Column("r"), Column("c"), Column("r")),
        header,
        tuple(body),
    )


def _value(v: Any) -> str:
    if isinstance(v, bool) or v is None:
        return str(v).lower()
    if isinstance(v, int):
        return f"{v:,}" if abs(v) >= 10000 else str(v)
    if isinstance(v, float):
        if v == 0:
            return "0"
        if abs(v) < 1e-3 or abs(v) >= 1e5:
            mant, exp = f"{v:.2e}".split("e")
            return f"{mant.rstrip('0').rstrip('.')}e{int(exp)}".replace("-", "\u2212")
        return f"{v:.3g}"
    if isinstance(v, list | tuple):
        return "[" + ", ".join(_value(x) for x in v) + "]"
    return str(v)


def design_table(run: RunData, *, selected: bool = True) -> Table:
    """Per family: search space, selected configuration, trials and the compute used."""
    t = run.trials
    cols = [Column("l", 0.72), Column("l", 1.9 if selected else 3.25)]
    heads = [_c("Family"), _c("Search space")]
    if selected:
        cols.append(Column("l", 1.35))
        heads.append(_c("Selected (trial)"))
    cols += [Column("r"), Column("r")]
    heads += [_c("Trials", align="r"), _c("CPU min", align="r")]
    sub = [_c("")] * (len(heads) - 2) + [_c("ok/fail", align="r"), _c("tune/final", align="r")]
    body: list[Row] = []
    for i, fam in enumerate(run.families):
        best = run.best.get(fam) or {}
        ft = t[t["family"] == fam]
        states = ft["state"].astype(str).str.upper()
        ok = int((states == "COMPLETE").sum())
        failed = len(ft) - ok
        space = best.get("search_space") or {}
        space_txt = "; ".join(f"{k} {v}" for k, v in space.items()) or "not recorded"
        cells = [_c(run.label(fam)), _c(space_txt)]
        if selected:
            params = best.get("params")
            if isinstance(params, str):
                params = json.loads(params)
            number = best.get("number")
            sel = "; ".join(f"{k} = {_value(v)}" for k, v in (params or {}).items())
            if number is not None:
                sel = f"{sel} (#{int(number) + 1})" if sel else f"#{int(number) + 1}"
            cells.append(_c(sel or "none"))
        cpu_tune = float(ft["cpu_s"].sum()) if "cpu_s" in ft.columns else None
        cpu_final = finite(best.get("final_cpu_s"))
        cells += [_c(f"{ok}/{failed}"), _c(f"{_minutes(cpu_tune)}/{_minutes(cpu_final)}")]
        body.append(Row(tuple(cells), gap_above=i > 0))
    caption = spans(
        "Search spaces as each family declares them (U uniform, logU log-uniform), the selected "
        "configuration (#trial, from 1), trials completed/failed, and CPU minutes used "
        "by tuning and by the final seeds."
    )
    return Table(
        "tab-design",
        caption,
        tuple(cols),
        (Row(tuple(heads)), Row(tuple(sub))),
        tuple(body),
        colsep_pt=3.0,
    )


def _minutes(seconds: float | None) -> str:
    if seconds is None:
        return "n/a"
    m = seconds / 60
    return f"{m:.1f}" if m < 100 else f"{m:,.0f}"
