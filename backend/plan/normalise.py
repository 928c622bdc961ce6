"""Normalisation: statistics from the training samples only, applied to every batch.

Nothing about the validation samples leaks into training. Tables and series are
standardised per feature; images per colour channel for classifiers and
regressors, kept in [0, 1] for a VAE (its decoder ends in Sigmoid) and mapped to
[-1, 1] for a GAN (its generator ends in Tanh); a GAN's other samples are divided
by their largest magnitude per feature. Token ids are left alone. Sums are kept
in float64, a batch at a time, so the same code serves data held in memory (all
training samples) and data streamed from disk (a seeded sample of them).
"""

from __future__ import annotations

from dataclasses import dataclass

import torch


@dataclass
class Normaliser:
    """``(x - mean) / std`` with shapes that broadcast over a batch (identity when `mean` is None).

    Attributes:
        value_range: the lowest and highest value a pixel can take after normalisation.
        pixel_scale: how much one unit of raw [0, 1] brightness is after normalisation.
    """

    mean: torch.Tensor | None = None
    std: torch.Tensor | None = None
    value_range: tuple[float, float] = (0.0, 1.0)
    pixel_scale: float = 1.0

    def __call__(self, x: torch.Tensor) -> torch.Tensor:
        if self.mean is None:
            return x
        return (x - self.mean) / self.std

    def to(self, device: torch.device) -> Normaliser:
        if self.mean is None:
            return self
        return Normaliser(self.mean.to(device), self.std.to(device), self.value_range, self.pixel_scale)


class Statistics:
    """Running count, sum, sum of squares and largest magnitude along one axis (channels or features)."""

    def __init__(self, axis: int):
        self.axis = axis
        self.count = 0
        self.sum = self.squares = self.largest = None

    def add(self, x: torch.Tensor) -> None:
        values = x.detach().movedim(self.axis, -1)
        values = values.reshape(-1, values.shape[-1]).float()
        parts = (
            values.sum(dim=0, dtype=torch.float64).cpu(),
            (values * values).sum(dim=0, dtype=torch.float64).cpu(),
            values.abs().amax(dim=0).double().cpu(),
        )
        if self.sum is None:
            self.sum, self.squares, self.largest = parts
        else:
            self.sum, self.squares = self.sum + parts[0], self.squares + parts[1]
            self.largest = torch.maximum(self.largest, parts[2])
        self.count += values.shape[0]

    def mean(self) -> torch.Tensor:
        return self.sum / max(self.count, 1)

    def std(self) -> torch.Tensor:
        """The unbiased spread; 1 where it is (near) zero so constant features stay finite."""
        if self.count < 2:
            return torch.ones_like(self.sum)
        variance = ((self.squares - self.count * self.mean() ** 2) / (self.count - 1)).clamp_min(0.0)
        std = variance.sqrt()
        return torch.where(std > 1e-8, std, torch.ones_like(std))


def statistics_for(kind: str, fitted_dims: int) -> Statistics | None:
    """The statistics a normaliser of this kind needs (None for token ids)."""
    if kind == "tokens":
        return None
    return Statistics(1 if kind == "image" and fitted_dims == 4 else -1)


def make_normaliser(stats: Statistics | None, kind: str, task: str, fitted_dims: int) -> Normaliser:
    """The normaliser for samples of `kind` (fitted to `fitted_dims` dimensions, batch included) and `task`."""
    if stats is None:
        return Normaliser()
    images = kind == "image" and fitted_dims == 4
    if images and task == "vae":
        return Normaliser()
    if images and task == "gan":
        half = torch.full((1, 1, 1, 1), 0.5)
        return Normaliser(half, half.clone(), (-1.0, 1.0), 2.0)
    if task == "gan":
        largest = stats.largest.clamp_min(1e-8).float()
        return Normaliser(torch.zeros_like(largest), largest)
    mean, std = stats.mean().float(), stats.std().float()
    if not images:
        return Normaliser(mean, std)
    mean, std = mean.view(1, -1, 1, 1), std.view(1, -1, 1, 1)
    low, high = float(((0 - mean) / std).min()), float(((1 - mean) / std).max())
    return Normaliser(mean, std, (low, high), 1.0 / float(std.min()))
