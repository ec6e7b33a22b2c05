"""The report's text, generated from the run directory into the document model.

Every number comes from a file of the run directory (see :mod:`.rundata`); the prose around
it is fixed wording that is hedged by the statistics (``resolved`` / ``not resolved``).
"""

from __future__ import annotations

from pathlib import Path

from archbench._version import __version__
from archbench.report.beaten import reference_beats_all
from archbench.report.budget import capped_sentence
from archbench.report.clip import CLIP_LEVEL, DROP_DESIGN_TABLE, DROP_KIND_FIGURES, clipped_run
from archbench.report.design import design, reproducibility
from archbench.report.document import (
    Block,
    BulletList,
    Code,
    Document,
    Emph,
    Figure,
    Paragraph,
    Ref,
    Section,
    spans,
    used_citations,
)
from archbench.report.fmt import (
    count,
    list_words,
    metric_decimals,
    num,
    plural,
    signed,
)
from archbench.report.headline import (
    alpha,
    change_range,
    flip_sentence,
    gate_open,
    headline,
    n_secondary,
    says_resolved,
    shift_summary,
)
from archbench.report.kindparts import kind_limitations, kind_report, unit_words
from archbench.report.markup import introduction_blocks, read_introduction
from archbench.report.prose import cite as _c
from archbench.report.prose import confidence_label, sentence, spec_value
from archbench.report.reference import reference_sentence
from archbench.report.rundata import RunData, finite
from archbench.report.tables import main_table, paired_table, shift_table
from archbench.stats import SKEWED_COMBINED_FPR, SKEWED_FPR, fmt_p

#: Citations of the generic text; a kind adds its own (``KindReport.citations``).
GENERIC_KEYS = {
    "akiba2019optuna",
    "bergstra2011algorithms",
    "student1908probable",
    "wilcoxon1945individual",
    "mcnemar1947note",
    "holm1979simple",
    "efron1979bootstrap",
    "cohen1988statistical",
    "bouthillier2021accounting",
    "dror2018hitchhiker",
    "koh2021wilds",
}


def known_keys(run: RunData) -> set[str]:
    """Citation keys a user-written introduction may use: the generic ones and the kind's."""
    return GENERIC_KEYS | set(kind_report(run).citations)


FIGURES = ("seed_scores", "shift_tuning")
#: How much secondary material :func:`build` can drop: 0 (none) .. MAX_COMPACT.
MAX_COMPACT = DROP_KIND_FIGURES


def _kind_figures(run: RunData, compact: int) -> list[Figure]:
    """The kind's figures, none at the most compact level."""
    return [] if compact >= DROP_KIND_FIGURES else list(kind_report(run).figures(run, compact))


# ---------------------------------------------------------------------------------------------
# Sections


def abstract(run: RunData) -> tuple[Paragraph, ...]:
    fams = list_words([run.label(f) for f in run.families])
    sizes = run.splits.get("sizes") or {}
    trials = run.run.get("trials_per_family") or spec_value(run, "budget", "trials")
    shift = str((run.task.get("shift") or {}).get("description", "")).strip().rstrip(".")
    flip = run.stats.get("ranking_flip") or {}
    order = ""
    if flip.get("family_a"):
        pair = f"{run.label(str(flip['family_a']))} and {run.label(str(flip['family_b']))}"
        if flip.get("flip_resolved"):
            order = f" The order of {pair} reverses under shift (both differences resolved)."
        elif flip.get("flips"):
            order = f" The point estimates of {pair} reverse under shift; this is not resolved."
        else:
            order = f" By point estimate, {pair} are in the same order on both sets."
    text = (
        f"We compare {fams} on {run.task.get('title') or run.task.get('name')} "
        f"({run.run.get('task_type', 'tabular')}, {count(sizes.get('train'))} training "
        f"{unit_words(run)[1]}). "
        f"Every family gets the same budget of {plural(trials, 'tuning trial')} on one "
        "validation set, "
        f"and its selected configuration is retrained with {run.n_seeds} seeds. On the "
        f"in-distribution (ID) test set, {headline(run, 'test', short=True)}. On the shift set"
        f"\u2014{shift}\u2014{headline(run, 'shift', short=True)}. {change_range(run)}{order} "
        f"{reference_beats_all(run)} "
        f"With {run.n_seeds} seeds on one data split and {plural(trials, 'trial')} per family, "
        "these "
        "findings describe this task, split and budget, not the architectures in general."
    )
    return (Paragraph(spans(" ".join(text.split()))),)


