"""The suite report as a :class:`Document`: design, per-task table, aggregates, shift, limits.

Every number comes from the suite directory: ``suite.json`` (settings), ``suite_summary.csv``
(per task and family) and ``suite_stats.json`` (the aggregates), plus ``suite_manifest.json``
for the timing. The writers of :mod:`archbench.report.latex` and ``typst_writer`` render it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from archbench._version import __version__
from archbench.report.document import (
    Cell,
    Cite,
    Column,
    Document,
    Figure,
    Paragraph,
    Ref,
    Row,
    Section,
    Spans,
    Table,
    spans,
    used_citations,
)
from archbench.report.fmt import duration, interval, list_words, num, p_is, plural, pval
from archbench.report.suite.files import SuiteFiles, load_suite_files

__all__ = [
    "FIGURES",
    "SuiteFiles",
    "abstract",
    "beyond_sentence",
    "build_suite_document",
    "load_suite_files",
    "scope",
]

FIGURES = ("suite_aggregate", "suite_ranks")
SPLIT_NAMES = {"test": "ID test set", "shift": "shift set"}


def _iqm_text(d: SuiteFiles, split: str) -> str:
    agg = d.split(split)["aggregate"]
    return "; ".join(
        f"{d.label(f)} {num(agg[f]['iqm'], 2)} {interval(agg[f]['ci_low'], agg[f]['ci_high'], 2)}"
        for f in d.ranked(split)
    )


def scope(d: SuiteFiles) -> str:
    """The words that bound a seed-only aggregate to the suite's own tasks: "on these 4 tasks"."""
    return f"on these {len(d.stats['tasks'])} tasks"


def _claims(d: SuiteFiles, split: str) -> list[dict[str, str]]:
    """Pairs called different beyond these tasks (Wilcoxon-Holm, or Nemenyi after Friedman)."""
    return list((d.split(split).get("beyond_tasks") or {}).get("claims", []))


def beyond_sentence(d: SuiteFiles, split: str) -> str:
    """The one sentence about the families beyond the suite's tasks: only the rank tests over
    tasks speak (the task is their unit), never the seed-only intervals."""
    claims = _claims(d, split)
    if not claims:
        return (
            "Beyond these tasks, no family is resolved against another by the tests that "
            "treat the task as the unit (Friedman with Nemenyi, Wilcoxon-Holm)."
        )
    each = list_words(
        [f"{d.label(c['better'])} ranks above {d.label(c['worse'])} ({c['test']})" for c in claims]
    )
    return f"Beyond these tasks, by the tests that treat the task as the unit: {each}."


def abstract(d: SuiteFiles) -> tuple[Paragraph, ...]:
    st = d.split("test")
    top, second = d.ranked("test")[:2]
    poi = d.poi("test", top, second)
    rt = st["rank_test"]
    pw = st["power"]
    text = (
        f"We compare {list_words([d.label(f) for f in d.families])} on a suite of "
        f"{plural(len(d.stats['tasks']), 'task')} ({list_words(list(d.stats['tasks']))}), each "
        f"tuned with the same budget and retrained with {plural(st['n_seeds'], 'seed')}. "
        f"{scope(d).capitalize()}, the interquartile mean of normalised ID test scores (95% "
        f"stratified bootstrap intervals that redraw the seeds, not the tasks) is "
        f"{_iqm_text(d, 'test')}; {scope(d)}, {d.label(top)} beats {d.label(second)} with "
        f"probability {num(poi[0], 2)} {interval(poi[1], poi[2], 2)}. {beyond_sentence(d, 'test')} "
        f"The Friedman test over average ranks gives {_friedman(rt)}; with "
        f"{plural(rt['n_tasks'], 'task')} a rank difference as large as the observed "
        f"{num(pw['rank_diff'], 2)} between the top two would need "
        f"{pw['tasks_needed_cd'] or 'n/a'} tasks to pass the Nemenyi test."
    )
    return (Paragraph(spans(text)),)


