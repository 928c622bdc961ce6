"""Train/validation split and normalisation, both from the seed and the training part only.

Statistics come from the training samples alone so nothing about the validation
set leaks into training. Tables and series are standardised per feature; images
are per-channel standardised for classifiers and regressors, kept in [0, 1] for a
VAE (its decoder ends in Sigmoid) and mapped to [-1, 1] for a GAN (Tanh).
Regression targets are standardised too (R² does not change; losses become
comparable across data sets).
"""

from __future__ import annotations

import numpy as np
import torch

from backend.data.adapt import FittedData
from backend.data.base import MIN_SAMPLES, DataError, PreparedData, RawData

DISPLAY_COUNT = 16


def split_and_normalise(raw: RawData, fitted: FittedData, task: str, val_split: float, seed: int) -> PreparedData:
    """Split `fitted` into train and validation parts and normalise both with train statistics."""
    count = fitted.x.shape[0]
    if count < MIN_SAMPLES:
        raise DataError(f"{raw.name} has only {count} samples; at least {MIN_SAMPLES} are needed to train")
    order = torch.from_numpy(np.random.default_rng(seed).permutation(count))
    n_val = min(count - 1, max(1, round(count * val_split))) if val_split > 0 else 0
    val_idx, train_idx = order[:n_val], order[n_val:]
    x, y = fitted.x, fitted.y
    train_x, val_x = x[train_idx], x[val_idx]
    data = PreparedData(
        name=raw.name,
        task=task,
        kind=raw.kind,
        train_x=train_x,
        train_y=None if y is None else y[train_idx],
        val_x=val_x,
        val_y=None if y is None else y[val_idx],
        class_names=fitted.class_names if task in ("classification", "sequence") else None,
    )
    if raw.kind == "image" and fitted.flatten is None and x.dim() == 4:
        data.display = (val_x if n_val else train_x)[:DISPLAY_COUNT].clone()
    _normalise_inputs(data, task)
    if task == "regression" and data.train_y is not None:
        mean = data.train_y.mean(dim=0)
        std = _safe_std(data.train_y, 0)
        data.train_y = (data.train_y - mean) / std
        data.val_y = (data.val_y - mean) / std
        data.target_std = std
    if fitted.flatten is not None:
        data.train_x = data.train_x.reshape(len(data.train_x), *fitted.flatten)
        data.val_x = data.val_x.reshape(len(data.val_x), *fitted.flatten)
    return data


def _safe_std(x: torch.Tensor, dims) -> torch.Tensor:
    std = x.std(dim=dims, keepdim=False) if x.shape[0] > 1 else torch.ones_like(x[0])
    return torch.where(std > 1e-8, std, torch.ones_like(std))


def _normalise_inputs(data: PreparedData, task: str) -> None:
    if data.kind == "tokens":
        return
    if data.kind == "image":
        _normalise_images(data, task)
        return
    x = data.train_x
    if task == "gan":
        scale = x.abs().amax(dim=0).clamp_min(1e-8)
        data.train_x, data.val_x = data.train_x / scale, data.val_x / scale
        return
    dims = tuple(range(x.dim() - 1))  # every axis but the features
    mean = x.mean(dim=dims)
    std = _safe_std(x.reshape(-1, x.shape[-1]), 0)
    data.train_x = (data.train_x - mean) / std
    data.val_x = (data.val_x - mean) / std


def _normalise_images(data: PreparedData, task: str) -> None:
    if task == "vae":
        data.value_range, data.pixel_scale = (0.0, 1.0), 1.0
        return
    if task == "gan":
        data.train_x, data.val_x = data.train_x * 2 - 1, data.val_x * 2 - 1
        data.value_range, data.pixel_scale = (-1.0, 1.0), 2.0
        return
    x = data.train_x
    if x.dim() == 4:
        mean = x.mean(dim=(0, 2, 3), keepdim=True)[0]
        std = _safe_std(x.transpose(0, 1).reshape(x.shape[1], -1).T, 0)[:, None, None]
    else:
        mean, std = x.mean(), _safe_std(x.reshape(-1, 1), 0)
    data.train_x = (data.train_x - mean) / std
    data.val_x = (data.val_x - mean) / std
    smallest = float(std.min())
    data.value_range = (float(((0 - mean) / std).min()), float(((1 - mean) / std).max()))
    data.pixel_scale = 1.0 / smallest
