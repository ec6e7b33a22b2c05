"""The benchmark-design and reproducibility sections, generated from the run directory."""

from __future__ import annotations

import shlex
from pathlib import PurePosixPath, PureWindowsPath
from typing import Any

from archbench._version import __version__
from archbench.analysis.rowtest import TIME_TEST, TOO_SHORT_TEST
from archbench.kinds.family import BUDGET_KEYS
from archbench.report.budget import budget_sentence
from archbench.report.clip import CLIP_LEVEL, DROP_DESIGN_TABLE
from archbench.report.document import Block, Code, Emph, Paragraph, Ref, Section, Spans, Sub, spans
from archbench.report.fmt import ALPHA, count, duration, plural
from archbench.report.kindparts import kind_report, unit_words
from archbench.report.prose import cite as _c
from archbench.report.prose import confidence_label, spec_value
from archbench.report.rundata import RunData, finite
from archbench.report.tables import count_test_metrics, design_table
from archbench.stats import COMBINED_TEST, DF_BOUND_Q


def _families_paragraph(run: RunData, compact: int) -> Paragraph:
    trials = run.run.get("trials_per_family") or spec_value(run, "budget", "trials")
    startup = spec_value(run, "budget", "startup_trials")
    tune_rows = spec_value(run, "budget", "tune_max_rows") or 0
    train_rows = run.run.get("train_rows")
    subsample = (
        f"; every trial trains on the same seeded subsample of {tune_rows:,} training "
        f"{unit_words(run)[1]} "
        f"(the final seeds use all {train_rows:,})"
        if tune_rows and train_rows and tune_rows < train_rows
        else ""
    )
    budget = budget_sentence(run, compact)
    fixed = []
    for fam in run.families:
        fx = (run.best.get(fam) or {}).get("fixed") or {}
        if budget:  # the caps are in the budget sentence
            fx = {k: v for k, v in fx.items() if k not in BUDGET_KEYS}
        if fx:
            fixed.append(f"{run.label(fam)}: " + ", ".join(f"{k} {v}" for k, v in fx.items()))
    parts = spans(
        kind_report(run).families_text(run),
        f" Every family gets the same budget of {plural(trials, 'trial')} of Optuna ",
        _c("akiba2019optuna"),
        " with the seeded TPE sampler ",
        _c("bergstra2011algorithms"),
        (f" ({startup} start-up trials)" if startup else ""),
        ", starting from the family's default configuration",
        subsample,
        ". ",
        *(
            (
                Ref("tab-design"),
                " lists the search spaces, the selected configurations and the compute each "
                "family used. ",
            )
            if compact < DROP_DESIGN_TABLE
            else (
                "The search spaces, selected configurations and compute of each family are in "
                "best/<family>.json of the run directory. ",
            )
        ),
        ("Fixed settings: " + "; ".join(fixed) + ".") if fixed and compact < 2 else None,
        (" " + budget) if budget else None,
    )
    return Paragraph(parts, lead="Families and budget.")


