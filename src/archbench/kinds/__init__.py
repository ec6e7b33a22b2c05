"""Task kinds (layer: kinds): the contract, the registry, and the kinds that ship.

``base`` is the :class:`Kind` contract, ``family`` the model adapter contract (:class:`Model`),
``metric`` :class:`MetricSpec`, ``registry`` the kinds by name; ``common/`` holds what several
kinds share; ``tabular/``, ``forecasting/`` and ``text/`` are the kinds themselves.
"""

from __future__ import annotations

from archbench.kinds.registry import (
    all_kinds,
    builtin_tasks,
    get_kind,
    kind_for,
    kind_names,
    kind_of,
    register_kind,
    task_types,
    unregister_kind,
)

__all__ = [
    "all_kinds",
    "builtin_tasks",
    "get_kind",
    "kind_for",
    "kind_names",
    "kind_of",
    "register_kind",
    "task_types",
    "unregister_kind",
]
