"""Samples held in arrays: built-in sets, NPZ archives and MNIST's IDX files.

An `ArraySource` keeps ``x`` as stored: in memory, or memory-mapped from the file
(`MappedArray`) so a set larger than memory is read a batch at a time. Reading
rows (`ArraySource.read`, in DataLoader workers) returns them as stored, 8-bit
images stay uint8; turning them into float samples (`ArraySource.samples`)
happens on the training device.

NPZ: members stored uncompressed (``np.savez``) are memory-mapped inside the
archive itself; compressed ones (``np.savez_compressed``) are read into memory
when small and otherwise decompressed once into a ``.npy`` file in the cache
folder (``$NETCANVAS_CACHE`` or ``~/.cache/netcanvas``) and mapped from there.
``x`` shaped (N, C, H, W), (N, H, W, C) or (N, H, W) is taken as images (8-bit
values, or any above 1, are divided by 255); (N, F) as a table; (N, T, F) as a
series; integer (N, T) with a ``y`` of the same shape as tokens. Pickled objects
are refused.

IDX: two zero bytes, a type code, the number of dimensions and each size as a
big-endian 32-bit integer, then the values. The header is checked against the
file's length; the labels file is found beside the images
(``train-images-idx3-ubyte`` -> ``train-labels-idx1-ubyte``).
"""

from __future__ import annotations

import gzip
import hashlib
import os
import struct
import tempfile
import tokenize
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch

from backend.plan.errors import DataError
from backend.plan.fit import SampleFit, fit_images

IN_MEMORY_BYTES = 256 * 2**20  # a compressed NPZ member up to this size is simply read into memory
SCAN_ROWS = 1024  # rows looked at (evenly spaced) to tell 0..255 images from 0..1 ones
IDX_TYPES = {0x08: ">u1", 0x09: ">i1", 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}
# What reading a damaged archive or array can raise; each means "not readable".
# tokenize.TokenError: numpy parses a .npy header as Python literals, and a broken header can stop mid-token.
# NotImplementedError: zipfile's answer to a member whose version or compression method it does not know.
BROKEN = (
    OSError, EOFError, ValueError, SyntaxError, tokenize.TokenError, zipfile.BadZipFile, zlib.error, struct.error,
    NotImplementedError,
)  # fmt: skip


class MappedArray:
    """A read-only array in a file (a ``.npy`` body, an IDX body), opened lazily in each process.

    Indexing reads only the rows asked for; pickling (for DataLoader workers that are
    spawned) carries the file's place, not its contents.
    """

    def __init__(self, path: str, offset: int, dtype: np.dtype, shape: tuple, fortran: bool = False):
        self.path, self.offset, self.dtype, self.shape, self.fortran = path, offset, np.dtype(dtype), shape, fortran
        self.ndim = len(shape)
        self._array = None

    def __len__(self) -> int:
        return self.shape[0]

    def __getitem__(self, index):
        if self._array is None:
            order = "F" if self.fortran else "C"
            self._array = np.memmap(self.path, self.dtype, "r", self.offset, self.shape, order)
        return self._array[index]

    def __getstate__(self) -> dict:
        return {**self.__dict__, "_array": None}


