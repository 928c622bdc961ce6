"""The ``netcanvas`` command line (a contract: see DESIGN.md, "Command line").

Each sub-command lives in its own module with ``add_parser(subparsers)`` and
``run(args) -> int``. Any bad argument prints one line and exits 2; no traceback
ever reaches the user. No sub-command means ``gui``. This package never imports
the desktop app: the ``netcanvas`` console script is ``app.entry``, which passes
`main` a runner for the ``gui`` command (``python -m backend.cli gui`` has none and
says how to start the app).
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

# Opens the desktop app: (project file, preset, --set options, screenshot PNG) -> exit status.
GuiRunner = Callable[[str | None, str | None, dict[str, Any], Path | None], int]

COMMANDS = ("gui", "presets", "new", "summary", "validate", "export", "train", "check", "compare", "import")


class UsageError(Exception):
    """A bad argument: printed as one line, exit status 2."""


class CommandError(Exception):
    """A failure the user must fix, such as a missing or broken project file: one line, exit status 1."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # argparse's default prints usage; we want one line
        raise UsageError(message)


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="netcanvas", description="Design, check, train and export neural networks.")
    subparsers = parser.add_subparsers(dest="command", parser_class=_Parser, metavar="COMMAND")
    for name in COMMANDS:
        try:
            module = importlib.import_module(f"backend.cli.cmd_{name}")
        except ModuleNotFoundError as error:
            # A command whose module is not installed is left out rather than breaking the others.
            if error.name != f"backend.cli.cmd_{name}":
                raise
            continue
        module.add_parser(subparsers)
    return parser


def main(argv: list[str] | None = None, gui_runner: GuiRunner | None = None) -> int:
    """Run one command; returns the exit status.

    Args:
        argv: the arguments (default: the process's).
        gui_runner: what opens the desktop app for the ``gui`` command (given by ``app.entry``).
    """
    argv = sys.argv[1:] if argv is None else argv
    try:
        parser = build_parser()
        parser.set_defaults(gui_runner=gui_runner)
        args = parser.parse_args(argv or ["gui"])
        if args.command is None:
            args = parser.parse_args(["gui", *argv])
        return int(args.run(args) or 0)
    except UsageError as error:
        print(f"netcanvas: {error}", file=sys.stderr)
        return 2
    except CommandError as error:
        print(f"netcanvas: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("netcanvas: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0


def entry() -> None:
    sys.exit(main())
