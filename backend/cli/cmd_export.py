"""``netcanvas export PROJECT --format py|script|onnx|torchscript -o PATH [--network NAME] [--weights FILE]``.

``py`` writes every network into one module; ``onnx`` and ``torchscript`` write one
file per network (``out_generator.onnx``...) unless ``--network`` picks one, with
trained weights from ``--weights`` (a ``model.pt`` from ``netcanvas train``, the
GUI or an exported script, or a checkpoint); ``script`` writes a training script
that runs without NetCanvas.
"""

from __future__ import annotations

import argparse
import importlib

from backend.cli import CommandError, UsageError
from backend.cli.project_file import open_project

FORMATS = ("py", "script", "onnx", "torchscript")


def add_parser(subparsers) -> None:
    parser = subparsers.add_parser("export", help="export as PyTorch code, a training script, ONNX or TorchScript")
    parser.add_argument("project", metavar="PROJECT", help="project file")
    parser.add_argument("--format", required=True, choices=FORMATS, help="what to write")
    parser.add_argument("-o", "--output", required=True, metavar="PATH", help="file to write")
    parser.add_argument("--network", metavar="NAME", help="export only this network (default: all)")
    parser.add_argument(
        "--weights", metavar="STATE_DICT", help="trained weights to put in (model.pt of a run); onnx and torchscript"
    )
    parser.set_defaults(run=run)


def _script_exporter():
    try:
        module = importlib.import_module("backend.exporters.script_export")
    except ModuleNotFoundError as error:
        if error.name != "backend.exporters.script_export":
            raise
        raise UsageError("--format script is not available in this installation") from None
    return module.export_script


def _weights(path: str, project) -> dict:
    from backend.training.checkpoints import CheckpointError, load_weights

    try:
        return load_weights(path, list(project.networks))
    except CheckpointError as error:
        raise CommandError(f"--weights: {error}") from None


def run(args: argparse.Namespace) -> int:
    # Imported here so that commands which never need torch (validate, summary) start quickly.
    from backend.exporters import ExportError, export_onnx, export_python, export_torchscript

    project = open_project(args.project)
    if args.network is not None and args.network not in project.networks:
        raise UsageError(
            f"--network: no network named {args.network!r} (the project has: {', '.join(project.networks)})"
        )
    if args.weights and args.format in ("py", "script"):
        raise UsageError(
            f"--weights goes into onnx and torchscript files; a {args.format} file holds code "
            "(load the weights into its model with model.load_state_dict(torch.load(PATH)))"
        )
    weights = _weights(args.weights, project) if args.weights else None
    try:
        if args.format == "script":
            _script_exporter()(project, args.output)
            print(f"wrote {args.output}")
            return 0
        if args.format == "py":
            written = export_python(project, args.output, args.network)
        else:
            exporter = export_onnx if args.format == "onnx" else export_torchscript
            written = exporter(project, args.output, args.network, weights=weights)
    except ExportError as error:
        raise CommandError(str(error)) from None
    except OSError as error:
        raise CommandError(f"{args.output}: cannot write ({error.strerror or error})") from None
    for item in written:
        print(f"wrote {item.path}" + (f" ({item.note})" if item.note else ""))
    return 0
