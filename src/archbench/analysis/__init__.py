"""Analysis (layer: analysis): a run directory's stored results -> its statistics files.

``run`` recomputes stats.json, summary.csv and comparisons.csv (``declare`` decides which tests
confirm); ``io`` reads and writes them; ``rows`` holds the row-level tests; ``suite`` and
``normalise`` do the same across a suite.
"""

__all__ = [
    "declare",
    "io",
    "normalise",
    "rows",
    "run",
    "suite",
]
