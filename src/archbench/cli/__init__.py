"""The command line: parse, build the spec, call one library function, talk to the user.

User errors (ArchbenchError) become one line on stderr and exit code 2; nothing else in the
package prints.
"""

from __future__ import annotations

import argparse
import logging
import os
import shlex
import sys
from pathlib import Path
from typing import Any

from archbench._version import __version__
from archbench.errors import ArchbenchError, ConfigError

__all__ = ["entry", "main", "spec_template"]

EXAMPLES = """\
examples:
  archbench run                                   the default benchmark -> runs/flights-default
  archbench run --preset quick --out runs/quick   a first look in under a minute
  archbench init --task csv --out my.toml         write a spec for your own CSV/Parquet file
  archbench run --spec my.toml --out runs/mine    run it (re-run the same command to resume)
  archbench stats runs/mine                       recompute the statistics, print the tables
  archbench report runs/mine                      rewrite the PDF and LaTeX report
"""

RUN_HELP = """\
Tune an MLP, an FT-Transformer and gradient-boosted trees under one shared trial budget
(selection on validation data only), retrain each family's best configuration with every
seed, evaluate on the in-distribution test set and the shift set, compute mean and 95% CI
per metric plus a paired test between the top two families, and write a 4-page report.

The run directory (--out) is the results store: results.parquet (family, seed, split, metric,
value), predictions.parquet, trials.parquet, summary.csv, comparisons.csv, stats.json and
report/report.pdf. Running the same command again resumes: finished trials and seeds are never
trained again.
"""


