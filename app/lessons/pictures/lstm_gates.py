"""An LSTM's gates over one input window: the sequence it reads above one heat map per gate.

Each heat map has time steps left to right and hidden units top to bottom, from 0
(dark: shut) to 1 (bright: open); the cell candidate runs from -1 to 1. The same
time axis runs under the input curve, so a gate opening can be matched with the
part of the wave that opened it.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF
from PySide6.QtWidgets import QGridLayout, QLabel, QWidget

from app.docks.plots import make_plot
from app.themes import series_color

GATE_TITLES = {
    "input": "input gate i",
    "forget": "forget gate f",
    "cell": "cell candidate C~ (-1..1)",
    "output": "output gate o",
}


class LSTMGatesPicture(QWidget):
    """`data`: ``node``, ``sequence`` (T, features) and ``gates`` (``LSTMGates``, each (T, hidden))."""

    def __init__(self, data: dict, parent: QWidget | None = None):
        super().__init__(parent)
        sequence = np.asarray(data["sequence"], dtype=np.float64)
        steps = len(sequence)
        layout = QGridLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.input_plot = make_plot(f"What {data['node']} reads", "time step")
        for feature in range(sequence.shape[1]):
            self.input_plot.plot(
                np.arange(steps), sequence[:, feature], pen={"color": series_color(feature), "width": 2}
            )
        layout.addWidget(self.input_plot, 0, 0, 1, 2)
        lookup = pg.colormap.get("viridis").getLookupTable(0.0, 1.0, 256, alpha=False)
        self.maps = {}
        for index, (name, title) in enumerate(GATE_TITLES.items()):
            values = np.asarray(getattr(data["gates"], name), dtype=np.float64)  # (T, hidden)
            plot = make_plot(title, "time step", "unit")
            image = pg.ImageItem(values, levels=(-1.0, 1.0) if name == "cell" else (0.0, 1.0))
            image.setLookupTable(lookup)
            image.setRect(QRectF(-0.5, -0.5, steps, values.shape[1]))
            plot.getPlotItem().addItem(image)
            plot.getPlotItem().invertY(True)
            self.maps[name] = image
            layout.addWidget(plot, 1 + index // 2, index % 2)
        note = QLabel("Dark: 0, the gate shut (the candidate at -1); bright: 1, open. A row per hidden unit.")
        note.setWordWrap(True)
        layout.addWidget(note, 3, 0, 1, 2)
        self.setMinimumHeight(660)