def _methods_paragraph(run: RunData) -> Paragraph:
    st, n, conf = run.stats, run.n_seeds, confidence_label(run)
    m = run.primary
    metrics = ", ".join(
        f"{run.metric_label(x)}{' (primary)' if x == m else ''}" for x in run.metrics
    )
    rule = (st.get("top_two") or {}).get("rule", "not recorded")
    min_w = 2 / 2**n
    n_boot, boot_seed = st.get("n_boot"), st.get("boot_seed")
    ci_method = str(st.get("ci_method") or "t")
    ci_txt = (
        spans(f"mean with a {conf} Student-t interval over seeds ", _c("student1908probable"))
        if ci_method == "t"
        else spans(f"mean with a {conf} {ci_method} interval over seeds")
    )
    if any(r.get("ci_noise") == "seeds and rows" for r in st.get("summary") or []):
        ci_txt = spans(
            f"mean with a {conf} interval over seeds and test {unit_words(run)[1]} (Student t "
            "on the seed variance plus the row-bootstrap variance of the mean; the seed-only "
            "interval is in summary.csv)"
        )
    mcn = any(finite(c.get("mcnemar_pvalue")) is not None for c in st.get("comparisons") or [])
    parts = spans(
        f"Each family's selected configuration is retrained with {n} seeds; seed ",
        Emph("i"),
        " of every family shares the data split, so comparisons are paired by seed. "
        f"{_variance_sentence(run)} Metrics: "
        f"{metrics}. Selection: each family keeps its trial with the best validation "
        f"{run.metric_label(m)}; the two families compared in detail are {rule}, so the choice "
        "never looks at test or shift data. Statistics: ",
        ci_txt,
        "; for the top two, a paired t-test, the exact Wilcoxon signed-rank test ",
        _c("wilcoxon1945individual"),
        f" (two-sided p cannot go below {min_w:.4g} with {n} pairs) and Cohen's ",
        Emph("d"),
        Sub("z"),
        " ",
        _c("cohen1988statistical"),
        f"; a paired bootstrap over test {unit_words(run)[1]} ",
        _c("efron1979bootstrap"),
        (f" ({count(n_boot)} resamples, seed {boot_seed})" if finite(n_boot) is not None else ""),
        " shows test-set sampling noise beside seed noise ",
        _c("bouthillier2021accounting"),
        (
            spans("; McNemar's test ", _c("mcnemar1947note"), f" for {count_test_metrics(run)}")
            if mcn
            else None
        ),
        _decision_rule(run),
    )
    return Paragraph(parts, lead="Seeds, metrics, selection and statistics.")


def _decision_rule(run: RunData) -> Spans:
    """The rule that calls a difference resolved, as stats.json records it (alpha, the
    confirmatory test, the gated Holm family), never a hard-coded threshold."""
    st, m = run.stats, run.metric_label(run.primary)
    tests = st.get("tests")
    if not isinstance(tests, dict):  # stats.json before the declared tests
        return spans(
            f". All pairs on {m} are tested with Holm's correction ",
            _c("holm1979simple"),
            f". A difference is called resolved when p < {ALPHA:g} and its "
            f"{confidence_label(run)} CI excludes 0.",
        )
    alpha = float(tests.get("alpha", st.get("alpha", ALPHA)))
    conf = tests.get("confirmatory") or {}
    sec = tests.get("secondary") or {}
    test = str(conf.get("test") or "paired t-test")
    rows = test in (COMBINED_TEST, "row bootstrap")
    size = int(sec.get("size") or 0)
    if test == TOO_SHORT_TEST:
        how = (
            "by no test: the ID test windows hold too few independent blocks of origins for "
            "inference, so nothing on them is resolved"
        )
    else:
        how = f"by the {test}"
    return spans(
        f". One test is confirmatory, declared before the data: the top two on {m} on the ID "
        f"test set, {how}",
        (
            " (SE\u00b2 = seed variance / n + the paired row-bootstrap variance; its degrees of "
            f"freedom come from an upper {100 * (1 - DF_BOUND_Q):g}% bound of the seed variance, "
            "and the seed-only paired t-test must agree)"
            if rows
            else " (the batch means of origin time carry the autocorrelation of neighbouring "
            "forecasts; Diebold-Mariano is reported beside it)"
            if test == TIME_TEST
            else ""
            if test == TOO_SHORT_TEST
            else " (seed noise only: no stored predictions, no row bootstrap)"
        ),
        f", resolved when p < {alpha:g} (alpha = 1 \u2212 confidence). ",
        (
            spans(
                f"Only if it resolves are the other {size} {m} tests (the other pairs and, with "
                "a shift set, the shift changes, each by the same kind of test) resolved, at "
                f"Holm-adjusted p < {alpha:g} ",
                _c("holm1979simple"),
                " (serial gatekeeping: family-wise error at most alpha); ",
            )
            if size
            else "There are no secondary tests; "
        ),
        "every other metric is exploratory and never called resolved.",
    )


