"""Executors (layer: engine): where units run.

``base`` is the contract, ``local`` a pool of long-lived worker processes (or inline), ``ray``
a Ray cluster or local instance, ``shared`` one pool for every task of a suite.
"""

__all__ = [
    "base",
    "local",
    "ray",
    "shared",
]
