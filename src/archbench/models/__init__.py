"""Model families: the adapter contract and the registry."""

from __future__ import annotations

from .base import Model, resolve_device
from .registry import get_family, registered_families

__all__ = ["Model", "get_family", "registered_families", "resolve_device"]
