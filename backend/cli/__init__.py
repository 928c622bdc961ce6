"""The ``netcanvas`` command line (a contract: see DESIGN.md, "Command line").

Each sub-command lives in its own module with ``add_parser(subparsers)`` and
``run(args) -> int``. Any bad argument prints one line and exits 2; no traceback
ever reaches the user. With no sub-command the app opens on LeNet-5.
"""

from __future__ import annotations

import argparse
import importlib
import sys

COMMANDS = ("gui", "presets", "new", "summary", "validate", "export", "train", "import")


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


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    try:
        parser = build_parser()
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
