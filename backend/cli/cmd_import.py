"""``netcanvas import SOURCE -o PROJECT [--input-shape D[,D...]] [--weights [STATE_DICT]]``.

SOURCE is ``FILE.py:Name``, ``package.module:Name`` or ``MODEL.onnx``, where Name is
an ``nn.Module`` class or a function that builds the model (``ResNet18``), called with
no arguments. Importing Python code runs it; importing ONNX runs
nothing. With ``--weights`` the model's weights (or STATE_DICT loaded into it first)
are written beside the project as ``PROJECT.weights.pt`` and training starts from them.
A SOURCE or shape that cannot be read is a usage error (exit 2); a model that cannot
be imported is one line and exit 1.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from backend.cli import CommandError, UsageError

DESCRIPTION = (
    "Make an editable project from a PyTorch model (FILE.py:Name or package.module:Name, where Name is an "
    "nn.Module class or a function that builds the model, called with no arguments) or an ONNX file. "
    "Importing Python code RUNS that code, as any Python import does; importing ONNX runs nothing."
)


def add_parser(subparsers) -> None:
    parser = subparsers.add_parser(
        "import", help="make a project from PyTorch code or an ONNX file (importing Python code runs it)",
        description=DESCRIPTION,
    )  # fmt: skip
    parser.add_argument("source", metavar="SOURCE", help="FILE.py:Name, package.module:Name or MODEL.onnx")
    parser.add_argument("-o", "--output", required=True, metavar="PROJECT", help="project file to write")
    parser.add_argument(
        "--input-shape",
        metavar="D[,D...]",
        help="shape of one input sample without the batch, e.g. 3,32,32 (several inputs: 3,32,32;10); "
        "PyTorch code only, guessed from the first layer when left out",
    )
    parser.add_argument(
        "--weights",
        nargs="?",
        const=True,
        default=False,
        metavar="STATE_DICT",
        help="keep the model's weights (PyTorch code: or load STATE_DICT into it first), saved beside the project",
    )
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    # Imported here: torch, torch.fx and onnx are only needed when importing.
    from backend.importers import ModelImportError, import_model, parse_input_shapes, parse_source
    from backend.importers.common import count_types
    from backend.importers.module_loading import describe, let_interrupts_through
    from backend.importers.weights import WeightsError, check_weights, save_weights, weights_path_for
    from graph.project_io import save_project
    from graph.validation import validate_network

    try:
        source = parse_source(args.source)
        shapes = parse_input_shapes(args.input_shape) if args.input_shape is not None else None
    except ValueError as error:
        raise UsageError(str(error)) from None
    if source.kind == "onnx" and isinstance(args.weights, str):
        raise UsageError("--weights STATE_DICT is for PyTorch code; an ONNX file brings its weights (give --weights)")
    if source.kind == "onnx" and shapes is not None:
        raise UsageError("--input-shape is for PyTorch code; an ONNX file gives its own input shapes")
    output = Path(args.output)
    weights_file = weights_path_for(output) if args.weights else None
    try:
        result = import_model(source, shapes, args.weights)
        if result.weights is not None:
            check_weights(result.project, result.weights)
            result.project.training["weights"] = str(weights_file.resolve())
    except (ModelImportError, WeightsError) as error:
        raise CommandError(str(error)) from None
    except BaseException as error:  # importing runs the user's code: whatever it raises, one line
        let_interrupts_through(error)
        raise CommandError(f"{args.source}: cannot be imported ({describe(error)})") from None
    try:
        save_project(result.project, output)
        if result.weights is not None:
            save_weights(result.weights, weights_file)
    except OSError as error:
        raise CommandError(f"{error.filename or output}: cannot write ({error.strerror or error})") from None
    network = result.project.main
    counts = count_types(result.project)
    layers = sum(n for t, n in counts.items() if t not in ("Input", "Output", "Block"))
    total = validate_network(network, result.project.blocks).total_params
    blocks = f", {len(result.project.blocks)} block definitions" if result.project.blocks else ""
    print(f"wrote {output} ({result.project.name}: {layers} layers{blocks}, {total:,} parameters)")
    if weights_file is not None:
        print(f"wrote {weights_file} (training starts from these weights)")
    for note in result.notes:
        print(f"note: {note}")
    return 0
