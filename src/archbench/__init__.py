"""archbench: fair, honest comparisons of three model families on a task of your own.

From Python or a notebook::

    import archbench

    spec = archbench.load_spec("my.toml")            # or archbench.spec_from_dict({...})
    store = archbench.run(spec, out="runs/mine")     # tune, retrain 5 seeds, statistics, report
    stats = archbench.analyze("runs/mine")           # recompute the statistics (stats.json)
    pdf = archbench.write_report("runs/mine")        # rewrite report/report.pdf and LaTeX

    archbench.register_kind(MyKind())                # a task kind of your own (archbench.Kind)

Everything else is importable from its module; these names are the stable surface.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

if TYPE_CHECKING:
    from archbench.spec.model import Spec
    from archbench.engine.store import RunStore

__all__ = [
    "Kind",
    "MetricSpec",
    "Model",
    "analyze",
    "get_kind",
    "load_spec",
    "register_kind",
    "run",
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
    from archbench.spec.model import Spec, load_spec
    from archbench.pipeline import RunOptions, run_benchmark

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
        "Model": ".family",
        "MetricSpec": ".metrics",
        "register_kind": ".kinds",
        "get_kind": ".kinds",
        "load_spec": ".config",
        "spec_from_dict": ".config",
    }
    if name in where:
        import importlib

        return getattr(importlib.import_module(where[name], __name__), name)
    raise AttributeError(f"module 'archbench' has no attribute {name!r}")
