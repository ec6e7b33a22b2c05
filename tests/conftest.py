from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

# Keep numeric libraries at one thread in the test process, as the workers are.
os.environ.setdefault("OMP_NUM_THREADS", "1")

TINY_SPEC = """\
[task]
name = "california"

[split]
max_train_rows = 600
max_val_rows = 300
max_test_rows = 300
max_shift_rows = 300

[budget]
trials = 3
batch = 2
startup_trials = 2

[seeds]
count = {seeds}

[families.mlp]
max_epochs = 3
patience = 2

[families.ft_transformer]
max_epochs = 2
patience = 1
params = {{ n_blocks = 1, d_block = 16 }}

[families.gbdt]
max_rounds = 40
early_stopping_rounds = 10

[report]
enabled = false
"""


@pytest.fixture
def tiny_spec(tmp_path: Path):
    """Write a tiny spec (seconds to run) and return its path."""

    def make(seeds: int = 2, name: str = "tiny.toml", extra: str = "") -> Path:
        p = tmp_path / name
        p.write_text(TINY_SPEC.format(seeds=seeds) + extra)
        return p

    return make


@pytest.fixture
def archbench_cmd() -> list[str]:
    return [sys.executable, "-m", "archbench.cli"]


@pytest.fixture(autouse=True, scope="module")
def _kind_registry_restored() -> Iterator[None]:
    """Kinds a test module registers (the toy kind) do not leak into later modules."""
    import archbench.kinds.registry as kinds

    saved = dict(kinds._KINDS)
    yield
    kinds._KINDS.clear()
    kinds._KINDS.update(saved)
