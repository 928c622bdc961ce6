"""Checkpoints (everything needed to continue a run exactly where it stopped) and weights files.

A checkpoint holds the models' and optimizers' state, the schedule, early-stopping
state, the history, the epoch and the random-number generator states. It contains
only tensors and plain values, so it is written with ``torch.save`` and read back
with ``torch.load(..., weights_only=True)``: loading never runs code from the file.
"""

from __future__ import annotations

import os
import pickle
import tempfile
import zipfile
from pathlib import Path

import torch

FORMAT = "netcanvas-checkpoint"
VERSION = 1


class CheckpointError(ValueError):
    """A checkpoint that cannot be read or does not belong to this project."""


def save_checkpoint(path: str | Path, state: dict) -> None:
    """Write `state` to `path` atomically (temporary file, then rename)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=path.name, suffix=".tmp", dir=path.parent)
    os.close(handle)
    try:
        torch.save({"format": FORMAT, "version": VERSION, **state}, temporary)
        os.replace(temporary, path)
    finally:
        if os.path.exists(temporary):
            os.unlink(temporary)


def load_checkpoint(path: str | Path) -> dict:
    """Read a checkpoint written by `save_checkpoint`; raise `CheckpointError` otherwise."""
    path = Path(path)
    if not path.is_file():
        raise CheckpointError(f"{path}: no such checkpoint file")
    try:
        state = torch.load(path, map_location="cpu", weights_only=True)
    except (pickle.UnpicklingError, RuntimeError, EOFError, zipfile.BadZipFile, OSError, ValueError) as error:
        first = str(error).splitlines()[0] if str(error) else type(error).__name__
        raise CheckpointError(f"{path.name}: not a readable checkpoint ({first[:200]})") from None
    if not isinstance(state, dict) or state.get("format") != FORMAT:
        raise CheckpointError(f"{path.name}: not a NetCanvas checkpoint")
    return state


def load_weights(path: str | Path, networks: list[str]) -> dict[str, dict[str, torch.Tensor]]:
    """Trained weights by network from a ``model.pt`` (``netcanvas train``, the GUI, a script) or a checkpoint.

    A project with one network takes a plain state_dict; one with several takes a
    dict of state_dicts by network name (what those write for a GAN or a VAE).

    Raises:
        CheckpointError: the file is not readable or holds no weights for these networks.
    """
    path = Path(path)
    if not path.is_file():
        raise CheckpointError(f"{path}: no such weights file")
    try:
        state = torch.load(path, map_location="cpu", weights_only=True)
    except (pickle.UnpicklingError, RuntimeError, EOFError, zipfile.BadZipFile, OSError, ValueError) as error:
        first = str(error).splitlines()[0] if str(error) else type(error).__name__
        raise CheckpointError(f"{path.name}: not a readable weights file ({first[:200]})") from None
    if isinstance(state, dict) and state.get("format") == FORMAT:
        state = state.get("models", {})
    if not isinstance(state, dict) or not state:
        raise CheckpointError(f"{path.name}: holds no weights")
    if all(isinstance(value, torch.Tensor) for value in state.values()):
        if len(networks) != 1:
            raise CheckpointError(
                f"{path.name}: holds the weights of one network but the project has {len(networks)} "
                f"({', '.join(networks)})"
            )
        return {networks[0]: state}
    by_network = {name: value for name, value in state.items() if name in networks and isinstance(value, dict)}
    if not by_network:
        raise CheckpointError(
            f"{path.name}: holds weights for {', '.join(map(str, state))} but the project's networks are "
            f"{', '.join(networks)}"
        )
    return by_network
