"""What every exporter shares: the error type, network selection and model building.

Exporters write what the compiler builds from the generated source, so an
exported file always matches the model the user trained.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from torch import nn

from backend.codegen import CodegenError
from backend.compiler import build_models, example_inputs
from graph.project import Project
from graph.validation import NetworkReport, validate_network

Weights = dict[str, dict[str, Any]]
Reports = dict[str, NetworkReport]


class ExportError(Exception):
    """An export that cannot be done; the message says why in one or a few lines."""


@dataclass(frozen=True)
class Exported:
    """One file an exporter wrote, with a note for the user when something was done differently."""

    path: Path
    network: str
    note: str = ""


def select_networks(project: Project, network: str | None) -> list[str]:
    """The networks to export: `network` alone, or all of them."""
    if network is None:
        return list(project.networks)
    if network not in project.networks:
        known = ", ".join(project.networks)
        raise ExportError(f"no network named '{network}' in this project (it has: {known})")
    return [network]


def output_paths(path: str | os.PathLike, names: list[str], several: bool) -> dict[str, Path]:
    """One path per network: `path` itself, or ``out_<network>.ext`` beside it when there are several."""
    target = Path(path)
    if not several:
        return {names[0]: target}
    return {name: target.with_name(f"{target.stem}_{name}{target.suffix}") for name in names}


def build_for_export(
    project: Project, names: list[str], weights: Weights | None = None, reports: Reports | None = None
) -> dict[str, tuple[nn.Module, tuple]]:
    """Each network's module in eval mode with example inputs of batch 2.

    Args:
        weights: trained state dicts by network name; networks without one keep fresh weights.
        reports: validation reports by network name (the caller's, or made here once per network);
            code generation and the example inputs both read them.
    """
    reports = {
        name: (reports or {}).get(name) or validate_network(project.networks[name], project.blocks) for name in names
    }
    try:
        models, _ = build_models(project, names, reports)
    except CodegenError as error:
        raise ExportError(f"the network has errors:\n{error}") from None
    except (RuntimeError, MemoryError) as error:  # e.g. a layer too large to allocate
        raise ExportError(f"could not build the model: {str(error).splitlines()[0]}") from None
    result = {}
    for name, model in models.items():
        if weights and name in weights:
            try:
                model.load_state_dict(weights[name])
            except (RuntimeError, KeyError, TypeError) as error:
                raise ExportError(
                    f"{name}: the weights do not fit this network: {str(error).splitlines()[0]}"
                ) from None
        inputs = example_inputs(project.networks[name], reports[name], batch=2, blocks=project.blocks)
        result[name] = (model.eval(), inputs)
    return result


def write_text(path: str | os.PathLike, text: str) -> Path:
    target = Path(path)
    try:
        target.write_text(text, encoding="utf-8")
    except OSError as error:
        raise ExportError(f"{target}: cannot write ({error.strerror or error})") from None
    return target


def check_folder(path: Path) -> None:
    """Fail early, with a clear message, when the folder to write into does not exist."""
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir():
        raise ExportError(f"{path}: folder {folder} does not exist")
