"""archbench: fair, honest comparisons of three model families on a task of your own.

From Python or a notebook::

    import archbench

    spec = archbench.load_spec("my.toml")            # or archbench.spec_from_dict({...})
    store = archbench.run(spec, out="runs/mine")     # tune, retrain 5 seeds, statistics, report
    stats = archbench.analyze("runs/mine")           # recompute the statistics (stats.json)
    pdf = archbench.write_report("runs/mine")        # rewrite report/report.pdf and LaTeX

    archbench.register_kind(MyKind())                # a task kind of your own (archbench.Kind)
    outcome = archbench.run_suite("suite.toml", out="runs/suite")   # several tasks, one pool

Everything else is importable from its module; these names are the stable surface.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from archbench._version import __version__
from archbench.errors import ArchbenchError, ConfigError, DataError, RunFailed, StoreError

if TYPE_CHECKING:
    from archbench.engine.store import RunStore
    from archbench.spec.model import Spec
    from archbench.spec.suite import SuiteSpec
    from archbench.suite import SuiteOutcome

__all__ = [
    "ArchbenchError",
    "ConfigError",
    "DataError",
    "Kind",
    "MetricSpec",
    "Model",
    "RunFailed",
    "RunStore",
    "StoreError",
    "__version__",
    "analyze",
    "get_kind",
    "load_spec",
    "load_suite",
    "register_kind",
    "run",
    "run_suite",
    "spec_from_dict",
    "write_report",
]


def run(
    spec: Spec | str | Path,
    out: str | Path | None = None,
    *,
    preset: str | None = None,
    executor: str = "local",
    workers: int | None = None,
    address: str | None = None,
    report: bool = True,
    force: bool = False,
) -> RunStore:
    """Run a benchmark (resumable) and return its store; ``spec`` is a Spec or a TOML path."""
    from archbench.pipeline import RunOptions, run_benchmark
    from archbench.spec.load import load_spec
    from archbench.spec.model import Spec

    if not isinstance(spec, Spec):
        spec = load_spec(spec, preset=preset)
    options = RunOptions(
        out=Path(out or spec.default_out()),
        executor=executor,
        workers=workers,
        address=address,
        force=force,
        report=report,
        command="archbench.run(...)",
    )
    return run_benchmark(spec, options)


def run_suite(
    suite: SuiteSpec | str | Path,
    out: str | Path | None = None,
    *,
    executor: str = "local",
    workers: int | None = None,
    address: str | None = None,
    force: bool = False,
) -> SuiteOutcome:
    """Run a suite of tasks on one shared pool (resumable); ``suite`` is a SuiteSpec or a path."""
    from archbench.spec.suite import SuiteSpec, load_suite
    from archbench.suite import SuiteOptions
    from archbench.suite import run_suite as run_all

    if not isinstance(suite, SuiteSpec):
        suite = load_suite(suite)
    options = SuiteOptions(
        out=Path(out or f"runs/suite-{suite.settings.name}-{suite.settings.preset}"),
        executor=executor,
        workers=workers,
        address=address,
        force=force,
    )
    return run_all(suite, options)


def analyze(run_dir: str | Path, **kwargs: Any) -> dict[str, Any]:
    """Recompute the statistics of a finished run; returns stats.json's content."""
    from archbench.analysis.run import analyze_run

    return analyze_run(Path(run_dir), **kwargs)


def write_report(run_dir: str | Path) -> Path:
    """Rewrite the report of a finished run; returns the PDF's path."""
    from archbench.report.build import write_report as write

    return write(Path(run_dir))


def __getattr__(name: str) -> Any:
    """Lazy access to the public classes and functions (keeps ``import archbench`` light)."""
    where = {
        "Kind": ".kinds.base",
        "Model": ".kinds.family",
        "MetricSpec": ".kinds.metric",
        "register_kind": ".kinds",
        "get_kind": ".kinds",
        "load_spec": ".spec.load",
        "spec_from_dict": ".spec.load",
        "load_suite": ".spec.suite",
        "RunStore": ".engine.store",
    }
    if name in where:
        import importlib

        return getattr(importlib.import_module(where[name], __name__), name)
    raise AttributeError(f"module 'archbench' has no attribute {name!r}")
