"""What every recipe shares: the context it is built from and the interface the engine drives.

A recipe owns the optimizers and knows how one training step and one evaluation
go for its kind of task; the engine owns the loop (batches, epochs, stopping,
events, checkpoints). ``train_step`` returns detached device tensors so the
engine decides when to synchronise with the GPU.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

from backend.data import NetworkFacts, PreparedData
from backend.plan.device import DeviceSettings
from backend.training.events import ImagesEvent


@dataclass
class RecipeContext:
    """Everything a recipe is built from.

    Attributes:
        models: the networks by name (their parameters are what is optimised and saved).
        runners: what to call for a forward pass (the model, or its ``torch.compile`` form).
        outputs: per network, the names of its Outputs in the order forward returns them.
        data: the training and validation data, served in batches on the device.
        config: the checked training settings.
        settings: device, autocast and memory format.
        loss: the resolved loss name.
        facts: the main network's Input/Output.
    """

    models: dict[str, nn.Module]
    runners: dict[str, Callable]
    outputs: dict[str, list[str]]
    data: PreparedData
    config: dict
    settings: DeviceSettings
    loss: str
    facts: NetworkFacts


class Recipe:
    """Base class: one kind of training (supervised, VAE, GAN)."""

    monitor: str | None = "val_loss"
    part_names: tuple[str, ...] = ()

    def __init__(self, ctx: RecipeContext):
        self.ctx = ctx
        self.data = ctx.data
        self.settings = ctx.settings
        self.optimizers: list[torch.optim.Optimizer] = []

    def train(self) -> None:
        for model in self.ctx.models.values():
            model.train()

    def eval(self) -> None:
        for model in self.ctx.models.values():
            model.eval()

    def train_step(self, x: torch.Tensor, y: torch.Tensor | None) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
        """One optimisation step on a batch; returns (loss, named parts), detached, on the device."""
        raise NotImplementedError

    def evaluate(self) -> tuple[dict[str, float], dict]:
        """Validation metrics and extras (e.g. a confusion matrix) at the end of an epoch."""
        raise NotImplementedError

    def images(self, epoch: int) -> list[ImagesEvent]:
        """Picture grids for this epoch (none by default)."""
        return []

    @property
    def lr(self) -> float:
        return float(self.optimizers[0].param_groups[0]["lr"]) if self.optimizers else 0.0

    def call(self, name: str, *inputs: torch.Tensor) -> tuple[torch.Tensor, ...]:
        """Forward through network `name` under autocast; always returns a tuple of outputs."""
        with self.settings.autocast():
            out = self.ctx.runners[name](*inputs)
        return out if isinstance(out, tuple) else (out,)

    def output(self, name: str, outputs: tuple[torch.Tensor, ...], output_name: str) -> torch.Tensor:
        return outputs[self.ctx.outputs[name].index(output_name)]


def to_pictures(images: torch.Tensor) -> np.ndarray | None:
    """(N, C, H, W) or flattened square images in [0, 1] -> numpy (N, H, W) / (N, H, W, 3); None if not images."""
    images = images.detach().float().cpu()
    if images.dim() == 2:
        side = math.isqrt(images.shape[1])
        if side * side != images.shape[1] or side < 4:
            return None
        images = images.view(-1, 1, side, side)
    if images.dim() == 3:
        images = images.unsqueeze(1)
    if images.dim() != 4:
        return None
    images = images.clamp(0.0, 1.0)
    if images.shape[1] == 3:
        return images.permute(0, 2, 3, 1).numpy()
    return images[:, 0].numpy()
