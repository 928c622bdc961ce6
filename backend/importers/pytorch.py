"""Importing a PyTorch model from its source: class -> model -> body -> blocks -> project.

`import_pytorch` loads the class (running its file), builds it with no arguments,
optionally loads a state_dict into it, picks example inputs (the given per-sample
shapes, or a guess from the first layer), converts it through torch.fx and builds the
project. Every failure is a `ModelImportError` of one line.
"""

from __future__ import annotations

import inspect
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch
from torch import fx, nn

from backend.importers.blocks import define_blocks
from backend.importers.common import ModelImportError, build_project, collect_weights, format_input_shapes
from backend.importers.fx_import import BATCH, ConversionFailure, ImportContext, RunFailure, convert_root, trace
from backend.importers.module_loading import Source, construct, load_class, on_path
from backend.importers.weights import WeightsError, load_into, read_state_dict
from graph.project import Project

SEED = 0
GUESS_LENGTH = 16  # steps of a guessed sequence input
GUESS_SIZE = 32  # height and width of a guessed image input


@dataclass
class ImportResult:
    """A project made from a model, the model's weights (named for the generated model) and notes for the user."""

    project: Project
    weights: dict[str, Any] | None
    kept: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def network_name(class_name: str) -> str:
    """``ResNet152`` -> ``res_net152``, ``MyNet`` -> ``my_net``: the network that codegen names ``MyNet`` again."""
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", class_name).lower() or "net"


def _guess(module: nn.Module) -> tuple[tuple[int, ...], str] | None:
    """A sample shape the first layer of `module` takes, and where the guess came from."""
    for name, layer in module.named_modules():
        if isinstance(layer, nn.Conv2d):
            return (layer.in_channels, GUESS_SIZE, GUESS_SIZE), name
        if isinstance(layer, nn.ConvTranspose2d):
            return (layer.in_channels, GUESS_SIZE // 4, GUESS_SIZE // 4), name
        if isinstance(layer, nn.Conv1d):
            return (layer.in_channels, GUESS_SIZE), name
        if isinstance(layer, nn.Linear):
            return (layer.in_features,), name
        if isinstance(layer, nn.Embedding):
            return (GUESS_LENGTH,), name
        if isinstance(layer, (nn.RNN, nn.LSTM, nn.GRU)) and layer.batch_first:
            return (GUESS_LENGTH, layer.input_size), name
        if isinstance(layer, (nn.BatchNorm1d, nn.LayerNorm)):
            return (getattr(layer, "num_features", None) or tuple(layer.normalized_shape)[-1],), name
    return None


def _inputs_of(model: nn.Module) -> list[str]:
    try:
        parameters = inspect.signature(model.forward).parameters.values()
    except (TypeError, ValueError):
        return []
    positional = (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)
    return [p.name for p in parameters if p.default is p.empty and p.kind in positional]


def _first_users(model: nn.Module) -> list[nn.Module | None]:
    """For each input of ``forward``, the module that first reads it (to tell token ids from values)."""
    try:
        graph = trace(model)
    except ConversionFailure:
        return []
    users: list[nn.Module | None] = []
    for node in graph.nodes:
        if node.op == "placeholder":
            first = next((u for u in node.users if u.op == "call_module"), None)
            users.append(model.get_submodule(first.target) if isinstance(first, fx.Node) else None)
    return users


def _vocabulary(module: nn.Module | None) -> int | None:
    """The vocabulary size when `module`'s first layer is an embedding: its input holds token ids."""
    if module is None:
        return None
    first = next((m for m in module.modules() if not any(True for _ in m.children())), None)
    return first.num_embeddings if isinstance(first, nn.Embedding) else None


def example_inputs(model: nn.Module, shapes: list[tuple[int, ...]] | None) -> tuple[tuple, list[str]]:
    """Random inputs of batch `BATCH` for `model`: of `shapes`, or of a shape guessed from its first layer."""
    notes = []
    names = _inputs_of(model)
    if shapes is None:
        guess = _guess(model) if len(names) == 1 else None
        if guess is None:
            takes = f"{len(names)} inputs" if len(names) != 1 else "an input whose shape NetCanvas cannot guess"
            raise ModelImportError(f"{type(model).__name__} takes {takes}: give --input-shape")
        shapes = [guess[0]]
        notes.append(f"input shape {format_input_shapes(shapes)} guessed from {guess[1]}; give --input-shape to choose")
    elif names and len(shapes) != len(names):
        raise ModelImportError(
            f"{type(model).__name__}.forward takes {len(names)} input(s) ({', '.join(names)}) "
            f"but --input-shape gives {len(shapes)}"
        )
    users = _first_users(model)
    generator = torch.Generator().manual_seed(SEED)
    tensors = []
    for index, shape in enumerate(shapes):
        vocabulary = _vocabulary(users[index] if index < len(users) else None)
        if vocabulary:
            tensors.append(torch.randint(0, vocabulary, (BATCH, *shape), generator=generator))
        else:
            tensors.append(torch.randn((BATCH, *shape), generator=generator))
    return tuple(tensors), notes


def import_pytorch(
    source: Source, shapes: list[tuple[int, ...]] | None = None, weights: bool | str = False
) -> ImportResult:
    """A project from a PyTorch class.

    Args:
        source: a ``file`` or ``module`` source (see `parse_source`).
        shapes: the shape of one sample of each input of ``forward`` (None: guess).
        weights: False for none, True for the weights the model was built with, or the path of a
            state_dict to load into it first.
    """
    loaded = load_class(source)
    model, construction = construct(loaded)
    if isinstance(weights, (str, Path)):
        try:
            load_into(model, read_state_dict(weights), Path(weights).name)
        except WeightsError as error:
            raise ModelImportError(str(error)) from None
    inputs, notes = example_inputs(model, shapes)
    shown = format_input_shapes([tuple(t.shape[1:]) for t in inputs])
    context = ImportContext(construction, loaded.folder, loaded.importable)
    class_name = loaded.name
    try:
        with on_path(Path(loaded.folder) if loaded.folder else None):
            root = convert_root(context, model, network_name(class_name), inputs)
    except RunFailure as failure:
        raise ModelImportError(f"{failure.line()} (input shape {shown}: is it right for {class_name}?)") from None
    except ConversionFailure as failure:
        raise ModelImportError(failure.line()) from None
    definitions = define_blocks(root)
    description = f"Imported from {source} (input {shown})."
    project = build_project(root, definitions, class_name, description)
    if context.kept:
        notes.append(f"kept as they are: {', '.join(context.kept[:5])}{' ...' if len(context.kept) > 5 else ''}")
    return ImportResult(project, collect_weights(root) if weights else None, context.kept, notes)