def _zero_sentence(d: SuiteFiles) -> str:
    """Which reference row is 0 of each task's scores, tasks grouped by row ("Seasonal naive
    for weather; ..."); a task whose shift set uses another row is named with both."""
    zeros = d.stats.get("zeros", {})
    test, sh = zeros.get("test", {}), zeros.get("shift", {})
    groups: dict[str, list[str]] = {}
    for t in d.stats["tasks"]:
        z, other = test.get(t) or sh.get(t) or {}, sh.get(t) or {}
        label = str(z.get("label", "n/a"))
        if other and other.get("source") != z.get("source"):
            label = f"{label} (on the shift set {other['label']})"
        groups.setdefault(label, []).append(t)
    return "; ".join(f"{label} for {list_words(tasks)}" for label, tasks in groups.items())


def _anchors(d: SuiteFiles) -> str:
    """The words for 0 and 1 of the normalised score."""
    if not d.reference_mode:
        return "1 is the task's best family mean and 0 its worst ("
    return (
        "1 is the task's best family mean and 0 the task's reference row "
        f"({_zero_sentence(d)}), so a family worse than the reference scores below 0 and, "
        "where the reference beats every family, the best family scores -1 ("
    )


def design(d: SuiteFiles) -> Section:
    s = d.settings
    kinds = sorted(set(d.stats["kinds"].values()))
    trials = sorted(set(s["trials"].values()))
    direc = d.stats["directions"]
    mixed = (
        " The tasks' primary metrics point in different directions; they are compared only "
        "through these direction-aware normalised scores and ranks, never as raw values."
        if direc["mixed"]
        else ""
    )
    p1 = spans(
        f"The suite {s['name']!r} runs {plural(len(d.stats['tasks']), 'task')} of "
        f"{plural(len(kinds), 'kind')} ({list_words(kinds)}) with the {s['preset']} preset. Each "
        f"task runs exactly as a single archbench run, in its own run directory: every family "
        f"gets {list_words([str(t) for t in trials])} tuning trials, selection uses the "
        f"validation set only, and the best configuration is retrained with "
        f"{plural(d.split('test')['n_seeds'], 'seed')}, paired across families. Per task and "
        f"split, the primary metric is normalised so that {_anchors(d)}",
        Cite(("grinsztajn2022why",)),
        f"; fixed anchors, so single seeds may leave [0, 1]).{mixed}",
    )
    p2 = spans(
        "Aggregates follow ",
        Cite(("agarwal2021deep",)),
        ": the interquartile mean (IQM) of all runs of all tasks, with percentile intervals from "
        f"a stratified bootstrap ({s['n_boot']} resamples) that redraws the seeds within each "
        f"task ({_task_interval_words(d)}), and the probability of improvement P(X > Y) from "
        "the Mann-Whitney statistic per task. These intervals hold the tasks fixed, so they "
        f"describe the families {scope(d)} only. Ranks follow ",
        Cite(("demsar2006statistical",)),
        ": average ranks of the per-task normalised means, the Friedman test ",
        Cite(("friedman1937use",)),
        " (its p from the permutation distribution of the ranks, exact when the arrangements "
        "can be enumerated, since the chi-square approximation is rough for few tasks), the "
        "Nemenyi critical difference (CD), and pairwise Wilcoxon signed-rank tests ",
        Cite(("wilcoxon1945individual",)),
        " with Holm's correction ",
        Cite(("holm1979simple",)),
        ". Win/tie/loss counts come from each task's own paired verdict (its declared test: the "
        "confirmatory top-two comparison, or a Holm-corrected secondary test gated by it, at "
        f"alpha = {s['alpha']}); a tie is a difference the task could not resolve. A family "
        "is called better beyond these tasks only by the tests that treat the task as the "
        "unit, once the Friedman test rejects: Wilcoxon-Holm or the Nemenyi CD"
        f"{_claim_alpha_words(d)}.",
    )
    return Section("Suite design", (Paragraph(p1), Paragraph(p2)), label="sec-design")


def _claim_alpha_words(d: SuiteFiles) -> str:
    a = (d.split("test").get("beyond_tasks") or {}).get("claim_alpha")
    if a is None or a == d.settings["alpha"]:
        return ""
    return f", each at alpha = {num(a, 3)} (alpha divided over the splits it is claimed on)"


def _has_task_interval(d: SuiteFiles) -> bool:
    agg = d.split("test").get("aggregate", {})
    return any(a.get("ci_low_tasks") is not None for a in agg.values())


