"""The tabular kind (layer: kinds): classification and regression on one table.

``kind.py`` declares the kind; ``families.py`` and ``models/`` the MLP, FT-Transformer and
GBDT; ``data.py`` the ``[task]`` settings; ``splits.py``, ``prepare.py``, ``references.py``,
``profile.py``, ``report.py`` and ``templates.py`` the rest of its one shape.
"""

from __future__ import annotations

from archbench.kinds.tabular.kind import TabularKind

__all__ = ["TabularKind"]
