"""``python -m app``: the same as the ``netcanvas`` command."""

from app.entry import entry

entry()
