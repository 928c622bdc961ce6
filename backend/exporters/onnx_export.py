"""Export as ONNX with the torch.export-based exporter, batch size left free.

The model is exported in eval mode (BatchNorm uses its running statistics,
Dropout is off) with a dynamic first axis, so the file accepts any batch size.
The file keeps the drawing's layers: constants are folded and unused biases
dropped, but batch norm is not fused into the convolutions before it (onnxruntime
does that when it loads the file), so importing it gives back the same parameters.
Input and output names are the network's Input and Output node names. A project
with several networks gives one file per network unless one is chosen.
"""

from __future__ import annotations

import logging
import os
import warnings
from contextlib import contextmanager
from pathlib import Path

import onnxscript.optimizer
import onnxscript.rewriter
import torch
from onnxscript.rewriter.rules.common import (
    remove_optional_bias_from_conv_rule,
    remove_optional_bias_from_conv_transpose_rule,
    remove_optional_bias_from_gemm_rule,
)

from backend.exporters.common import (
    Exported,
    ExportError,
    Reports,
    Weights,
    build_for_export,
    check_folder,
    output_paths,
    select_networks,
)
from graph.project import Project

OPSET = 18
UNUSED_BIASES = [
    remove_optional_bias_from_conv_rule,
    remove_optional_bias_from_conv_transpose_rule,
    remove_optional_bias_from_gemm_rule,
]


@contextmanager
def _quiet_exporter():
    """Silence the exporter's own deprecation chatter and log lines; they are not the user's to act on."""
    logger = logging.getLogger("torch.onnx")
    level = logger.level
    logger.setLevel(logging.ERROR)
    try:
        with warnings.catch_warnings():
            for category in (DeprecationWarning, FutureWarning, UserWarning):
                warnings.simplefilter("ignore", category)
            yield
    finally:
        logger.setLevel(level)


def export_onnx(
    project: Project,
    path: str | os.PathLike,
    network: str | None = None,
    weights: Weights | None = None,
    reports: Reports | None = None,
) -> list[Exported]:
    """Write `network` (or every network: ``out_<name>.onnx`` each) as ONNX.

    Args:
        weights: trained state dicts by network name (fresh weights without).
        reports: the networks' validation reports when the caller has them (validated once otherwise).

    Raises:
        ExportError: a network has errors, or the exporter cannot express one of its layers.
    """
    names = select_networks(project, network)
    paths = output_paths(path, names, several=len(names) > 1)
    for target in paths.values():
        check_folder(target)
    written = []
    for name, (model, inputs) in build_for_export(project, names, weights, reports).items():
        target = paths[name]
        net = project.networks[name]
        input_names = [n.name for n in net.input_nodes()][: len(inputs)]
        output_names = [n.name for n in net.output_nodes()]
        batch = torch.export.Dim("batch", min=1)
        try:
            with _quiet_exporter():
                program = torch.onnx.export(
                    model,
                    inputs,
                    input_names=input_names,
                    output_names=output_names,
                    dynamic_shapes=tuple({0: batch} for _ in inputs),
                    opset_version=OPSET,
                    dynamo=True,
                    optimize=False,
                    verbose=False,
                )
                onnxscript.optimizer.fold_constants(program.model)
                onnxscript.rewriter.rewrite(program.model, UNUSED_BIASES)
            program.save(str(target), external_data=False)
        except OSError as error:
            raise ExportError(f"{target}: cannot write ({error.strerror or error})") from None
        except Exception as error:  # the exporter raises many kinds; the user needs one line
            first = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
            raise ExportError(f"{name}: ONNX export failed: {first}") from None
        written.append(Exported(Path(target), name))
    return written
