"""``netcanvas validate PROJECT``: exit 0 if every network is valid, else 1.

Prints one line per problem, ``error: <network>/<node>: <message>`` (warnings as
``warning: ...``, which do not change the exit status).
"""

from __future__ import annotations

import argparse

from backend.cli.project_file import open_project
from graph.validation import validate_project


def add_parser(subparsers) -> None:
    parser = subparsers.add_parser("validate", help="check every network; exit 1 with one line per error")
    parser.add_argument("project", metavar="PROJECT", help="project file")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    project = open_project(args.project)
    reports = validate_project(project)
    failed = False
    for report in reports.values():
        for problem in report.problems:
            print(problem.line())
        failed = failed or bool(report.errors)
    if failed:
        return 1
    params = sum(report.total_params for report in reports.values())
    count = len(reports)
    print(f"{args.project}: valid ({count} network{'s' if count > 1 else ''}, {params:,} params)")
    return 0
