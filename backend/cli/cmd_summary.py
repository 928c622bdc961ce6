"""``netcanvas summary PROJECT``: the per-layer table, ending with ``Total params: N``.

A network with errors still gets its table (unknown shapes show as ``?``); its
problems go to stderr and the exit status is 1.
"""

from __future__ import annotations

import argparse
import sys

from backend.cli.project_file import open_project
from backend.summary import project_summary


def add_parser(subparsers) -> None:
    parser = subparsers.add_parser("summary", help="per-layer table of shapes and parameter counts")
    parser.add_argument("project", metavar="PROJECT", help="project file")
    parser.add_argument("--expand", action="store_true", help="list the layers inside each block, indented")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    project = open_project(args.project)
    lines, reports = project_summary(project, expand=args.expand)
    errors = [problem for report in reports.values() for problem in report.errors]
    for problem in errors:
        print(problem.line(), file=sys.stderr)
    print("\n".join(lines))
    return 1 if errors else 0
