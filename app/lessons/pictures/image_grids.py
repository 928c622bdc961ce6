"""Pictures that are grids of small images, drawn by the Training dock's `SampleGrid`.

Filters (one tile per filter and input channel, or one colour tile per filter of an
RGB layer), feature maps (the input sample first, then one tile per channel), a
VAE's latent map and traversal, and a generator's samples epoch by epoch (one row
per epoch). Weights and activations are scaled tile by tile to [0, 1]: what reads
is each tile's pattern, not its size against the others.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtWidgets import QWidget

from app.docks.sample_grid import SampleGrid

EPOCH_ROWS = 8  # epochs shown of a generator's samples
SAMPLES_PER_ROW = 8
MAX_TILES = 256  # beyond this a tile is a few pixels wide: the grid shows the first ones and says so


def channels_last(images: np.ndarray) -> np.ndarray:
    """(N, C, H, W) with C 1 or 3 as (N, H, W) or (N, H, W, 3), what `SampleGrid` draws; (N, H, W) as it is."""
    images = np.asarray(images, dtype=np.float32)
    if images.ndim == 4 and images.shape[1] == 1:
        return images[:, 0]
    if images.ndim == 4 and images.shape[1] == 3:
        return images.transpose(0, 2, 3, 1)
    return images


def scaled(tiles: np.ndarray) -> np.ndarray:
    """Each tile (along the first axis) stretched to [0, 1] (a flat tile becomes mid-grey)."""
    flat = tiles.reshape(len(tiles), -1)
    low, high = flat.min(axis=1), flat.max(axis=1)
    span = np.where(high > low, high - low, 1.0)
    out = (flat - low[:, None]) / span[:, None]
    out[high <= low] = 0.5
    return out.reshape(tiles.shape)


def _grid(title: str, tiles: np.ndarray, columns: int | None = None, labels: list[str] | None = None) -> SampleGrid:
    grid = SampleGrid()
    if len(tiles) > MAX_TILES:
        title += f" (the first {MAX_TILES} of {len(tiles)})"
        tiles = tiles[:MAX_TILES]
        labels = labels[:MAX_TILES] if labels else None
    grid.show_images(tiles, title, labels, columns)
    grid.setMinimumHeight(280)
    return grid


def filters_picture(data: dict) -> QWidget:
    """``filters`` data: ``node`` and ``weights`` (out, in, kh, kw)."""
    weights = np.asarray(data["weights"], dtype=np.float32)
    out_channels, in_channels = weights.shape[:2]
    title = f"Filters of {data['node']}: {out_channels} x {in_channels} of {weights.shape[2]}x{weights.shape[3]}"
    if in_channels == 3:  # a colour layer: each filter as one RGB picture
        return _grid(title, channels_last(scaled(weights)))
    tiles = scaled(weights.reshape(-1, *weights.shape[2:]))
    columns = in_channels if in_channels > 1 else None  # a row per filter, a column per input channel
    return _grid(title + (" (row: filter, column: input channel)" if columns else ""), tiles, columns)


def feature_maps_picture(data: dict) -> QWidget:
    """``feature_maps`` data: ``node``, ``maps`` (C, H, W) and the input ``image`` (C, H, W) or None."""
    maps = scaled(np.asarray(data["maps"], dtype=np.float32))
    tiles, labels = list(maps), [f"{index}" for index in range(len(maps))]
    if data.get("image") is not None:
        image = channels_last(np.asarray(data["image"])[None])[0]
        if image.ndim == 3:  # a colour sample among grey maps: its brightness
            image = image.mean(axis=-1)
        # Tiles of one grid share a size: the sample is brought to the maps' size.
        tiles, labels = [_resize(image, maps.shape[1:]), *tiles], ["input", *labels]
    return _grid(f"Feature maps of {data['node']} ({len(maps)} channels)", np.stack(tiles), labels=labels)


def _resize(image: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    rows = np.linspace(0, image.shape[0] - 1, shape[0]).round().astype(int)
    cols = np.linspace(0, image.shape[1] - 1, shape[1]).round().astype(int)
    return image[rows][:, cols]


def latent_picture(title: str):
    """A picture of ``latent_map`` / ``latent_traversal`` data (``images``, ``columns``) under `title`."""

    def picture(data: dict) -> QWidget:
        grid = _grid(title, channels_last(data["images"]), data["columns"])
        grid.setMinimumHeight(420)
        return grid

    return picture


def samples_by_epoch_picture(data: list) -> QWidget:
    """``samples_by_epoch`` data: (epoch, images) pairs; a row per epoch, top to bottom.

    A long run shows `EPOCH_ROWS` epochs spread from the first to the last, `SAMPLES_PER_ROW`
    samples each: enough to see blobs turn into digits in a dock beside the canvas.
    """
    if not data:
        return _grid("No samples were generated (the run ended before its first epoch)", np.zeros((0, 1, 1)))
    picked = np.unique(np.linspace(0, len(data) - 1, min(EPOCH_ROWS, len(data))).round().astype(int))
    rows = [channels_last(data[index][1])[:SAMPLES_PER_ROW] for index in picked]
    epochs = ", ".join(str(data[index][0]) for index in picked)
    grid = _grid(f"The same noise after epochs {epochs} (one row each)", np.concatenate(rows), len(rows[0]))
    grid.setMinimumHeight(min(700, 70 * len(rows) + 40))
    return grid