@dataclass
class ArraySource:
    """Samples in an array, with what they are and how to read them.

    Attributes:
        name: what the user calls the data (``digits``, ``big.npz``).
        x: the samples, first axis the sample: an ndarray or a `MappedArray`.
        y: the targets as read (class numbers, values, token sequences, or class
            indices with `class_names`), or None.
        kind: image, tabular, series, tokens or points.
        task: the task the data naturally serves (classification, regression, sequence).
        class_names: the classes' names when the file names them.
        named_labels: the labels were words, so they cannot be regression targets.
        layout: images: ``nchw``, ``nhwc`` or ``nhw`` (one channel).
        divisor: raw values divided by this are the samples (255 for 8-bit images).
        notes: what the reader chose for the user (a suggested CSV target).
    """

    name: str
    x: np.ndarray | MappedArray
    y: np.ndarray | None
    kind: str
    task: str
    class_names: list[str] | None = None
    named_labels: bool = False
    layout: str = "nchw"
    divisor: float = 1.0
    notes: list[str] = field(default_factory=list)

    @property
    def count(self) -> int:
        return len(self.x)

    @property
    def sample_shape(self) -> tuple:
        """One sample as the data holds it (images as (C, H, W))."""
        shape = tuple(self.x.shape[1:])
        if self.kind != "image" or self.layout == "nchw":
            return shape
        return (1, *shape) if self.layout == "nhw" else (shape[2], shape[0], shape[1])

    def resident(self, fit: SampleFit, limit: int) -> bool:
        """Whether the fitted samples, as float32 tensors, take at most `limit` bytes (and so stay resident)."""
        shape = list(self.sample_shape)
        if self.kind == "image" and fit.channels is not None:
            shape[0] = fit.channels
        if self.kind == "image" and fit.size is not None:
            shape[1:] = fit.size
        return 4 * self.count * int(np.prod(shape)) <= limit

    def read(self, index: list[int], fit: SampleFit) -> tuple[torch.Tensor, list[bool] | None, list[str]]:
        """Rows as stored (uint8 stays uint8); nothing is ever skipped."""
        rows = np.asarray(self.x[np.asarray(index, dtype=np.int64)])
        if not rows.dtype.isnative:
            rows = rows.astype(rows.dtype.newbyteorder("="))
        if rows.dtype == np.bool_:
            rows = rows.astype(np.uint8)
        return torch.from_numpy(np.ascontiguousarray(rows)), None, []

    def samples(self, rows: torch.Tensor, fit: SampleFit) -> torch.Tensor:
        """Rows from `read` (on any device) as samples: float (int64 tokens) in their layout, fitted."""
        if self.kind == "tokens":
            return rows.long()
        x = rows.float()
        if self.divisor != 1.0:
            x = x / self.divisor
        if self.kind != "image":
            return x
        if self.layout == "nhw":
            x = x.unsqueeze(1)
        elif self.layout == "nhwc":
            x = x.permute(0, 3, 1, 2)
        return fit_images(x, fit)


def class_indices(y: np.ndarray, names: list[str] | None, source: str) -> tuple[np.ndarray, list[str]]:
    """Labels as class indices 0..K-1 with the classes' names.

    Labels that already are 0..K-1 (MNIST's digits) keep their numbers; any other
    whole numbers (1, 2, 3 in a CSV) are numbered in sorted order, named by value.

    Raises:
        DataError: the labels are not one whole number per sample.
    """
    y = np.asarray(y)
    if y.ndim != 1:
        raise DataError(f"{source}: classification needs one label per sample, got targets of shape {y.shape[1:]}")
    if np.issubdtype(y.dtype, np.floating) and not np.all(y == np.round(y)):
        raise DataError(f"{source}: the labels are not whole numbers; choose task=regression to predict values")
    values = y.astype(np.int64)
    if names is not None and values.min(initial=0) >= 0 and values.max(initial=0) < len(names):
        return values, list(names)
    unique = np.unique(values)
    if len(unique) and unique[0] == 0 and unique[-1] == len(unique) - 1:
        return values, [str(int(v)) for v in unique]
    return np.searchsorted(unique, values).astype(np.int64), [str(int(v)) for v in unique]


def cache_folder() -> Path:
    """Where decompressed NPZ members are kept: ``$NETCANVAS_CACHE`` or ``~/.cache/netcanvas``."""
    chosen = os.environ.get("NETCANVAS_CACHE")
    return Path(chosen) if chosen else Path.home() / ".cache" / "netcanvas"


def _first_line(error: Exception) -> str:
    return str(error).splitlines()[0] if str(error) else type(error).__name__


def _npy_header(handle, where: str) -> tuple[tuple, bool, np.dtype]:
    """(shape, fortran order, dtype) of a ``.npy`` stream positioned at its start."""
    try:
        version = np.lib.format.read_magic(handle)
        if version == (1, 0):
            shape, fortran, dtype = np.lib.format.read_array_header_1_0(handle)
        else:
            shape, fortran, dtype = np.lib.format.read_array_header_2_0(handle)
    except BROKEN as error:
        raise DataError(f"{where}: not a readable array ({_first_line(error)})") from None
    if dtype.hasobject:
        raise DataError(f"{where}: holds Python objects, which are never unpickled; save numbers")
    return tuple(shape), bool(fortran), dtype


