"""``netcanvas summary PROJECT [--json]``: the per-layer table, ending with ``Total params: N``.

With ``--json`` it prints one object instead (see `backend.summary.summary_json`).

A network with errors still gets its table (unknown shapes show as ``?``); its
problems go to stderr and the exit status is 1.
"""

from __future__ import annotations

import argparse
import json
import sys

from backend.cli.project_file import open_project
from backend.summary import project_summary, summary_json


def add_parser(subparsers) -> None:
    parser = subparsers.add_parser("summary", help="per-layer table of shapes and parameter counts")
    parser.add_argument("project", metavar="PROJECT", help="project file")
    parser.add_argument("--expand", action="store_true", help="list the layers inside each block, indented")
    parser.add_argument("--json", action="store_true", help="print one JSON object instead of the table")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    project = open_project(args.project)
    if args.json:
        summary, reports = summary_json(project, expand=args.expand)
        text = json.dumps(summary, indent=2)
    else:
        lines, reports = project_summary(project, expand=args.expand)
        text = "\n".join(lines)
    errors = [problem for report in reports.values() for problem in report.errors]
    for problem in errors:
        print(problem.line(), file=sys.stderr)
    print(text)
    return 1 if errors else 0
