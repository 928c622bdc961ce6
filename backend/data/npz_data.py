"""NumPy ``.npz`` archives with an ``x`` array (samples first) and usually a ``y`` array.

``x`` shaped (N, C, H, W) or (N, H, W) is taken as images (values above 1 are read
as 0..255 grey levels); (N, F) as a table; (N, T, F) as a series; integer (N, T)
as tokens. ``y`` holds integer labels (classification) or float targets
(regression). Pickled objects are refused.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

import numpy as np

from backend.data.base import DataError, RawData


def load_npz(path: Path) -> RawData:
    try:
        with np.load(path, allow_pickle=False) as archive:
            arrays = {key: archive[key] for key in archive.files}
    except (OSError, ValueError, zipfile.BadZipFile, EOFError) as error:
        raise DataError(f"{path.name}: not a readable .npz archive ({_first_line(error)})") from None
    if "x" not in arrays:
        keys = ", ".join(arrays) or "none"
        raise DataError(f"{path.name}: needs an array named 'x' (arrays in the file: {keys})")
    x, y = arrays["x"], arrays.get("y")
    if x.ndim < 2 or x.shape[0] == 0:
        raise DataError(f"{path.name}: 'x' must hold samples along its first axis, got shape {x.shape}")
    if not (np.issubdtype(x.dtype, np.number) or x.dtype == np.bool_):
        raise DataError(f"{path.name}: 'x' must be numeric, got {x.dtype}")
    if y is not None:
        if y.shape[:1] != x.shape[:1]:
            raise DataError(f"{path.name}: 'y' has {y.shape[0] if y.ndim else 0} samples but 'x' has {x.shape[0]}")
        if not np.issubdtype(y.dtype, np.number):
            raise DataError(f"{path.name}: 'y' must be numeric, got {y.dtype}")
    if np.issubdtype(x.dtype, np.floating) and not np.all(np.isfinite(x)):
        raise DataError(f"{path.name}: 'x' contains NaN or infinite values")
    integer_y = y is not None and np.issubdtype(y.dtype, np.integer)
    if x.ndim == 2 and np.issubdtype(x.dtype, np.integer) and y is not None and y.shape == x.shape:
        return RawData(path.name, x.astype(np.int64), y.astype(np.int64), "tokens", "sequence")
    if x.ndim in (3, 4) and (x.ndim == 4 or integer_y or y is None):
        images = x.astype(np.float32)
        if images.ndim == 3:
            images = images[:, None]
        if images.max(initial=0.0) > 1.0:
            images = images / 255.0
        return RawData(path.name, images, _labels(y), "image", "classification")
    kind = "tabular" if x.ndim == 2 else "series"
    if x.ndim > 3:
        raise DataError(f"{path.name}: cannot read 'x' of shape {x.shape}")
    task = "classification" if integer_y else "regression"
    targets = _labels(y) if integer_y else (None if y is None else y.astype(np.float32))
    return RawData(path.name, x.astype(np.float32), targets, kind, task)


def _labels(y: np.ndarray | None) -> np.ndarray | None:
    return None if y is None else y.astype(np.int64).reshape(len(y), -1)[:, 0]


def _first_line(error: Exception) -> str:
    return str(error).splitlines()[0] if str(error) else type(error).__name__
