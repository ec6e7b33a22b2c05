"""mypy refuses to mix two kinds' types: one kind's splits in another kind's ``prepare``, one
kind's part in another kind's family, the wrong info in ``subsample``.

Runs mypy (the project's settings, a folder of the project's cache; seconds) on a snippet
beside right-typed lines: the errors must be exactly the planted ones, so a kind whose
signatures fall back to ``Any`` (or an archbench mypy cannot find) fails here.
``tests/typecheck/kind_flow.py`` is the positive side, checked by ``make lint``.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("mypy")

ROOT = Path(__file__).resolve().parents[2]

SNIPPET = """
from archbench.kinds.forecasting.kind import ForecastingKind
from archbench.kinds.tabular.kind import TabularKind
from archbench.kinds.text.kind import TextKind
from archbench.spec.model import Spec


def mixed(spec: Spec) -> None:
    tables, texts, series = TabularKind(), TextKind(), ForecastingKind()
    table_data, text_data = tables.load(spec), texts.load(spec)
    table_splits, text_splits = tables.split(table_data, spec), texts.split(text_data, spec)
    text_prepared = texts.prepare(text_data, text_splits, spec)
    texts.prepare(text_data, table_splits, spec)  # PLANTED: tabular Splits, not TextSplits
    table_prepared = tables.prepare(table_data, table_splits, spec)
    part, info = text_prepared.parts["train"], text_prepared.info
    tables.model("gbdt")().fit(part, part, table_prepared.info, seed=0)  # PLANTED: TextPart
    series.subsample(series.prepare(series.load(spec), series.split(series.load(spec), spec),
                                    spec).parts["train"], 10, 0, info)  # PLANTED: TextInfo
    texts.subsample(part, 10, 0, info)
"""


def test_mypy_refuses_one_kinds_types_in_another_kind(tmp_path: Path) -> None:
    snippet = tmp_path / "archbench_kind_mix.py"
    snippet.write_text(SNIPPET)
    planted = [i for i, line in enumerate(SNIPPET.splitlines(), 1) if "PLANTED" in line]
    # without site-packages (numpy, pandas, torch read as Any: the planted errors are
    # archbench's own types), so that a cold run takes seconds; its own folder in the project's
    # cache, so that it never invalidates the cache of ``make lint``
    out = subprocess.run(
        [sys.executable, "-m", "mypy", "--config-file", str(ROOT / "pyproject.toml"),
         "--no-site-packages", "--cache-dir", str(ROOT / ".mypy_cache" / "kind_mix"),
         "--no-error-summary", str(snippet)],
        cwd=ROOT, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    errors = re.findall(r"archbench_kind_mix\.py:(\d+): error: (.*)", out.stdout)
    assert sorted({int(line) for line, _ in errors}) == planted, out.stdout + out.stderr
    said = " | ".join(msg for _, msg in errors)
    assert '"Splits"; expected "TextSplits"' in said, said
    assert '"TextPart"; expected "Matrix"' in said, said
    assert '"TextInfo"; expected "ForecastInfo"' in said, said
