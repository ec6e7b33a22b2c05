"""One pool of worker processes shared by every task of a suite.

The local executor holds one payload (one task's data) per ``start``. A suite keeps one
``ProcessPoolExecutor`` alive for all its tasks and hands each task a :class:`PoolView`: an
``Executor`` whose ``start`` writes that task's payload to its own file and whose units name
that file. A worker keeps the last few payloads it read (:func:`run_unit`), so units of
several tasks can interleave on the same workers without re-reading the data each time.
"""

from __future__ import annotations

import os
import pickle
import tempfile
import threading
from collections import OrderedDict
from concurrent.futures import Future, ProcessPoolExecutor
from pathlib import Path
from typing import Any

from .errors import ConfigError, RunFailed
from .executor import (
    _PAYLOAD_PREFIX,
    _WORKER_MODULES,
    _init_worker,
    _remove_orphaned_payloads,
    _worker_context,
    default_workers,
)
from .executor_base import Executor
from .seeding import set_thread_env
from .work import Payload, Unit, UnitResult, execute

__all__ = ["PoolView", "SharedPool", "run_unit"]

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
                procs = list(getattr(self._pool, "_processes", {}).values())
                self._pool.shutdown(wait=False, cancel_futures=True)
                for proc in procs:
                    proc.kill()
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
        if threads != self.pool.threads:
            raise ConfigError(
                f"budget.threads_per_worker = {threads} differs from the suite's pool "
                f"({self.pool.threads}); set it once in the suite file"
            )

    def gpu_info(self) -> dict[str, Any] | None:
        return None

    def start(self, payload: Payload, threads: int) -> None:
        self._check_threads(threads)
        self.pool.warm()
        _remove_orphaned_payloads()
        fd, path = tempfile.mkstemp(prefix=f"{_PAYLOAD_PREFIX}{os.getpid()}-", suffix=".pkl")
        with os.fdopen(fd, "wb") as fh:
            pickle.dump(payload, fh, protocol=pickle.HIGHEST_PROTOCOL)
        self._payload_file = path

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
