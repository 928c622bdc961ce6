"""Image augmentation with plain torch ops, applied to a training batch on its device.

Each transformation is switched on by name in the ``augment`` setting ("flip,rotate"): ``rotate``
(up to ±15°), ``scale`` (0.9x to 1.1x), ``crop`` (a random shift of up to 1/8 of
the size, as padding and cropping would give), ``flip`` (left-right, half of the
images), ``brightness`` (±0.2 of the full range) and ``contrast`` (0.8x to 1.2x).
Every image gets its own random draw from the given generator, so runs are
reproducible. Shapes never change and values stay inside the data's range;
uncovered borders take the darkest value (the background of digits). The names
are checked where the setting is read (``graph/training_config.py``).
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F

MAX_DEGREES = 15.0
SCALE_RANGE = (0.9, 1.1)
MAX_SHIFT = 0.125
BRIGHTNESS = 0.2
CONTRAST_RANGE = (0.8, 1.2)


class Augmenter:
    """Random transformations of (B, C, H, W) image batches.

    Args:
        names: the augmentations to apply, comma-separated (the ``augment`` setting).
        value_range: the lowest and highest value a pixel can take (after normalisation).
        pixel_scale: what a brightness change of 1.0 (the whole [0, 1] range) is in these units.
    """

    def __init__(self, names: str, value_range: tuple[float, float] = (0.0, 1.0), pixel_scale: float = 1.0):
        self.names = frozenset(name.strip() for name in names.split(",") if name.strip())
        self.low, self.high = value_range
        self.pixel_scale = pixel_scale

    def __bool__(self) -> bool:
        return bool(self.names)

    def _uniform(self, count: int, low: float, high: float, generator, device) -> torch.Tensor:
        values = torch.rand(count, generator=generator) * (high - low) + low
        return values.to(device)

    def __call__(self, x: torch.Tensor, generator: torch.Generator | None = None) -> torch.Tensor:
        if not self.names:
            return x
        count, device = x.shape[0], x.device
        if self.names & {"rotate", "scale", "crop"}:
            x = self._geometric(x, generator)
        if "flip" in self.names:
            mask = (torch.rand(count, generator=generator) < 0.5).to(device).view(-1, 1, 1, 1)
            x = torch.where(mask, x.flip(-1), x)
        if "contrast" in self.names:
            factor = self._uniform(count, *CONTRAST_RANGE, generator, device).view(-1, 1, 1, 1)
            mean = x.mean(dim=(1, 2, 3), keepdim=True)
            x = (x - mean) * factor + mean
        if "brightness" in self.names:
            shift = self._uniform(count, -BRIGHTNESS, BRIGHTNESS, generator, device).view(-1, 1, 1, 1)
            x = x + shift * self.pixel_scale
        if self.names & {"contrast", "brightness"}:
            x = x.clamp(self.low, self.high)
        return x

    def _geometric(self, x: torch.Tensor, generator) -> torch.Tensor:
        count, device = x.shape[0], x.device
        angle = torch.zeros(count, device=device)
        scale = torch.ones(count, device=device)
        shift = torch.zeros(count, 2, device=device)
        if "rotate" in self.names:
            angle = self._uniform(count, -MAX_DEGREES, MAX_DEGREES, generator, device) * (math.pi / 180.0)
        if "scale" in self.names:
            scale = self._uniform(count, *SCALE_RANGE, generator, device)
        if "crop" in self.names:
            # affine_grid's coordinates span [-1, 1], so a shift of 1/8 of the size is 0.25
            shift = self._uniform(count * 2, -2 * MAX_SHIFT, 2 * MAX_SHIFT, generator, device).view(count, 2)
        cos, sin = torch.cos(angle) / scale, torch.sin(angle) / scale
        theta = torch.stack(
            [torch.stack([cos, -sin, shift[:, 0]], dim=1), torch.stack([sin, cos, shift[:, 1]], dim=1)], dim=1
        ).to(x.dtype)
        grid = F.affine_grid(theta, list(x.shape), align_corners=False)
        # sample x - low so the zero padding of grid_sample becomes the darkest value
        moved = F.grid_sample(x - self.low, grid, mode="bilinear", padding_mode="zeros", align_corners=False)
        return moved + self.low
