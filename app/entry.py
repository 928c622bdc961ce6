"""The ``netcanvas`` command: the app's entry point, which imports no Qt until the window opens.

Every command but ``gui`` (and no command, which means ``gui``) is handled by
`backend.cli.main` exactly as ``python -m backend.cli`` would; for ``gui`` the CLI
checks the arguments and then calls `open_window`, which imports the desktop app.
So ``netcanvas presets`` or ``netcanvas train`` work on a machine without a display
or Qt, and the backend never imports the app.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from backend.cli import CommandError
from backend.cli import main as cli_main


def open_window(project: str | None, preset: str | None, options: dict[str, Any], screenshot: Path | None) -> int:
    """Open NetCanvas (see `app.main.run_app`) and return its exit status."""
    try:
        from app.main import run_app
    except ImportError as error:
        raise CommandError(f"the desktop app cannot start: {error} (install PySide6 and pyqtgraph)") from None
    return run_app(project, preset, options, screenshot)


def main(argv: list[str] | None = None) -> int:
    return cli_main(argv, gui_runner=open_window)


def entry() -> None:
    sys.exit(main())
