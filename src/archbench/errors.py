"""Exception types. The CLI turns every ArchbenchError into one line and exit code 2."""

from __future__ import annotations


class ArchbenchError(Exception):
    """Base class for errors a user can fix (bad spec, bad data, bad run directory)."""


class ConfigError(ArchbenchError, ValueError):
    """The benchmark spec is invalid; the message names the key and the fix."""


class DataError(ArchbenchError, ValueError):
    """The data cannot support the requested benchmark (missing column, one class, ...)."""


class StoreError(ArchbenchError):
    """The run directory is unusable (different spec, output path is a file, ...)."""


class RunFailed(ArchbenchError):
    """A unit of work failed in a way that stops the run (e.g. every trial failed)."""
