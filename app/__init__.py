"""NetCanvas desktop app (PySide6). The only package that imports Qt."""

import sys

if sys.version_info < (3, 12):
    # PySide6 6.12 returns None, True and False from C++ methods without adding a
    # reference (it relies on Python 3.12's immortal singletons). On 3.11 every such
    # call steals one reference, and after a few thousand calls the interpreter aborts
    # with "deallocating None" (or True/False). Give the singletons a reference count
    # that can never run out.
    import ctypes

    for _singleton in (None, True, False, NotImplemented, Ellipsis):
        ctypes.c_ssize_t.from_address(id(_singleton)).value += 1 << 40
    del _singleton
