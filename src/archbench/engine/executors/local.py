"""Where units run: a local pool of long-lived worker processes, or Ray.

Both executors take the same units and return the same ``UnitResult``s; a unit's numbers
depend only on the unit (its seed and thread count), never on which worker ran it, so the
results are identical with one worker, two, or a Ray cluster.
"""

from __future__ import annotations

import atexit
import contextlib
import importlib
import logging
import multiprocessing as mp
import os
import pickle
import sys
import tempfile
import threading
from concurrent.futures import Future, ProcessPoolExecutor
from pathlib import Path
from typing import Any

from archbench.engine.executors.base import Executor
from archbench.engine.units import Payload, Unit, UnitResult, execute
from archbench.errors import ConfigError, RunFailed
from archbench.seeding import set_thread_env

__all__ = [
    "GPU_WORKERS",
    "Executor",
    "InlineExecutor",
    "LocalExecutor",
    "default_workers",
    "kill_pool",
    "make_executor",
    "write_payload",
]

log = logging.getLogger(__name__)

_PAYLOAD: Payload | None = None
_PAYLOAD_FILE: str | None = None


#: Workers sharing one GPU: each opens its own CUDA context, and small tabular models leave
#: the GPU idle between kernels, so a few concurrent processes help and many do not.
GPU_WORKERS = 4


