"""Units of work (one tuning trial, one final seed) and the code a worker runs for them.

The worker knows the task kind by name only: it asks the kind for the family class, the
targets of a part, the tuning subsample and the metric specs.

A unit carries everything that decides its numbers: family, configuration, seed and thread
count. The data travels once per worker (a ``Payload``), not once per unit.
"""

from __future__ import annotations

import logging
import math
import time
import traceback
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np

from archbench.seeding import configure_determinism, derive_seed

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Payload:
    """The prepared parts and what the metrics need; shipped once to each worker.

    ``parts`` and ``info`` are the task kind's own types; ``kind`` names the kind, whose metric
    specs the worker looks up by name.
    """

    parts: dict[str, Any]  # train, val, test, shift
    info: Any
    kind: str
    primary: str
    metrics: tuple[str, ...]
    key: str  # identifies the data (split hash + preprocessing), for worker-side caching


@dataclass(frozen=True)
class Unit:
    """One trial (``kind="trial"``, index = trial number) or one final seed (index = seed idx)."""

    kind: Literal["trial", "seed"]
    family: str
    index: int
    seed: int
    params: dict[str, Any]
    fixed: dict[str, Any]
    gbdt_backend: str = "lightgbm"
    threads: int = 1
    tune_rows: int = 0
    data_seed: int = 0
    #: Final seeds with ``seeds.vary = "model+data"``: the seed of the training-set bootstrap
    #: (the same for every family); ``None``: train on the training part as it is.
    bootstrap_seed: int | None = None

    @property
    def label(self) -> str:
        return f"{self.family}/{self.kind}{self.index}"


@dataclass
class UnitResult:
    unit: Unit
    state: Literal["COMPLETE", "FAIL"]
    metrics: dict[str, dict[str, float]]  # split -> metric -> value
    wall_s: float
    cpu_s: float
    fit_s: float
    predict_s: float
    n_iter: int = 0
    best_iter: int = 0
    reason: str = ""
    predictions: dict[str, np.ndarray] = field(default_factory=dict)  # split -> (n,) or (n, K)
    worker: str = ""
    started_at: float = 0.0  # Unix time at the start and end of the unit, for timelines
    ended_at: float = 0.0


def execute(unit: Unit, payload: Payload) -> UnitResult:
    """Train ``unit``'s model and evaluate it; never raises for a model failure."""
    import os

    from archbench.kinds import get_kind

    started_at = time.time()
    configure_determinism(unit.seed, unit.threads)
    wall0, cpu0 = time.perf_counter(), time.process_time()
    splits = ("val",) if unit.kind == "trial" else ("val", "test", "shift")
    fit_s = predict_s = 0.0
    worker = f"{os.uname().nodename}:{os.getpid()}"
    try:
        kind = get_kind(payload.kind)
        specs = [kind.metric(m) for m in payload.metrics]
        cls = kind.family(unit.family).load(unit.gbdt_backend)
        threads = {"threads": unit.threads} if "threads" in cls.fixed_keys else {}
        model = cls(**{**unit.params, **unit.fixed, **threads})
        train = payload.parts["train"]
        if unit.kind == "trial" and unit.tune_rows:
            seed = derive_seed(unit.data_seed, "tune_rows")
            train = kind.subsample(train, unit.tune_rows, seed, payload.info)
        if unit.bootstrap_seed is not None:
            train = kind.bootstrap(train, unit.bootstrap_seed, payload.info)
        t0 = time.perf_counter()
        model.fit(train, payload.parts["val"], payload.info, seed=unit.seed)
        fit_s = time.perf_counter() - t0
        metrics: dict[str, dict[str, float]] = {}
        preds: dict[str, np.ndarray] = {}
        states: dict[str, object] = {}  # fixed on validation (e.g. a threshold), val first
        for s in splits:
            part = payload.parts[s]
            t0 = time.perf_counter()
            p = model.predict(part)
            predict_s += time.perf_counter() - t0
            y = kind.targets(part)
            if s == "val":
                states = {sp.name: sp.calibrate(y, p) for sp in specs if sp.calibrate}
            metrics[s] = {sp.name: sp.value(y, p, states.get(sp.name)) for sp in specs}
            if unit.kind == "seed":
                preds[s] = np.asarray(p)
        primary = metrics["val"][payload.primary]
        state: Literal["COMPLETE", "FAIL"] = "COMPLETE"
        reason = ""
        if not math.isfinite(primary) or not math.isfinite(
            kind.metric(payload.primary).maximised(primary)
        ):
            state, reason = "FAIL", f"validation {payload.primary} is not finite ({primary})"
        res = UnitResult(
            unit,
            state,
            metrics,
            time.perf_counter() - wall0,
            time.process_time() - cpu0,
            fit_s,
            predict_s,
            int(getattr(model, "n_iter_", 0)),
            int(getattr(model, "best_iter_", 0)),
            reason,
            preds,
            worker,
        )
    except Exception as exc:  # a failing configuration must not stop the study
        log.warning("%s failed: %s", unit.label, exc)
        reason = f"{type(exc).__name__}: {exc}".splitlines()[0][:300]
        log.debug("%s", traceback.format_exc())
        res = UnitResult(
            unit,
            "FAIL",
            {},
            time.perf_counter() - wall0,
            time.process_time() - cpu0,
            fit_s,
            predict_s,
            reason=reason,
            worker=worker,
        )
    res.started_at, res.ended_at = started_at, time.time()
    return res
