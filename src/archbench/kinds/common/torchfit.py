"""Checks shared by the kinds' PyTorch families: the fixed training settings and the device."""

from __future__ import annotations

from typing import Any

from archbench.errors import ConfigError
from archbench.family import resolve_device

__all__ = ["check_training_settings"]


def check_training_settings(
    family: str, p: dict[str, Any], numbers: tuple[str, ...] = ("lr", "weight_decay")
) -> None:
    """Raise one ConfigError line for a bad epoch cap, patience, batch size, thread count,
    learning rate (> 0), other ``numbers`` (>= 0) or device (``"auto"``, ``"cpu"``,
    ``"cuda"``; CUDA only when a GPU is visible)."""
    import torch

    for key in ("max_epochs", "patience", "batch_size", "threads"):
        v = p[key]
        if isinstance(v, bool) or not isinstance(v, int) or v < 1:
            raise ConfigError(f"{family}: {key} = {v!r} must be an integer >= 1")
    for key in numbers:
        v = p[key]
        if (
            isinstance(v, bool)
            or not isinstance(v, int | float)
            or v < 0
            or (key == "lr" and v == 0)
        ):
            raise ConfigError(
                f"{family}: {key} = {v!r} must be a number {'> 0' if key == 'lr' else '>= 0'}"
            )
    try:
        device = torch.device(resolve_device(p["device"]))
    except (RuntimeError, TypeError) as exc:
        raise ConfigError(
            f"{family}: device = {p['device']!r} is not a torch device; use 'auto', 'cpu' or 'cuda'"
        ) from exc
    if device.type == "cuda" and not torch.cuda.is_available():
        raise ConfigError(
            f"{family}: device = {p['device']!r} but no CUDA GPU is visible; use 'auto'"
        )
