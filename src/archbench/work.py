"""Units of work (one tuning trial, one final seed) and the code a worker runs for them.

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

from .metrics import compute_metrics, score_for_maximisation
from .preprocess import FeatureInfo, Matrix
from .seeding import configure_determinism, derive_seed

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Payload:
    """The preprocessed splits and what the metrics need; shipped once to each worker."""

    matrices: dict[str, Matrix]  # train, val, test, shift
    info: FeatureInfo
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


def _subsample(m: Matrix, n: int, seed: int, classification: bool) -> Matrix:
    if n <= 0 or len(m) <= n:
        return m
    from sklearn.model_selection import train_test_split

    idx = np.arange(len(m))
    strat = m.y if classification else None
    try:
        keep, _ = train_test_split(idx, train_size=n, random_state=seed, stratify=strat)
    except ValueError:
        keep, _ = train_test_split(idx, train_size=n, random_state=seed)
    return m.take(np.sort(keep))


def execute(unit: Unit, payload: Payload) -> UnitResult:
    """Train ``unit``'s model and evaluate it; never raises for a model failure."""
    import os

    from .models.registry import get_family

    started_at = time.time()
    configure_determinism(unit.seed, unit.threads)
    wall0, cpu0 = time.perf_counter(), time.process_time()
    splits = ("val",) if unit.kind == "trial" else ("val", "test", "shift")
    fit_s = predict_s = 0.0
    worker = f"{os.uname().nodename}:{os.getpid()}"
    try:
        cls = get_family(unit.family, gbdt_backend=unit.gbdt_backend)
        model = cls(**{**unit.params, **unit.fixed, "threads": unit.threads})
        train = payload.matrices["train"]
        if unit.kind == "trial" and unit.tune_rows:
            train = _subsample(
                train,
                unit.tune_rows,
                derive_seed(unit.data_seed, "tune_rows"),
                payload.info.task_type == "classification",
            )
        t0 = time.perf_counter()
        model.fit(train, payload.matrices["val"], payload.info, seed=unit.seed)
        fit_s = time.perf_counter() - t0
        metrics: dict[str, dict[str, float]] = {}
        preds: dict[str, np.ndarray] = {}
        for s in splits:
            m = payload.matrices[s]
            t0 = time.perf_counter()
            p = model.predict(m)
            predict_s += time.perf_counter() - t0
            metrics[s] = compute_metrics(payload.info.task_type, m.y, p, payload.metrics)
            if unit.kind == "seed":
                preds[s] = np.asarray(p)
        primary = metrics["val"][payload.primary]
        state: Literal["COMPLETE", "FAIL"] = "COMPLETE"
        reason = ""
        if not math.isfinite(primary) or not math.isfinite(
            score_for_maximisation(payload.primary, primary)
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
