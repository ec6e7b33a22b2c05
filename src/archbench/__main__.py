"""``python -m archbench``: the same as the ``archbench`` command."""

from .cli import entry

entry()
