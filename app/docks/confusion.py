"""A confusion matrix drawn with QPainter: rows are the true class, columns the prediction.

Cells are shaded by the share of their row (so rare classes read as clearly as common
ones) and show the count; the diagonal is what the network gets right.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QColor, QPainter
from PySide6.QtWidgets import QSizePolicy, QWidget

from app.themes import color

MARGIN = 36


class ConfusionMatrixWidget(QWidget):
    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.matrix: np.ndarray | None = None
        self.class_names: list[str] = []
        self.setMinimumSize(130, 130)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setToolTip("Rows: the true class. Columns: what the network predicted.")

    def set_matrix(self, matrix, class_names: list[str] | None = None) -> None:
        self.matrix = np.asarray(matrix, dtype=np.int64)
        count = self.matrix.shape[0]
        names = list(class_names or [])
        self.class_names = [str(n) for n in names] if len(names) == count else [str(i) for i in range(count)]
        self.update()

    def clear(self) -> None:
        self.matrix = None
        self.update()

    def paintEvent(self, event) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, False)
        text_color = self.palette().color(self.foregroundRole())
        if self.matrix is None or self.matrix.size == 0:
            painter.setPen(color("muted"))
            painter.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter, "The confusion matrix appears\nafter an epoch.")
            return
        count = self.matrix.shape[0]
        side = min(self.width(), self.height()) - MARGIN - 4
        cell = max(4.0, side / count)
        totals = self.matrix.sum(axis=1, keepdims=True).clip(min=1)
        shares = self.matrix / totals
        accent = QColor(color("highlight"))
        show_numbers = cell >= 18
        font = painter.font()
        font.setPointSizeF(max(6.0, min(9.0, cell / 3)))
        painter.setFont(font)
        for row in range(count):
            for col in range(count):
                rect = QRectF(MARGIN + col * cell, MARGIN + row * cell, cell, cell)
                fill = QColor(accent)
                fill.setAlphaF(0.08 + 0.92 * float(shares[row, col]))
                painter.fillRect(rect, fill)
                if show_numbers and self.matrix[row, col]:
                    painter.setPen(QColor("white") if shares[row, col] > 0.5 else text_color)
                    painter.drawText(rect, Qt.AlignmentFlag.AlignCenter, str(int(self.matrix[row, col])))
        painter.setPen(text_color)
        if cell >= 10:
            for index, name in enumerate(self.class_names):
                label = name[:4]
                painter.drawText(
                    QRectF(0, MARGIN + index * cell, MARGIN - 4, cell),
                    Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter,
                    label,
                )
                painter.drawText(
                    QRectF(MARGIN + index * cell, 0, cell, MARGIN - 2), Qt.AlignmentFlag.AlignCenter, label
                )
        painter.end()
