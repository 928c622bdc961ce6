"""Fitting a data set to a network: inputs to the Input's shape, targets to the Output.

Images are resized to the Input's (H, W) with bilinear interpolation (so digits'
8x8 becomes LeNet-5's 32x32), greyscale is repeated to three channels (or RGB
averaged to one) when the Input asks for it, and images or series are flattened
for rank-1 Inputs. Labels are checked against the Output's size. Anything that
does not fit raises `DataError` saying what the data has and what the network wants.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F

from backend.data.base import DataError, NetworkFacts, RawData
from graph.shapes import format_shape


@dataclass
class FittedData:
    """Inputs in the network's layout (before normalisation) and checked targets.

    ``flatten`` is set when images or series stay in their natural layout until
    normalised and are flattened afterwards to this per-sample shape.
    """

    x: torch.Tensor
    y: torch.Tensor | None
    class_names: list[str] | None
    flatten: tuple | None = None


def fit_to_network(raw: RawData, facts: NetworkFacts, task: str) -> FittedData:
    """Reshape `raw` for the network described by `facts` and check its targets for `task`."""
    x, flatten = _fit_inputs(raw, facts)
    y, names = _fit_targets(raw, facts, task)
    return FittedData(x, y, names, flatten)


def _shape(shape: tuple) -> str:
    return format_shape(tuple(shape))


def _fit_inputs(raw: RawData, facts: NetworkFacts) -> tuple[torch.Tensor, tuple | None]:
    want = tuple(facts.input_shape)
    where = f"Input '{facts.input_name}'"
    if facts.input_dtype == "int64" or raw.kind == "tokens":
        if raw.kind != "tokens":
            raise DataError(f"{where} takes int64 token ids but {raw.name} holds {raw.kind} data")
        if facts.input_dtype != "int64":
            raise DataError(f"{raw.name} holds token ids: set {where}'s dtype to int64 and feed it to an Embedding")
        if tuple(raw.x.shape[1:]) != want:
            raise DataError(f"{raw.name} has sequences of {raw.x.shape[1]} tokens but {where} takes {_shape(want)}")
        return torch.from_numpy(raw.x).long(), None
    x = torch.from_numpy(np.ascontiguousarray(raw.x, dtype=np.float32))
    if raw.kind == "image":
        return _fit_images(raw.name, x, want, where)
    sample = tuple(x.shape[1:])
    if sample == want:
        return x, None
    if len(want) == 1 and math.prod(sample) == want[0]:
        return x, want
    what = {"tabular": "features", "points": "coordinates"}.get(raw.kind)
    has = f"{sample[0]} {what} per sample" if what else f"samples of shape {_shape(sample)}"
    raise DataError(f"{raw.name} has {has} but {where} takes {_shape(want)}; set its shape to {_shape(sample)}")


def _fit_images(name: str, x: torch.Tensor, want: tuple, where: str) -> tuple[torch.Tensor, tuple | None]:
    channels, height, width = x.shape[1:]
    if len(want) == 3:
        x = _fit_channels(name, x, want[0], where)
        return _resize(x, want[1:]), None
    if len(want) == 2:
        x = _fit_channels(name, x, 1, where)
        return _resize(x, want)[:, 0], None
    if len(want) == 1:
        features = want[0]
        if features == channels * height * width:
            return x, want
        side = math.isqrt(features // channels) if features % channels == 0 else 0
        if side and side * side * channels == features:
            return _resize(x, (side, side)), want
        raise DataError(
            f"{name} has {channels}x{height}x{width} images, which cannot be flattened to {where}'s {_shape(want)}; "
            f"use {channels * height * width} or a {channels}xSxS size"
        )
    raise DataError(f"{name} holds images but {where} takes {_shape(want)}; use (C, H, W) such as (1, 32, 32)")


def _fit_channels(name: str, x: torch.Tensor, wanted: int, where: str) -> torch.Tensor:
    channels = x.shape[1]
    if channels == wanted:
        return x
    if channels == 1 and wanted == 3:
        return x.expand(-1, 3, -1, -1).contiguous()  # greyscale shown to an RGB network
    if channels == 3 and wanted == 1:
        return x.mean(dim=1, keepdim=True)
    raise DataError(f"{name} has {channels}-channel images but {where} takes {wanted} channels")


def _resize(x: torch.Tensor, size: tuple) -> torch.Tensor:
    size = (int(size[0]), int(size[1]))
    if tuple(x.shape[2:]) == size:
        return x
    chunks = [F.interpolate(part, size=size, mode="bilinear", align_corners=False) for part in x.split(2048)]
    return torch.cat(chunks).clamp_(0.0, 1.0)


def _fit_targets(raw: RawData, facts: NetworkFacts, task: str) -> tuple[torch.Tensor | None, list[str] | None]:
    if task in ("vae", "gan"):
        return None, raw.class_names
    if raw.y is None:
        raise DataError(f"{raw.name} has no targets ('y'), so it cannot train a {task} network")
    out = tuple(facts.output_shape or ())
    if task == "classification":
        return _class_targets(raw, out)
    if task == "sequence":
        return _sequence_targets(raw, out)
    return _regression_targets(raw, out)


def _class_targets(raw: RawData, out: tuple) -> tuple[torch.Tensor, list[str]]:
    y = np.asarray(raw.y)
    if y.ndim != 1:
        raise DataError(f"{raw.name}: classification needs one label per sample, got targets of shape {y.shape[1:]}")
    if np.issubdtype(y.dtype, np.floating) and not np.all(y == np.round(y)):
        raise DataError(f"{raw.name}: the labels are not whole numbers; choose task=regression to predict values")
    values = y.astype(np.int64)
    names = raw.class_names
    if names is None or values.min(initial=0) < 0 or values.max(initial=0) >= len(names):
        unique = np.unique(values)
        if unique.min() >= 0 and unique.max() < 1000:  # labels already are class numbers (0..9 for MNIST)
            names = [str(i) for i in range(int(unique.max()) + 1)]
        else:
            lookup = {int(v): i for i, v in enumerate(unique)}
            values = np.array([lookup[int(v)] for v in values], dtype=np.int64)
            names = [str(int(v)) for v in unique]
    if len(out) != 1 or out[0] is None:
        raise DataError(f"classification needs an Output of shape (classes) but the network gives {_shape(out)}")
    classes, size = len(names), out[0]
    if size < classes and not (size == 1 and classes == 2):
        raise DataError(
            f"{raw.name} has {classes} classes but the network's Output gives {size} value(s); "
            f"set the last layer's size to {classes}"
        )
    return torch.from_numpy(values), names


def _sequence_targets(raw: RawData, out: tuple) -> tuple[torch.Tensor, list[str] | None]:
    y = torch.from_numpy(np.asarray(raw.y, dtype=np.int64))
    if y.dim() != 2:
        raise DataError(f"{raw.name}: a sequence task needs a token sequence per sample, got {tuple(y.shape[1:])}")
    if len(out) != 2 or out[0] != y.shape[1]:
        raise DataError(
            f"{raw.name} has target sequences of {y.shape[1]} tokens but the network's Output gives {_shape(out)}; "
            f"it should be ({y.shape[1]}, vocabulary)"
        )
    vocab = int(y.max()) + 1
    if out[1] < vocab:
        raise DataError(f"{raw.name} uses {vocab} different tokens but the Output scores only {out[1]}")
    return y, raw.class_names


def _regression_targets(raw: RawData, out: tuple) -> tuple[torch.Tensor, None]:
    y = np.asarray(raw.y)
    if raw.named_labels:
        raise DataError(f"{raw.name}: the target column holds words, so it cannot be a regression target")
    y = torch.from_numpy(y.astype(np.float32).reshape(len(y), -1))
    size = y.shape[1]
    if not out or math.prod(s or 0 for s in out) != size:
        raise DataError(
            f"{raw.name} has {size} target value(s) per sample but the network's Output gives {_shape(out)}; "
            f"end with a layer of size {size}"
        )
    return y.reshape(len(y), *out), None
