"""Deprecated location of :class:`KindContract`: import it from ``archbench.testing``.

Kept for one release so that plug-ins written against ``archbench.kinds.contract`` still run.
"""

from __future__ import annotations

import warnings

from archbench.testing import KindContract

warnings.warn(
    "archbench.kinds.contract is deprecated; import KindContract from archbench.testing",
    DeprecationWarning,
    stacklevel=2,
)

__all__ = ["KindContract"]