def _variance_sentence(run: RunData) -> str:
    """Which sources of variance the seed intervals cover (seeds.vary)."""
    unit = unit_words(run)[1]
    if spec_value(run, "seeds", "vary") == "model+data":
        return (
            "A seed changes the initialisation, the batch order and the training set itself "
            f"(a bootstrap of the training {unit}, the same draw for every family), so the "
            "intervals over seeds cover data-sampling variance as well as training noise."
        )
    return (
        "A seed changes the initialisation, batch order and subsampling only; the training set "
        "is fixed, so the intervals over seeds do not cover data-sampling variance "
        '(seeds.vary = "model+data" adds it).'
    )


def design(run: RunData, compact: int) -> Section:
    blocks: list[Block | None] = [
        *kind_report(run).data_blocks(run, compact),
        _families_paragraph(run, compact),
        design_table(run, selected=compact < 3) if compact < DROP_DESIGN_TABLE else None,
        _methods_paragraph(run),
    ]
    kept = tuple(b for b in blocks if b is not None)
    return Section("Benchmark design", kept, label="sec-design")


def _package_list(pk: dict[str, Any], *, short: bool = False) -> str:
    """Versions of the packages that decide the numbers; ``short``: the five that matter most
    (every version stays in manifest.json)."""
    if short:
        keep = [p for p in ("torch", "lightgbm", "optuna", "numpy", "scipy") if p in pk]
        return ", ".join(f"{p} {pk[p]}" for p in keep) + " (all versions in manifest.json)"
    order = [
        "torch",
        "rtdl_revisiting_models",
        "lightgbm",
        "xgboost",
        "xgboost-cpu",
        "catboost",
        "optuna",
        "scikit-learn",
        "numpy",
        "pandas",
        "scipy",
        "pyarrow",
        "matplotlib",
        "typst",
        "ray",
    ]
    return ", ".join(f"{p} {pk[p]}" for p in order if p in pk)


def _precision(run: RunData) -> str:
    """A clause when the neural families trained on a GPU with TF32 products allowed."""
    prec = spec_value(run, "matmul_precision") or "highest"
    gpu = run.manifest.get("gpu") or {}
    on_gpu = isinstance(gpu, dict) and gpu.get("available") and run.manifest.get("device") != "cpu"
    if prec == "highest" or not on_gpu:
        return ""  # CPU training is exact float32 whatever the spec says
    return (
        f"; the neural families' matrix products on the GPU used torch precision "
        f"\u201c{prec}\u201d (TF32 inputs), not exact float32"
    )


