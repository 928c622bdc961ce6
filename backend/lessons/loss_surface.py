"""Optimizer paths over a 2-D loss surface: the picture every course draws of gradient descent.

A point (x, y) is a two-weight "network" and the surface is its loss. Each path
is made by the optimizer factory training uses (`backend.plan.optimizers.make_optimizer`),
with training settings checked as the project file checks them, so a path follows
exactly the update rule a real run uses (PyTorch's momentum and eps placement
included; see that module's docstring).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import torch

from backend.plan.optimizers import make_optimizer
from graph.training_config import coerce_training_config

MAX_STEPS = 10_000


@dataclass(frozen=True)
class Surface:
    """A loss over two weights.

    Attributes:
        name: how lessons refer to it.
        title: a short caption.
        loss: (x, y) tensors -> loss tensor (elementwise, so a whole grid evaluates at once).
        start: where paths begin.
        x_range / y_range: the window worth drawing.
        minimum: where the loss is smallest.
    """

    name: str
    title: str
    loss: Callable[[torch.Tensor, torch.Tensor], torch.Tensor]
    start: tuple[float, float]
    x_range: tuple[float, float]
    y_range: tuple[float, float]
    minimum: tuple[float, float]


def _valley(x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    # 100 times steeper across the valley (y) than along it (x): plain gradient descent zigzags
    return 0.01 * x**2 + y**2


def _banana(x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    # Rosenbrock's curved valley, scaled down so the usual learning rates stay stable
    return 0.1 * ((1 - x) ** 2 + 10 * (y - x**2) ** 2)


SURFACES: dict[str, Surface] = {
    "valley": Surface("valley", "a long narrow valley", _valley, (-9.0, 1.5), (-10.0, 10.0), (-2.5, 2.5), (0.0, 0.0)),
    "banana": Surface(
        "banana", "Rosenbrock's curved valley", _banana, (-1.5, 2.0), (-2.0, 2.0), (-1.0, 3.0), (1.0, 1.0)
    ),
}


def surface(name: str) -> Surface:
    found = SURFACES.get(name)
    if found is None:
        raise ValueError(f"unknown loss surface {name!r} (known: {', '.join(SURFACES)})")
    return found


def surface_grid(name: str, points: int = 101) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The surface on a `points` x `points` grid over its window: (xs, ys, loss[len(ys), len(xs)])."""
    chosen = surface(name)
    xs = torch.linspace(*chosen.x_range, points, dtype=torch.float64)
    ys = torch.linspace(*chosen.y_range, points, dtype=torch.float64)
    grid_y, grid_x = torch.meshgrid(ys, xs, indexing="ij")
    return xs.numpy(), ys.numpy(), chosen.loss(grid_x, grid_y).numpy()


def optimizer_path(
    name: str, optimizer: str, settings: dict | None = None, steps: int = 100, start: tuple[float, float] | None = None
) -> np.ndarray:
    """Where optimizer `optimizer` takes the two weights on surface `name`: (steps + 1, 2), the start first.

    Args:
        name: a surface in `SURFACES`.
        optimizer: a training ``optimizer`` value (sgd, momentum, momentum_ema, adagrad, rmsprop, adam, adamw).
        settings: training settings it reads (``lr``, ``momentum``, ``beta1`` ...), checked like ``--set``.
        steps: how many updates.
        start: the starting point (default: the surface's).

    Raises:
        ValueError: an unknown surface or optimizer, a bad setting, or too many steps.
        graph.params.ParamError: a setting out of range (a ValueError too).
    """
    chosen = surface(name)
    if not 0 <= steps <= MAX_STEPS:
        raise ValueError(f"steps must be from 0 to {MAX_STEPS}, got {steps}")
    config = coerce_training_config({**(settings or {}), "optimizer": optimizer})
    weights = torch.nn.Parameter(torch.tensor(start or chosen.start, dtype=torch.float64))
    step = make_optimizer(optimizer, [weights], config)
    path = [weights.detach().clone()]
    for _ in range(steps):
        step.zero_grad(set_to_none=True)
        chosen.loss(weights[0], weights[1]).backward()
        step.step()
        path.append(weights.detach().clone())
    return torch.stack(path).numpy()


def optimizer_paths(name: str, runs: dict[str, dict], steps: int = 100) -> dict[str, np.ndarray]:
    """One path per run label; each run's settings must include ``optimizer``."""
    paths = {}
    for label, settings in runs.items():
        settings = dict(settings)
        optimizer = settings.pop("optimizer", None)
        if optimizer is None:
            raise ValueError(f"run {label!r} names no optimizer")
        paths[label] = optimizer_path(name, optimizer, settings, steps)
    return paths
