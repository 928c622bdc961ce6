"""MNIST's IDX format: an images file and a labels file side by side.

An IDX file starts with two zero bytes, a type code, the number of dimensions and
the size of each as big-endian 32-bit integers; the values follow, big-endian.
Given ``train-images-idx3-ubyte`` the labels are read from
``train-labels-idx1-ubyte`` beside it (``.gz`` files work too).
"""

from __future__ import annotations

import gzip
import struct
from pathlib import Path

import numpy as np

from backend.data.base import DataError, RawData

_TYPES = {0x08: ">u1", 0x09: ">i1", 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}


def is_idx_path(path: Path) -> bool:
    name = path.name.lower().removesuffix(".gz")
    return "idx" in name or name.endswith("-ubyte") or name.endswith(".idx")


def labels_path_for(path: Path) -> Path:
    """The labels file that goes with an images file (``images``/``idx3`` -> ``labels``/``idx1``)."""
    return path.with_name(path.name.replace("images", "labels").replace("idx3", "idx1"))


def read_idx(path: Path) -> np.ndarray:
    """One IDX file as a numpy array in native byte order."""
    try:
        raw = gzip.decompress(path.read_bytes()) if path.suffix == ".gz" else path.read_bytes()
    except (OSError, EOFError, gzip.BadGzipFile) as error:
        raise DataError(f"{path.name}: cannot read the IDX file ({error})") from None
    if len(raw) < 4 or raw[0] != 0 or raw[1] != 0 or raw[2] not in _TYPES:
        raise DataError(f"{path.name}: not an IDX file (wrong magic number)")
    ndim = raw[3]
    header = 4 + 4 * ndim
    if ndim == 0 or len(raw) < header:
        raise DataError(f"{path.name}: IDX header is truncated")
    dims = struct.unpack(f">{ndim}I", raw[4:header])
    dtype = np.dtype(_TYPES[raw[2]])
    expected = int(np.prod(dims)) * dtype.itemsize
    if len(raw) - header != expected:
        raise DataError(
            f"{path.name}: IDX file holds {len(raw) - header} data bytes but its header promises {expected}"
        )
    return np.frombuffer(raw, dtype=dtype, offset=header).reshape(dims).astype(dtype.newbyteorder("="))


def load_idx(path: Path) -> RawData:
    images = read_idx(path)
    if images.ndim == 1:
        raise DataError(f"{path.name}: this is a labels file; give the images file (e.g. train-images-idx3-ubyte)")
    labels_file = labels_path_for(path)
    if labels_file == path or not labels_file.exists():
        raise DataError(f"{path.name}: the labels file {labels_file.name} is missing beside it")
    labels = read_idx(labels_file)
    if labels.ndim != 1 or len(labels) != len(images):
        raise DataError(f"{labels_file.name}: holds {labels.shape} labels for {len(images)} images")
    x = images.astype(np.float32)
    if images.dtype == np.uint8:
        x = x / 255.0
    if x.ndim == 3:
        x = x[:, None]
    elif x.ndim == 4:
        x = x.transpose(0, 3, 1, 2)
    return RawData(path.name, np.ascontiguousarray(x), labels.astype(np.int64), "image", "classification")