def reproducibility(run: RunData, compact: int = 0) -> Section:
    man = run.manifest
    pk = man.get("packages") or {}
    gpu = man.get("gpu") or {}
    gpu_txt = (
        f"GPU {gpu.get('name')}" if isinstance(gpu, dict) and gpu.get("available") else "no GPU"
    )
    timings = man.get("timings") or {}
    total = finite(timings.get("total_s"))
    if total is None:
        parts = [finite(timings.get(k)) for k in ("prepare_s", "units_s", "assemble_stats_s")]
        total = (
            sum(p for p in parts if p is not None) if any(p is not None for p in parts) else None
        )
    commit = str(man.get("git_commit") or "not recorded")
    clip = compact >= CLIP_LEVEL
    command = command_as_given(str(man.get("command") or ""), run.root.name, clip=clip) or (
        f"archbench run --spec {run.root.name}/spec.toml --out {run.root.name}"
    )
    if compact >= DROP_DESIGN_TABLE:  # the last level: versions, hardware and hashes by file
        s = spans(
            f"archbench {pk.get('archbench', __version__)} (git commit ",
            Code(commit[:12]),
            f"); run time {duration(total)}. Package versions, hardware, timings and the spec "
            "and data hashes are in manifest.json of the run directory. To reproduce, run ",
            Code(command),
            " with its spec.toml; re-running skips finished work and ",
            Code("archbench report"),
            " on it rebuilds this report.",
        )
        return Section("Reproducibility", (Paragraph(s),), label="sec-repro")
    s = spans(
        f"archbench {pk.get('archbench', __version__)} (git commit ",
        Code(commit[:12]),
        f"), Python {man.get('python', 'n/a')}; "
        f"{_package_list(pk, short=compact >= 5) or 'package versions not recorded'}."
        f" Hardware: {man.get('cpu', 'n/a')}, {man.get('cores', 'n/a')} cores, "
        f"{man.get('memory_gib', 'n/a')} GiB memory, {gpu_txt}; {man.get('executor', 'local')} "
        f"executor with {man.get('workers', 'n/a')} workers of "
        f"{man.get('threads_per_worker', 'n/a')} thread(s) each{_precision(run)}. "
        f"Run time: {duration(total)} "
        f"wall clock ({duration(man.get('units_wall_s'))} summed over trials and seeds). "
        "Spec hash (sha256) ",
        Code(run.spec_hash or str(man.get("spec_hash", "n/a"))),
        ", data hash (first 16 hex digits) ",
        Code(str(man.get("data_hash") or run.run.get("data_hash") or "n/a")[:16]),
        ". To reproduce, run ",
        Code(command),
        " with the spec.toml stored in the run directory; re-running skips finished work and ",
        # the most compact level names the (possibly long) run directory once
        Code(f"archbench report {run.root.name}" if compact < CLIP_LEVEL else "archbench report"),
        " rebuilds this report." if compact < CLIP_LEVEL else " on it rebuilds this report.",
    )
    return Section("Reproducibility", (Paragraph(s),), label="sec-repro")


def _absolute(arg: str) -> bool:
    return (
        arg.startswith("~")
        or PurePosixPath(arg).is_absolute()
        or (PureWindowsPath(arg).is_absolute())
    )


def command_as_given(command: str, run_name: str, *, clip: bool = False) -> str:
    """The recorded command with the paths as the user gave them where they were relative; an
    absolute path (the folders it names may be private and make lines long) becomes its last
    part: the run directory's name for ``--out``, the file name otherwise. ``clip`` (the most
    compact report) shortens every argument longer than ``ARG_CHARS`` in its middle. "" when
    the command is empty or cannot be split."""
    try:
        args = shlex.split(command.strip())
    except ValueError:
        return ""
    out: list[str] = []
    for i, arg in enumerate(args):
        option, eq, value = arg.partition("=") if arg.startswith("--") else ("", "", arg)
        if not _absolute(value):
            out.append(arg)
            continue
        is_out = option == "--out" or (not eq and i > 0 and args[i - 1] == "--out")
        name = run_name if is_out else PurePosixPath(value.replace("\\", "/")).name or value
        out.append(f"{option}={name}" if eq else name)
    if clip:
        return " ".join(_quote(_clip_middle(a, ARG_CHARS)) for a in out)
    return shlex.join(out)


def _quote(arg: str) -> str:
    """``shlex.quote`` that leaves the ellipsis of a shortened argument unquoted."""
    return (
        arg
        if shlex.quote(arg.replace("\u2026", "_")) == arg.replace("\u2026", "_")
        else (shlex.quote(arg))
    )


#: The longest command argument the most compact report prints whole.
ARG_CHARS = 40


def _clip_middle(arg: str, limit: int) -> str:
    """``arg`` shortened in its middle to ``limit`` characters (an ellipsis marks the cut)."""
    if len(arg) <= limit:
        return arg
    tail = limit // 3
    return arg[: limit - tail - 1] + "\u2026" + arg[-tail:]
