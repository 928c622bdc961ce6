"""A folder of images, one sub-folder per class (``cats/``, ``dogs/``...).

Classes are the sub-folder names in sorted order. All images must have the same
size (the loader later resizes them to the network's Input); they are read as
greyscale when every one of them is, else as RGB. A file that Pillow cannot read
is reported by name.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image, UnidentifiedImageError

from backend.data.base import DataError, RawData

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp", ".gif", ".tif", ".tiff", ".webp")
GREY_MODES = ("1", "L", "LA", "I", "I;16", "F")


def load_image_folder(folder: Path) -> RawData:
    classes = sorted(p for p in folder.iterdir() if p.is_dir() and not p.name.startswith("."))
    if len(classes) < 2:
        raise DataError(f"{folder.name}: needs one sub-folder of images per class (at least 2), found {len(classes)}")
    images: list[Image.Image] = []
    labels: list[int] = []
    size: tuple[int, int] | None = None
    first = ""
    for label, class_dir in enumerate(classes):
        files = sorted(p for p in class_dir.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES)
        if not files:
            raise DataError(f"{folder.name}/{class_dir.name}: sub-folder holds no images ({', '.join(IMAGE_SUFFIXES)})")
        for file in files:
            image = _open(folder, file)
            if size is None:
                size, first = image.size, f"{class_dir.name}/{file.name}"
            elif image.size != size:
                raise DataError(
                    f"{folder.name}/{class_dir.name}/{file.name}: image is {image.size[0]}x{image.size[1]} "
                    f"but {first} is {size[0]}x{size[1]}; all images must have the same size"
                )
            images.append(image)
            labels.append(label)
    grey = all(image.mode in GREY_MODES for image in images)
    mode = "L" if grey else "RGB"
    arrays = [np.asarray(image.convert(mode), dtype=np.float32) / 255.0 for image in images]
    x = np.stack(arrays)
    x = x[:, None] if grey else x.transpose(0, 3, 1, 2)
    names = [c.name for c in classes]
    return RawData(
        folder.name, np.ascontiguousarray(x), np.array(labels, dtype=np.int64), "image", "classification", names
    )


def _open(folder: Path, file: Path) -> Image.Image:
    try:
        with Image.open(file) as image:
            image.load()
            return image.copy()
    except (OSError, UnidentifiedImageError, SyntaxError, ValueError) as error:
        reason = str(error).splitlines()[0] if str(error) else type(error).__name__
        raise DataError(f"{folder.name}/{file.parent.name}/{file.name}: not a readable image ({reason})") from None
