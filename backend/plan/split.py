"""The train/validation split: a seeded permutation, the same on every machine and in every process."""

from __future__ import annotations

import numpy as np

from backend.plan.errors import DataError

MIN_SAMPLES = 5


def split_indices(count: int, val_split: float, seed: int, name: str = "the data") -> tuple[np.ndarray, np.ndarray]:
    """Positions of the training and the validation samples.

    The first ``round(count * val_split)`` positions of a seeded permutation are held
    out (at least one when ``val_split > 0``, never all of them).

    Raises:
        DataError: fewer than `MIN_SAMPLES` samples.
    """
    if count < MIN_SAMPLES:
        raise DataError(f"{name} has only {count} samples; at least {MIN_SAMPLES} are needed to train")
    order = np.random.default_rng(seed).permutation(count)
    n_val = min(count - 1, max(1, round(count * val_split))) if val_split > 0 else 0
    return order[n_val:], order[:n_val]
