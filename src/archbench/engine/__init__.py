"""The engine (layer: engine): a spec -> prepared task -> units of work -> the run directory.

``prepare`` builds what a run needs in memory, ``schedule`` runs trials and seeds on an
executor (``executors/``), ``units`` is the code a worker runs, ``tuning`` the Optuna study,
``assemble``, ``store`` and ``manifest`` the files; ``machine`` what the machine offers.
"""

__all__ = [
    "assemble",
    "executors",
    "machine",
    "manifest",
    "prepare",
    "schedule",
    "store",
    "tuning",
    "units",
]
