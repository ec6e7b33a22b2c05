"""What the terminal shows: the results tables, the paired comparisons, the tests, the suite.

Rich tables sized for the terminal: names stay whole, numbers wrap (a non-TTY output is 80
columns wide).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any


def name_column(table: Any, header: str, names: list[str]) -> None:
    """A left column whose names are never cut (a terminal that is not a TTY is 80 columns
    wide): as wide as its longest name; the number columns wrap instead."""
    width = max([len(header), *(len(n) for n in names)])
    table.add_column(header, justify="left", no_wrap=True, min_width=width)


def print_comparisons(console: Any, stats: dict[str, Any], labels: dict[str, str]) -> None:
    from rich.table import Table

    from archbench.stats import fmt_p

    a, b = stats["top_two"]["families"]
    conf = f"{100 * float(stats.get('confidence', 0.95)):g}%"
    alpha = float(stats.get("alpha", 0.05))
    t = Table(
        title=f"paired by seed: {labels.get(a, a)} - {labels.get(b, b)}", title_justify="left"
    )
    cols = ("split", "metric", "role", "diff", f"deciding {conf} CI", "deciding p", "Holm p",
            "resolved", f"seed-only {conf} CI", "t p", "Wilcoxon p",
            f"row-bootstrap {conf} CI")  # fmt: skip
    names = {
        "split": [str(c.get("split", "")) for c in stats["comparisons"]],
        "metric": [str(c.get("metric", "")) for c in stats["comparisons"]],
        "role": [str(c.get("role") or "") for c in stats["comparisons"]],
    }
    for col in cols:
        if col in names:
            name_column(t, col, names[col])
        else:
            t.add_column(col, justify="right", overflow="fold")

    def f(x: Any, spec: str = ".4f") -> str:
        return "-" if x is None else format(x, spec)

    def p(x: Any) -> str:
        return "-" if x is None else fmt_p(x, alpha).removeprefix("p = ")

    for c in stats["comparisons"]:
        t.add_row(
            c["split"],
            c["metric"],
            str(c.get("role", "-")),
            f(c["mean_diff"], "+.4f"),
            f"[{f(c.get('combined_ci_low') or c['ci_low'])}, "
            f"{f(c.get('combined_ci_high') or c['ci_high'])}]",
            p(c.get("p_value")),
            p(c.get("holm_pvalue")),
            "yes" if c.get("resolved") else "no",
            f"[{f(c['ci_low'])}, {f(c['ci_high'])}]",
            p(c["t_pvalue"]),
            p(c["wilcoxon_pvalue"]),
            f"[{f(c.get('bootstrap_ci_low'))}, {f(c.get('bootstrap_ci_high'))}]",
        )
    console.print(t)


def print_tests(console: Any, stats: dict[str, Any], labels: dict[str, str]) -> None:
    """The declared tests: which one is confirmatory, and whether the gate opened."""
    tests = stats.get("tests")
    if not tests:
        return
    c, sec = tests["confirmatory"], tests["secondary"]
    la, lb = labels.get(c["family_a"], c["family_a"]), labels.get(c["family_b"], c["family_b"])
    state = "resolved" if c["resolved"] else "not resolved"
    console.print(
        f"[bold]Confirmatory test[/]: {la} vs {lb}, {c['metric']}, ID test set ({c['test']}, "
        f"alpha = {tests['alpha']:g}): {state}. "
        + (
            f"{sec['size']} secondary tests are Holm-corrected as one family"
            + (
                "."
                if sec["gate_open"]
                else " but not claimed: the confirmatory test did not resolve (exploratory)."
            )
            if sec["size"]
            else "No secondary tests."
        )
        + " Other metrics: exploratory, uncorrected."
    )


def print_stats(
    console: Any, run_dir: Path, *, comparisons: bool = False, full: bool = False
) -> None:
    """Mean ± CI half-width per family, metric and split; then the declared tests and verdicts."""
    import json

    import pandas as pd
    from rich.table import Table

    summary = pd.read_csv(run_dir / "summary.csv")
    run = json.loads((run_dir / "run.json").read_text())
    labels = run.get("family_labels", {})
    stats_path = run_dir / "stats.json"
    stats = json.loads(stats_path.read_text()) if stats_path.exists() else None
    conf = f"{100 * float((stats or {}).get('confidence', 0.95)):g}%"
    noise = (
        "seed and test-set noise"
        if "ci_noise" in summary and (summary["ci_noise"] == "seeds and rows").any()
        else "Student t over seeds"
    )
    splits = {"val": "validation", "test": "ID test", "shift": "shift"}
    names = [labels.get(f, f) for f in run["families"]]
    cells: dict[str, list[str]] = {m: [] for m in run["metrics"]}
    for split in splits:
        for fam in run["families"]:
            for m in run["metrics"]:
                cells[m].append(_stat_cell(summary, fam, split, m))
    headers = {m: f"{m} {'↑' if run['higher_is_better'][m] else '↓'}" for m in run["metrics"]}
    widths = {m: max(len(w) for w in [headers[m], *" ".join(cells[m]).split()]) for m in cells}
    fixed = max(len(n) for n in ["family", *names]) + len("validation") + 7
    title = f"mean ± {conf} CI half-width ({len(run['seeds'])} seeds; {noise})"
    room = console.width - fixed
    natural = {m: max(len(c) for c in [headers[m], *cells[m]]) for m in cells}
    if sum(w + 3 for w in natural.values()) <= room:  # every cell on one line
        widths = natural
    for group in metric_groups(widths, room):
        t = Table(title=title, title_justify="left")
        name_column(t, "family", names)
        name_column(t, "split", list(splits.values()))
        for m in group:
            t.add_column(headers[m], justify="right", overflow="fold", width=widths[m])
        k = 0
        for split_name in splits.values():
            for j, fam in enumerate(run["families"]):
                t.add_row(
                    labels.get(fam, fam), split_name,
                    *(cells[m][k] for m in group), end_section=j == len(run["families"]) - 1,
                )  # fmt: skip
                k += 1
        console.print(t)
        title = "(continued)"
    if stats is None:
        return
    primary = stats["primary_metric"]
    if comparisons:
        print_comparisons(console, stats, labels)
    console.print(
        f"[bold]Top two[/] ({stats['top_two']['rule']}): "
        + " vs ".join(labels.get(f, f) for f in stats["top_two"]["families"])
    )
    print_tests(console, stats, labels)
    if not full:
        print_brief(console, run_dir, stats, labels)
        return
    for v in stats.get("verdicts", []):
        if v.get("metric") == primary and v["scope"] in (
            "test",
            "shift",
            "ranking",
            "shift_change",
        ):
            role = f"[{v['role']}] " if v.get("role") else ""
            console.print(f"- {role}{v['text']}", highlight=False, markup=False, emoji=False)
    console.print("(every metric's verdict is in stats.json and comparisons.csv)")


def _stat_cell(summary: Any, fam: str, split: str, metric: str) -> str:
    """``mean ± half`` of one family, split and metric from summary.csv."""
    import pandas as pd

    r = summary[(summary.family == fam) & (summary.split == split) & (summary.metric == metric)]
    if r.empty:
        return "-"
    r0 = r.iloc[0]
    if pd.isna(r0["ci_low"]) or pd.isna(r0["ci_high"]):
        return f"{significant(float(r0['mean']))} (all seeds equal)"
    return mean_pm(float(r0["mean"]), float((r0["ci_high"] - r0["ci_low"]) / 2))


def metric_groups(widths: dict[str, int], room: int) -> list[list[str]]:
    """The metric columns in tables that fit ``room`` characters beside the name columns, in
    order: a number is never cut inside (each column is at least as wide as its longest word,
    ``widths``), so metrics that do not fit go to the next table."""
    groups: list[list[str]] = [[]]
    used = 0
    for m, w in widths.items():
        if groups[-1] and used + w + 3 > room:
            groups.append([])
            used = 0
        groups[-1].append(m)
        used += w + 3
    return groups


def significant(x: float, digits: int = 4) -> str:
    """``x`` to ``digits`` significant digits without an exponent: 0.922046 -> 0.9220,
    16175.697 -> 16176 (a value with no spread, e.g. the same accuracy for every seed)."""
    import math

    if not math.isfinite(x) or x == 0:
        return f"{x:g}"
    decimals = max(0, digits - 1 - math.floor(math.log10(abs(x))))
    return f"{x:.{decimals}f}"


def mean_pm(mean: float, half: float) -> str:
    """``mean ± half`` with two significant digits of the half-width and the mean to the same
    decimal place: 0.617 ± 0.023, 16176 ± 166 (never 16175.6970 ± 165.6320)."""
    import math

    if not math.isfinite(half) or half <= 0:
        return f"{mean:.6g} ± {half:g}"
    decimals = max(0, 1 - math.floor(math.log10(half)))
    return f"{mean:.{decimals}f} ± {half:.{decimals}f}"


def beaten_note(run_dir: Path) -> str:
    """The abstract's sentence on reference rows that beat every family ("" if none or the run
    directory cannot be read as a report would)."""
    from archbench.errors import StoreError
    from archbench.report.beaten import reference_beats_all
    from archbench.report.kindparts import load_run_for_report as load_run

    try:
        return reference_beats_all(load_run(run_dir))
    except (StoreError, OSError, ValueError, KeyError):
        return ""


def print_brief(console: Any, run_dir: Path, stats: dict[str, Any], labels: dict[str, str]) -> None:
    """After a run: the confirmatory verdict, one line per family's shift change and the
    reviewer warnings; the full list stays in stats.json and ``archbench stats``."""
    import json

    from archbench.report.content import first_clause

    primary = stats["primary_metric"]
    conf = next(
        (v for v in stats.get("verdicts", []) if v.get("role") == "confirmatory"),
        next((v for v in stats.get("verdicts", []) if v.get("scope") == "test"), None),
    )
    if conf is not None:
        console.print(
            f"Confirmatory: {first_clause(str(conf['text']))}.",
            highlight=False, markup=False, emoji=False,
        )  # fmt: skip
    rows = [r for r in stats.get("shift", []) if r.get("metric") == primary]
    if rows:
        console.print(
            f"Shift (ID test -> shift, {primary}, change and its CI with test-set noise):"
        )
    for r in rows:
        half = (r["ci_high"] - r["ci_low"]) / 2 if r.get("ci_low") is not None else float("nan")
        word = "resolved" if r.get("resolved") else (r.get("role") or "not resolved")
        console.print(
            f"  {labels.get(r['family'], r['family'])}: {r['id_mean']:.4g} -> "
            f"{r['shift_mean']:.4g}, change {mean_pm(float(r['change']), float(half))} ({word})",
            highlight=False, markup=False, emoji=False,
        )  # fmt: skip
    beaten = beaten_note(run_dir)
    if beaten:
        console.print(f"[yellow]note:[/] {beaten}", highlight=False)
    task = (
        json.loads((run_dir / "task.json").read_text()) if (run_dir / "task.json").exists() else {}
    )
    for w in task.get("warnings") or []:
        console.print(f"[yellow]warning:[/] {w}", highlight=False)
    console.print(
        f"(every verdict: archbench stats {run_dir}; stats.json and comparisons.csv)",
        highlight=False,
    )


def print_suite(console: Any, root: Path) -> None:
    """IQM [95% CI], average rank and P(best > runner-up) per split, from suite_stats.json."""
    import json

    from rich.table import Table

    stats = json.loads((root / "suite_stats.json").read_text())
    labels = stats["family_labels"]
    anchors = (
        "0 = a task's reference row, 1 = its best family or -1 where the reference beats them all"
        if stats.get("normalise") == "reference"
        else "1 = a task's best family"
    )
    n = len(stats["tasks"])
    t = Table(
        title=f"on these {n} tasks: normalised scores ({anchors}); intervals redraw the seeds "
        "within these tasks, not the tasks",
        title_justify="left",
    )
    name_column(t, "family", [*labels.values(), "Friedman p"])
    name_column(t, "split", ["ID test", "shift"])
    for col in ("IQM [95% CI]", "mean rank"):
        t.add_column(col, justify="right", overflow="fold")
    for split in [s for s in ("test", "shift") if s in stats["splits"]]:
        st = stats["splits"][split]
        ranks = st["rank_test"]["ranks"]
        for fam in sorted(ranks, key=ranks.get):
            a = st["aggregate"][fam]
            t.add_row(
                labels.get(fam, fam),
                "ID test" if split == "test" else split,
                f"{a['iqm']:.2f} [{a['ci_low']:.2f}, {a['ci_high']:.2f}]",
                f"{ranks[fam]:.2f}",
            )
        p = st["rank_test"].get("permutation_pvalue", st["rank_test"]["pvalue"])
        t.add_row("Friedman p", "", "", "n/a" if p != p else f"{p:.3g}", end_section=True)
    console.print(t)
    for split in [s for s in ("test", "shift") if s in stats["splits"]]:
        claims = (stats["splits"][split].get("beyond_tasks") or {}).get("claims", [])
        each = "; ".join(
            f"{labels.get(c['better'], c['better'])} ranks above "
            f"{labels.get(c['worse'], c['worse'])} ({c['test']})"
            for c in claims
        )
        console.print(
            f"beyond these tasks ({'ID test' if split == 'test' else split}): "
            + (each or "no family resolved against another by the rank tests over tasks"),
            highlight=False,
        )
