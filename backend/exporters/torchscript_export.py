"""Export as TorchScript: a file ``torch.jit.load`` runs without NetCanvas or the source.

Scripting keeps the model's logic exactly; if a layer's code cannot be scripted
the exporter traces the model with example inputs instead and says so, because a
traced model fixes any shape-dependent branches to the example's path.
"""

from __future__ import annotations

import os
import warnings
from pathlib import Path

import torch

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

TRACE_NOTE = "scripting failed, so the model was traced with example inputs (shape-dependent logic is fixed)"


def _to_torchscript(model: torch.nn.Module, inputs: tuple) -> tuple[torch.jit.ScriptModule, str]:
    with warnings.catch_warnings():
        # torch.jit announces its own deprecation; that is for us to handle, not the user.
        warnings.simplefilter("ignore", DeprecationWarning)
        warnings.simplefilter("ignore", FutureWarning)
        try:
            return torch.jit.script(model), ""
        except Exception:  # any scripting failure: fall back to tracing, below
            pass
        warnings.simplefilter("ignore")
        with torch.no_grad():
            return torch.jit.trace(model, inputs, check_trace=False), TRACE_NOTE


def export_torchscript(
    project: Project,
    path: str | os.PathLike,
    network: str | None = None,
    weights: Weights | None = None,
    reports: Reports | None = None,
) -> list[Exported]:
    """Write `network` (or every network: ``out_<name>.pt`` each) as TorchScript.

    Args:
        weights: trained state dicts by network name (fresh weights without).
        reports: the networks' validation reports when the caller has them (validated once otherwise).

    Raises:
        ExportError: a network has errors, or neither scripting nor tracing works.
    """
    names = select_networks(project, network)
    paths = output_paths(path, names, several=len(names) > 1)
    for target in paths.values():
        check_folder(target)
    written = []
    for name, (model, inputs) in build_for_export(project, names, weights, reports).items():
        target = paths[name]
        try:
            scripted, note = _to_torchscript(model, inputs)
        except Exception as error:  # tracing failed too: report it in one line
            raise ExportError(f"{name}: TorchScript export failed: {str(error).strip().splitlines()[0]}") from None
        try:
            scripted.save(str(target))
        except (OSError, RuntimeError) as error:
            raise ExportError(f"{target}: cannot write ({error})") from None
        written.append(Exported(Path(target), name, note))
    return written