def _builtin_names() -> tuple[str, ...]:
    from archbench.kinds import builtin_tasks

    return builtin_tasks()


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="archbench",
        description="Fair, honest comparisons of three model families on a tabular task.",
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--version", action="version", version=f"archbench {__version__}")
    sub = p.add_subparsers(dest="command", metavar="COMMAND")

    r = sub.add_parser(
        "run",
        help="run a benchmark (resumable)",
        description=RUN_HELP,
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    r.add_argument("--spec", metavar="FILE", help="TOML spec (default: the built-in flights task)")
    r.add_argument(
        "--task",
        metavar="NAME",
        help=f"built-in task when no --spec is given: {', '.join(_builtin_names())}",
    )
    r.add_argument(
        "--preset",
        choices=["quick", "default", "thorough"],
        help="sizes and budget: quick (<1 min), default (~5 min), thorough (hours)",
    )
    r.add_argument(
        "--out",
        metavar="DIR",
        help="run directory (default: the spec's output.dir, else runs/TASK-PRESET)",
    )
    r.add_argument(
        "--workers",
        type=int,
        metavar="N",
        help="worker processes (default: one per core); results do not depend on it",
    )
    r.add_argument(
        "--executor",
        choices=["local", "ray"],
        default="local",
        help="local process pool (default) or a Ray cluster",
    )
    r.add_argument(
        "--address",
        metavar="ADDR",
        help="Ray cluster address (with --executor ray); default: start a local Ray",
    )
    r.add_argument("--trials", type=int, metavar="N", help="override budget.trials")
    r.add_argument("--seeds", type=int, metavar="N", help="override seeds.count")
    r.add_argument("--device", metavar="DEV", help="auto (default: CUDA when available), cpu, cuda")
    r.add_argument(
        "--force", action="store_true", help="discard an earlier run of a different spec in --out"
    )
    r.add_argument("--no-report", action="store_true", help="skip the PDF/LaTeX report")
    r.add_argument("--quiet", action="store_true", help="no progress bars or tables")

    i = sub.add_parser("init", help="write a commented spec to edit")
    i.add_argument(
        "--task",
        default="flights",
        help=(
            "a built-in task, or a kind's own word: csv (your table), text (your texts), "
            "forecasting (your series), suite (several tasks); default flights"
        ),
    )
    i.add_argument(
        "--out", default="archbench.toml", metavar="FILE", help="where to write the spec"
    )
    i.add_argument("--force", action="store_true", help="overwrite an existing file")

    s = sub.add_parser("stats", help="recompute statistics of a run directory and print them")
    s.add_argument("run_dir", metavar="RUN_DIR")
    s.add_argument(
        "--ci",
        choices=["t", "bootstrap"],
        default="t",
        help="interval over seeds: Student t (default) or bootstrap percentile",
    )
    s.add_argument("--quiet", action="store_true")

    rep = sub.add_parser("report", help="rewrite report/report.pdf and report/latex/")
    rep.add_argument("run_dir", metavar="RUN_DIR")
    _suite_parser(sub)
    return p


SUITE_HELP = """\
Run several tasks (built-in names or spec files, any kind) with one shared budget, each in its
own run directory under --out, on one pool of workers; then compare the families across tasks
(normalised scores with IQM and stratified bootstrap intervals, probability of improvement,
average ranks with Friedman/Nemenyi, Wilcoxon-Holm, win/tie/loss, ranking flips under shift)
and write suite_summary.csv, suite_stats.json and report/suite_report.pdf. Running the same
command again resumes task by task and unit by unit.

examples:
  archbench init --task suite --out suite.toml    write a commented suite file
  archbench suite suite.toml --out runs/my-suite  run it (re-run to resume)
  archbench suite --builtin                       every built-in task, default preset
  archbench suite suite.toml --executor ray --address HEAD:6379   every task on one Ray cluster
"""


def _suite_parser(sub: Any) -> None:
    s = sub.add_parser(
        "suite",
        help="run a suite of tasks and compare the families across them (resumable)",
        description=SUITE_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    s.add_argument("suite_file", nargs="?", metavar="SUITE.toml", help="the suite file")
    s.add_argument("--builtin", action="store_true", help="the built-in suite (built-in tasks)")
    s.add_argument(
        "--preset",
        choices=["quick", "default", "thorough"],
        help="with --builtin: the preset of every task (default: default)",
    )
    s.add_argument("--out", metavar="DIR", help="suite directory (default runs/suite-NAME)")
    s.add_argument("--workers", type=int, metavar="N", help="worker processes (default: cores)")
    s.add_argument(
        "--executor",
        choices=["local", "ray", "inline"],
        default="local",
        help="one shared local pool (default), one Ray job for every task, or inline (debugging)",
    )
    s.add_argument(
        "--address",
        metavar="ADDR",
        help="Ray cluster address (with --executor ray); default: start a local Ray",
    )
    s.add_argument("--force", action="store_true", help="discard earlier runs of other specs")
    s.add_argument("--no-report", action="store_true", help="skip the PDF/LaTeX reports")
    s.add_argument("--quiet", action="store_true", help="no progress lines")


class _OneLine(logging.Handler):
    def __init__(self, console: Any) -> None:
        super().__init__(logging.WARNING)
        self.console = console

    def emit(self, record: logging.LogRecord) -> None:
        from rich.markup import escape

        self.console.print(
            f"[yellow]warning:[/] {escape(record.getMessage())}",
            highlight=False,
            soft_wrap=True,
            emoji=False,
        )


def _build_spec(args: argparse.Namespace) -> Any:
    from archbench.spec.load import load_spec, spec_from_dict

    if args.spec:
        if args.task:
            raise ConfigError("--task and --spec are exclusive: set task.name in the spec")
        spec = load_spec(args.spec, preset=args.preset)
    else:
        spec = spec_from_dict({"task": {"name": args.task or "flights"}}, preset=args.preset)
    over: dict[str, Any] = {}
    if args.trials is not None:
        over.setdefault("budget", {})["trials"] = args.trials
    if args.seeds is not None:
        over.setdefault("seeds", {})["count"] = args.seeds
    if args.device:
        over["device"] = args.device
    if over:
        from archbench.spec.load import merge_dicts

        data = merge_dicts(spec.to_dict(), over)
        data.pop("preset")
        spec = spec_from_dict(data, preset=spec.preset)
    return spec


def _cmd_run(args: argparse.Namespace, console: Any) -> int:
    from archbench.pipeline import RunOptions, run_benchmark

    spec = _build_spec(args)
    if args.workers is not None and args.workers < 1:
        raise ConfigError(f"--workers {args.workers}: use 1 or more")
    out = Path(args.out or spec.default_out())
    options = RunOptions(
        out=out,
        executor=args.executor,
        workers=args.workers,
        address=args.address,
        force=args.force,
        report=not args.no_report,
        command="archbench " + " ".join(shlex.quote(a) for a in sys.argv[1:]),
    )
    progress = None if args.quiet else _Progress(console)
    try:
        store = run_benchmark(spec, options, progress=progress)
    finally:
        if progress is not None:
            progress.stop()
    if not args.quiet:
        _print_stats(console, store.root)
        import json

        man = json.loads(store.path("manifest.json").read_text())
        took = man.get("timings", {}).get("total_s")
        if took is not None:
            console.print(f"\nfinished in {took:.0f} s on {man.get('workers')} worker(s)")
        console.print(
            f"\nResults: [bold]{store.root}[/] (results.parquet, summary.csv, "
            "comparisons.csv, stats.json)"
        )
        pdf = store.path("report", "report.pdf")
        if pdf.exists():
            console.print(f"Report:  [bold]{pdf}[/] (LaTeX source in {pdf.parent / 'latex'})")
    return 0


class _Progress:
    """rich progress bars, one per family for its trials, then its seeds; when standard output
    is not a terminal (a log file, CI, nohup), one line per finished stage with elapsed time."""

    def __init__(self, console: Any) -> None:
        import time

        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeElapsedColumn,
        )

        self.console = console
        self.plain = not console.is_terminal
        self.t0 = time.perf_counter()
        self.bar = Progress(
            TextColumn("{task.description:<28}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=console,
            transient=False,
        )
        self.tasks: dict[tuple[str, str], Any] = {}
        self.done: dict[tuple[str, str], list[int]] = {}  # [done, total] per stage (plain)
        self.started = False

    def _line(self, text: str) -> None:
        import time

        took = time.perf_counter() - self.t0
        self.console.print(f"[{took:7.1f} s] {text}", highlight=False, markup=False)

    def __call__(self, event: str, info: dict[str, Any]) -> None:
        if event == "start":
            if self.plain:
                self._line(
                    f"data prepared; running on {info['workers']} {info['executor']} worker(s)"
                )
                for fam, t in info["families"].items():
                    self.done[(fam, "trial")] = [t["trials_done"], t["trials"]]
                    self.done[(fam, "seed")] = [t["seeds_done"], t["seeds"]]
                self.started = True
                return
            self.bar.console.print(f"running on {info['workers']} {info['executor']} worker(s)")
            for fam, t in info["families"].items():
                self.tasks[(fam, "trial")] = self.bar.add_task(
                    f"{fam} trials", total=t["trials"], completed=t["trials_done"]
                )
                self.tasks[(fam, "seed")] = self.bar.add_task(
                    f"{fam} seeds", total=t["seeds"], completed=t["seeds_done"]
                )
            self.bar.start()
            self.started = True
        elif event == "unit" and self.started:
            key = (info["family"], info["kind"])
            if not self.plain:
                self.bar.advance(self.tasks[key])
            elif key in self.done:
                self.done[key][0] += 1
                n, total = self.done[key]
                if n == total:
                    what = "trials" if key[1] == "trial" else "final seeds"
                    self._line(f"{key[0]}: {total} {what} done")
        elif event == "report":
            self.stop()
            if self.plain:
                self._line("units and statistics done; writing the report ...")
            else:
                self.bar.console.print("writing the report ...")

    def stop(self) -> None:
        if self.started and not self.plain:
            self.bar.stop()
        self.started = False


def _name_column(table: Any, header: str, names: list[str]) -> None:
    """A left column whose names are never cut (a terminal that is not a TTY is 80 columns
    wide): as wide as its longest name; the number columns wrap instead."""
    width = max([len(header), *(len(n) for n in names)])
    table.add_column(header, justify="left", no_wrap=True, min_width=width)


def _print_comparisons(console: Any, stats: dict[str, Any], labels: dict[str, str]) -> None:
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
            _name_column(t, col, names[col])
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


def _print_tests(console: Any, stats: dict[str, Any], labels: dict[str, str]) -> None:
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


def _print_stats(
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
    t = Table(
        title=f"mean ± {conf} CI half-width ({len(run['seeds'])} seeds; {noise})",
        title_justify="left",
    )
    _name_column(t, "family", [labels.get(f, f) for f in run["families"]])
    _name_column(t, "split", ["validation", "ID test", "shift"])
    for m in run["metrics"]:
        arrow = "↑" if run["higher_is_better"][m] else "↓"
        t.add_column(f"{m} {arrow}", justify="right", overflow="fold")
    for split in ("val", "test", "shift"):
        for k, fam in enumerate(run["families"]):
            row = [
                labels.get(fam, fam),
                {"val": "validation", "test": "ID test", "shift": "shift"}[split],
            ]
            for m in run["metrics"]:
                r = summary[
                    (summary.family == fam) & (summary.split == split) & (summary.metric == m)
                ]
                if r.empty:
                    row.append("-")
                    continue
                r0 = r.iloc[0]
                if pd.isna(r0["ci_low"]) or pd.isna(r0["ci_high"]):
                    row.append(f"{r0['mean']:.6g} (all seeds equal)")
                    continue
                half = (r0["ci_high"] - r0["ci_low"]) / 2
                row.append(mean_pm(float(r0["mean"]), float(half)))
            t.add_row(*row, end_section=k == len(run["families"]) - 1)
    console.print(t)
    if stats is None:
        return
    primary = stats["primary_metric"]
    if comparisons:
        _print_comparisons(console, stats, labels)
    console.print(
        f"[bold]Top two[/] ({stats['top_two']['rule']}): "
        + " vs ".join(labels.get(f, f) for f in stats["top_two"]["families"])
    )
    _print_tests(console, stats, labels)
    if not full:
        _print_brief(console, run_dir, stats, labels)
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


def mean_pm(mean: float, half: float) -> str:
    """``mean ± half`` with two significant digits of the half-width and the mean to the same
    decimal place: 0.617 ± 0.023, 16176 ± 166 (never 16175.6970 ± 165.6320)."""
    import math

    if not math.isfinite(half) or half <= 0:
        return f"{mean:.6g} ± {half:g}"
    decimals = max(0, 1 - math.floor(math.log10(half)))
    return f"{mean:.{decimals}f} ± {half:.{decimals}f}"


def _reference_beats_all(run_dir: Path) -> str:
    """The abstract's sentence on reference rows that beat every family ("" if none or the run
    directory cannot be read as a report would)."""
    from archbench.errors import StoreError
    from archbench.report.beaten import reference_beats_all
    from archbench.report.rundata import load_run

    try:
        return reference_beats_all(load_run(run_dir))
    except (StoreError, OSError, ValueError, KeyError):
        return ""


def _print_brief(
    console: Any, run_dir: Path, stats: dict[str, Any], labels: dict[str, str]
) -> None:
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
    beaten = _reference_beats_all(run_dir)
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


def _cmd_stats(args: argparse.Namespace, console: Any) -> int:
    from archbench.analysis.run import analyze_run

    run_dir = Path(args.run_dir)
    for f in ("run.json", "results.parquet", "predictions.parquet"):
        if not (run_dir / f).exists():
            raise ConfigError(
                f"RUN_DIR {str(run_dir)!r} has no {f}: is it a finished "
                "archbench run? (run 'archbench run --out DIR' first)"
            )
    analyze_run(run_dir, ci_method=args.ci)
    if not args.quiet:
        _print_stats(console, run_dir, full=True)
        console.print(
            f"\nwrote {run_dir / 'summary.csv'}, {run_dir / 'comparisons.csv'}, "
            f"{run_dir / 'stats.json'}"
        )
    return 0


def _cmd_report(args: argparse.Namespace, console: Any) -> int:
    from archbench.report.build import write_report

    run_dir = Path(args.run_dir)
    if not (run_dir / "stats.json").exists():
        raise ConfigError(
            f"RUN_DIR {str(run_dir)!r} has no stats.json: run 'archbench run' "
            "(or 'archbench stats') on it first"
        )
    pdf = write_report(run_dir)
    console.print(f"wrote {pdf} and {pdf.parent / 'latex'}")
    return 0


def spec_template(variant: str) -> str:
    """The commented spec of the first kind that answers to ``variant`` (a built-in task name,
    "csv", a kind's own word such as "forecasting"); "suite" gives a suite file."""
    from archbench.kinds import all_kinds

    if variant == "suite":
        from archbench.spec.suite import suite_template

        return suite_template()

    for kind in all_kinds():
        text = kind.init_template(variant)
        if text is not None:
            return text
    words = [w for k in all_kinds() for w in (*k.builtin_tasks, *k.init_words)] + ["suite"]
    raise ConfigError(f"--task {variant!r} is unknown; use one of {', '.join(words)}")


def _cmd_init(args: argparse.Namespace, console: Any) -> int:
    out = Path(args.out)
    if out.exists() and not args.force:
        raise ConfigError(f"{str(out)!r} exists; pass --force to overwrite or choose --out")
    if out.exists() and out.is_dir():
        raise ConfigError(f"{str(out)!r} is a directory; --out must be a file name")
    text = spec_template(args.task)
    from archbench.engine.store import atomic_write_text

    atomic_write_text(out, text)
    command = f"archbench suite {out}" if args.task == "suite" else f"archbench run --spec {out}"
    console.print(f"wrote {out}; edit it, then: {command}")
    return 0


def _cmd_suite(args: argparse.Namespace, console: Any) -> int:
    from archbench.suite import SuiteOptions, run_suite
    from archbench.spec.suite import builtin_suite, load_suite

    if bool(args.builtin) == bool(args.suite_file):
        raise ConfigError("pass a suite file or --builtin (one of the two)")
    if args.preset and not args.builtin:
        raise ConfigError("--preset goes with --builtin; set suite.preset in the suite file")
    if args.workers is not None and args.workers < 1:
        raise ConfigError(f"--workers {args.workers}: use 1 or more")
    suite = builtin_suite(args.preset or "default") if args.builtin else load_suite(args.suite_file)
    name = suite.settings.name
    out = Path(args.out or f"runs/suite-{name}-{suite.settings.preset}")
    options = SuiteOptions(
        out=out,
        executor=args.executor,
        workers=args.workers,
        address=args.address,
        force=args.force,
        report=not args.no_report,
        command="archbench " + " ".join(shlex.quote(a) for a in sys.argv[1:]),
    )
    progress = None if args.quiet else _SuiteProgress(console)
    outcome = run_suite(suite, options, progress=progress)
    if not args.quiet:
        _print_suite(console, out)
        took = outcome.timings.get("total_s", 0.0)
        console.print(f"\nsuite of {len(outcome.done)} tasks finished in {took:.0f} s")
        console.print(f"Results: [bold]{out}[/] (suite_summary.csv, suite_stats.json)")
        pdf = out / "report" / "suite_report.pdf"
        if pdf.exists():
            console.print(f"Report:  [bold]{pdf}[/] (LaTeX source in {pdf.parent / 'latex'})")
    return 0


def _print_suite(console: Any, root: Path) -> None:
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
    _name_column(t, "family", [*labels.values(), "Friedman p"])
    _name_column(t, "split", ["ID test", "shift"])
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


class _SuiteProgress:
    """One line per task start and end, and a count of units every tenth unit."""

    def __init__(self, console: Any) -> None:
        self.console = console
        self.units = 0

    def __call__(self, event: str, info: dict[str, Any]) -> None:
        if event == "task_start":
            self.console.print(f"task {info['task']}: started")
        elif event == "task_done":
            self.console.print(f"task {info['task']}: done")
        elif event == "task_failed":
            self.console.print(f"task {info['task']}: [red]failed[/]", highlight=False)
        elif event == "unit":
            self.units += 1
            if self.units % 10 == 0:
                self.console.print(f"{self.units} units finished (last: {info['task']})")
        elif event == "report":
            self.console.print("writing the reports ...")


def main(argv: list[str] | None = None) -> int:
    from rich.console import Console

    console = Console(stderr=False)
    err = Console(stderr=True)
    args = _parser().parse_args(argv)
    if args.command is None:
        _parser().print_help()
        return 2
    root = logging.getLogger("archbench")
    root.setLevel(logging.INFO)
    quiet = getattr(args, "quiet", False)
    handler: logging.Handler = logging.NullHandler() if quiet else _OneLine(err)
    root.addHandler(handler)  # removed on return: main() may run again in one process
    try:
        return _dispatch(args, console, err)
    finally:
        root.removeHandler(handler)


def _dispatch(args: argparse.Namespace, console: Any, err: Any) -> int:
    """Run the command; a user error is one red line and exit 2, Ctrl-C/SIGTERM exit 130."""
    handlers = {
        "run": _cmd_run,
        "init": _cmd_init,
        "stats": _cmd_stats,
        "report": _cmd_report,
        "suite": _cmd_suite,
    }
    _interrupt_on_sigterm()
    try:
        return handlers[args.command](args, console)
    except ArchbenchError as exc:
        msg = " ".join(str(exc).split())
        from rich.markup import escape

        err.print(f"[red]error:[/] {escape(msg)}", highlight=False, soft_wrap=True, emoji=False)
        return 2
    except KeyboardInterrupt:
        err.print("interrupted; run the same command again to resume (finished units are kept)")
        return 130


def _interrupt_on_sigterm() -> None:
    """Treat SIGTERM (kill, a scheduler's time limit) like Ctrl-C: the run stops its worker
    pool and fork server instead of leaving them computing, and resumes when run again."""
    import signal

    def stop(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    try:
        signal.signal(signal.SIGTERM, stop)
    except ValueError:  # pragma: no cover - not the main thread (embedded use)
        pass


def entry() -> None:
    """The ``archbench`` command: :func:`main`, then a prompt exit.

    The exit handlers run as at a normal exit (multiprocessing's clean-up, logging), then the
    process leaves without the interpreter's teardown of pandas, scipy, matplotlib and their
    modules (~0.5 s of garbage collection). An uncaught exception takes the normal path and
    prints its traceback.
    """
    import atexit

    code = main()
    atexit._run_exitfuncs()  # what Python runs at exit (multiprocessing clean-up, logging)
    for stream in (sys.stdout, sys.stderr):
        stream.flush()
    os._exit(code)


if __name__ == "__main__":  # pragma: no cover
    entry()
