"""Fitting samples to the network's Input: channels, image size and flattening.

What to do is decided once from the network (``backend/data/adapt.py``) and
written down as a `SampleFit`; applying it is the same arithmetic everywhere:
greyscale shown to an RGB Input is repeated to three channels, RGB shown to a
greyscale Input is averaged, images are resized bilinearly (so digits' 8x8 become
LeNet-5's 32x32), and images or series are flattened after normalisation when
the Input takes one vector.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F


@dataclass(frozen=True)
class SampleFit:
    """How samples become what the Input takes.

    Attributes:
        channels: images: the Input's colour channels (1 or 3); None leaves them.
        size: images: the (height, width) they are resized to; None leaves them.
        flatten: the per-sample shape after normalisation, when the Input takes images
            or series reshaped ((64,) for an MLP on 8x8 digits); None keeps the layout.
        target_shape: regression: the per-sample shape of the targets (the Output's).
    """

    channels: int | None = None
    size: tuple[int, int] | None = None
    flatten: tuple[int, ...] | None = None
    target_shape: tuple[int, ...] | None = None


def fit_images(x: torch.Tensor, fit: SampleFit) -> torch.Tensor:
    """Float images (N, C, H, W) in [0, 1] with the channels and size of `fit`."""
    if fit.channels is not None and x.shape[1] != fit.channels:
        if x.shape[1] == 1:
            x = x.expand(-1, fit.channels, -1, -1).contiguous()  # greyscale shown to an RGB network
        else:
            x = x.mean(dim=1, keepdim=True)
    if fit.size is not None and tuple(x.shape[2:]) != tuple(fit.size):
        x = F.interpolate(x, size=tuple(fit.size), mode="bilinear", align_corners=False).clamp_(0.0, 1.0)
    return x