def _task_interval_words(d: SuiteFiles) -> str:
    n = len(d.stats["tasks"])
    if _has_task_interval(d):
        return "a second, wider interval also redraws the tasks"
    return (
        f"with {plural(n, 'task')}, fewer than the {_min_tasks(d)} a bootstrap over tasks "
        "needs, no interval redraws the tasks"
    )


def _min_tasks(d: SuiteFiles) -> int:
    from archbench.stats.aggregates import MIN_TASKS_TASK_INTERVAL

    bt = d.split("test").get("beyond_tasks") or {}
    return int(bt.get("min_tasks_task_interval", MIN_TASKS_TASK_INTERVAL))


def _resolved_best(d: SuiteFiles, split: str, task: str, best: str, second: str) -> bool:
    """Did the task's declared test resolve ``best`` over ``second`` (its paired verdict)?"""
    verdicts = d.split(split).get("verdicts") or {}
    i = list(d.stats["tasks"]).index(task)
    for key, sign in ((f"{best}|{second}", 1.0), (f"{second}|{best}", -1.0)):
        if key in verdicts:
            v = verdicts[key][i]
            return v is not None and v == v and v * sign > 0
    return False


def _task_table(d: SuiteFiles, compact: int = 0) -> Table:
    fams = d.families
    head = Row(
        (
            Cell(spans("Task"), bold=True),
            Cell(spans("Metric"), bold=True),
            *(Cell(spans(d.label(f)), bold=True, align="r") for f in fams),
        )
    )
    body = []
    for split in ("test",) if compact >= 2 else ("test", "shift"):
        sub = d.summary[d.summary.split == split]
        if sub.empty:
            continue
        body.append(Row((Cell(spans(SPLIT_NAMES[split]), colspan=2 + len(fams)),), kind="group"))
        for task in d.stats["tasks"]:
            rows = sub[sub.task == task].set_index("family")
            metric = str(rows.metric.iloc[0])
            arrow = "higher" if bool(rows.higher_is_better.iloc[0]) else "lower"
            order = rows.loc[fams].norm_mean.sort_values(ascending=False, kind="stable").index
            best, second = str(order[0]), str(order[1])
            bold = _resolved_best(d, split, task, best, second)
            cells = [
                Cell(
                    spans(f"{num(rows.loc[f, 'mean'], 3)} ({num(rows.loc[f, 'norm_mean'], 2)})"),
                    bold=bold and f == best,
                    align="r",
                )
                for f in fams
            ]
            body.append(Row((Cell(spans(task)), Cell(spans(f"{metric} ({arrow})")), *cells)))
    zero: tuple[Any, ...] = (
        ("its reference row, named in ", Ref("sec-design")) if d.reference_mode else ("its worst",)
    )
    cap = spans(
        "Per-task mean of the primary metric over seeds (normalised score in parentheses: 1 = "
        "the task's best family, 0 ",
        *zero,
        "; bold: the task's best family where the task's declared paired test resolved it "
        "against the runner-up, not merely the highest mean). Intervals per task"
        + (", and the shift set's rows," if compact >= 2 else "")
        + " are in suite_summary.csv and each task's report.",
    )
    cols = (Column("l"), Column("l"), *(Column("r") for _ in fams))
    return Table("tab-tasks", cap, cols, (head,), tuple(body))


def _pair_table(d: SuiteFiles) -> Table:
    head = Row(
        tuple(
            Cell(spans(h), bold=True, align=a)  # type: ignore[arg-type]
            for h, a in (
                ("Pair (A vs B)", "l"),
                ("Split", "l"),
                ("P(A > B) [95% CI]", "r"),
                ("W/T/L", "r"),
                ("Wilcoxon-Holm p", "r"),
            )
        )
    )
    body = []
    for split in ("test", "shift"):
        st = d.split(split)
        if not st:
            continue
        for w in st["wilcoxon_holm"]:
            a, b = w["a"], w["b"]
            e, lo, hi = d.poi(split, a, b)
            wtl = st["win_tie_loss"].get(f"{a}|{b}", {"win": 0, "tie": 0, "loss": 0})
            body.append(
                Row(
                    (
                        Cell(spans(f"{d.label(a)} vs {d.label(b)}")),
                        Cell(spans("ID" if split == "test" else "shift")),
                        Cell(spans(f"{num(e, 2)} {interval(lo, hi, 2)}"), align="r"),
                        Cell(spans(f"{wtl['win']}/{wtl['tie']}/{wtl['loss']}"), align="r"),
                        Cell(spans(pval(w["holm_pvalue"])), align="r"),
                    )
                )
            )
    cap = spans(
        f"Pairs of families {scope(d)}: probability of improvement with its stratified "
        "bootstrap interval (seeds redrawn within these tasks, not the tasks) and win/tie/loss "
        "of A from the tasks' paired verdicts; beyond these tasks only the Holm-corrected "
        "Wilcoxon signed-rank p over tasks speaks."
    )
    cols = (Column("l"), Column("l"), Column("r"), Column("r"), Column("r"))
    return Table("tab-pairs", cap, cols, (head,), tuple(body))


