"""One pool of worker processes shared by every task of a suite.

The local executor holds one payload (one task's data) per ``start``. A suite keeps one
``ProcessPoolExecutor`` alive for all its tasks and hands each task a :class:`PoolView`: an
``Executor`` whose ``start`` writes that task's payload to its own file and whose units name
that file. A worker keeps the last few payloads it read (:func:`run_unit`), so units of
several tasks can interleave on the same workers without re-reading the data each time.

On Ray, :class:`RayPool` is the same idea: one connection (one Ray job) for every task, each
task's :class:`RayPoolView` puts its own payload into the object store once, and the units of
all tasks are Ray tasks of that job, so the cluster's scheduler keeps every CPU busy across
task boundaries. Connecting, the authentication token and the refusals are those of
``archbench run --executor ray`` (:class:`archbench.engine.executors.ray.RayExecutor`).
"""

from __future__ import annotations

import logging
import os
import pickle
import threading
from collections import OrderedDict
from concurrent.futures import Future, ProcessPoolExecutor
from functools import partial
from pathlib import Path
from typing import Any, Protocol

from archbench.engine.executors.base import Executor
from archbench.engine.executors.local import (
    _WORKER_MODULES,
    _init_worker,
    _worker_context,
    default_workers,
    kill_pool,
    write_payload,
)
from archbench.engine.units import Payload, Unit, UnitResult, execute
from archbench.errors import ConfigError, RunFailed
from archbench.seeding import set_thread_env

log = logging.getLogger(__name__)

__all__ = ["PoolView", "RayPool", "RayPoolView", "SharedPool", "SuitePool", "make_pool", "run_unit"]

#: Payloads a worker keeps in memory (one per task running at the same time).
_CACHE_SIZE = 4
_CACHE: OrderedDict[str, Payload] = OrderedDict()


def run_unit(unit: Unit, payload_file: str) -> UnitResult:
    """Run ``unit`` in a worker on the payload pickled in ``payload_file`` (cached per file)."""
    payload = _CACHE.get(payload_file)
    if payload is None:
        payload = pickle.loads(Path(payload_file).read_bytes())
        _CACHE[payload_file] = payload
        while len(_CACHE) > _CACHE_SIZE:
            _CACHE.popitem(last=False)
    else:
        _CACHE.move_to_end(payload_file)
    return execute(unit, payload)


def _check_threads(threads: int, pool_threads: int) -> None:
    if threads != pool_threads:
        raise ConfigError(
            f"budget.threads_per_worker = {threads} differs from the suite's pool "
            f"({pool_threads}); set it once in the suite file"
        )


class SuitePool(Protocol):
    """What the suite needs of a shared pool (local processes or a Ray connection)."""

    workers: int

    def warm(self) -> None: ...

    def view(self) -> Executor: ...

    def close(self) -> None: ...

    def kill(self) -> None: ...


class SharedPool:
    """A warm pool of ``workers`` processes pinned to ``threads`` threads each, for many tasks.

    Start it once (``warm``) after every kind's ``worker_modules`` are preloaded; hand each task
    ``view()``; ``close`` at the end or ``kill`` on interruption.
    """

    def __init__(self, workers: int | None = None, threads: int = 1) -> None:
        self.workers = workers or default_workers(threads)
        self.threads = threads
        self._pool: ProcessPoolExecutor | None = None
        self._lock = threading.Lock()

    def warm(self) -> None:
        """Start the worker processes now (they import torch and the kinds' libraries)."""
        with self._lock:
            if self._pool is not None:
                return
            set_thread_env(self.threads)
            self._pool = ProcessPoolExecutor(
                max_workers=self.workers,
                mp_context=_worker_context(self.threads),
                initializer=_init_worker,
                initargs=(self.threads, tuple(_WORKER_MODULES)),
            )
            for _ in range(self.workers):
                self._pool.submit(os.getpid)

    def view(self) -> PoolView:
        """An ``Executor`` for one task's run on this pool."""
        return PoolView(self)

    def submit(self, unit: Unit, payload_file: str) -> Future[UnitResult]:
        if self._pool is None:
            raise RunFailed("the suite's worker pool is not started")
        return self._pool.submit(run_unit, unit, payload_file)

    def close(self) -> None:
        """Let the workers leave (every unit has finished)."""
        with self._lock:
            if self._pool is not None:
                self._pool.shutdown(wait=False, cancel_futures=True)
                self._pool = None

    def kill(self) -> None:
        """Stop every worker now (interruption): running units are lost, finished ones kept."""
        with self._lock:
            if self._pool is not None:
                kill_pool(self._pool)
                self._pool = None


