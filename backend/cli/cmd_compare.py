"""``netcanvas compare PROJECT --vary K=V1,V2[,...]``: one run per value from the same start.

Writes ``DIR/<K>=<V>/metrics.csv`` per value, ``DIR/compare.csv`` (every value's
epochs, one row each, the value in the first column) and ``DIR/compare.png`` (the
curves overlaid). Progress goes to stderr. Bad arguments exit 2; a run that fails
is reported and the others still run (exit 1 at the end).
"""

from __future__ import annotations

import argparse
import csv
import re
import signal
from pathlib import Path

from backend.cli import CommandError, UsageError
from backend.cli.cmd_train import Progress, _positive_int, parse_overrides
from backend.cli.project_file import open_project
from backend.plan.metrics import FIRST_COLUMNS, metric_cell, write_metrics
from graph.training_config import DEVICES


def add_parser(subparsers) -> None:
    parser = subparsers.add_parser(
        "compare", help="train once per value of one setting from the same initial weights, and plot the curves"
    )
    parser.add_argument("project", metavar="PROJECT", help="project file")
    parser.add_argument(
        "--vary", required=True, metavar="K=V1,V2", help="the setting and its values, e.g. optimizer=sgd,momentum,adam"
    )
    parser.add_argument("--epochs", type=_positive_int, metavar="N", help="epochs per run (default: the project's)")
    parser.add_argument("--device", choices=DEVICES, help="where to train (default: the project's, usually auto)")
    parser.add_argument("--out", metavar="DIR", help="output folder (default: runs/<project name>-compare)")
    parser.add_argument(
        "--set", action="append", default=[], metavar="K=V", dest="settings", help="setting shared by every run"
    )
    parser.set_defaults(run=run)


def folder_name(key: str, value: str) -> str:
    """``optimizer=adam``; characters a file name cannot hold become ``_``."""
    return re.sub(r"[^\w.=,+-]", "_", f"{key}={value}")


def write_comparison(path: Path, key: str, runs) -> None:
    """compare.csv: the varied setting's value, then the metrics of each epoch of each run."""
    rows = [{key: run.value, **row} for run in runs for row in run.history]
    names = {name for row in rows for name in row} - {key}
    columns = [key] + [c for c in FIRST_COLUMNS if c in names] + sorted(names - set(FIRST_COLUMNS))
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(columns)
        for row in rows:
            writer.writerow([metric_cell(row.get(c)) for c in columns])


def run(args: argparse.Namespace) -> int:
    from backend.training import TrainingSetupError
    from backend.training.compare import Comparison
    from backend.training.compare_plot import plot_comparison

    key, sep, values = args.vary.partition("=")
    key = key.strip()
    if not sep or not key:
        raise UsageError(f"--vary needs K=V1,V2, got {args.vary!r}")
    overrides = parse_overrides(args)
    project = open_project(args.project)
    try:
        comparison = Comparison(project, key, values.split(","), overrides)
    except TrainingSetupError as error:
        raise UsageError(f"--vary: {error}") from None
    out = Path(args.out) if args.out else Path("runs") / f"{Path(args.project).stem}-compare"
    try:
        for compared in comparison.runs:
            (out / folder_name(key, compared.value)).mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise CommandError(f"{out}: cannot create the output folder ({error.strerror or error})") from None
    progress = Progress()

    def on_start(index, compared, session) -> None:
        progress.line(f"run {index + 1}/{len(comparison.runs)}: {key}={compared.value} ({session.device})")

    def on_epoch(index, compared, event) -> None:
        progress.epoch(event)
        write_metrics(out / folder_name(key, compared.value) / "metrics.csv", compared.history)

    def on_finish(index, compared) -> None:
        write_metrics(out / folder_name(key, compared.value) / "metrics.csv", compared.history)
        progress.line(f"{key}={compared.value}: {compared.result.message}")

    previous = signal.signal(signal.SIGINT, lambda _signum, _frame: comparison.stop())
    try:
        runs = comparison.run(on_start, lambda i, c, event: progress.batch(event), on_epoch, on_finish)
    finally:
        signal.signal(signal.SIGINT, previous)
    write_comparison(out / "compare.csv", key, runs)
    plot_comparison(runs, key, out / "compare.png", project.name)
    progress.line(f"wrote {out / 'compare.csv'} and {out / 'compare.png'}")
    failures = [r for r in runs if r.result is None or r.result.status == "failed"]
    if failures:
        names = ", ".join(f"{key}={r.value}" for r in failures)
        raise CommandError(f"{len(failures)} of {len(runs)} runs did not finish: {names}")
    return 0