def introduction(run: RunData, compact: int = 0) -> Section:
    user = str(spec_value(run, "report", "introduction") or "").strip()
    if user:
        title, blocks = introduction_blocks(read_introduction(user, run.root), known_keys(run))
        return Section(title or "Introduction", blocks, label="sec-intro")
    fams = [run.label(f) for f in run.families]
    task = run.task
    shift = str((task.get("shift") or {}).get("description", ""))
    p1 = kind_report(run).introduction_context(run)
    p2 = spans(
        f"This report compares {list_words(fams)} on ",
        Emph(str(task.get("title") or task.get("name"))),
        ". ",
        sentence(str(task.get("description", ""))),
        f" Besides an in-distribution (ID) test set, every family is evaluated on a shift set: "
        f"{sentence(shift)} We ask which family is best on the ID test set at a shared tuning "
        "budget, how much each family changes under the shift, and whether the ranking of the "
        "best two changes. ",
        *(
            (
                "Every number below is read from the run directory ",
                Code(run.root.name),
                "; ",
                Code(f"archbench report {run.root.name}"),
                " rebuilds this report without retraining.",
            )
            if compact < CLIP_LEVEL  # the most compact level names the directory once (Sec. 5)
            else ("Every number below is read from the run directory.",)
        ),
    )
    return Section("Introduction", (Paragraph(p1), Paragraph(p2)), label="sec-intro")


def _holm_sentence(run: RunData) -> str:
    """The other pairs on the ID test set: secondary (Holm, gated) or exploratory."""
    m = run.primary
    d = metric_decimals(run, m)
    rows = [
        r
        for r in run.stats.get("all_pairs") or []
        if r.get("split") == "test" and r.get("metric") == m and r.get("role") != "confirmatory"
    ]
    if not rows:
        return ""
    parts = [
        f"{run.label(str(r['family_a']))} \u2212 {run.label(str(r['family_b']))} "
        f"{signed(r.get('mean_diff'), d)} "
        f"({fmt_p(finite(r.get('holm_pvalue')), alpha(run)).replace('p', 'Holm p', 1)})"
        for r in rows
    ]
    n_res = sum(says_resolved(r, p_key="holm_pvalue") for r in rows)
    k = n_secondary(run)
    over = f"Holm-corrected over the {k} secondary tests" if k else "Holm-corrected"
    if gate_open(run) is False:
        return (
            f"Other pairs on the ID test set ({run.metric_label(m)}, {over}): {'; '.join(parts)}; "
            "exploratory only, since the confirmatory test did not resolve."
        )
    return (
        f"Other pairs on the ID test set ({run.metric_label(m)}, {over}): "
        f"{'; '.join(parts)}; {n_res} of {len(rows)} resolved."
    )


def _tuning_sentence(run: RunData) -> str:
    parts = []
    late = []
    for fam in run.families:
        b = run.best.get(fam) or {}
        number, total = b.get("number"), b.get("trials") or run.run.get("trials_per_family")
        if number is None or not total:
            continue
        parts.append(f"{run.label(fam)} at trial {int(number) + 1}")
        if int(number) + 1 > 0.8 * int(total):
            late.append(run.label(fam))
    if not parts:
        return ""
    total = run.run.get("trials_per_family")
    s = f"The selected configurations were found by {list_words(parts)} of {total}."
    if late:
        s += (
            f" For {list_words(late)} the best trial came in the last fifth of the budget, "
            "so a larger budget may still improve it."
        )
    return s


