"""``netcanvas new --preset NAME [--set K=V]... -o PROJECT``: a project file from a preset.

``K`` is one of the preset's options (``depth=50``) or a training setting
(``lr=0.01``, ``dataset=iris``); preset options take precedence when a name is both.
With ``--set dataset=...`` the network follows the data (``graph/fitting.py``): the
Input takes the data's samples and the last layer's width is the number of
classes or target columns; options given with ``--set`` win over the data. A
preset that cannot take that kind of data is refused, naming the presets that can.
"""

from __future__ import annotations

import argparse

from backend.cli import CommandError, UsageError
from graph.params import ParamError
from graph.project_io import save_project


def add_parser(subparsers) -> None:
    parser = subparsers.add_parser("new", help="create a project file from a preset")
    parser.add_argument("--preset", required=True, metavar="NAME", help="preset name (see `netcanvas presets`)")
    parser.add_argument(
        "--set", action="append", default=[], metavar="K=V", dest="settings", help="preset option or training setting"
    )
    parser.add_argument("-o", "--output", required=True, metavar="PROJECT", help="project file to write")
    parser.set_defaults(run=run)


def parse_settings(items: list[str]) -> dict[str, str]:
    """``["depth=50", "lr=0.1"]`` -> ``{"depth": "50", "lr": "0.1"}``; a malformed item is a usage error."""
    settings: dict[str, str] = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise UsageError(f"--set needs K=V, got {item!r}")
        settings[key.strip()] = value.strip()
    return settings


def run(args: argparse.Namespace) -> int:
    # Imported here: building every preset's module is only needed by the commands that use them.
    from graph.presets import PRESETS, build_preset_with_settings, split_settings

    preset = PRESETS.get(args.preset)
    if preset is None:
        raise UsageError(f"unknown preset {args.preset!r} (choose from: {', '.join(PRESETS)})")
    settings = parse_settings(args.settings)
    try:
        project = build_preset_with_settings(args.preset, settings)
    except ParamError as error:
        raise UsageError(str(error)) from None
    fitted = ""
    options, training = split_settings(args.preset, settings)
    if "dataset" in training:
        project, fitted = _fit_to_data(options, project)
    try:
        save_project(project, args.output)
    except OSError as error:
        raise CommandError(f"{args.output}: cannot write ({error.strerror or error})") from None
    print(f"wrote {args.output} ({preset.title})")
    if fitted:
        print(fitted)
    return 0


def _fit_to_data(options: dict, project):
    """The preset rebuilt to take the project's data set, and a line saying what changed."""
    from backend.data import DataError, describe_dataset
    from graph.fitting import FitError, refit_preset
    from graph.presets import PresetError

    try:
        facts = describe_dataset(project.training["dataset"], project.training["target"])
        fitted, changes = refit_preset(project, options, facts)
    except (DataError, FitError, PresetError) as error:
        raise UsageError(f"--set dataset: {error}") from None
    return fitted, f"fitted to {facts.describe()}" + (f"; {', '.join(changes)}" if changes else "")
