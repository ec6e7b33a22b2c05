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
from archbench.cli.init import cmd_init, spec_template
from archbench.cli.progress import RunProgress, SuiteProgressLines
from archbench.cli.show import print_stats, print_suite
from archbench.errors import ArchbenchError, ConfigError

__all__ = ["entry", "main", "spec_template"]

EXAMPLES = """\
examples:
  archbench run                                   the default benchmark -> runs/flights-default
  archbench run --preset quick --out runs/quick   a first look in about a minute
  archbench init --task csv --out my.toml         write a spec for your own CSV/Parquet file
  archbench run --spec my.toml --out runs/mine    run it (re-run the same command to resume)
  archbench stats runs/mine                       recompute the statistics, print the tables
  archbench report runs/mine                      rewrite the PDF and LaTeX report
"""

RUN_HELP = """\
Tune three model families (tables: MLP, FT-Transformer, gradient-boosted trees; time series:
N-HiTS-style MLP, PatchTST, LightGBM on lags; text: MLP, Transformer encoder, LightGBM on
n-grams) under one shared trial budget (selection on validation data only), retrain each
family's best configuration with every seed, evaluate on the in-distribution test set and the
shift set, compute mean and 95% CI per metric plus a paired test between the top two
families, and write a 4-page report.

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
        help="sizes and budget: quick (~1-2 min), default (<= 5 min), thorough (hours)",
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


def _run_settings(args: argparse.Namespace) -> dict[str, Any]:
    """The options ``run`` and ``suite`` share (executor, workers, force, report, command)."""
    if args.workers is not None and args.workers < 1:
        raise ConfigError(f"--workers {args.workers}: use 1 or more")
    return {
        "executor": args.executor,
        "workers": args.workers,
        "address": args.address,
        "force": args.force,
        "report": not args.no_report,
        "command": "archbench " + " ".join(shlex.quote(a) for a in sys.argv[1:]),
    }


def _cmd_run(args: argparse.Namespace, console: Any) -> int:
    from archbench.pipeline import RunOptions, run_benchmark

    spec = _build_spec(args)
    out = Path(args.out or spec.default_out())
    options = RunOptions(out=out, **_run_settings(args))
    progress = None if args.quiet else RunProgress(console)
    try:
        store = run_benchmark(spec, options, progress=progress)
    finally:
        if progress is not None:
            progress.stop()
    if not args.quiet:
        print_stats(console, store.root)
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
        print_stats(console, run_dir, full=True)
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


def _cmd_suite(args: argparse.Namespace, console: Any) -> int:
    from archbench.spec.suite import builtin_suite, load_suite
    from archbench.suite import SuiteOptions, run_suite

    if bool(args.builtin) == bool(args.suite_file):
        raise ConfigError("pass a suite file or --builtin (one of the two)")
    if args.preset and not args.builtin:
        raise ConfigError("--preset goes with --builtin; set suite.preset in the suite file")
    settings = _run_settings(args)
    suite = builtin_suite(args.preset or "default") if args.builtin else load_suite(args.suite_file)
    name = suite.settings.name
    out = Path(args.out or f"runs/suite-{name}-{suite.settings.preset}")
    options = SuiteOptions(out=out, **settings)
    progress = None if args.quiet else SuiteProgressLines(console)
    outcome = run_suite(suite, options, progress=progress)
    if not args.quiet:
        print_suite(console, out)
        took = outcome.timings.get("total_s", 0.0)
        console.print(f"\nsuite of {len(outcome.done)} tasks finished in {took:.0f} s")
        console.print(f"Results: [bold]{out}[/] (suite_summary.csv, suite_stats.json)")
        pdf = out / "report" / "suite_report.pdf"
        if pdf.exists():
            console.print(f"Report:  [bold]{pdf}[/] (LaTeX source in {pdf.parent / 'latex'})")
    return 0


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
        "init": cmd_init,
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
