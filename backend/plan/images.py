"""A folder of images, one sub-folder per class, read a batch at a time.

Indexing lists the files (no image is opened but a few to learn their usual
size and colours); sub-folder names in sorted order are the classes. Images of
any size and mode are decoded when a batch needs them, as torchvision's
``ImageFolder`` + ``Resize`` would: converted to greyscale or RGB for the Input
(16-bit grey scaled to 8 bits, palette and alpha images through RGBA) and resized
bilinearly to the Input's size, kept as uint8. A file that cannot be decoded is
skipped and named in one summary line; empty class folders, hidden files and
files that are not images are left out with a note.
"""

from __future__ import annotations

import os
import struct
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch
from PIL import Image

from backend.plan.errors import DataError
from backend.plan.fit import SampleFit

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp", ".gif", ".tif", ".tiff", ".webp", ".ppm", ".pgm")
GREY_MODES = ("1", "L", "LA", "I", "I;16", "I;16B", "I;16L", "I;16N", "F")
PEEK = 32  # images opened (headers only) to learn the folder's usual size and colours
SHOWN_NAMES = 5
# What Pillow raises for a broken, truncated or hostile file: each means "unreadable".
UNREADABLE = (
    OSError,
    SyntaxError,
    ValueError,
    EOFError,
    IndexError,
    KeyError,
    TypeError,
    ZeroDivisionError,
    struct.error,
    Image.DecompressionBombError,
)


@dataclass
class FolderSource:
    """The images of a class-per-sub-folder tree, decoded on demand.

    Attributes:
        name: the folder's name.
        root: the folder.
        files: image paths relative to `root`, class by class, sorted.
        y: the class index of each file.
        class_names: the sub-folders that hold images, sorted.
        channels: 1 when every image looked at is greyscale, else 3.
        typical_size: the median (height, width) of the images looked at.
        notes: what was left out while indexing (empty class folders, files that are not images).
    """

    name: str
    root: str
    files: list[str]
    y: np.ndarray
    class_names: list[str]
    channels: int = 3
    typical_size: tuple[int, int] | None = None
    notes: list[str] = field(default_factory=list)
    kind: str = "image"
    task: str = "classification"
    named_labels: bool = False

    @property
    def count(self) -> int:
        return len(self.files)

    @property
    def sample_shape(self) -> tuple:
        return (self.channels, *(self.typical_size or (None, None)))

    def read(self, index: list[int], fit: SampleFit) -> tuple[torch.Tensor, list[bool] | None, list[str]]:
        """Decoded images at the Input's size, uint8 (B, C, H, W), which ones could be read, and the others' names."""
        channels, size = fit.channels or self.channels, fit.size or self.typical_size
        images, kept, skipped = [], [], []
        for position in index:
            image = decode_image(os.path.join(self.root, self.files[position]), channels, size)
            kept.append(image is not None)
            if image is None:
                skipped.append(self.files[position])
            else:
                images.append(image)
        batch = np.stack(images) if images else np.zeros((0, channels, *size), np.uint8)
        return torch.from_numpy(batch), kept, skipped

    def samples(self, rows: torch.Tensor, fit: SampleFit) -> torch.Tensor:
        """Decoded uint8 images (on any device) as floats in [0, 1]; they already have the Input's size."""
        return rows.float() / 255.0

    def resident(self, fit: SampleFit, limit: int) -> bool:
        """Never: decoding every image up front is what streaming avoids."""
        return False


def decode_image(path: str, channels: int, size: tuple[int, int]) -> np.ndarray | None:
    """One image as uint8 (channels, height, width) at `size`, or None when it cannot be read."""
    height, width = size
    try:
        with Image.open(path) as image:
            image.draft(None, (width, height))  # JPEG: decode at a smaller scale that is still >= the target
            image = _as_mode(image, "L" if channels == 1 else "RGB")
            if image.size != (width, height):
                image = image.resize((width, height), Image.Resampling.BILINEAR)
            array = np.asarray(image, dtype=np.uint8)
    except UNREADABLE:
        return None
    return array[None] if channels == 1 else np.ascontiguousarray(array.transpose(2, 0, 1))


