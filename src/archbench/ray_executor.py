"""Run units as Ray tasks on an existing cluster (``--address``) or a local Ray instance.

The Optuna studies stay in the driver (ask/tell), so workers need no database. The payload
(the preprocessed splits) is put into the object store once; every task receives a reference,
and numpy arrays are read zero-copy from shared memory. Workers need archbench and its
dependencies installed (the same versions as the driver for identical numbers).
"""

from __future__ import annotations

import logging
import os
from concurrent.futures import Future
from typing import Any

from .errors import ConfigError, RunFailed
from .executor import Executor
from .work import Payload, Unit, UnitResult

log = logging.getLogger(__name__)


def _ray_execute(unit: Unit, payload: Payload) -> UnitResult:
    from .seeding import set_thread_env
    from .work import execute

    set_thread_env(unit.threads)
    return execute(unit, payload)


class RayExecutor(Executor):
    """Ray tasks, each reserving ``threads`` CPUs."""

    name = "ray"

    def __init__(self, *, address: str | None = None, workers: int | None = None) -> None:
        try:
            import ray  # noqa: F401
        except ImportError:
            raise ConfigError("--executor ray needs Ray: pip install 'archbench[ray]'") from None
        self.address = address
        self.requested = workers
        self.workers = workers or 1
        self._started_ray = False
        self._remote: Any = None
        self._payload_ref: Any = None

    def start(self, payload: Payload, threads: int) -> None:
        import ray

        if not ray.is_initialized():
            os.environ.setdefault("RAY_ACCEPT_DEFAULT_AUTH_TOKEN", "1")
            kwargs: dict[str, Any] = {
                "include_dashboard": False,
                "log_to_driver": False,
                "configure_logging": False,
            }
            if self.address:
                kwargs["address"] = self.address
            else:
                kwargs["num_cpus"] = (self.requested or os.cpu_count() or 1) * threads
            try:
                ray.init(**kwargs)
            except Exception as exc:
                raise RunFailed(
                    f"could not start or reach Ray ({self.address or 'local'}): {exc}".splitlines()[
                        0
                    ]
                ) from None
            self._started_ray = True
        cpus = int(ray.cluster_resources().get("CPU", 1))
        self.workers = self.requested or max(1, cpus // threads)
        self._payload_ref = ray.put(payload)
        self._remote = ray.remote(num_cpus=threads, max_retries=2)(_ray_execute)
        log.info("Ray: %d CPUs, %d concurrent units", cpus, self.workers)

    def submit(self, unit: Unit) -> Future[UnitResult]:
        if self._remote is None:
            raise RunFailed("Ray executor not started")
        fut: Future[UnitResult] = self._remote.remote(unit, self._payload_ref).future()
        return fut

    def shutdown(self) -> None:
        if self._started_ray:
            import ray

            ray.shutdown()
            self._started_ray = False
