"""NetCanvas desktop app (PySide6). The only package that imports Qt."""

import sys

from PySide6 import __version_info__ as _pyside_version

if sys.version_info < (3, 12) and _pyside_version[:2] >= (6, 12):
    # PySide6 6.12 returns None/True/False from C++ calls without adding a reference
    # (it relies on Python 3.12's immortal objects); on 3.11 the interpreter aborts
    # after a few thousand calls. pyproject.toml pins <6.12 there; say so if it was bypassed.
    raise ImportError(
        "NetCanvas needs PySide6-Essentials < 6.12 on Python 3.11 "
        "(6.12 crashes the interpreter there): pip install 'PySide6-Essentials<6.12'"
    )
