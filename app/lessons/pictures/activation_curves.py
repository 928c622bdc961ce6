"""Activation functions beside their slopes: two plots, one curve per activation in the same colour."""

from __future__ import annotations

from PySide6.QtWidgets import QGridLayout, QWidget

from app.docks.plots import make_plot
from app.lessons.pictures.legend import Legend
from app.themes import series_color


class ActivationCurvesPicture(QWidget):
    """`curves` (``backend.lessons.activations.ActivationCurve``): f(x) on the left, f'(x) on the right."""

    def __init__(self, curves: list, parent: QWidget | None = None):
        super().__init__(parent)
        names = [(curve.name, series_color(index)) for index, curve in enumerate(curves)]
        self.values = make_plot("f(x)", "x")
        self.slopes = make_plot("slope f'(x)", "x")
        for index, curve in enumerate(curves):
            pen = {"color": series_color(index), "width": 2}
            self.values.plot(curve.x, curve.y, pen=pen)
            self.slopes.plot(curve.x, curve.dy, pen=pen)
        layout = QGridLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.values, 0, 0)
        layout.addWidget(self.slopes, 0, 1)
        layout.addWidget(Legend(names), 1, 0, 1, 2)
        self.setMinimumHeight(280)
