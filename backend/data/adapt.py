"""Deciding how a data set fits a network: a `SampleFit` for its samples and a check of its targets.

Images are resized to the Input's (H, W) (so digits' 8x8 become LeNet-5's 32x32),
greyscale is repeated to three channels (or RGB averaged to one) when the Input
asks for it, and images or series are flattened for rank-1 Inputs. A classifier's
Output must score exactly the data's classes (one logit serves two). Anything
that does not fit raises `DataError` saying what the data has, what the network
wants and what to change. The fitting itself is done by the training plan.
"""

from __future__ import annotations

import math

from backend.data.base import DataError, NetworkFacts
from backend.plan.arrays import class_indices
from backend.plan.fit import SampleFit
from graph.shapes import format_shape

SHOWN_CLASSES = 6


def _shape(shape) -> str:
    return format_shape(tuple(shape))


def fit_for(source, facts: NetworkFacts, task: str) -> SampleFit:
    """How `source`'s samples become the Input of the network described by `facts`, for `task`.

    Raises:
        DataError: the samples or the targets cannot fit; the message says what to change.
    """
    fit = _fit_inputs(source, facts)
    target_shape = _check_targets(source, facts, task)
    return SampleFit(fit.channels, fit.size, fit.flatten, target_shape)


def _fit_inputs(source, facts: NetworkFacts) -> SampleFit:
    want = tuple(facts.input_shape)
    where = f"Input '{facts.input_name}'"
    if facts.input_dtype == "int64" or source.kind == "tokens":
        if source.kind != "tokens":
            raise DataError(f"{where} takes int64 token ids but {source.name} holds {source.kind} data")
        if facts.input_dtype != "int64":
            raise DataError(f"{source.name} holds token ids: set {where}'s dtype to int64 and feed it to an Embedding")
        if tuple(source.sample_shape) != want:
            length = source.sample_shape[0]
            raise DataError(f"{source.name} has sequences of {length} tokens but {where} takes {_shape(want)}")
        return SampleFit()
    if source.kind == "image":
        return _fit_images(source, want, where)
    sample = tuple(source.sample_shape)
    if sample == want:
        return SampleFit()
    if len(want) == 1 and math.prod(sample) == want[0]:
        return SampleFit(flatten=want)
    what = {"tabular": "features", "points": "coordinates"}.get(source.kind)
    has = f"{sample[0]} {what} per sample" if what else f"samples of shape {_shape(sample)}"
    raise DataError(f"{source.name} has {has} but {where} takes {_shape(want)}; set its shape to {_shape(sample)}")


def _fit_images(source, want: tuple, where: str) -> SampleFit:
    channels, height, width = source.sample_shape
    folder = not hasattr(source, "x")  # a folder's images are converted to L or RGB while decoding
    if len(want) == 3:
        _check_channels(source, channels, want[0], where, folder)
        return SampleFit(channels=want[0], size=(want[1], want[2]))
    if len(want) == 2:
        _check_channels(source, channels, 1, where, folder)
        return SampleFit(channels=1, size=(want[0], want[1]), flatten=want)
    if len(want) == 1:
        features = want[0]
        if not folder and features == channels * height * width:
            return SampleFit(flatten=want)
        for used in dict.fromkeys((channels, 1, 3) if folder else (channels,)):
            side = math.isqrt(features // used) if features % used == 0 else 0
            if side and side * side * used == features:
                return SampleFit(channels=used, size=(side, side), flatten=want)
        size = f"{channels}x{height}x{width}" if height else f"{channels}-channel"
        raise DataError(
            f"{source.name} has {size} images, which cannot be flattened to {where}'s {_shape(want)}; "
            f"use {channels}xSxS values for some size S" + (f" such as {channels * height * width}" if height else "")
        )
    raise DataError(f"{source.name} holds images but {where} takes {_shape(want)}; use (C, H, W) such as (1, 32, 32)")


def _check_channels(source, channels: int, wanted: int, where: str, folder: bool) -> None:
    if folder and wanted in (1, 3):
        return
    if channels == wanted or (channels, wanted) in ((1, 3), (3, 1)):
        return
    if folder:
        raise DataError(f"{source.name}: image folders give 1 (grey) or 3 (RGB) channels but {where} takes {wanted}")
    raise DataError(f"{source.name} has {channels}-channel images but {where} takes {wanted} channels")


def _check_targets(source, facts: NetworkFacts, task: str) -> tuple | None:
    """The regression targets' shape (the Output's); raises when the targets do not suit the Output."""
    if task in ("vae", "gan"):
        return None
    if source.y is None:
        raise DataError(f"{source.name} has no targets ('y'), so it cannot train a {task} network")
    out = tuple(facts.output_shape or ())
    if task == "classification":
        _check_classes(source, out)
        return None
    if task == "sequence":
        _check_sequences(source, out)
        return None
    if source.named_labels:
        raise DataError(f"{source.name}: the target column holds words, so it cannot be a regression target")
    size = math.prod(source.y.shape[1:])
    if not out or math.prod(s or 0 for s in out) != size:
        raise DataError(
            f"{source.name} has {size} target value(s) per sample but the network's Output gives {_shape(out)}; "
            f"end with a layer of size {size}"
        )
    return out


def class_count(source) -> tuple[int, list[str]]:
    """How many classes the source's labels hold, and their names."""
    _labels, names = class_indices(source.y, source.class_names, source.name)
    return len(names), names


def _check_classes(source, out: tuple) -> None:
    classes, names = class_count(source)
    if len(out) != 1 or out[0] is None:
        raise DataError(f"classification needs an Output of shape (classes) but the network gives {_shape(out)}")
    size = out[0]
    if size == classes or (size == 1 and classes == 2):
        return
    shown = ", ".join(names[:SHOWN_CLASSES]) + (", ..." if classes > SHOWN_CLASSES else "")
    if size < classes:
        raise DataError(
            f"{source.name} has {classes} classes but the network's Output gives {size} value(s); "
            f"set the last layer's size to {classes}"
        )
    raise DataError(
        f"{source.name} has {classes} classes ({shown}) but the network's Output gives {size} values, "
        f"{size - classes} of which would never be right; set the last layer's size to {classes}"
    )


def _check_sequences(source, out: tuple) -> None:
    steps = source.y.shape[1] if source.y.ndim == 2 else None
    if steps is None:
        raise DataError(f"{source.name}: a sequence task needs a token sequence per sample")
    if len(out) != 2 or out[0] != steps:
        raise DataError(
            f"{source.name} has target sequences of {steps} tokens but the network's Output gives {_shape(out)}; "
            f"it should be ({steps}, vocabulary)"
        )
    vocab = int(source.y.max()) + 1
    if out[1] < vocab:
        raise DataError(f"{source.name} uses {vocab} different tokens but the Output scores only {out[1]}")
