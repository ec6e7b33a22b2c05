"""The executor contract both executors stand on (``executor.py``: local pool and inline;
``ray_executor.py``: Ray). Neither imports the other at module level."""

from __future__ import annotations

import abc
from concurrent.futures import Future
from typing import Any

from archbench.engine.units import Payload, Unit, UnitResult


class Executor(abc.ABC):
    """Runs units concurrently; ``submit`` returns a Future of a UnitResult."""

    name: str = "executor"
    workers: int = 1

    def warm(self, threads: int) -> None:  # noqa: B027 - optional hook, a no-op by default
        """Start the workers ahead of ``start`` (while the driver prepares the data); optional."""

    def gpu_info(self) -> dict[str, Any] | None:
        """CUDA as the workers see it, where they reported it; None otherwise."""
        return None

    @abc.abstractmethod
    def start(self, payload: Payload, threads: int) -> None: ...

    @abc.abstractmethod
    def submit(self, unit: Unit) -> Future[UnitResult]: ...

    @abc.abstractmethod
    def shutdown(self) -> None: ...

    def abort(self) -> None:
        """Stop at once, abandoning running units (after an error or Ctrl-C)."""
        self.shutdown()

    def __enter__(self) -> Executor:
        return self

    def __exit__(self, *exc: object) -> None:
        self.shutdown()
