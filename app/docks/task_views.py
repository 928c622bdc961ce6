"""What each task shows while it trains: which metrics go in which plot, and the task's own picture.

`TASK_VIEWS` is the one table of it: per task, the named parts of the loss drawn per
batch (a GAN's discriminator and generator losses, never their sum), the two
per-epoch plots (a VAE's reconstruction and KL each on an axis of its own, since KL
is ~20 times smaller) and the results page. The pictures built from the recipes'
epoch extras live here too: `PredictionPlot` draws a forecaster's validation
windows with the true next value and the forecast (or, for a table, each
prediction against its truth), and `SequenceExamples` lists a sequence model's
inputs, targets and outputs with its wrong tokens marked.
"""

from __future__ import annotations

import html
from dataclasses import dataclass

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QScrollArea, QVBoxLayout, QWidget

from app.docks.plots import ThemedPlotWidget, set_title
from app.docks.sample_grid import WRONG
from app.themes import color, series_color

# Pages of the results panel (a QStackedWidget in the Training dock), in this order.
CLASSIFIER_PAGE, GENERATIVE_PAGE, PREDICTION_PAGE, SEQUENCE_PAGE = range(4)


@dataclass(frozen=True)
class EpochPlotSpec:
    title: str
    y_label: str
    metrics: tuple[str, ...]


@dataclass(frozen=True)
class TaskView:
    """How the Training dock shows one task (see the module docstring)."""

    batch_parts: tuple[str, ...]
    losses: EpochPlotSpec
    score: EpochPlotSpec
    results_page: int | None


LOSSES = EpochPlotSpec("Loss", "loss", ("train_loss", "val_loss"))
TASK_VIEWS = {
    "classification": TaskView(
        (), LOSSES, EpochPlotSpec("Validation accuracy", "accuracy", ("val_accuracy",)), CLASSIFIER_PAGE
    ),
    "sequence": TaskView((), LOSSES, EpochPlotSpec("Token accuracy", "accuracy", ("val_accuracy",)), SEQUENCE_PAGE),
    "regression": TaskView((), LOSSES, EpochPlotSpec("R² (validation)", "R²", ("r2",)), PREDICTION_PAGE),
    "vae": TaskView(
        (),
        EpochPlotSpec("Reconstruction", "reconstruction", ("recon", "val_recon")),
        EpochPlotSpec("KL divergence", "KL", ("kl", "val_kl")),
        GENERATIVE_PAGE,
    ),
    "gan": TaskView(
        ("d_loss", "g_loss"),
        EpochPlotSpec("Losses", "loss", ("d_loss", "g_loss")),
        EpochPlotSpec("Discriminator accuracy", "accuracy", ("d_accuracy",)),
        GENERATIVE_PAGE,
    ),
}
DEFAULT_VIEW = TASK_VIEWS["classification"]