def default_workers(threads_per_worker: int = 1, *, gpu: bool = False) -> int:
    """As many workers as the cores allow (``os.sched_getaffinity`` where available); with a
    GPU at most ``GPU_WORKERS`` (GBDT units still run on the CPU)."""
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - non-Linux
        cores = os.cpu_count() or 1
    n = max(1, cores // max(1, threads_per_worker))
    return min(n, GPU_WORKERS) if gpu else n


def _die_with_parent() -> None:
    """Ask Linux to SIGKILL this worker when the driver dies (kill -9, SIGTERM, crash)."""
    try:
        import ctypes
        import signal

        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        pr_set_pdeathsig = 1
        libc.prctl(pr_set_pdeathsig, signal.SIGKILL)
    except (OSError, AttributeError):  # pragma: no cover - not Linux
        pass


def _init_worker(threads: int, modules: tuple[str, ...] = ()) -> None:
    """Pin the threads and import the model libraries; the data comes with the first unit."""
    _die_with_parent()
    set_thread_env(threads)
    import torch

    torch.set_num_threads(threads)
    # The task kind's model libraries (LightGBM, the family modules): a unit should not pay
    # for their import.
    for module in modules:
        importlib.import_module(module)

    # Registered last, so it runs first: a worker leaves without the interpreter's teardown
    # (~0.5 s of CPU with torch loaded, which would compete with the driver's statistics and
    # report). Results travel back before the worker's main returns; nothing is left to flush.
    atexit.register(_leave_now)


def _leave_now() -> None:
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(Exception):
            stream.flush()
    os._exit(0)


_PAYLOAD_PREFIX = "archbench-payload-"


def _remove_orphaned_payloads() -> None:
    """Delete data files left by drivers that were killed (their PID is gone)."""
    for path in Path(tempfile.gettempdir()).glob(f"{_PAYLOAD_PREFIX}*.pkl"):
        pid = path.name[len(_PAYLOAD_PREFIX) :].split("-", 1)[0]
        if not pid.isdigit():
            continue
        try:
            os.kill(int(pid), 0)
        except ProcessLookupError:
            path.unlink(missing_ok=True)
        except PermissionError:  # another user's live process
            pass


def write_payload(payload: Payload) -> str:
    """Pickle ``payload`` to a fresh temporary file named after this driver's PID; its path.

    Files left by drivers that were killed are removed first (:func:`_remove_orphaned_payloads`).
    """
    _remove_orphaned_payloads()
    fd, path = tempfile.mkstemp(prefix=f"{_PAYLOAD_PREFIX}{os.getpid()}-", suffix=".pkl")
    with os.fdopen(fd, "wb") as fh:
        pickle.dump(payload, fh, protocol=pickle.HIGHEST_PROTOCOL)
    return path


def kill_pool(pool: ProcessPoolExecutor) -> None:
    """Cancel the queued work of ``pool`` and kill its worker processes now."""
    procs = list(getattr(pool, "_processes", {}).values())
    pool.shutdown(wait=False, cancel_futures=True)
    for proc in procs:
        proc.kill()


def _warm_up() -> dict[str, Any]:
    """Submitted once per worker so that the pool starts them now; returns the worker's view
    of CUDA for the manifest (the worker has imported torch already, the driver has not)."""
    from archbench.engine.machine import gpu_info

    return gpu_info()


def _run_in_worker(unit: Unit, payload_file: str) -> UnitResult:
    """Run ``unit`` on the payload pickled in ``payload_file`` (read once per worker)."""
    global _PAYLOAD, _PAYLOAD_FILE
    if _PAYLOAD_FILE != payload_file:
        _PAYLOAD = pickle.loads(Path(payload_file).read_bytes())
        _PAYLOAD_FILE = payload_file
    assert _PAYLOAD is not None
    return execute(unit, _PAYLOAD)


#: Modules every worker imports at start (the kind's model libraries; see preload_modules).
_WORKER_MODULES: list[str] = []


def preload_modules(modules: tuple[str, ...] | list[str]) -> None:
    """Have workers import ``modules`` when they start (a task kind's ``worker_modules``).

    Call before the first pool starts: the fork server imports them once and every worker
    forked from it starts with them loaded.
    """
    for m in modules:
        if m not in _WORKER_MODULES:
            _WORKER_MODULES.append(m)


_forkserver_threads: int | None = None


def _worker_context(threads: int) -> mp.context.BaseContext:
    """A fork server that has imported torch and LightGBM once, where available and where its
    thread variables match ``threads``; else fresh interpreters (spawn).

    Spawned workers import ~2 s of libraries each, all at the same time, while the driver
    prepares the data: on 2 cores that start-up was CPU-bound. Forked from the server, the
    imports are paid once and shared copy-on-write. The server is one per driver process and
    keeps the thread variables it started with, so a pool with another thread count spawns.
    """
    global _forkserver_threads
    if "forkserver" not in mp.get_all_start_methods():  # pragma: no cover - not POSIX
        return mp.get_context("spawn")
    if _forkserver_threads is None:
        ctx = mp.get_context("forkserver")
        ctx.set_forkserver_preload(["torch", "archbench.engine.executors.local", *_WORKER_MODULES])
        _forkserver_threads = threads
        return ctx
    return mp.get_context("forkserver" if _forkserver_threads == threads else "spawn")


class LocalExecutor(Executor):
    """A pool of worker processes, each pinned to ``threads`` threads.

    ``warm`` starts the workers (torch, LightGBM: ~2 s of imports, paid once in a fork server)
    while the driver still loads and splits the data; ``start`` then pickles the data once to
    a private temporary file that every worker reads with its first unit.
    """

    name = "local"

    def __init__(self, workers: int | None = None) -> None:
        self.workers = workers or default_workers()
        self._pool: ProcessPoolExecutor | None = None
        self._threads: int | None = None
        self._payload_file: str | None = None
        self._warm_ups: list[Future[dict[str, Any]]] = []
        self._starter: threading.Thread | None = None

    def warm(self, threads: int) -> None:
        if self._pool is not None:
            return
        # Children (and the fork server) inherit the thread variables before they import
        # numpy/torch.
        set_thread_env(threads)
        self._threads = threads
        self._pool = ProcessPoolExecutor(
            max_workers=self.workers,
            mp_context=_worker_context(threads),
            initializer=_init_worker,
            initargs=(threads, tuple(_WORKER_MODULES)),
        )
        # The pool starts a process per waiting task. Starting one waits for the fork server
        # to finish its imports (~1.5 s), so a thread does it while the driver goes on.
        pool = self._pool
        self._starter = threading.Thread(
            target=lambda: self._warm_ups.extend(
                pool.submit(_warm_up) for _ in range(self.workers)
            ),
            name="archbench-pool-start",
            daemon=True,
        )
        self._starter.start()

    def _started(self) -> None:
        """Wait until ``warm``'s thread has started the worker processes."""
        if self._starter is not None:
            self._starter.join()
            self._starter = None

    def gpu_info(self) -> dict[str, Any] | None:
        self._started()
        for fut in self._warm_ups:
            if fut.done() and not fut.cancelled() and fut.exception() is None:
                return fut.result()
        return None

    def start(self, payload: Payload, threads: int) -> None:
        self._started()
        if self._pool is not None and self._threads != threads:
            self.shutdown()
        self.warm(threads)
        self._payload_file = write_payload(payload)

    def submit(self, unit: Unit) -> Future[UnitResult]:
        if self._pool is None or self._payload_file is None:
            raise RunFailed("executor not started")
        return self._pool.submit(_run_in_worker, unit, self._payload_file)

    def _remove_payload(self) -> None:
        if self._payload_file is not None:
            Path(self._payload_file).unlink(missing_ok=True)
            self._payload_file = None

    def shutdown(self) -> None:
        # Every submitted unit has finished when the runner shuts down, so the workers are
        # not waited for: they leave at once (``_leave_now``) while the driver goes on to the
        # statistics and the report. The pool's thread reaps them; Python joins it at exit.
        self._started()
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)
            self._pool = None
        self._remove_payload()

    def abort(self) -> None:
        self._started()
        if self._pool is not None:
            kill_pool(self._pool)
            self._pool = None
        self._remove_payload()


class InlineExecutor(Executor):
    """Runs units in this process, one at a time (for tests and debugging)."""

    name = "inline"
    workers = 1

    def start(self, payload: Payload, threads: int) -> None:
        self._payload = payload

    def submit(self, unit: Unit) -> Future[UnitResult]:
        fut: Future[UnitResult] = Future()
        try:
            fut.set_result(execute(unit, self._payload))
        except BaseException as exc:  # pragma: no cover - execute catches model errors
            fut.set_exception(exc)
        return fut

    def shutdown(self) -> None:
        pass


def make_executor(
    kind: str,
    *,
    workers: int | None = None,
    address: str | None = None,
    threads: int = 1,
    gpu: bool = False,
) -> Executor:
    """``"local"`` (default), ``"inline"`` or ``"ray"``."""
    if kind == "local":
        return LocalExecutor(workers or default_workers(threads, gpu=gpu))
    if kind == "inline":
        return InlineExecutor()
    if kind == "ray":
        from archbench.engine.executors.ray import RayExecutor

        return RayExecutor(address=address, workers=workers)
    raise ConfigError(f"--executor {kind!r} is unknown; use local or ray")
