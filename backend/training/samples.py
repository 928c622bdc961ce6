"""What a trained generative model draws: seeded samples and a picture grid of them.

``netcanvas train`` of a GAN or VAE writes ``samples.npy`` (float32, N x C x H x W,
pixel values in [0, 1]) and ``samples.png`` (a grid of the first samples), both
from noise drawn with a seeded generator, so the same weights and seed give the
same files. The recipe decides how noise becomes a sample (``generate``); this
module draws the noise, batches the calls and writes the files.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch

SAMPLE_COUNT = 1000
GRID_COLUMNS = 10
GRID_ROWS = 10
GRID_GAP = 2  # pixels between tiles, so neighbouring digits do not run into each other
GRID_MIN_TILE = 48  # tiles are scaled up (nearest neighbour) to at least this many pixels
BATCH = 500


def fixed_noise(shape: tuple[int, ...], count: int, seed: int) -> torch.Tensor:
    """`count` standard normal vectors of `shape`, the same for the same seed on every machine (CPU generator)."""
    generator = torch.Generator().manual_seed(seed)
    return torch.randn((count, *shape), generator=generator)


def draw_samples(recipe, count: int = SAMPLE_COUNT, seed: int = 0) -> np.ndarray:
    """`count` samples of a GAN or VAE recipe from seeded noise, as float32 numpy in the data's layout.

    Args:
        recipe: a trained `GANRecipe` or `VAERecipe` (anything with ``noise_shape`` and ``generate``).
        count: how many samples.
        seed: seed of the noise.
    """
    noise = fixed_noise(tuple(recipe.noise_shape), count, seed)
    device = recipe.settings.device
    parts = [recipe.generate(chunk.to(device)).float().cpu() for chunk in noise.split(BATCH)]
    return torch.cat(parts).numpy().astype(np.float32)


def image_grid(images: np.ndarray, columns: int = GRID_COLUMNS, gap: int = GRID_GAP, background: float = 0.5):
    """Images (N, C, H, W) in [0, 1] (C is 1 or 3) tiled row by row into one (rows*H, columns*W[, 3]) array."""
    images = np.clip(np.asarray(images, dtype=np.float32), 0.0, 1.0)
    if images.ndim != 4 or images.shape[1] not in (1, 3) or not len(images):
        raise ValueError(f"a grid needs images shaped (N, 1 or 3, H, W), got {images.shape}")
    count, channels, height, width = images.shape
    columns = max(1, min(columns, count))
    rows = -(-count // columns)
    grid = np.full((channels, rows * (height + gap) - gap, columns * (width + gap) - gap), background, np.float32)
    for index, image in enumerate(images):
        top, left = (index // columns) * (height + gap), (index % columns) * (width + gap)
        grid[:, top : top + height, left : left + width] = image
    return grid[0] if channels == 1 else grid.transpose(1, 2, 0)


def save_grid(images: np.ndarray, path: str | Path, columns: int = GRID_COLUMNS) -> Path:
    """Write `images` (N, C, H, W) in [0, 1] as a PNG grid, small images scaled up so a digit is readable."""
    from PIL import Image

    height, width = np.asarray(images).shape[2:]
    scale = max(1, -(-GRID_MIN_TILE // max(height, width)))
    grid = image_grid(images, columns, gap=GRID_GAP)
    picture = Image.fromarray(np.round(grid * 255).astype(np.uint8))
    if scale > 1:
        picture = picture.resize((picture.width * scale, picture.height * scale), Image.Resampling.NEAREST)
    path = Path(path)
    picture.save(path)
    return path


def write_samples(recipe, folder: str | Path, count: int = SAMPLE_COUNT, seed: int = 0) -> list[Path]:
    """Write ``samples.npy`` and ``samples.png`` for an image GAN or VAE into `folder`; returns the paths.

    Nothing is written (an empty list) when the recipe's data are not images: the
    files describe pictures.
    """
    if not recipe.data.is_image:
        return []
    samples = draw_samples(recipe, count, seed).clip(0.0, 1.0)
    folder = Path(folder)
    array_path = folder / "samples.npy"
    np.save(array_path, samples)
    return [array_path, save_grid(samples[: GRID_COLUMNS * GRID_ROWS], folder / "samples.png")]
