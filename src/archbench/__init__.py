"""archbench: fair, honest comparisons of three model families on a tabular task."""

from __future__ import annotations

__version__ = "0.1.0"
