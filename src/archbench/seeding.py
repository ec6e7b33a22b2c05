"""Seeds as hashes of run coordinates, and one place that sets determinism and threads."""

from __future__ import annotations

import hashlib
import os
import random

import numpy as np

_MAX_SEED = 2**31 - 1


def derive_seed(*coords: object) -> int:
    """Return a 31-bit seed that depends only on ``coords``.

    Adding a family or a trial never shifts anybody else's seed, because each seed is a
    hash of its own coordinates, e.g. ``derive_seed(base, "final", "mlp", 3)``.
    """
    key = "\x1f".join(repr(c) for c in coords).encode()
    return int.from_bytes(hashlib.sha256(key).digest()[:8], "little") % _MAX_SEED


def as_generator(seed: int | np.random.Generator) -> np.random.Generator:
    """Return ``seed`` if it is a Generator, else a new PCG64 generator seeded with it."""
    if isinstance(seed, np.random.Generator):
        return seed
    return np.random.default_rng(seed)


def set_thread_env(threads: int) -> None:
    """Set the thread variables of the native libraries before they are imported."""
    for var in (
        "OMP_NUM_THREADS",
        "MKL_NUM_THREADS",
        "OPENBLAS_NUM_THREADS",
        "NUMEXPR_NUM_THREADS",
        "VECLIB_MAXIMUM_THREADS",
    ):
        os.environ[var] = str(threads)


def configure_determinism(seed: int, threads: int) -> None:
    """Seed Python/torch and pin every library to ``threads`` threads.

    Results depend on the thread count (floating-point reduction order), so the count is a
    property of the task, not of the machine: the same spec gives the same numbers with one
    worker or two.
    """
    set_thread_env(threads)
    random.seed(seed)
    import torch

    torch.manual_seed(seed)
    if torch.get_num_threads() != threads:
        torch.set_num_threads(threads)
    if not (
        torch.are_deterministic_algorithms_enabled()
        and torch.is_deterministic_algorithms_warn_only_enabled()
    ):
        # torch.use_deterministic_algorithms also sets torch._inductor.config.deterministic,
        # and importing that config loads the compiler stack: 0.8 s in each worker's first
        # unit. archbench trains eagerly (nothing is compiled), so only the eager switch, the
        # one every kernel (cuDNN included) reads, is set.
        setter = getattr(torch._C, "_set_deterministic_algorithms", None)
        if setter is not None:
            setter(True, warn_only=True)
        else:  # pragma: no cover - another torch
            torch.use_deterministic_algorithms(True, warn_only=True)
    torch.backends.cudnn.benchmark = False
    try:
        from threadpoolctl import threadpool_limits

        threadpool_limits(threads)
    except Exception:  # pragma: no cover - threadpoolctl is a hard dependency
        pass
