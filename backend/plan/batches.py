"""Batch order: one seeded shuffle per epoch, split between processes under torchrun.

The generator of an epoch also drives that epoch's augmentation, so a run is the
same whatever loads the data. A last batch of a single sample is left out: it
breaks BatchNorm.
"""

from __future__ import annotations

import math

import torch


def epoch_generator(seed: int, epoch: int) -> torch.Generator:
    """The random generator of one epoch: its shuffle and its augmentation draws."""
    return torch.Generator().manual_seed(seed * 100_003 + epoch)


def batch_count(count: int, size: int, limit: int = 0) -> int:
    """Batches per epoch for `count` samples in batches of `size` (at most `limit` when it is set)."""
    batches = math.ceil(count / size)
    if batches > 1 and count % size == 1:
        batches -= 1  # a last batch of one sample breaks BatchNorm; leave it out
    return min(batches, limit) if limit else batches


def epoch_batches(
    count: int, size: int, generator: torch.Generator, limit: int = 0, rank: int = 0, world: int = 1
) -> list[torch.Tensor]:
    """The positions of each batch of one epoch, for process `rank` of `world`.

    Every process draws the same shuffle and takes every `world`-th sample of it,
    cut to the same length, so all take the same number of steps.
    """
    order = torch.randperm(count, generator=generator)
    if world > 1:
        share = count // world
        order = order[rank::world][:share]
        count = share
    return [order[start * size : (start + 1) * size] for start in range(batch_count(count, size, limit))]