class PoolView(Executor):
    """One task's window on a :class:`SharedPool`: its own payload file, the pool's workers.

    ``shutdown`` and ``abort`` release this task's payload and cancel its queued units; the
    pool and the other tasks' units are untouched.
    """

    name = "local"

    def __init__(self, pool: SharedPool) -> None:
        self.pool = pool
        self.workers = pool.workers
        self._payload_file: str | None = None
        self._futures: list[Future[UnitResult]] = []

    def warm(self, threads: int) -> None:
        self._check_threads(threads)
        self.pool.warm()

    def _check_threads(self, threads: int) -> None:
        _check_threads(threads, self.pool.threads)

    def gpu_info(self) -> dict[str, Any] | None:
        return None

    def start(self, payload: Payload, threads: int) -> None:
        self._check_threads(threads)
        self.pool.warm()
        self._payload_file = write_payload(payload)

    def submit(self, unit: Unit) -> Future[UnitResult]:
        if self._payload_file is None:
            raise RunFailed("executor not started")
        fut = self.pool.submit(unit, self._payload_file)
        self._futures = [f for f in self._futures if not f.done()] + [fut]
        return fut

    def shutdown(self) -> None:
        for fut in self._futures:
            fut.cancel()
        self._futures = []
        if self._payload_file is not None:
            Path(self._payload_file).unlink(missing_ok=True)
            self._payload_file = None

    def abort(self) -> None:
        self.shutdown()


class RayPool:
    """One Ray connection for every task of a suite; ``view()`` gives each task its executor.

    ``warm`` connects (or starts a local Ray) once, with the token handling and one-line
    refusals of :class:`~archbench.engine.executors.ray.RayExecutor`; ``workers`` is then the number
    of units the cluster runs at once (its CPUs over ``threads``, or ``workers`` when given).
    ``close`` and ``kill`` disconnect: Ray ends the job's remaining tasks with the driver.
    """

    def __init__(
        self, *, address: str | None = None, workers: int | None = None, threads: int = 1
    ) -> None:
        from archbench.engine.executors.ray import RayExecutor

        self._conn = RayExecutor(address=address, workers=workers)
        self.threads = threads
        self.workers = workers or 1
        self.remote: Any = None
        self._lock = threading.Lock()
        self._views: list[RayPoolView] = []

    def warm(self) -> None:
        """Connect now, so that a refusal comes before any task prepares its data."""
        import ray

        from archbench.engine.executors.ray import _ray_execute

        with self._lock:
            if self.remote is not None:
                return
            self._conn.warm(self.threads)
            cpus = int(ray.cluster_resources().get("CPU", 1))
            self.workers = self._conn.requested or max(1, cpus // self.threads)
            self.remote = ray.remote(num_cpus=self.threads, max_retries=2)(_ray_execute)
            log.info("Ray: %d CPUs, %d concurrent units for the suite", cpus, self.workers)

    def view(self) -> RayPoolView:
        """An ``Executor`` for one task's run on this connection."""
        view = RayPoolView(self)
        self._views.append(view)
        return view

    def close(self) -> None:
        with self._lock:
            self.remote = None
            self._views = []
            self._conn.shutdown()

    def kill(self) -> None:
        """Interruption: cancel every task's pending units (their drivers' waits return),
        then disconnect."""
        for view in list(self._views):
            view.abort()
        self.close()


class RayPoolView(Executor):
    """One task's window on a :class:`RayPool`: its payload in the object store, the pool's
    remote function. ``abort`` cancels this task's unfinished Ray tasks only."""

    name = "ray"

    def __init__(self, pool: RayPool) -> None:
        self.pool = pool
        self.workers = pool.workers
        self._payload_ref: Any = None
        self._pending: list[tuple[Any, Future[UnitResult]]] = []

    def warm(self, threads: int) -> None:
        _check_threads(threads, self.pool.threads)
        self.pool.warm()
        self.workers = self.pool.workers

    def start(self, payload: Payload, threads: int) -> None:
        import ray

        self.warm(threads)
        self._payload_ref = ray.put(payload)

    def submit(self, unit: Unit) -> Future[UnitResult]:
        from archbench.engine.executors.ray import _forward

        if self._payload_ref is None or self.pool.remote is None:
            raise RunFailed("Ray executor not started")
        ref = self.pool.remote.remote(unit, self._payload_ref)
        fut: Future[UnitResult] = Future()
        ref.future().add_done_callback(partial(_forward, dst=fut, label=unit.label))
        self._pending = [(r, f) for r, f in self._pending if not f.done()] + [(ref, fut)]
        return fut

    def shutdown(self) -> None:
        self._pending = []
        self._payload_ref = None  # the object store frees the payload with its last reference

    def abort(self) -> None:
        import ray

        for ref, fut in self._pending:
            if not fut.done():
                fut.cancel()
                try:
                    ray.cancel(ref)
                except Exception as exc:  # disconnected already (the suite was interrupted)
                    log.debug("ray.cancel failed: %s", exc)
        self.shutdown()


def make_pool(
    executor: str, *, workers: int | None, threads: int, address: str | None = None
) -> SuitePool | None:
    """The suite's shared pool: ``"local"`` processes, ``"ray"``, or None for ``"inline"``."""
    if executor == "local":
        return SharedPool(workers, threads)
    if executor == "ray":
        return RayPool(address=address, workers=workers, threads=threads)
    if executor == "inline":
        return None
    raise ConfigError(f"--executor {executor!r}: a suite runs on local, ray or inline")