class PredictionPlot(ThemedPlotWidget):
    """A regression's validation predictions: forecasts after their windows, or a scatter against the truth."""

    def __init__(self):
        super().__init__()
        item = self.getPlotItem()
        item.showGrid(x=True, y=True, alpha=0.15)
        item.setMenuEnabled(False)
        self.setMinimumSize(180, 120)
        self.kind = ""  # "forecast" or "scatter" once something is shown
        self.clear_picture()

    def clear_picture(self) -> None:
        self.kind = ""
        item = self.getPlotItem()
        item.clear()
        set_title(self, "Predictions appear after an epoch")

    def show_predictions(self, picture: dict, epoch: int) -> None:
        """Draw `picture` (``SupervisedRecipe.examples``'s ``predictions``) from epoch `epoch`."""
        item = self.getPlotItem()
        item.clear()
        truth = np.asarray(picture["truth"], dtype=np.float64)
        predicted = np.asarray(picture["predicted"], dtype=np.float64)
        history = picture.get("history")
        if history is not None:
            self._forecast(np.asarray(history, dtype=np.float64), truth, predicted, epoch)
        else:
            self._scatter(truth, predicted, epoch)

    def _forecast(self, history: np.ndarray, truth: np.ndarray, predicted: np.ndarray, epoch: int) -> None:
        self.kind = "forecast"
        item = self.getPlotItem()
        steps = history.shape[1]
        x = np.arange(-steps + 1, 1, dtype=np.float64)
        for index in range(len(history)):
            colour = series_color(index)
            item.plot(x, history[index], pen=pg.mkPen(colour, width=1.5))
            # The forecast continues the window as a dashed line; the truth is a ring beside it.
            item.plot(
                [0.0, 1.0],
                [history[index, -1], predicted[index]],
                pen=pg.mkPen(colour, width=1.5, style=Qt.PenStyle.DashLine),
                symbol=None,
            )
            cross = pg.mkPen(colour, width=2)
            item.plot([1.0], [predicted[index]], pen=None, symbol="x", symbolSize=11, symbolPen=cross)
            item.plot([1.0], [truth[index]], pen=None, symbol="o", symbolSize=10, symbolBrush=None, symbolPen=colour)
        item.setLabel("bottom", "time step (1: the forecast)")
        item.setLabel("left", "value (standardised)")
        set_title(self, f"Forecasts, epoch {epoch} &nbsp;○ truth  ✕ forecast")

    def _scatter(self, truth: np.ndarray, predicted: np.ndarray, epoch: int) -> None:
        self.kind = "scatter"
        item = self.getPlotItem()
        finite = np.isfinite(truth) & np.isfinite(predicted)
        truth, predicted = truth[finite], predicted[finite]
        if len(truth):
            low, high = float(min(truth.min(), predicted.min())), float(max(truth.max(), predicted.max()))
            item.plot([low, high], [low, high], pen=pg.mkPen(color("muted"), width=1, style=Qt.PenStyle.DashLine))
        item.plot(truth, predicted, pen=None, symbol="o", symbolSize=5, symbolBrush=series_color(0), symbolPen=None)
        item.setLabel("bottom", "truth (standardised)")
        item.setLabel("left", "prediction")
        set_title(self, f"Validation predictions, epoch {epoch} (dashed: exact)")


class SequenceExamples(QWidget):
    """A sequence model's validation examples: input, target and output tokens, wrong outputs in red."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.text = QLabel()
        self.text.setTextFormat(Qt.TextFormat.RichText)
        self.text.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        scroll = QScrollArea()
        scroll.setWidget(self.text)
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 0, 0, 0)
        layout.addWidget(scroll)
        self.setMinimumWidth(200)
        self.rows: list[tuple[str, str, str]] = []
        self.clear()

    def clear(self) -> None:
        self.rows = []
        self.text.setText(f"<span style='color:{color('muted').name()}'>Examples appear after an epoch.</span>")

    def show_sequences(self, sequences: dict, epoch: int) -> None:
        """Show `sequences` (``SupervisedRecipe.examples``'s ``sequences``) from epoch `epoch`."""
        names = list(sequences.get("tokens") or [])

        def word(token: int) -> str:
            return names[token] if 0 <= token < len(names) else str(token)

        self.rows = []
        lines = [f"<b>Validation examples, epoch {epoch}</b>", "<table cellspacing='0' cellpadding='1'>"]
        muted = color("muted").name()
        for inputs, targets, outputs in zip(
            sequences["inputs"], sequences["targets"], sequences["outputs"], strict=True
        ):
            shown_in = " ".join(word(int(t)) for t in np.ravel(inputs))
            shown_target = " ".join(word(int(t)) for t in np.ravel(targets))
            cells = []
            for got, wanted in zip(np.ravel(outputs), np.ravel(targets), strict=False):
                text = html.escape(word(int(got)))
                cells.append(text if got == wanted else f"<b style='color:{WRONG.name()}'>{text}</b>")
            self.rows.append((shown_in, shown_target, " ".join(word(int(t)) for t in np.ravel(outputs))))
            lines += [
                f"<tr><td style='color:{muted}'>input&nbsp;</td><td><tt>{html.escape(shown_in)}</tt></td></tr>",
                f"<tr><td style='color:{muted}'>target&nbsp;</td><td><tt>{html.escape(shown_target)}</tt></td></tr>",
                f"<tr><td style='color:{muted}'>output&nbsp;</td><td><tt>{' '.join(cells)}</tt></td></tr>",
                "<tr><td colspan='2' style='font-size:4px'>&nbsp;</td></tr>",
            ]
        lines.append("</table>")
        self.text.setText("".join(lines))
