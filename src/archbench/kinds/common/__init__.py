"""What several kinds share (layer: kinds): files, labels, shift rules, metrics, training.

``files`` reads a user's table, ``labels`` counts and words, ``shift`` the shift rules,
``pools`` a loaded task's ID pool and shift set, ``parts`` the split parts' rows,
``metrics`` and ``imbalanced`` the metric library, ``families`` and ``presets`` the family
slots and the preset builder, ``prose`` the report sentences kinds share, ``lightgbm`` the
boosted-tree training, ``torchfit`` and ``torchops`` what the PyTorch families share
(``torchops`` imports torch).
"""

__all__ = [
    "families",
    "files",
    "imbalanced",
    "labels",
    "lightgbm",
    "metrics",
    "parts",
    "pools",
    "presets",
    "prose",
    "shift",
    "torchfit",
    "torchops",
]
