"""The scheduler keeps both workers busy: the family with the most work left goes first.

Units run for real (inline, tiny budgets) but finish on a simulated clock: each family's units
take a fixed number of simulated seconds, and ``wait`` returns the unit that ends first. The
kinds' static ``cost_rank`` puts the GBDT last; here its units are the slowest (as on a long
forecasting context, where its final seeds ran alone at the end while the other worker idled).
"""

from __future__ import annotations

from concurrent.futures import Future
from pathlib import Path
from typing import Any

import pytest

from archbench.engine import schedule
from archbench.engine.executors.base import Executor
from archbench.engine.executors.local import InlineExecutor
from archbench.engine.prepare import PreparedRun
from archbench.engine.schedule import Runner
from archbench.engine.store import RunStore
from archbench.engine.units import Payload, Unit, UnitResult
from archbench.pipeline import prepare
from archbench.spec.load import spec_from_dict

SECONDS = {"ft_transformer": 2.0, "mlp": 1.0, "gbdt": 10.0}
TRIALS, SEEDS = 4, 3
SPEC: dict[str, Any] = {
    "task": {"name": "california"},
    "split": {"max_train_rows": 300, "max_val_rows": 100, "max_test_rows": 100,
              "max_shift_rows": 100},
    "budget": {"trials": TRIALS, "batch": 2, "startup_trials": 2, "tune_max_rows": 0},
    "seeds": {"count": SEEDS},
    "families": {
        "mlp": {"max_epochs": 1, "patience": 1},
        "ft_transformer": {"max_epochs": 1, "patience": 1},
        "gbdt": {"max_rounds": 5, "early_stopping_rounds": 2},
    },
}  # fmt: skip


class SimulatedClock(Executor):
    """Two workers on a simulated clock: a unit ends ``SECONDS[family]`` after it starts."""

    name, workers = "simulated", 2

    def __init__(self) -> None:
        self.inner = InlineExecutor()
        self.now = 0.0
        self.ends: dict[Future[UnitResult], tuple[float, UnitResult]] = {}
        self.started: list[tuple[float, str]] = []

    def start(self, payload: Payload, threads: int) -> None:
        self.inner.start(payload, threads)

    def submit(self, unit: Unit) -> Future[UnitResult]:
        res = self.inner.submit(unit).result()
        res.wall_s = SECONDS[unit.family]
        fut: Future[UnitResult] = Future()
        self.ends[fut] = (self.now + res.wall_s, res)
        self.started.append((self.now, unit.label))
        return fut

    def wait(self, futures: list[Future[UnitResult]], return_when: str) -> tuple[set, set]:
        first = min(futures, key=lambda f: (self.ends[f][0], self.ends[f][1].unit.label))
        self.now, res = self.ends.pop(first)
        first.set_result(res)
        return {first}, set(futures) - {first}

    def shutdown(self) -> None:
        pass


@pytest.fixture(scope="module")
def prepared() -> PreparedRun:
    return prepare(spec_from_dict(SPEC))


def _makespan(
    prepared: PreparedRun, root: Path, monkeypatch: pytest.MonkeyPatch
) -> tuple[float, SimulatedClock]:
    ex = SimulatedClock()
    monkeypatch.setattr(schedule, "wait", ex.wait)
    store = RunStore(root)
    store.claim(prepared.spec.to_dict(), prepared.spec.digest())
    runner = Runner(prepared, store, ex)
    runner.write_static()
    runner.execute()
    return ex.now, ex


def test_the_costliest_family_is_not_left_alone_at_the_end(
    prepared: PreparedRun, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    units = TRIALS + SEEDS
    bound = sum(units * s for s in SECONDS.values()) / 2  # both workers busy throughout
    took, ex = _makespan(prepared, tmp_path / "new", monkeypatch)
    assert took <= bound + max(SECONDS["mlp"], SECONDS["ft_transformer"]), (took, bound)
    first_gbdt = next(t for t, label in ex.started if label.startswith("gbdt"))
    assert first_gbdt <= 2 * SECONDS["ft_transformer"]  # probed early, then run first

    def static(self: Runner, unit: Unit) -> tuple[int, bool, int]:  # the order before
        return (self.cost_rank.get(unit.family, 9), unit.kind != "trial", unit.index)

    monkeypatch.setattr(Runner, "_priority", static)
    before, _ = _makespan(prepared, tmp_path / "static", monkeypatch)
    assert before >= bound + SECONDS["gbdt"] / 2 > took, (before, took)


def test_scheduling_moves_no_number(
    prepared: PreparedRun, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import json

    _makespan(prepared, tmp_path / "a", monkeypatch)
    monkeypatch.setattr(SimulatedClock, "workers", 1)
    _makespan(prepared, tmp_path / "b", monkeypatch)
    for fam in SECONDS:
        for i in range(SEEDS):
            a = json.loads((tmp_path / "a" / "final" / fam / f"seed{i}.json").read_text())
            b = json.loads((tmp_path / "b" / "final" / fam / f"seed{i}.json").read_text())
            assert a["params"] == b["params"] and a["metrics"] == b["metrics"]