def _as_mode(image: Image.Image, mode: str) -> Image.Image:
    """`image` converted to L or RGB; 16- and 32-bit grey are scaled to 8 bits (Pillow's convert clips them)."""
    if image.mode.startswith("I") or image.mode == "F":
        values = np.asarray(image, dtype=np.float64)
        if image.mode == "F" and values.max(initial=0.0) <= 1.0:
            values = values * 255.0
        elif values.max(initial=0.0) > 255.0:
            values = values / 257.0  # 0..65535 -> 0..255
        image = Image.fromarray(np.clip(np.round(values), 0, 255).astype(np.uint8), "L")
    elif image.mode == "P":
        image = image.convert("RGBA")  # palette transparency needs RGBA first
    return image if image.mode == mode else image.convert(mode)


def _hidden(name: str) -> bool:
    return name.startswith(".")


def _class_files(folder: Path) -> tuple[list[str], list[str]]:
    """Image files under one class folder (recursively, sorted) and the other, non-hidden files."""
    images, others = [], []
    for current, folders, names in os.walk(folder):
        folders[:] = sorted(name for name in folders if not _hidden(name))
        for name in sorted(names):
            if _hidden(name):
                continue
            relative = os.path.relpath(os.path.join(current, name), folder.parent)
            (images if name.lower().endswith(IMAGE_SUFFIXES) else others).append(relative)
    return images, others


def _listed(names: list[str]) -> str:
    shown = ", ".join(names[:SHOWN_NAMES])
    return shown + (f", ... ({len(names) - SHOWN_NAMES} more)" if len(names) > SHOWN_NAMES else "")


def index_image_folder(path: str | Path, progress=None) -> FolderSource:
    """List the images of a class-per-sub-folder tree.

    Args:
        path: the folder.
        progress: called as ``progress("index", folders_done, folders_total)`` after each class folder.

    Raises:
        DataError: fewer than two class folders hold images.
    """
    root = Path(path)
    try:
        classes = sorted(entry.name for entry in os.scandir(root) if entry.is_dir() and not _hidden(entry.name))
    except OSError as error:
        raise DataError(f"{root.name}: cannot read the folder ({error.strerror or error})") from None
    files, labels, names, empty, others = [], [], [], [], []
    for done, class_name in enumerate(classes, start=1):
        images, rest = _class_files(root / class_name)
        others.extend(rest)
        if images:
            labels.extend([len(names)] * len(images))
            names.append(class_name)
            files.extend(images)
        else:
            empty.append(class_name)
        if progress is not None:
            progress("index", done, len(classes))
    if len(names) < 2:
        raise DataError(
            f"{root.name}: needs one sub-folder of images per class (at least 2), found {len(names)} with images "
            f"({', '.join(IMAGE_SUFFIXES)})"
        )
    notes = []
    if empty:
        notes.append(f"ignored {len(empty)} empty class folder{'s' if len(empty) > 1 else ''}: {_listed(empty)}")
    if others:
        what = "files that are not images" if len(others) > 1 else "file that is not an image"
        notes.append(f"ignored {len(others)} {what}: {_listed(others)}")
    channels, size = _peek(root, files)
    return FolderSource(root.name, str(root), files, np.array(labels, np.int64), names, channels, size, notes)


def _header(path: Path) -> tuple[str, tuple[int, int]] | None:
    """An image's mode and (height, width) from its header, or None when it cannot be opened."""
    try:
        with Image.open(path) as image:
            return image.mode, (image.height, image.width)
    except UNREADABLE:
        return None


def _peek(root: Path, files: list[str]) -> tuple[int, tuple[int, int] | None]:
    """Colours and median size of up to `PEEK` images spread over the folder (headers only)."""
    picks = sorted(set(np.linspace(0, len(files) - 1, min(PEEK, len(files))).astype(int).tolist()))
    modes, sizes = Counter(), []
    for position in picks:
        header = _header(root / files[position])
        if header is not None:  # an unreadable file is skipped later, when a batch meets it
            modes[header[0]] += 1
            sizes.append(header[1])
    grey = bool(modes) and all(mode in GREY_MODES for mode in modes)
    if not sizes:
        return (1 if grey else 3), None
    heights, widths = zip(*sizes, strict=True)
    return (1 if grey else 3), (int(np.median(heights)), int(np.median(widths)))
