"""``netcanvas train PROJECT``: train on the terminal, write metrics.csv, model.pt and checkpoint.pt.

GAN and VAE runs on images also write samples.npy and samples.png (see `backend.training.samples`).

Progress goes to stderr: one live line (epoch, batch, loss, samples/s, ETA) on a
terminal, a plain line every few seconds otherwise, and one summary line per
epoch, with notes about the data (folders left out, unreadable images skipped).
``--tensorboard DIR`` also logs the metrics and the first network's graph;
``--nproc-per-node N`` runs the exported script under torchrun instead
(``backend/cli/torchrun.py``). The first Ctrl-C stops after the current batch and
still saves (exit 130); a second one quits at once. Bad arguments exit 2, a setup
that cannot train or a failed run exits 1, each with one line.
"""

from __future__ import annotations

import argparse
import signal
import sys
import time
import warnings
from pathlib import Path

from backend.cli import CommandError, UsageError
from backend.cli.project_file import open_project
from backend.plan.metrics import write_metrics
from graph.params import ParamError
from graph.training_config import DEVICES, TRAINING_PARAM_BY_NAME, coerce_training_value

PLAIN_EVERY_SECONDS = 5.0
LIVE_EVERY_SECONDS = 0.1


def add_parser(subparsers) -> None:
    parser = subparsers.add_parser("train", help="train a project's network and save metrics and weights")
    parser.add_argument("project", metavar="PROJECT", help="project file")
    parser.add_argument("--epochs", type=_positive_int, metavar="N", help="number of epochs (default: the project's)")
    parser.add_argument("--device", choices=DEVICES, help="where to train (default: the project's, usually auto)")
    parser.add_argument("--out", metavar="DIR", help="output folder (default: runs/<project name>)")
    parser.add_argument(
        "--set", action="append", default=[], metavar="K=V", dest="settings", help="training setting, e.g. lr=0.01"
    )
    parser.add_argument("--tensorboard", metavar="DIR", help="also write TensorBoard logs (scalars, graph) to DIR")
    parser.add_argument("--resume", metavar="CHECKPOINT", help="continue from a checkpoint.pt")
    parser.add_argument(
        "--nproc-per-node",
        type=_positive_int,
        metavar="N",
        help="train with N processes: the exported training script under torchrun (DDP)",
    )
    parser.set_defaults(run=run)


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a whole number, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def parse_overrides(args: argparse.Namespace) -> dict:
    """The training settings given on the command line, checked (a bad one is a usage error)."""
    overrides: dict = {}
    for item in args.settings:
        key, sep, value = item.partition("=")
        key = key.strip()
        if not sep or not key:
            raise UsageError(f"--set needs K=V, got {item!r}")
        if key not in TRAINING_PARAM_BY_NAME:
            raise UsageError(f"--set: unknown training setting {key!r} (known: {', '.join(TRAINING_PARAM_BY_NAME)})")
        overrides[key] = value.strip()
    if args.epochs is not None:
        overrides["epochs"] = args.epochs
    if args.device is not None:
        overrides["device"] = args.device
    try:
        return {key: coerce_training_value(key, value) for key, value in overrides.items()}
    except ParamError as error:
        raise UsageError(str(error)) from None


class TensorBoardLog:
    """``--tensorboard DIR``: every epoch's metrics as scalars, and the first network's graph."""

    def __init__(self, folder: str):
        try:
            from torch.utils.tensorboard import SummaryWriter
        except ImportError:
            raise CommandError(
                '--tensorboard needs the tensorboard package: pip install "netcanvas[tensorboard]"'
            ) from None
        try:
            self.writer = SummaryWriter(folder)
        except OSError as error:
            raise CommandError(f"{folder}: cannot write TensorBoard logs ({error.strerror or error})") from None

    def graph(self, session) -> None:
        """Trace the first network on a random input (in eval mode: the run's statistics stay as they were)."""
        import torch

        from backend.compiler import example_inputs

        name, model = next(iter(session.models.items()))
        network = session.project.networks[name]
        inputs = example_inputs(network, blocks=session.project.blocks, generator=torch.Generator().manual_seed(0))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # the tracer's notes are about tracing, not about the user's network
            self.writer.add_graph(model, tuple(tensor.to(session.settings.device) for tensor in inputs))

    def epoch(self, event) -> None:
        for key, value in event.metrics.items():
            self.writer.add_scalar(key, value, event.epoch)
        self.writer.flush()

    def close(self) -> None:
        self.writer.close()


