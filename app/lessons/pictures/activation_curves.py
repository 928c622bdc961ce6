"""Activation functions beside their slopes: two plots, one curve per activation in the same colour."""

from __future__ import annotations

from PySide6.QtWidgets import QHBoxLayout, QWidget

from app.docks.plots import legend_title, make_plot
from app.themes import series_color


class ActivationCurvesPicture(QWidget):
    """`curves` (``backend.lessons.activations.ActivationCurve``): f(x) on the left, f'(x) on the right."""

    def __init__(self, curves: list, parent: QWidget | None = None):
        super().__init__(parent)
        names = [(curve.name, series_color(index)) for index, curve in enumerate(curves)]
        self.values = make_plot(legend_title("f(x)", names), "x")
        self.slopes = make_plot(legend_title("slope f'(x)", names), "x")
        for index, curve in enumerate(curves):
            pen = {"color": series_color(index), "width": 2}
            self.values.plot(curve.x, curve.y, pen=pen)
            self.slopes.plot(curve.x, curve.dy, pen=pen)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.values)
        layout.addWidget(self.slopes)
        self.setMinimumHeight(260)
