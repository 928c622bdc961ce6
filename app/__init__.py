"""NetCanvas desktop app (PySide6). The only package that imports Qt."""

import sys

if sys.version_info < (3, 12):
    # PySide6 6.12 returns None from void C++ methods without adding a reference (it
    # relies on Python 3.12's immortal None). On 3.11 every such call steals one
    # reference from None, and after a few thousand calls the interpreter aborts with
    # "deallocating None". Give None a reference count that can never run out.
    import ctypes

    ctypes.c_ssize_t.from_address(id(None)).value += 1 << 40
