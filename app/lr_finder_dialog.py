"""Training > Find learning rate: one short run with a rising learning rate, and its suggestion.

The dialog starts an `app.jobs.LRFinderWorker` on the training controller as it
opens (``backend.training.lr_finder``: the rate rises exponentially from 1e-7 to 10
over at most 100 steps, from the weights training would start from, nothing kept)
and draws the smoothed loss against the learning rate on a log axis as points
arrive. When the sweep ends it marks the suggested rate (the steepest descent) and
the lowest loss; Apply sets ``lr`` to the suggestion (rounded to two significant
digits) through `SetTrainingCommand`, so Ctrl+Z takes it back. Closing the dialog
stops a sweep still running; so does a new or opened project, whose rate the old
sweep says nothing about (the dialog clears and offers nothing to apply).
"""

from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QDialog, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from app.commands import SetTrainingCommand
from app.docks.plots import ThemedPlotWidget
from app.document import Document
from app.jobs import LRFinderWorker
from app.themes import color, series_color
from app.training_worker import TrainingController, snapshot

SUGGESTED = "#10b981"


def rounded(lr: float) -> float:
    """`lr` to two significant digits (3.162e-3 -> 3.2e-3): a value a person would type."""
    return float(f"{lr:.2g}")


class LRFinderDialog(QDialog):
    status_message = Signal(str)

    def __init__(self, document: Document, controller: TrainingController, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle("Find a learning rate")
        self.document = document
        self.controller = controller
        self.worker: LRFinderWorker | None = None
        self.result = None
        self.lrs: list[float] = []
        self.losses: list[float] = []
        self.plot = ThemedPlotWidget()
        item = self.plot.getPlotItem()
        item.setLogMode(x=True, y=False)
        item.showGrid(x=True, y=True, alpha=0.15)
        item.setLabel("bottom", "learning rate")
        item.setLabel("left", "loss (smoothed)")
        item.setMenuEnabled(False)
        self.curve = item.plot(pen=pg.mkPen(series_color(0), width=2))
        self.marks: list = []
        self.plot.setMinimumSize(520, 300)
        self.message = QLabel()
        self.message.setObjectName("lrFinderMessage")
        self.message.setWordWrap(True)
        self.message.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.apply_button = QPushButton("Apply")
        self.apply_button.setObjectName("applyLearningRate")
        self.apply_button.setEnabled(False)
        self.apply_button.clicked.connect(self.apply)
        self.stop_button = QPushButton("Stop")
        self.stop_button.clicked.connect(self.stop)
        close = QPushButton("Close")
        close.clicked.connect(self.close)
        buttons = QHBoxLayout()
        buttons.addWidget(self.message, 1)
        buttons.addWidget(self.apply_button)
        buttons.addWidget(self.stop_button)
        buttons.addWidget(close)
        layout = QVBoxLayout(self)
        layout.addWidget(self.plot, 1)
        layout.addLayout(buttons)
        self.resize(720, 460)
        document.project_replaced.connect(self._project_replaced)

    @property
    def running(self) -> bool:
        return self.worker is not None

    def start(self) -> bool:
        """Start the sweep on the project as it is now; False when another job runs."""
        if self.controller.running:
            self.message.setText("Another job is running: stop it first, then try again.")
            return False
        self._clear()
        worker = LRFinderWorker(snapshot(self.document.project))
        worker.points.connect(self._points)
        worker.done.connect(self._done)
        worker.failed.connect(self._failed)
        self.worker = worker
        self.stop_button.setEnabled(True)
        self.message.setText("Training a few batches with a rising learning rate…")
        return self.controller.start_job(worker)

    def stop(self) -> None:
        if self.running and self.controller.worker is self.worker:
            self.controller.stop()

    def _clear(self) -> None:
        self.lrs, self.losses, self.result = [], [], None
        for mark in self.marks:
            self.plot.getPlotItem().removeItem(mark)
        self.marks = []
        self.curve.setData([], [])
        self.apply_button.setEnabled(False)
        self.apply_button.setText("Apply")

    def _project_replaced(self) -> None:
        self.stop()
        self.worker = None  # what it still sends is about the old project
        self._clear()
        self.stop_button.setEnabled(False)
        self.message.setText("Another project is open: Training > Find learning rate runs the finder on it.")

    def _from_current(self, sender) -> bool:
        """Whether a signal comes from the sweep under way (not one dropped with its project)."""
        return self.worker is not None and sender is self.worker

    def _points(self, points: list[tuple[float, float]]) -> None:
        if not self._from_current(self.sender()):
            return
        for lr, loss in points:
            self.lrs.append(lr)
            self.losses.append(loss)
        self._draw()

    def _draw(self) -> None:
        x, y = np.asarray(self.lrs, dtype=np.float64), np.asarray(self.losses, dtype=np.float64)
        keep = np.isfinite(y) & (x > 0)
        self.curve.setData(x[keep], y[keep])

    def _done(self, result) -> None:
        if not self._from_current(self.sender()):
            return
        self.worker = None
        self.stop_button.setEnabled(False)
        self.result = result
        self.lrs, self.losses = list(result.lrs), list(result.losses)
        self._draw()
        if result.suggestion is None:
            self.message.setText(
                f"The loss never fell over {len(result.lrs)} steps ({result.ended}): no rate to suggest. "
                "Check the network and the data first (Training > Check before training)."
            )
            return
        item = self.plot.getPlotItem()
        suggested = pg.InfiniteLine(
            math.log10(result.suggestion),
            angle=90,
            pen=pg.mkPen(SUGGESTED, width=2),
            label=f"suggested {rounded(result.suggestion):g}",
            labelOpts={"position": 0.9, "color": SUGGESTED},
        )
        item.addItem(suggested)
        self.marks = [suggested]
        if result.minimum_lr is not None:
            lowest = pg.InfiniteLine(
                math.log10(result.minimum_lr),
                angle=90,
                pen=pg.mkPen(color("muted"), width=1, style=Qt.PenStyle.DashLine),
                label="lowest loss",
                labelOpts={"position": 0.75, "color": color("muted")},
            )
            item.addItem(lowest)
            self.marks.append(lowest)
        self.apply_button.setEnabled(True)
        self.apply_button.setText(f"Apply lr = {rounded(result.suggestion):g}")
        self.message.setText(
            f"Suggested: {rounded(result.suggestion):g}, where the loss falls fastest "
            f"(now {float(self.document.project.training.get('lr', 0)):g}; the sweep {result.ended})."
        )

    def _failed(self, message: str) -> None:
        if not self._from_current(self.sender()):
            return
        self.worker = None
        self.stop_button.setEnabled(False)
        self.message.setText(f"The learning-rate finder could not run: {message}")

    def apply(self) -> None:
        """Set lr to the suggestion, as one undoable step."""
        if self.result is None or self.result.suggestion is None:
            return
        value = rounded(self.result.suggestion)
        self.document.undo_stack.push(SetTrainingCommand(self.document, "lr", value))
        self.message.setText(f"Learning rate set to {value:g} (Ctrl+Z takes it back).")
        self.status_message.emit(f"Learning rate set to {value:g}.")

    def closeEvent(self, event) -> None:
        self.stop()
        super().closeEvent(event)

    def reject(self) -> None:
        self.stop()
        super().reject()
