"""``python -m archbench.cli``: the same as the ``archbench`` command."""

from archbench.cli import entry

entry()
