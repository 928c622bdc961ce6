"""Weights that come with an imported model, kept beside its project so training starts from them.

The file is a ``state_dict`` named as the generated model names its parameters
(``layer1_0.conv1.weight``), written with ``torch.save`` and read back with
``weights_only=True``: loading never runs code from the file. A project with one
network stores that network's state_dict; a project with several stores a dict of
them by network name, the same layout as the weights a training run saves.

The project names the file in its ``weights`` training setting, so `load_initial_weights`
(called by the training engine right after it builds the models) starts from them.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import torch
from torch import nn

from backend.compiler import build_models
from graph.project import Project

SUFFIX = ".weights.pt"


class WeightsError(ValueError):
    """A weights file that cannot be read or does not fit the networks; the message says which."""


def weights_path_for(project_path: str | os.PathLike) -> Path:
    """``net.json`` -> ``net.weights.pt``, beside the project."""
    path = Path(project_path)
    return path.with_name(path.stem + SUFFIX)


def read_state_dict(path: str | os.PathLike) -> dict[str, Any]:
    """A state_dict file read with ``weights_only=True``; `WeightsError` when it is missing or is not one."""
    path = Path(path)
    try:
        state = torch.load(path, map_location="cpu", weights_only=True)
    except FileNotFoundError:
        raise WeightsError(f"{path}: no such weights file") from None
    except (OSError, RuntimeError, ValueError, EOFError, AttributeError, ImportError) as error:
        first = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        raise WeightsError(f"{path.name}: not a state_dict that can be loaded safely ({first[:160]})") from None
    if not isinstance(state, dict) or not all(isinstance(k, str) for k in state):
        raise WeightsError(f"{path.name}: holds a {type(state).__name__}, not a state_dict")
    return state


def load_into(model: nn.Module, state: dict[str, Any], what: str) -> None:
    """``load_state_dict`` with every key and shape required to match; `WeightsError` naming the first misfit."""
    try:
        model.load_state_dict(state, strict=True)
    except (RuntimeError, KeyError, TypeError) as error:
        lines = [line.strip() for line in str(error).splitlines() if line.strip()]
        detail = lines[1] if len(lines) > 1 else (lines[0] if lines else type(error).__name__)
        raise WeightsError(f"{what}: the weights do not fit ({detail[:200]})") from None


def load_initial_weights(models: dict[str, nn.Module], path: str) -> None:
    """Start `models` from the weights file `path` (nothing to do when it is empty)."""
    if not path:
        return
    state = read_state_dict(path)
    if len(models) == 1:
        name, model = next(iter(models.items()))
        load_into(model, state, f"{Path(path).name} for {name}")
        return
    for name, model in models.items():
        if not isinstance(state.get(name), dict):
            raise WeightsError(f"{Path(path).name}: has no weights for the network {name}")
        load_into(model, state[name], f"{Path(path).name} for {name}")


def check_weights(project: Project, state: dict[str, Any]) -> None:
    """The generated model of `project`'s (only) network must take `state` exactly."""
    models, _ = build_models(project)
    name, model = next(iter(models.items()))
    load_into(model, state, name)


def save_weights(state: dict[str, Any], path: str | os.PathLike) -> None:
    """Write a state_dict (tensors copied off any graph, on the CPU)."""
    torch.save({key: value.detach().cpu().clone() for key, value in state.items()}, Path(path))
