"""``python -m backend.cli``: the same as the ``netcanvas`` command."""

from backend.cli import entry

entry()
