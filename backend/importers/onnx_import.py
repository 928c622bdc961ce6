"""ONNX files as NetCanvas projects: operators become layers, initializers their weights.

Nothing in the file is executed: it is read with the ``onnx`` package (`onnx_graph`),
walked operator by operator (`onnx_builder`, `onnx_ops`) and built into a project like
any other. A few of PyTorch's modules reach ONNX as several operators (local response
norm, adaptive pooling to a size that does not divide, a plain RNN unrolled over
time); files written by PyTorch's exporter say which module each node came from, so
such a group is read back as the one layer it was.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch

from backend.importers.common import ModelImportError, Unmappable, build_project, collect_weights
from backend.importers.onnx_builder import OnnxBuilder
from backend.importers.onnx_composites import COMPOSITES
from backend.importers.onnx_graph import OnnxGraph, read_model
from backend.importers.onnx_ops import HANDLERS
from backend.importers.pytorch import ImportResult, network_name


def import_onnx(path: Path, keep_weights: bool = False) -> ImportResult:
    """A project from an ONNX file (nothing in it is run)."""
    graph = OnnxGraph(*read_model(path))
    if not graph.inputs:
        raise ModelImportError(f"{path.name}: the graph has no inputs")
    name = network_name(path.stem.replace("-", "_")) or "net"
    builder = OnnxBuilder(graph, name if name.isidentifier() else "net")
    try:
        body = builder.build(HANDLERS, COMPOSITES)
    except Unmappable as error:
        raise ModelImportError(f"{path.name}: {error}") from None
    shapes = ";".join(",".join(map(str, node.params["shape"])) for node in body.nodes if node.type == "Input")
    project = build_project(body, [], path.stem, f"Imported from {path.name} (input {shapes}).")
    weights = {k: torch.from_numpy(np.array(v)) for k, v in collect_weights(body).items()} if keep_weights else None
    return ImportResult(project, weights)
