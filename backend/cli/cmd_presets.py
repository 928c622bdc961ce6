"""``netcanvas presets``: list the preset architectures with their options."""

from __future__ import annotations

import argparse

from graph.params import Param, format_value


def add_parser(subparsers) -> None:
    parser = subparsers.add_parser("presets", help="list presets and their options")
    parser.set_defaults(run=run)


def describe_option(param: Param) -> str:
    """``depth=18  (18, 34, 50, 101, 152)  how many layers`` for one option."""
    default = str(param.default).lower() if isinstance(param.default, bool) else format_value(param.default)
    text = f"{param.name}={default}"
    if param.kind == "choice":
        text += "  (" + ", ".join(str(c) for c in param.choices) + ")"
    elif param.minimum is not None or param.maximum is not None:
        low = "" if param.minimum is None else format_value(param.minimum)
        high = "" if param.maximum is None else format_value(param.maximum)
        text += f"  ({low}..{high})"
    if param.doc:
        text += f"  {param.doc}"
    return text


def run(args: argparse.Namespace) -> int:
    # Imported here: building every preset's module is only needed by the commands that use them.
    from graph.presets import PRESETS

    width = max(len(name) for name in PRESETS)
    for name, preset in PRESETS.items():
        print(f"{name.ljust(width)}  {preset.title}: {preset.description}")
        for param in preset.options:
            print(f"{' ' * width}    --set {describe_option(param)}")
    return 0