def results(run: RunData, compact: int) -> Section:
    m = run.primary
    p1 = spans(
        Ref("tab-main"),
        f" gives the mean and {confidence_label(run)} CI of every metric and family; ",
        Ref("fig-seeds"),
        f" shows the per-seed {run.metric_label(m)}. On the ID test set, "
        f"{headline(run, 'test', brief=True)}; on the shift set, "
        f"{headline(run, 'shift', brief=True)}. ",
        Ref("tab-paired"),
        " gives the paired comparison on every metric. ",
        _holm_sentence(run) if compact < 4 else None,
    )
    kind_figures = _kind_figures(run, compact)
    # the most compact level drops the generic shift figure (Table 4 holds its numbers; the
    # tuning sentence says whether a family was still improving); a kind's figures stay
    shift_fig = compact < 5
    p2 = spans(
        shift_summary(run),
        " ",
        flip_sentence(run),
        " ",
        Ref("tab-shift"),
        *((" and ", Ref("fig-shift"), " (left) give the details; ") if shift_fig else ()),
        *((Ref("fig-shift"), " (right) shows the tuning curves. ") if shift_fig else ()),
        " gives the details. " if not shift_fig else None,
        _tuning_sentence(run),
    )
    ml = run.metric_label(m)
    conf = confidence_label(run)
    blocks: list[Block] = [
        Paragraph(p1),
        main_table(run),
        Figure(
            "fig-seeds",
            spans(
                f"{ml} of each family on the ID test set (left) and the shift set (right): one dot "
                f"per seed, the mean (tick) and its {conf} "
                + (
                    f"interval over seeds and test {unit_words(run)[1]} (bar)."
                    if _rows_in_intervals(run)
                    else "Student-t interval (bar)."
                )
            ),
            "seed_scores",
        ),
    ]
    paired = paired_table(run, bootstrap=compact < 3, metrics=[m] if compact >= 4 else None)
    if paired is not None:
        blocks.append(paired)
    blocks += [
        Paragraph(p2),
        shift_table(run, metrics=[m] if compact >= 2 else None),
    ]
    if shift_fig:
        blocks.append(
            Figure(
                "fig-shift",
                spans(
                    f"Left: mean {ml} and {conf} CI on the ID test and shift sets, with one thin "
                    "line per seed. Right: best validation score so far against the trial number "
                    "(faint dots: single trials; failed trials have no dot)."
                ),
                "shift_tuning",
            )
        )
    blocks += kind_figures
    return Section("Results", tuple(blocks), label="sec-results")


def _rows_in_intervals(run: RunData) -> bool:
    """The intervals and tests include test-set noise (a row bootstrap was run)."""
    return any(r.get("ci_noise") == "seeds and rows" for r in run.stats.get("summary") or [])


def first_clause(text: str) -> str:
    """``text`` up to its first ";" outside parentheses/brackets (the verdict's main claim)."""
    depth = 0
    for i, ch in enumerate(text):
        if ch in "([":
            depth += 1
        elif ch in ")]":
            depth = max(0, depth - 1)
        elif ch == ";" and depth == 0:
            return text[:i].rstrip()
    return text


def discussion(run: RunData, compact: int) -> Section:
    verdicts = [
        v
        for v in run.stats.get("verdicts") or []
        if v.get("metric") in (None, run.primary) and v.get("scope") != "shift_change"
    ]
    if compact >= 3:
        verdicts = [v for v in verdicts if v.get("scope") in ("test", "shift")]
    texts = [str(v.get("text", "")) for v in verdicts if v.get("text")]
    if compact >= 1:
        texts = [first_clause(t) for t in texts]
    items = tuple(spans(sentence(t)) for t in texts)
    n, conf = run.n_seeds, confidence_label(run)
    m = run.primary
    d = metric_decimals(run, m)
    pw = run.power_row("test", m) or {}
    power = ""
    if finite(pw.get("mde")) is not None:
        power = (
            f" With the observed seed-to-seed spread of the top two's difference (SD "
            f"{num(pw.get('sd_diff'), d)}), {n} seeds detect a difference of about "
            f"{num(pw.get('mde'), d)} in {run.metric_label(m)} on the ID test set "
            f"(the minimum detectable difference at power 0.8, alpha {alpha(run):g}; test-set "
            "noise raises it further)"
        )
        need = finite(pw.get("seeds_needed"))
        obs = num(abs(finite(pw.get("observed_diff")) or 0.0), d)
        if need is None:
            power += "."
        elif need <= n:
            power += (
                f"; if the true difference were the observed one ({obs}), {n} seeds would "
                "detect it."
            )
        else:
            power += (
                f"; if the true difference were the observed one ({obs}), it would need about "
                f"{int(need):,} seeds."
            )
    trials = run.run.get("trials_per_family")
    sp = run.splits
    shift = str((run.task.get("shift") or {}).get("description", ""))
    lim = spans(
        f"These results rest on {n} seeds of one data split (data seed {sp.get('seed', 'n/a')}): "
        "seed variance is only one source of variance, and another split or another draw of "
        f"the test {unit_words(run)[1]} moves the numbers too ",
        _c("bouthillier2021accounting"),
        f". With {n} pairs the exact Wilcoxon test cannot reject at {alpha(run):g}, so only "
        "t-based tests can resolve a difference, and they assume roughly normal per-seed "
        f"differences ",
        _c("dror2018hitchhiker"),
        (
            ": with skewed seed noise (a deterministic family against a noisy one) the "
            + (
                "seed-and-row test rejects a true null in "
                f"{SKEWED_COMBINED_FPR} of simulated experiments where seed noise dominates the "
                "test-set noise (at most 6% where it does not), "
                if _rows_in_intervals(run)
                else f"paired t-test at n = 5 rejects a true null in {SKEWED_FPR} of simulated "
                "experiments, "
            )
            + "where 5% are nominal; more seeds (seeds.count) and families that vary "
            "with the seed are the remedy."
            if compact < 4
            else " (skewed seed noise raises their false-positive rate; more seeds help)."
        ),
        power if compact < DROP_DESIGN_TABLE else "",  # the last level: power is in stats.json
        (
            f" The budget of {plural(trials, 'trial')} per family is small, so the ranking may "
            "change with more tuning; the tuning curves show whether a family was still "
            f"improving. The shift is one definition, {shift.rstrip('.')}; other shifts of the "
            "same data may rank the families differently."
            if compact < 5
            else " Another budget or another shift may rank the families differently."
        ),
        " Not resolved means the data cannot tell the families apart at "
        f"this budget, not that they are equal. One comparison is confirmatory (the top two on "
        f"validation, {run.metric_label(m)}, ID test set); the other {run.metric_label(m)} "
        "verdicts are Holm-corrected as one family and only tested when it resolved; every "
        f"other metric is exploratory. Intervals are {conf} intervals without correction.",
        capped_sentence(run),
        reference_sentence(run, compact),
        *(" " + w for w in kind_limitations(run)),
    )
    blocks: list[Block] = []
    if items:
        blocks.append(Paragraph(spans("The statistics give these verdicts:")))
        blocks.append(BulletList(items))
    blocks.append(Paragraph(lim, lead="Limitations."))
    return Section("Discussion and limitations", tuple(blocks), label="sec-discussion")