def _duration(seconds: float) -> str:
    seconds = int(max(0, seconds))
    hours, rest = divmod(seconds, 3600)
    return f"{hours}:{rest // 60:02d}:{rest % 60:02d}" if hours else f"{rest // 60}:{rest % 60:02d}"


class Progress:
    """Prints batch progress (live on a terminal, sparse otherwise) and epoch summaries to `stream`."""

    def __init__(self, stream=None):
        self.stream = stream or sys.stderr
        self.live = self.stream.isatty()
        self.last = 0.0
        self.width = 0

    def batch(self, event) -> None:
        now = time.monotonic()
        every = LIVE_EVERY_SECONDS if self.live else PLAIN_EVERY_SECONDS
        if now - self.last < every and event.batch != event.batches:
            return
        self.last = now
        filled = int(20 * event.batch / event.batches)
        text = (
            f"epoch {event.epoch}/{event.epochs} [{'#' * filled}{'.' * (20 - filled)}] "
            f"batch {event.batch}/{event.batches} loss {event.loss:.4f} "
            f"{event.samples_per_second:,.0f} samples/s ETA {_duration(event.eta_seconds)}"
        )
        if self.live:
            self.stream.write("\r" + text.ljust(self.width))
            self.width = len(text)
        elif event.batch != event.batches:
            self.stream.write(text + "\n")
        self.stream.flush()

    def line(self, text: str) -> None:
        if self.live and self.width:
            self.stream.write("\r" + " " * self.width + "\r")
            self.width = 0
        self.stream.write(text + "\n")
        self.stream.flush()

    def epoch(self, event) -> None:
        shown = ", ".join(f"{k} {v:.4g}" for k, v in event.metrics.items())
        self.line(f"epoch {event.epoch}/{event.epochs}: {shown}")


def run(args: argparse.Namespace) -> int:
    from backend.training import TrainingSession, TrainingSetupError
    from backend.training.samples import write_samples

    overrides = parse_overrides(args)
    if args.nproc_per_node and (args.resume or args.tensorboard):
        raise UsageError("--nproc-per-node runs the exported script, which takes neither --resume nor --tensorboard")
    project = open_project(args.project)
    out = Path(args.out) if args.out else Path("runs") / Path(args.project).stem
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise CommandError(f"{out}: cannot create the output folder ({error.strerror or error})") from None
    if args.nproc_per_node:
        from backend.cli.torchrun import train_distributed

        return train_distributed(project, overrides, out, args.nproc_per_node)
    try:
        session = TrainingSession(project, overrides, checkpoint_path=out / "checkpoint.pt", resume_from=args.resume)
    except TrainingSetupError as error:
        raise CommandError(str(error)) from None
    board = TensorBoardLog(args.tensorboard) if args.tensorboard else None
    if board is not None:
        board.graph(session)
    progress = Progress()
    data = session.data
    progress.line(
        f"training {', '.join(session.models)} on {data.name} ({data.train.count} train / {data.val.count} val): "
        f"{session.task}, loss {session.loss}, {session.config['optimizer']} lr {session.config['lr']:g}, "
        f"batch {session.batch_size}, device {session.device}"
    )
    for note in data.notes:
        progress.line(f"note: {note}")
    history: list[dict] = list(session.history)

    def on_epoch(event) -> None:
        progress.epoch(event)
        for note in event.extras.get("notes", []):
            if note not in data.notes:
                progress.line(f"note: {note}")
        history.append({"epoch": event.epoch, **event.metrics})
        write_metrics(out / "metrics.csv", history)
        if board is not None:
            board.epoch(event)

    interrupted = []

    def on_interrupt(_signum, _frame) -> None:
        interrupted.append(True)
        progress.line("stopping after this batch (Ctrl-C again to quit now)")
        signal.signal(signal.SIGINT, signal.default_int_handler)
        session.stop()

    previous = signal.signal(signal.SIGINT, on_interrupt)
    try:
        result = session.run(on_batch=progress.batch, on_epoch=on_epoch)
    finally:
        signal.signal(signal.SIGINT, previous)
        if board is not None:
            board.close()
    write_metrics(out / "metrics.csv", result.history)
    if result.status == "failed":
        raise CommandError(result.message)
    session.save_weights(out / "model.pt")
    written = [out / "metrics.csv", out / "model.pt"]
    if session.task in ("gan", "vae"):
        written += write_samples(session.recipe, out, seed=session.config["seed"])
    progress.line(f"{result.message}; wrote {', '.join(str(path) for path in written)}")
    return 130 if interrupted else 0
