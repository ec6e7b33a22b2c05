"""What the user writes (layers: spec model below the kinds, spec loading above them).

``model`` holds the frozen dataclasses (no kind imported); ``load`` reads TOML or a dict into a
validated :class:`Spec`; ``suite`` reads a suite file.
"""

__all__ = [
    "load",
    "model",
    "suite",
]
