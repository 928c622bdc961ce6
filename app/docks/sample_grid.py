"""A grid of small pictures with captions: VAE reconstructions and samples, GAN samples, predictions.

Images arrive as float numpy arrays in [0, 1], shaped (N, H, W) or (N, H, W, 3).
They are tiled into one 8-bit picture with numpy and shown as a pixmap scaled to
the widget without smoothing, so tiny 8x8 digits stay crisp.
"""

from __future__ import annotations

import math

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtGui import QImage, QPixmap
from PySide6.QtWidgets import QLabel, QSizePolicy, QVBoxLayout, QWidget

GAP = 2  # pixels between tiles, in the picture's own resolution


def tile_images(images: np.ndarray, columns: int | None = None) -> np.ndarray:
    """Tile (N, H, W[, 3]) floats in [0, 1] into one uint8 (rows, cols, 3) picture."""
    images = np.asarray(images, dtype=np.float32)
    if images.ndim == 3:
        images = np.repeat(images[..., None], 3, axis=-1)
    count, height, width = images.shape[:3]
    columns = columns or max(1, math.ceil(math.sqrt(count)))
    rows = max(1, math.ceil(count / columns))
    canvas = np.ones((rows * (height + GAP) - GAP, columns * (width + GAP) - GAP, 3), dtype=np.float32)
    for index in range(count):
        r, c = divmod(index, columns)
        top, left = r * (height + GAP), c * (width + GAP)
        canvas[top : top + height, left : left + width] = images[index]
    canvas = np.nan_to_num(canvas, nan=0.0)
    return (np.clip(canvas, 0.0, 1.0) * 255).astype(np.uint8)


class SampleGrid(QWidget):
    """One titled grid; `show_images` replaces the picture."""

    def __init__(self, title: str = "", parent: QWidget | None = None):
        super().__init__(parent)
        self.title = QLabel(title)
        self.picture = QLabel()
        self.picture.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.picture.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Ignored)
        self.picture.setMinimumSize(120, 120)
        self.caption = QLabel()
        self.caption.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(2, 2, 2, 2)
        layout.addWidget(self.title)
        layout.addWidget(self.picture, 1)
        layout.addWidget(self.caption)
        self._pixmap: QPixmap | None = None
        self.shown_count = 0

    def show_images(self, images: np.ndarray, title: str = "", labels: list[str] | None = None) -> None:
        tiled = np.ascontiguousarray(tile_images(images))
        height, width = tiled.shape[:2]
        image = QImage(tiled.data, width, height, 3 * width, QImage.Format.Format_RGB888).copy()
        self._pixmap = QPixmap.fromImage(image)
        self.shown_count = len(images)
        if title:
            self.title.setText(title)
        self.caption.setText("   ".join(labels[:16]) if labels else "")
        self._rescale()

    def clear(self) -> None:
        self._pixmap = None
        self.shown_count = 0
        self.picture.clear()
        self.caption.clear()

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self._rescale()

    def _rescale(self) -> None:
        if self._pixmap is not None:
            size = self.picture.size()
            self.picture.setPixmap(
                self._pixmap.scaled(size, Qt.AspectRatioMode.KeepAspectRatio, Qt.TransformationMode.FastTransformation)
            )
