"""Optimizer paths over a 2-D loss surface: the surface as shaded contours, one coloured path per optimizer.

The loss is shaded on a log scale (the valley's floor and walls differ by orders of
magnitude) with contour lines on top; every path starts at the same white dot and
the minimum is marked with a star. Each step is a small dot, so a path's step sizes
show as well as its direction.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF
from PySide6.QtWidgets import QVBoxLayout, QWidget

from app.docks.plots import make_plot
from app.lessons.pictures.legend import Legend
from app.themes import series_color

CONTOURS = 12
SHADES = pg.ColorMap([0.0, 1.0], [(176, 196, 222), (250, 250, 252)])  # low loss a soft blue-grey, high near white


class OptimizerPathsPicture(QWidget):
    """`data`: ``grid`` (xs, ys, loss[len(ys), len(xs)]) and ``paths`` {label: (steps + 1, 2)}."""

    def __init__(self, data: dict, parent: QWidget | None = None):
        super().__init__(parent)
        xs, ys, loss = data["grid"]
        paths = data["paths"]
        names = [(label, series_color(index)) for index, label in enumerate(paths)]
        self.plot = make_plot("Paths on the loss surface (darker: lower loss)", "weight 1", "weight 2")
        item = self.plot.getPlotItem()
        shade = np.log10(np.asarray(loss, dtype=np.float64).T + 1e-3)  # (x, y): pyqtgraph's column-major order
        image = pg.ImageItem(shade)
        image.setLookupTable(SHADES.getLookupTable(0.0, 1.0, 256, alpha=False))
        image.setRect(QRectF(xs[0], ys[0], xs[-1] - xs[0], ys[-1] - ys[0]))
        item.addItem(image)
        for level in np.linspace(shade.min(), shade.max(), CONTOURS + 2)[1:-1]:
            contour = pg.IsocurveItem(data=shade, level=level, pen=pg.mkPen("#9aa3b5", width=1))
            contour.setParentItem(image)  # drawn in the image's coordinates, so it lands on the surface
        for index, path in enumerate(paths.values()):
            colour = series_color(index)
            item.plot(
                path[:, 0],
                path[:, 1],
                pen=pg.mkPen(colour, width=2),
                symbol="o",
                symbolSize=3,
                symbolPen=None,
                symbolBrush=colour,
            )
        first = next(iter(paths.values()))
        item.plot([first[0, 0]], [first[0, 1]], pen=None, symbol="o", symbolSize=10, symbolBrush="w")
        row, column = np.unravel_index(np.argmin(loss), np.shape(loss))
        item.plot([xs[column]], [ys[row]], pen=None, symbol="star", symbolSize=16, symbolBrush="#111111")
        item.setRange(xRange=(xs[0], xs[-1]), yRange=(ys[0], ys[-1]), padding=0)
        item.setClipToView(False)  # the paths are short; clipping would cut them where they leave the view
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.plot)
        layout.addWidget(Legend(names))
        self.setMinimumHeight(320)
