"""The environment manifest: versions, hardware, git commit, hashes of spec and data."""

from __future__ import annotations

import platform
import subprocess
import sys
import time
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING, Any

from archbench.engine.machine import cpu_model, gpu_info, usable_cores

if TYPE_CHECKING:
    from archbench.kinds.base import Prepared
    from archbench.spec.model import Spec

PACKAGES = (
    "archbench",
    "torch",
    "numpy",
    "pandas",
    "scipy",
    "scikit-learn",
    "optuna",
    "lightgbm",
    "xgboost",
    "xgboost-cpu",
    "catboost",
    "rtdl_revisiting_models",
    "pyarrow",
    "matplotlib",
    "typst",
    "ray",
)


def _git_commit() -> str | None:
    here = Path(__file__).resolve().parent
    try:
        out = subprocess.run(
            ["git", "-C", str(here), "rev-parse", "HEAD"],
            capture_output=True,
            text=True,
            timeout=5,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout.strip() or None if out.returncode == 0 else None


def environment_manifest(
    spec: Spec,
    prepared: Prepared,
    *,
    executor_name: str,
    workers: int,
    command: str = "",
    gpu: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The machine, versions and hashes of a run. ``gpu``: as a local worker reported it
    (the driver then need not import torch); None asks torch here."""

    versions = {}
    for name in PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            continue
    import psutil

    return {
        "created": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "cpu": cpu_model(),
        "cores": usable_cores(),
        "memory_gib": round(psutil.virtual_memory().total / 2**30, 1),
        "gpu": gpu if gpu is not None else gpu_info(),
        "device": spec.device,
        "packages": versions,
        "git_commit": _git_commit(),
        "spec_hash": spec.digest(),
        "data_hash": prepared.data_hash,
        "split_hash": prepared.split_digest,
        "executor": executor_name,
        "workers": workers,
        "threads_per_worker": spec.budget.threads_per_worker,
        "command": command,
    }
