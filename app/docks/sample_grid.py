"""A grid of small pictures with captions: VAE reconstructions and samples, GAN samples, predictions.

Images arrive as float numpy arrays in [0, 1], shaped (N, H, W) or (N, H, W, 3).
Each becomes a `QImage` once; `paintEvent` lays the tiles out to fill the widget,
scaled without smoothing so tiny 8x8 digits stay crisp, with each tile's label
under it (a wrong prediction, labelled "… (is …)", is drawn in red).
"""

from __future__ import annotations

import math

import numpy as np
from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QColor, QImage, QPainter
from PySide6.QtWidgets import QSizePolicy, QWidget

from app.themes import color

GAP = 4
TITLE_HEIGHT = 18
WRONG = QColor("#d93025")


def to_qimage(picture: np.ndarray) -> QImage:
    """One (H, W) or (H, W, 3) float picture in [0, 1] as an RGB `QImage` (a copy)."""
    picture = np.nan_to_num(np.asarray(picture, dtype=np.float32), nan=0.0)
    if picture.ndim == 2:
        picture = np.repeat(picture[..., None], 3, axis=-1)
    data = np.ascontiguousarray((np.clip(picture, 0.0, 1.0) * 255).astype(np.uint8))
    height, width = data.shape[:2]
    return QImage(data.data, width, height, 3 * width, QImage.Format.Format_RGB888).copy()


class SampleGrid(QWidget):
    """One titled grid; `show_images` replaces the pictures."""

    def __init__(self, title: str = "", parent: QWidget | None = None):
        super().__init__(parent)
        self.title = title
        self.images: list[QImage] = []
        self.labels: list[str] = []
        self.columns: int | None = None
        self.setMinimumSize(140, 100)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)

    @property
    def shown_count(self) -> int:
        return len(self.images)

    def show_images(
        self, images: np.ndarray, title: str = "", labels: list[str] | None = None, columns: int | None = None
    ) -> None:
        self.images = [to_qimage(picture) for picture in images]
        self.labels = [str(label) for label in labels] if labels and len(labels) == len(self.images) else []
        self.columns = columns
        if title:
            self.title = title
        self.update()

    def clear(self) -> None:
        self.images = []
        self.labels = []
        self.update()

    def paintEvent(self, event) -> None:
        painter = QPainter(self)
        text_color = self.palette().color(self.foregroundRole())
        painter.setPen(text_color)
        title_rect = QRectF(0, 0, self.width(), TITLE_HEIGHT)
        painter.drawText(title_rect, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, self.title)
        if not self.images:
            painter.setPen(color("muted"))
            painter.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter, "Pictures appear after an epoch.")
            painter.end()
            return
        count = len(self.images)
        label_height = painter.fontMetrics().height() if self.labels else 0
        area_w, area_h = self.width(), self.height() - TITLE_HEIGHT
        aspect = self.images[0].width() / max(1, self.images[0].height())
        columns, side = self.columns, 0.0
        if columns is None:
            # The column count that gives the largest tiles in this widget.
            for candidate in range(1, count + 1):
                rows = math.ceil(count / candidate)
                size = min(
                    (area_w - GAP * (candidate - 1)) / candidate / aspect,
                    (area_h - GAP * (rows - 1)) / rows - label_height,
                )
                if size > side:
                    side, columns = size, candidate
        rows = math.ceil(count / columns)
        if not side:
            side = min(
                (area_w - GAP * (columns - 1)) / columns / aspect, (area_h - GAP * (rows - 1)) / rows - label_height
            )
        side = max(4.0, side)
        tile_w = side * aspect
        for index, image in enumerate(self.images):
            row, col = divmod(index, columns)
            left = col * (tile_w + GAP)
            top = TITLE_HEIGHT + row * (side + label_height + GAP)
            painter.drawImage(QRectF(left, top, tile_w, side), image)
            if self.labels:
                label = self.labels[index]
                painter.setPen(WRONG if "(is " in label else text_color)
                painter.drawText(
                    QRectF(left - GAP, top + side, tile_w + 2 * GAP, label_height),
                    Qt.AlignmentFlag.AlignCenter,
                    painter.fontMetrics().elidedText(label, Qt.TextElideMode.ElideRight, int(tile_w + 2 * GAP)),
                )
        painter.end()