def _npz_member(path: Path, archive: zipfile.ZipFile, key: str, progress=None) -> np.ndarray | MappedArray:
    info = archive.getinfo(f"{key}.npy")
    where = f"{path.name}: '{key}'"
    if info.compress_type == zipfile.ZIP_STORED:
        with open(path, "rb") as raw:
            raw.seek(info.header_offset)
            local = raw.read(30)
            if len(local) < 30 or local[:4] != b"PK\x03\x04":
                raise DataError(f"{where}: the archive is damaged")
            name_length, extra_length = struct.unpack("<HH", local[26:30])
            start = info.header_offset + 30 + name_length + extra_length
            raw.seek(start)
            shape, fortran, dtype = _npy_header(raw, where)
            offset = raw.tell()
        expected = int(np.prod(shape)) * dtype.itemsize
        if offset - start + expected > info.file_size:
            raise DataError(f"{where}: holds fewer bytes than its header promises ({shape}, {dtype})")
        if expected == 0:
            return np.zeros(shape, dtype)
        return MappedArray(str(path), offset, dtype, shape, fortran)
    if info.file_size <= IN_MEMORY_BYTES:
        try:
            with archive.open(info) as member:
                return np.lib.format.read_array(member, allow_pickle=False)
        except BROKEN as error:
            raise DataError(f"{where}: not a readable array ({_first_line(error)})") from None
    return _extracted(path, archive, info, where, progress)


def _extracted(path: Path, archive: zipfile.ZipFile, info: zipfile.ZipInfo, where: str, progress) -> np.ndarray:
    """A large compressed member decompressed once into the cache folder and memory-mapped from there."""
    stat = path.stat()
    key = f"{path.resolve()}|{stat.st_size}|{stat.st_mtime_ns}|{info.filename}"
    target = cache_folder() / f"npz-{hashlib.sha1(key.encode()).hexdigest()[:20]}.npy"
    if not target.exists():
        target.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(suffix=".tmp", dir=target.parent)
        try:
            with os.fdopen(handle, "wb") as out, archive.open(info) as member:
                done = 0
                while chunk := member.read(1 << 24):
                    out.write(chunk)
                    done += len(chunk)
                    if progress is not None:
                        progress("extract", done, info.file_size)
            os.replace(temporary, target)
        except BROKEN as error:
            raise DataError(f"{where}: cannot decompress it ({_first_line(error)})") from None
        finally:
            if os.path.exists(temporary):
                os.unlink(temporary)
    try:
        return np.load(target, mmap_mode="r", allow_pickle=False)
    except (ValueError, OSError) as error:
        raise DataError(f"{where}: not a readable array ({_first_line(error)})") from None


def _scan(x, rows: int = SCAN_ROWS) -> np.ndarray:
    """Up to `rows` evenly spaced rows of `x` (the whole of a small array)."""
    if len(x) <= rows:
        return np.asarray(x[:])
    return np.asarray(x[np.linspace(0, len(x) - 1, rows).astype(np.int64)])


def read_npz_arrays(path: str | Path, progress=None) -> ArraySource:
    """An ``.npz`` archive with an ``x`` array (samples first) and usually a ``y`` array."""
    path = Path(path)
    try:
        with zipfile.ZipFile(path) as archive:
            keys = [name[:-4] for name in archive.namelist() if name.endswith(".npy")]
            if "x" not in keys:
                raise DataError(
                    f"{path.name}: needs an array named 'x' (arrays in the file: {', '.join(keys) or 'none'}); "
                    "save it with np.savez(path, x=samples, y=targets)"
                )
            x = _npz_member(path, archive, "x", progress)
            y = _npz_member(path, archive, "y", progress) if "y" in keys else None
    except DataError:
        raise
    except BROKEN as error:
        raise DataError(f"{path.name}: not a readable .npz archive ({_first_line(error)})") from None
    return _array_source(path.name, x, None if y is None else np.asarray(y[:]))