def _friedman(rt: dict[str, Any]) -> str:
    """The permutation p (exact or Monte Carlo) first; the chi-square approximation after."""
    perm = rt.get("permutation_pvalue")
    if perm is None:
        return p_is(rt["pvalue"])
    return f"{p_is(perm)} ({rt['permutation_method']} permutation; chi-square {p_is(rt['pvalue'])})"


def _split_paragraph(d: SuiteFiles, split: str) -> Spans:
    st = d.split(split)
    rt = st["rank_test"]
    order = d.ranked(split)
    ranks = "; ".join(f"{d.label(f)} {num(rt['ranks'][f], 2)}" for f in order)
    wil_min = min((w["min_pvalue"] for w in st["wilcoxon_holm"]), default=1.0)
    wil = (
        f" With {plural(rt['n_tasks'], 'task')} the exact Wilcoxon test cannot go below "
        f"p = {pval(wil_min)}, so no pair can be resolved by it."
        if wil_min >= d.settings["alpha"]
        else ""
    )
    return spans(
        f"{scope(d).capitalize()}, the IQM of normalised scores on the {SPLIT_NAMES[split]} "
        f"(seeds redrawn within these tasks) is {_iqm_text(d, split)}. Average ranks (1 = "
        f"best): {ranks}; Friedman test {_friedman(rt)}, Nemenyi CD = {num(rt['cd'], 2)}."
        f"{wil} {beyond_sentence(d, split)}"
    )


def results(d: SuiteFiles, compact: int = 0) -> Section:
    blocks: list[Any] = [
        Paragraph(spans(_split_paragraph(d, "test"), " ", Ref("tab-tasks"), " lists every task.")),
        _task_table(d, compact),
        Figure(
            "fig-aggregate",
            spans(
                f"Left: IQM of normalised scores per family {scope(d)} (thick: seeds redrawn "
                "within these tasks; "
                + (
                    "thin: tasks redrawn too; 95% intervals; disjoint intervals are not a test"
                    if _has_task_interval(d)
                    else f"no interval redraws the tasks: fewer than {_min_tasks(d)} tasks"
                )
                + "). Right: performance profiles, the fraction of runs above each normalised "
                "score, averaged over these tasks (ID test)."
            ),
            "suite_aggregate",
        ),
        _pair_table(d),
    ]
    return Section("Results across tasks", tuple(blocks), label="sec-results")


def shift(d: SuiteFiles) -> Section:
    blocks: list[Any] = []
    if d.split("shift"):
        blocks.append(Paragraph(_split_paragraph(d, "shift")))
    fl = d.stats.get("ranking_flips", {})
    if fl.get("available"):
        resolved = [t for t, v in fl["per_task"].items() if v["top_two_flip_resolved"]]
        text = (
            f"A change of the best family between the ID test set and the shift set that the "
            f"task's paired tests resolve (the top two swap, both differences resolved) occurs "
            f"in {fl['n_resolved_flips']} of {plural(fl['n_tasks'], 'task')}"
            + (f" ({list_words(resolved)})" if resolved else "")
            + f". By point estimates alone, which no test backs, the highest mean differs in "
            f"{fl['n_top_changed']} and some pair's means swap order in {fl['n_any_swap']}. "
        )
        blocks.append(Paragraph(spans(text, Ref("fig-ranks"), " shows both splits.")))
    blocks.append(
        Figure(
            "fig-ranks",
            spans(
                "Critical-difference diagrams (Demsar 2006) on the ID test and shift sets: "
                "average ranks over tasks, families joined by a bar when their ranks differ by "
                "less than the Nemenyi CD. Bottom: normalised score per task on the ID test set "
                "(open) and the shift set (filled), each normalised within its split."
            ),
            "suite_ranks",
        )
    )
    return Section("In distribution and under shift", tuple(blocks), label="sec-shift")


