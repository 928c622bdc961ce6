"""Activation functions and their derivatives, sampled on a grid for the neurons lesson.

The curves come from the very torch functions the generated layers call
(``nn.ReLU``, ``nn.Sigmoid`` ...), and the derivatives from autograd on them, so
what is plotted is what trains (ReLU's derivative at 0 is PyTorch's choice, 0).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

# The activations a lesson can plot, by the names the MLP preset's ``activation`` option uses.
ACTIVATIONS: dict[str, nn.Module] = {
    "sigmoid": nn.Sigmoid(),
    "tanh": nn.Tanh(),
    "relu": nn.ReLU(),
    "leaky_relu": nn.LeakyReLU(0.1),  # a visible slope; the layer's default is 0.01
    "gelu": nn.GELU(),
}


@dataclass(frozen=True)
class ActivationCurve:
    """One activation sampled at `x`: its values `y` and its derivative `dy` (numpy, float64)."""

    name: str
    x: np.ndarray
    y: np.ndarray
    dy: np.ndarray


def activation_curves(
    names: tuple[str, ...] | list[str] = ("sigmoid", "tanh", "relu"),
    low: float = -5.0,
    high: float = 5.0,
    points: int = 201,
) -> list[ActivationCurve]:
    """Each named activation and its derivative on `points` evenly spaced inputs from `low` to `high`.

    Raises:
        ValueError: an unknown name or an empty range.
    """
    if not high > low or points < 2:
        raise ValueError(f"need low < high and at least 2 points, got {low}..{high} with {points}")
    curves = []
    for name in names:
        function = ACTIVATIONS.get(name)
        if function is None:
            raise ValueError(f"unknown activation {name!r} (known: {', '.join(ACTIVATIONS)})")
        x = torch.linspace(low, high, points, dtype=torch.float64, requires_grad=True)
        y = function(x)
        (dy,) = torch.autograd.grad(y.sum(), x)  # each y depends on its own x only: the sum's gradient is dy/dx
        curves.append(ActivationCurve(name, x.detach().numpy(), y.detach().numpy(), dy.numpy()))
    return curves
