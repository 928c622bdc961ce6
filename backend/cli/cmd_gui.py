"""``netcanvas gui [PROJECT] [--preset NAME [--set K=V]...] [--screenshot PNG]``: the desktop app.

Plain ``netcanvas`` lands here too and opens LeNet-5 on digits, ready to train.
This module checks the arguments; opening the window is the job of the runner the
app's entry point (``app.entry``) hands to `backend.cli.main`, so the command line
never imports the app or Qt and works on machines without a display.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from backend.cli import CommandError, UsageError
from backend.cli.cmd_new import parse_settings
from graph.params import ParamError
from graph.project_io import ProjectFileError


def add_parser(subparsers) -> None:
    parser = subparsers.add_parser("gui", help="open the desktop app (the default command)")
    parser.add_argument("project", nargs="?", metavar="PROJECT", help="project file to open")
    parser.add_argument("--preset", metavar="NAME", help="start from this preset instead (see `netcanvas presets`)")
    parser.add_argument(
        "--set", action="append", default=[], metavar="K=V", dest="settings", help="preset option or training setting"
    )
    parser.add_argument("--screenshot", metavar="PNG", help="render the window to this PNG file and exit")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    if args.project and args.preset:
        raise UsageError("give a PROJECT file or --preset, not both")
    options = parse_settings(args.settings)
    screenshot = None
    if args.screenshot:
        screenshot = Path(args.screenshot)
        if screenshot.suffix.lower() != ".png":
            raise UsageError(f"--screenshot needs a .png file name, got {args.screenshot!r}")
        if not screenshot.parent.is_dir():
            raise UsageError(f"--screenshot: the folder {str(screenshot.parent)!r} does not exist")
    runner = args.gui_runner
    if runner is None:
        raise CommandError(
            "the desktop app starts with `netcanvas gui` (or `python -m app`), not `python -m backend.cli`"
        )
    try:
        return runner(args.project, args.preset, options, screenshot)
    except ProjectFileError as error:
        raise CommandError(str(error)) from None
    except ParamError as error:
        raise UsageError(str(error)) from None