def _array_source(name: str, x, y: np.ndarray | None) -> ArraySource:
    if x.ndim < 2 or x.shape[0] == 0:
        raise DataError(f"{name}: 'x' must hold samples along its first axis, got shape {tuple(x.shape)}")
    if not (np.issubdtype(x.dtype, np.number) or x.dtype == np.bool_):
        raise DataError(f"{name}: 'x' must hold numbers, got {x.dtype}")
    if y is not None:
        if y.shape[:1] != x.shape[:1]:
            raise DataError(f"{name}: 'y' has {y.shape[0] if y.ndim else 0} samples but 'x' has {x.shape[0]}")
        if not (np.issubdtype(y.dtype, np.number) or y.dtype == np.bool_):
            raise DataError(f"{name}: 'y' must hold numbers, got {y.dtype}")
        if np.issubdtype(y.dtype, np.floating) and not np.all(np.isfinite(y)):
            raise DataError(f"{name}: 'y' contains NaN or infinite values")
    scan = _scan(x)
    if np.issubdtype(x.dtype, np.floating) and not np.all(np.isfinite(scan)):
        raise DataError(f"{name}: 'x' contains NaN or infinite values")
    integer_y = y is not None and (np.issubdtype(y.dtype, np.integer) or y.dtype == np.bool_)
    if x.ndim == 2 and np.issubdtype(x.dtype, np.integer) and y is not None and y.shape == x.shape:
        return ArraySource(name, x, y.astype(np.int64), "tokens", "sequence")
    if x.ndim > 4:
        raise DataError(f"{name}: cannot read 'x' of shape {tuple(x.shape)} (at most samples x 3 axes)")
    if x.ndim in (3, 4) and (x.ndim == 4 or integer_y or y is None):
        layout = "nhw" if x.ndim == 3 else "nchw"
        if x.ndim == 4 and x.shape[3] in (1, 3, 4) and x.shape[1] not in (1, 3, 4):
            layout = "nhwc"  # (N, H, W, C), as PIL and most image tools write it
        eight_bit = x.dtype == np.uint8 or float(scan.max(initial=0)) > 1.0
        labels = None if y is None else y.reshape(len(y), -1)[:, 0]
        divisor = 255.0 if eight_bit else 1.0
        return ArraySource(name, x, labels, "image", "classification", layout=layout, divisor=divisor)
    kind = "tabular" if x.ndim == 2 else "series"
    if integer_y:
        return ArraySource(name, x, y.reshape(len(y), -1)[:, 0], kind, "classification")
    return ArraySource(name, x, y, kind, "regression")


def idx_labels_path(path: Path) -> Path:
    """The labels file that goes with an images file (``images``/``idx3`` -> ``labels``/``idx1``)."""
    return path.with_name(path.name.replace("images", "labels").replace("idx3", "idx1"))


def read_idx(path: Path) -> np.ndarray | MappedArray:
    """One IDX file: memory-mapped (gzip'ed files are read into memory), its header checked."""
    try:
        if path.suffix == ".gz":
            raw = gzip.decompress(path.read_bytes())
            size, head = len(raw), raw[:4]
        else:
            size = path.stat().st_size
            with open(path, "rb") as handle:
                head = handle.read(4)
                raw = head + handle.read(4 * head[3]) if len(head) == 4 else head
    except (*BROKEN, gzip.BadGzipFile, IndexError) as error:
        raise DataError(f"{path.name}: cannot read the IDX file ({_first_line(error)})") from None
    if len(head) < 4 or head[0] != 0 or head[1] != 0 or head[2] not in IDX_TYPES:
        raise DataError(f"{path.name}: not an IDX file (wrong magic number)")
    ndim = head[3]
    header = 4 + 4 * ndim
    if ndim == 0 or len(raw) < header:
        raise DataError(f"{path.name}: the IDX header is truncated")
    dims = struct.unpack(f">{ndim}I", raw[4:header])
    dtype = np.dtype(IDX_TYPES[head[2]])
    expected = int(np.prod(dims, dtype=np.int64)) * dtype.itemsize
    if size - header != expected:
        sizes = " x ".join(str(d) for d in dims)
        raise DataError(
            f"{path.name}: its header promises {sizes} values ({expected} bytes) but the file holds "
            f"{size - header}; the file is cut short or its header is wrong"
        )
    if path.suffix == ".gz":
        return np.frombuffer(raw, dtype=dtype, offset=header).reshape(dims)
    return MappedArray(str(path), header, dtype, tuple(dims))


def read_idx_images(path: str | Path) -> ArraySource:
    """MNIST-style IDX images with the labels file beside them."""
    path = Path(path)
    images = read_idx(path)
    if images.ndim == 1:
        raise DataError(f"{path.name}: this is a labels file; give the images file (e.g. train-images-idx3-ubyte)")
    labels_file = idx_labels_path(path)
    if labels_file == path or not labels_file.exists():
        raise DataError(f"{path.name}: the labels file {labels_file.name} is missing beside it")
    labels = np.asarray(read_idx(labels_file)[:])
    if labels.ndim != 1 or len(labels) != len(images):
        raise DataError(f"{labels_file.name}: holds {labels.shape} labels for {len(images)} images")
    if images.ndim > 4:
        raise DataError(f"{path.name}: holds {images.ndim - 1}-dimensional samples; images have 2 or 3")
    layout = "nhw" if images.ndim == 3 else "nhwc"
    eight_bit = images.dtype == np.dtype(">u1") or float(_scan(images).max(initial=0)) > 1.0
    labels = labels.astype(np.int64)
    return ArraySource(
        path.name, images, labels, "image", "classification", layout=layout, divisor=255.0 if eight_bit else 1.0
    )
