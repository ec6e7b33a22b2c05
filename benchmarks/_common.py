"""Helpers shared by the benchmark scripts: the machine description, JSON output, tables.

Every script writes ``benchmarks/results/<name>.json`` (or ``--out``) holding ``machine`` (CPU
model, cores, memory, versions, load average at start and end), ``command`` and its results,
and prints a plain-text table. Scripts never assert a time.
"""

from __future__ import annotations

import json
import os
import platform
import statistics
import subprocess
import sys
import time
from collections.abc import Sequence
from importlib import metadata
from pathlib import Path
from typing import Any

from archbench.engine.manifest import cpu_model
from archbench.engine.manifest import usable_cores as cores

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results"
PACKAGES = (
    "archbench",
    "torch",
    "lightgbm",
    "optuna",
    "numpy",
    "pandas",
    "scikit-learn",
    "rtdl_revisiting_models",
    "psutil",
)


def versions(names: Sequence[str] = PACKAGES) -> dict[str, str]:
    out = {}
    for n in names:
        try:
            out[n] = metadata.version(n)
        except metadata.PackageNotFoundError:
            out[n] = "not installed"
    return out


def git_commit() -> str:
    try:
        return subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True, text=True, timeout=10
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return ""


def machine() -> dict[str, Any]:
    """What the numbers were measured on; load averages are filled by ``Recorder``."""
    mem = None
    try:
        import psutil

        mem = round(psutil.virtual_memory().total / 2**30, 1)
    except ImportError:  # pragma: no cover
        pass
    gpu = None
    try:
        import torch

        if torch.cuda.is_available():
            gpu = torch.cuda.get_device_name(0)
    except ImportError:  # pragma: no cover
        pass
    return {
        "cpu": cpu_model(),
        "cores": cores(),
        "memory_gib": mem,
        "gpu": gpu,
        "platform": platform.platform(),
        "python": sys.version.split()[0],
        "versions": versions(),
        "git_commit": git_commit(),
    }


class Recorder:
    """Collects results and writes them with the machine description and load averages."""

    def __init__(self, name: str, argv: Sequence[str], out: str | None = None) -> None:
        self.name = name
        self.path = Path(out) if out else RESULTS / f"{name}.json"
        self.started = time.time()
        self.data: dict[str, Any] = {
            "benchmark": name,
            "command": " ".join(["python", f"benchmarks/{name}.py", *argv]),
            "started_utc": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(self.started)),
            "machine": machine(),
            "load_average_start": list(os.getloadavg()),
        }

    def write(self, **results: Any) -> Path:
        self.data.update(results)
        self.data["load_average_end"] = list(os.getloadavg())
        self.data["duration_s"] = round(time.time() - self.started, 1)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_suffix(".json.tmp")
        tmp.write_text(json.dumps(self.data, indent=2, sort_keys=False, default=_plain) + "\n")
        tmp.replace(self.path)
        print(f"\nwrote {self.path}")
        return self.path


def _plain(obj: Any) -> Any:
    try:
        import numpy as np

        if isinstance(obj, np.generic):
            return obj.item()
        if isinstance(obj, np.ndarray):
            return obj.tolist()
    except ImportError:  # pragma: no cover
        pass
    return str(obj)


def median(xs: Sequence[float]) -> float:
    return float(statistics.median(xs)) if xs else float("nan")


def table(rows: Sequence[dict[str, Any]], columns: Sequence[str] | None = None) -> str:
    """A GitHub-markdown table of ``rows`` (floats to 3 significant digits)."""
    if not rows:
        return "(no rows)"
    cols = list(columns or rows[0].keys())

    def fmt(v: Any) -> str:
        if isinstance(v, float):
            return f"{v:.3g}" if abs(v) < 1000 else f"{v:.0f}"
        return str(v)

    lines = ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
    lines += ["| " + " | ".join(fmt(r.get(c, "")) for c in cols) + " |" for r in rows]
    return "\n".join(lines)
