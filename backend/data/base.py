"""The shapes data takes on its way from a file to the training loop.

`RawData` is what a loader reads (numpy, natural layout: images (N, C, H, W) in
[0, 1], tables (N, F), series (N, T, F), token sequences (N, T), 2-D points (N, 2)).
`NetworkFacts` is what the data must fit: the network Input's shape and dtype and
the Output's shape. `PreparedData` is the result of fitting, splitting and
normalising: torch tensors ready to be moved to the device.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

KINDS = ("image", "tabular", "series", "tokens", "points")
MIN_SAMPLES = 5


class DataError(ValueError):
    """Data that cannot be used; one line naming the file, column or sub-folder at fault."""


@dataclass
class RawData:
    """Samples as read from a source, before they are fitted to a network.

    Attributes:
        name: what the user calls it (``digits``, ``data.csv``).
        x: float32 samples (int64 for tokens) in the layout of `kind`.
        y: targets: integer labels, float values, strings (CSV class names), token
            sequences, or None for unlabelled data.
        kind: one of `KINDS`.
        task: the task this data naturally serves (``classification``,
            ``regression`` or ``sequence``).
        class_names: names of the classes when known (indices are positions).
        named_labels: the labels were words in the file, so they cannot be regression targets.
    """

    name: str
    x: np.ndarray
    y: np.ndarray | None
    kind: str
    task: str
    class_names: list[str] | None = None
    named_labels: bool = False


@dataclass(frozen=True)
class NetworkFacts:
    """What the network expects: its Input (per-sample shape, dtype) and Output shape.

    ``vocab`` is the smallest Embedding ``num_embeddings`` fed by the Input (0 when none).
    """

    input_name: str
    input_shape: tuple
    input_dtype: str = "float32"
    output_shape: tuple | None = None
    vocab: int = 0

    @property
    def output_size(self) -> int | None:
        """The last dimension of the Output (classes, regression targets, vocabulary)."""
        if not self.output_shape or self.output_shape[-1] is None:
            return None
        return int(self.output_shape[-1])


@dataclass
class PreparedData:
    """Train and validation tensors fitted to a network, plus what the recipes need to know.

    Attributes:
        display: up to 16 validation images in [0, 1] as (N, C, H, W) for picture grids.
        value_range: the (low, high) a pixel can take after normalisation (augmentation clamps to it).
        pixel_scale: how much one unit of raw [0, 1] brightness is after normalisation.
        target_std: regression targets were standardised (mean 0) with this spread.
    """

    name: str
    task: str
    kind: str
    train_x: torch.Tensor
    train_y: torch.Tensor | None
    val_x: torch.Tensor
    val_y: torch.Tensor | None
    class_names: list[str] | None = None
    display: torch.Tensor | None = None
    value_range: tuple[float, float] = (0.0, 1.0)
    pixel_scale: float = 1.0
    target_std: torch.Tensor | None = None

    @property
    def num_classes(self) -> int:
        return len(self.class_names) if self.class_names else 0

    @property
    def is_image(self) -> bool:
        return self.kind == "image" and self.train_x.dim() == 4