def title_author(run: RunData) -> tuple[str, str]:
    title = str(spec_value(run, "report", "title") or run.run.get("title") or "").strip()
    if not title:
        fams = list_words([run.label(f) for f in run.families])
        title = f"{fams} on {run.task.get('title') or run.task.get('name')}"
    author = str(
        spec_value(run, "report", "author") or run.run.get("author") or "archbench"
    ).strip()
    return title, author or "archbench"


def build(run: RunData, *, compact: int = 0) -> Document:
    """The whole report as a :class:`Document`.

    ``compact`` drops secondary material step by step: 1 cuts each verdict to its first
    clause (the rest is in the tables) and keeps two data notes; 2 keeps only the primary metric
    in the shift table and drops the fixed settings; 3 drops the selected configurations from
    the design table, the bootstrap column of the paired table and the ranking verdict, and
    names at most six features of each kind; 4 keeps only the primary metric in the paired
    table and drops the all-pairs sentence; 6 (``clip.CLIP_LEVEL``) shortens the user's
    title, descriptions and feature names and names at most three features of each kind; 7
    (``clip.DROP_DESIGN_TABLE``) moves the search-space table out (best/<family>.json holds it).
    """
    if compact >= CLIP_LEVEL:
        run = clipped_run(run)
    title, author = title_author(run)
    created = str(run.manifest.get("created", ""))[:10]
    affiliation = f"Generated by archbench {__version__} from run {run.root.name}" + (
        f", {created}" if created else ""
    )
    abs_ = abstract(run)
    sections = (
        introduction(run, compact),
        design(run, compact),
        results(run, compact),
        discussion(run, compact),
        reproducibility(run, compact),
    )
    return Document(
        title=title,
        author=author,
        affiliation=affiliation,
        abstract=abs_,
        sections=sections,
        bibliography=used_citations(abs_, sections),
        figures=(*FIGURES, *(f.stem for f in _kind_figures(run, compact))),
        extra_bib=kind_report(run).bib(),
        metadata={"run": run.root.name, "compact": str(compact)},
    )


def build_document(run_dir: Path, *, compact: int = 0) -> Document:
    """Read the run directory and build the report's document model.

    Args:
        run_dir: a finished run directory (docs/run-directory.md).
        compact: 0 for the full report; 1 and 2 drop secondary material so the main text
            fits in four pages when a task has long names or many metrics.

    Raises:
        StoreError: a file the report needs is missing or unreadable.
    """
    from archbench.report.kindparts import load_run_for_report

    return build(load_run_for_report(run_dir), compact=compact)