def limitations(d: SuiteFiles) -> Section:
    st = d.split("test")
    pw = st["power"]
    n = pw["n_tasks"]
    text = spans(
        f"A suite of {plural(n, 'task')} gives the rank tests little power ",
        Cite(("demsar2006statistical",)),
        f". The top two families on the ID test sets ({d.label(pw['a'])} and {d.label(pw['b'])}) "
        f"differ by {num(pw['rank_diff'], 2)} in average rank; the Nemenyi test would need "
        f"{pw['tasks_needed_cd'] or 'n/a'} tasks to resolve a difference of that size, and a "
        f"Wilcoxon test over tasks about {pw['tasks_needed_wilcoxon'] or 'n/a'} tasks (80% "
        f"power at alpha = {d.settings['alpha']}, normal approximation from the observed "
        f"per-task normalised differences, mean {num(pw['mean_norm_diff'], 2)}). The "
        "stratified bootstrap intervals cover seed variation within these tasks, not the "
        "choice of tasks: when each family wins some tasks, they can separate the families on "
        "these tasks while a new draw of tasks would not; "
        + (
            "the wider task-and-seed interval covers the choice, but with this few tasks it is "
            "itself rough. "
            if len(d.stats["tasks"]) >= _min_tasks(d)
            else f"below {_min_tasks(d)} tasks no interval here redraws the tasks. "
        )
        + f"{_anchor_caveat(d)} Statements about a different set of tasks need a suite of them.",
    )
    return Section("Limitations", (Paragraph(text),), label="sec-limits")


def _anchor_caveat(d: SuiteFiles) -> str:
    if d.reference_mode:
        return (
            "The scores measure each family's margin over the task's reference row relative "
            "to the best family's margin; where the best family barely differs from the "
            "reference, that scale is small and the scores of the other families are large "
            "in magnitude, which the IQM trims but the mean does not."
        )
    return (
        "The normalisation anchors are the families' own means, so the scores say how the "
        "families order and how far apart they are relative to each task's spread, not how "
        "good they are in absolute terms."
    )


def reproducibility(d: SuiteFiles) -> Section:
    took = d.manifest.get("timings", {}).get("total_s")
    pool = d.manifest.get("pool", {})
    util = pool.get("utilisation")
    timing = (
        f" The suite took {duration(took)} on {plural(d.manifest.get('workers'), 'worker')}"
        + (f" (workers busy {num(100 * util, 0)}% of the time)" if util is not None else "")
        + "."
        if took is not None
        else ""
    )
    text = spans(
        f"Every number above is in the suite directory {d.root.name}: suite_summary.csv "
        "(task x family x split), suite_stats.json (the aggregates, with the bootstrap seed) "
        "and one run directory per task with its own report. Re-running the same "
        "'archbench suite' command resumes and retrains nothing that finished." + timing
    )
    return Section("Reproducibility", (Paragraph(text),), label="sec-repro")


def build(d: SuiteFiles, *, compact: int = 0) -> Document:
    """The suite report; ``compact`` 1 drops the reproducibility section, 2 also the shift
    rows of the per-task table (they stay in suite_summary.csv)."""
    abs_ = abstract(d)
    sections: tuple[Section, ...] = (design(d), results(d, compact), shift(d), limitations(d))
    if compact == 0:
        sections = (*sections, reproducibility(d))
    return Document(
        title=f"archbench suite {d.settings['name']}: "
        f"{list_words([d.label(f) for f in d.families])} across {len(d.stats['tasks'])} tasks",
        author="archbench",
        affiliation=f"Generated by archbench {__version__} from suite {d.root.name}",
        abstract=abs_,
        sections=sections,
        bibliography=used_citations(abs_, sections),
        figures=FIGURES,
        metadata={"suite": d.root.name, "compact": str(compact)},
    )


def build_suite_document(root: Path, *, compact: int = 0) -> Document:
    """Read the suite directory and build the report's document model."""
    return build(load_suite_files(Path(root)), compact=compact)
