"""NetCanvas desktop app (PySide6). The only package that imports Qt; `app.entry` imports none.

Importing the package itself imports nothing from Qt, so the ``netcanvas`` command
(``app.entry``) runs its other commands on machines without Qt or a display.
"""

import sys
from importlib import metadata

SUPPORTED_QT_MESSAGE = (
    "NetCanvas needs PySide6-Essentials < 6.12 on Python 3.11 "
    "(6.12 crashes the interpreter there): pip install 'PySide6-Essentials<6.12'"
)


def require_supported_qt() -> None:
    """Refuse a PySide6 that crashes this Python, before any window is made.

    PySide6 6.12 returns None/True/False from C++ calls without adding a reference
    (it relies on Python 3.12's immortal objects); on 3.11 the interpreter aborts
    after a few thousand calls. pyproject.toml pins <6.12 there; say so if it was
    bypassed. The version comes from the package metadata, so Qt is not imported.

    Raises:
        ImportError: the installed PySide6 cannot run on this Python.
    """
    if sys.version_info >= (3, 12):
        return
    for distribution in ("PySide6-Essentials", "PySide6"):
        try:
            version = metadata.version(distribution)
        except metadata.PackageNotFoundError:
            continue
        parts = [int(part) for part in version.split(".")[:2] if part.isdigit()]
        if tuple(parts) >= (6, 12):
            raise ImportError(SUPPORTED_QT_MESSAGE)
