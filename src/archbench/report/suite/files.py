"""The files of a suite directory, read once for its report, and what is read off them.

``suite.json`` (settings), ``suite_stats.json`` (the aggregates), ``suite_summary.csv`` (per
task and family) and ``suite_manifest.json`` (timings, optional).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from archbench.errors import StoreError

__all__ = ["SuiteFiles", "load_suite_files"]


@dataclass(frozen=True)
class SuiteFiles:
    """The suite directory's files (:func:`load_suite_files`)."""

    root: Path
    settings: dict[str, Any]
    stats: dict[str, Any]
    summary: pd.DataFrame
    manifest: dict[str, Any]

    @property
    def families(self) -> list[str]:
        return list(self.stats["families"])

    def label(self, fam: str) -> str:
        return str(self.stats["family_labels"].get(fam, fam))

    def split(self, name: str) -> dict[str, Any]:
        return dict(self.stats["splits"].get(name, {}))

    def ranked(self, split: str) -> list[str]:
        """The families by average rank on ``split``, best first."""
        ranks = self.split(split)["rank_test"]["ranks"]
        return sorted(self.families, key=lambda f: ranks[f])

    def poi(self, split: str, a: str, b: str) -> tuple[float, float, float]:
        """P(a > b) on ``split`` with its interval (stored for one order of the pair)."""
        for p in self.split(split)["probability_of_improvement"]:
            if (p["a"], p["b"]) == (a, b):
                return p["estimate"], p["ci_low"], p["ci_high"]
            if (p["a"], p["b"]) == (b, a):
                return 1 - p["estimate"], 1 - p["ci_high"], 1 - p["ci_low"]
        raise KeyError((a, b))

    @property
    def reference_mode(self) -> bool:
        """Whether scores are normalised against each task's reference row (not its worst)."""
        return self.stats.get("normalise", "worst") == "reference"


def load_suite_files(root: Path) -> SuiteFiles:
    """Read the suite directory's files (raises StoreError naming a missing one)."""
    for f in ("suite.json", "suite_stats.json", "suite_summary.csv"):
        if not (root / f).exists():
            raise StoreError(f"{str(root)!r} has no {f}: run 'archbench suite' on it first")
    man = root / "suite_manifest.json"
    return SuiteFiles(
        root,
        json.loads((root / "suite.json").read_text()),
        json.loads((root / "suite_stats.json").read_text()),
        pd.read_csv(root / "suite_summary.csv"),
        json.loads(man.read_text()) if man.exists() else {},
    )
