"""``netcanvas check PROJECT [--set K=V]...``: sanity checks on a batch of the project's data.

One line per finding, ``ok|warn|fail  <network>/<node>: <message>``, printed as
each is found; exit status 1 if any finding is ``fail``. The checks themselves live
in `backend.diagnostics`.
"""

from __future__ import annotations

import argparse

from backend.cli.cmd_train import parse_overrides
from backend.cli.project_file import open_project
from graph.training_config import DEVICES


def add_parser(subparsers) -> None:
    parser = subparsers.add_parser(
        "check", help="sanity checks before training: loss at start, overfitting a batch, gradient flow, wiring"
    )
    parser.add_argument("project", metavar="PROJECT", help="project file")
    parser.add_argument("--device", choices=DEVICES, help="where to run the checks (default: the project's)")
    parser.add_argument(
        "--set", action="append", default=[], metavar="K=V", dest="settings", help="training setting, e.g. lr=0.01"
    )
    parser.set_defaults(run=run, epochs=None)


def run(args: argparse.Namespace) -> int:
    from backend.diagnostics import failed, run_checks

    overrides = parse_overrides(args)
    project = open_project(args.project)
    findings = run_checks(project, overrides, on_finding=lambda finding: print(finding.line(), flush=True))
    return 1 if failed(findings) else 0
