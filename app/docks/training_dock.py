"""The Training dock: settings, Start / Pause / Stop, progress and live results.

Layout: the settings form on the left; on the right the controls and a progress
bar above two tabs. "Curves" shows the loss of every batch (faint) with its smoothed
trend, the per-epoch losses the recipe reports (train/val, recon/KL for a VAE,
discriminator/generator for a GAN), the score (accuracy or R²) and a results panel
(confusion matrix and example predictions for classifiers, sample grids for VAEs and
GANs). "Runs" keeps every run of this session in a list with check boxes; the
checked runs overlay in one plot with a legend, so optimizers can be compared.

The dock never trains itself: `TrainingController` runs a snapshot of the project
on a `QThread`. Data arriving from it is appended to numpy buffers; the plots redraw
on their own timers (see ``app/docks/plots.py``).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QProgressBar,
    QPushButton,
    QScrollArea,
    QSplitter,
    QStackedWidget,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from app.docks.confusion import ConfusionMatrixWidget
from app.docks.plots import (
    LOSS_METRICS,
    SCORE_METRICS,
    BatchLossPlot,
    ComparisonPlot,
    EpochPlot,
    RedrawScheduler,
    Series,
    SmoothedSeries,
)
from app.docks.sample_grid import SampleGrid
from app.docks.training_settings import TrainingSettingsWidget
from app.document import Document
from app.training_worker import BatchUpdate, TrainingController

COMPARE_CHOICES = (
    ("training loss (smoothed, per step)", "batch", "step", "loss"),
    ("train loss (per epoch)", "train_loss", "epoch", "loss"),
    ("validation loss (per epoch)", "val_loss", "epoch", "loss"),
    ("validation accuracy (per epoch)", "val_accuracy", "epoch", "accuracy"),
    ("R² (per epoch)", "r2", "epoch", "R²"),
)


@dataclass
class Run:
    """What one run left behind: its curves and how it ended."""

    number: int
    name: str
    batch: SmoothedSeries = field(default_factory=SmoothedSeries)
    epochs: dict[str, Series] = field(default_factory=dict)
    status: str = "running"

    def epoch_data(self, metric: str):
        series = self.epochs.get(metric)
        return series.data() if series is not None else Series(1).data()


def format_eta(seconds: float) -> str:
    if not seconds or seconds != seconds or seconds < 0:
        return "–"
    seconds = int(round(seconds))
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


class TrainingWidget(QWidget):
    status_message = Signal(str)
    running_changed = Signal(bool)
    weights_available = Signal(bool)

    def __init__(self, document: Document, parent: QWidget | None = None):
        super().__init__(parent)
        self.document = document
        self.controller = TrainingController(self)
        self.runs: list[Run] = []
        self.current: Run | None = None
        self._numbers = itertools.count(1)
        self._build()
        self.controller.batches.connect(self._on_batches)
        self.controller.epoch.connect(self._on_epoch)
        self.controller.images.connect(self._on_images)
        self.controller.started.connect(self._on_started)
        self.controller.finished.connect(self._on_finished)
        self.controller.failed.connect(self._on_failed)
        self.controller.running_changed.connect(self._running_changed)
        self._running_changed(False)

    # -- layout -------------------------------------------------------------------------------
    def _build(self) -> None:
        self.settings = TrainingSettingsWidget(self.document)
        self.settings.message.connect(self.status_message)
        scroll = QScrollArea()
        scroll.setWidget(self.settings)
        scroll.setWidgetResizable(True)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        scroll.setMinimumWidth(330)
        scroll.setMaximumWidth(440)

        self.start_button = QPushButton("▶  Train")
        self.start_button.setObjectName("startButton")
        self.start_button.setToolTip("Train the network as it is drawn now, with these settings.")
        self.start_button.clicked.connect(self.start)
        self.pause_button = QPushButton("Pause")
        self.pause_button.setToolTip("Pause after the current batch; press again to resume.")
        self.pause_button.clicked.connect(self.toggle_pause)
        self.stop_button = QPushButton("Stop")
        self.stop_button.setToolTip("Stop after the current batch. The weights trained so far are kept.")
        self.stop_button.clicked.connect(self.stop)
        self.progress = QProgressBar()
        self.progress.setRange(0, 1000)
        self.progress.setTextVisible(True)
        self.progress.setValue(0)
        self.progress.setFormat("Ready")
        self.message = QLabel("Press Train to start. The window stays usable while it trains.")
        self.message.setObjectName("trainingMessage")
        self.message.setWordWrap(True)
        self.message.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        controls = QHBoxLayout()
        controls.addWidget(self.start_button)
        controls.addWidget(self.pause_button)
        controls.addWidget(self.stop_button)
        controls.addWidget(self.progress, 1)

        self.redraws = RedrawScheduler(self)
        self.batch_plot = BatchLossPlot(self.redraws)
        self.loss_plot = EpochPlot(self.redraws, "Loss per epoch", "loss", LOSS_METRICS)
        self.score_plot = EpochPlot(self.redraws, "Score per epoch", "", SCORE_METRICS, legend_at_bottom=True)
        self.confusion = ConfusionMatrixWidget()
        self.predictions = SampleGrid("Example predictions")
        self.grid_a = SampleGrid()
        self.grid_b = SampleGrid()
        classifier_panel = QSplitter(Qt.Orientation.Vertical)
        classifier_panel.addWidget(self.confusion)
        classifier_panel.addWidget(self.predictions)
        generative_panel = QSplitter(Qt.Orientation.Vertical)
        generative_panel.addWidget(self.grid_a)
        generative_panel.addWidget(self.grid_b)
        self.results = QStackedWidget()
        self.results.addWidget(classifier_panel)
        self.results.addWidget(generative_panel)
        self.results.setMinimumWidth(180)
        curves = QSplitter(Qt.Orientation.Horizontal)
        for widget in (self.batch_plot.widget, self.loss_plot.widget, self.score_plot.widget, self.results):
            curves.addWidget(widget)
        curves.setChildrenCollapsible(False)
        curves.setSizes([320, 320, 260, 240])

        self.run_list = QListWidget()
        self.run_list.setToolTip("Tick runs to overlay them in the plot.")
        self.run_list.itemChanged.connect(lambda _item: self.refresh_comparison())
        self.compare_metric = QComboBox()
        self.compare_metric.addItems([label for label, *_ in COMPARE_CHOICES])
        self.compare_metric.currentIndexChanged.connect(lambda _i: self.refresh_comparison())
        self.remove_run_button = QPushButton("Remove run")
        self.remove_run_button.clicked.connect(self.remove_selected_run)
        self.comparison = ComparisonPlot(self.redraws)
        side = QVBoxLayout()
        side.addWidget(QLabel("Runs"))
        side.addWidget(self.run_list, 1)
        side.addWidget(self.remove_run_button)
        side_widget = QWidget()
        side_widget.setLayout(side)
        side_widget.setMaximumWidth(260)
        right = QVBoxLayout()
        row = QHBoxLayout()
        row.addWidget(QLabel("Compare"))
        row.addWidget(self.compare_metric, 1)
        right.addLayout(row)
        right.addWidget(self.comparison.widget, 1)
        compare = QWidget()
        compare_layout = QHBoxLayout(compare)
        compare_layout.addWidget(side_widget)
        compare_layout.addLayout(right, 1)

        self.tabs = QTabWidget()
        self.tabs.addTab(curves, "Curves")
        self.tabs.addTab(compare, "Runs")
        self.tabs.setDocumentMode(True)

        panel = QVBoxLayout()
        panel.addLayout(controls)
        panel.addWidget(self.message)
        panel.addWidget(self.tabs, 1)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(scroll)
        layout.addLayout(panel, 1)
        self._show_results_panel(None)

    # -- actions ------------------------------------------------------------------------------
    @property
    def running(self) -> bool:
        return self.controller.running

    def start(self) -> bool:
        """Train the project as it is now; False if a run is already going."""
        if self.running:
            return False
        config = self.document.project.training
        number = next(self._numbers)
        name = f"{config.get('optimizer', 'sgd')} lr={config.get('lr', 0):g} #{number}"
        run = Run(number, name)
        self.runs.append(run)
        self.current = run
        self.batch_plot.clear()
        self.batch_plot.series = run.batch
        self.loss_plot.clear()
        self.score_plot.clear()
        self.confusion.clear()
        self.predictions.clear()
        self.grid_a.clear()
        self.grid_b.clear()
        self._show_results_panel(None)
        self._add_run_item(run)
        self._set_message(f"Preparing {name}: building the model and loading the data…", "")
        self.progress.setValue(0)
        self.progress.setFormat("Starting…")
        self.weights_available.emit(False)
        return self.controller.start(self.document.project)

    def toggle_pause(self) -> None:
        if not self.running:
            return
        if self.controller.paused:
            self.controller.resume()
            self.pause_button.setText("Pause")
            self._set_message("Training resumed.", "")
        else:
            self.controller.pause()
            self.pause_button.setText("Resume")
            self._set_message("Paused after the current batch. Press Resume to go on.", "")

    def stop(self) -> None:
        if self.running:
            self.controller.stop()
            self._set_message("Stopping after the current batch…", "")

    def shutdown(self) -> bool:
        """Stop a run and wait (bounded) for its thread: the window is closing."""
        return self.controller.shutdown()

    def save_weights(self, path: str) -> None:
        """Save the last run's trained weights (raises OSError / RuntimeError on failure)."""
        session = self.controller.last_session
        if session is None:
            raise RuntimeError("there are no trained weights yet: train the network first")
        session.save_weights(path)

    # -- events from the controller (GUI thread) ---------------------------------------------------
    def _on_started(self) -> None:
        if self.current is not None:
            self._set_message(f"Training {self.current.name}…", "")
        worker = self.controller.worker
        task = getattr(getattr(worker, "session", None), "task", None)
        # Lay out the panels this task will fill now, while nothing is drawn yet: showing them
        # at the first epoch re-lays out every plot at once and stalls the window mid-run.
        if task == "classification":
            self._show_results_panel(0)
        elif task in ("vae", "gan"):
            self._show_results_panel(1)
        if task is not None:
            self.score_plot.widget.setVisible(task != "vae")

    def _on_batches(self, update: BatchUpdate) -> None:
        self.batch_plot.append(update.steps)
        self.comparison.mark_dirty()  # the running run's line grows there too
        event = update.latest
        if event is None:
            return
        total = max(1, event.epochs * event.batches)
        done = (event.epoch - 1) * event.batches + event.batch
        self.progress.setValue(int(1000 * done / total))
        self.progress.setFormat(
            f"Epoch {event.epoch}/{event.epochs} · batch {event.batch}/{event.batches} · "
            f"{event.samples_per_second:,.0f} samples/s · ETA {format_eta(event.eta_seconds)}"
        )

    def _on_epoch(self, event) -> None:
        run = self.current
        metrics = {k: v for k, v in event.metrics.items() if v is not None}
        if run is not None:
            for name, value in metrics.items():
                run.epochs.setdefault(name, Series(64)).append(event.epoch, float(value))
        self.loss_plot.add_epoch(event.epoch, metrics)
        self.score_plot.add_epoch(event.epoch, metrics)
        self.score_plot.widget.setVisible(any(name in metrics for name in SCORE_METRICS))
        confusion = event.extras.get("confusion") if event.extras else None
        if confusion is not None:
            self.confusion.set_matrix(confusion, event.extras.get("class_names"))
            self._show_results_panel(0)
        summary = ", ".join(f"{_short_name(k)} {v:.4g}" for k, v in metrics.items() if k != "lr")
        self._set_message(f"Epoch {event.epoch}/{event.epochs}: {summary}", "")
        self.refresh_comparison()

    def _on_images(self, event) -> None:
        if event.kind == "predictions":
            self.predictions.show_images(event.images, f"Example predictions (epoch {event.epoch})", event.labels)
            self._show_results_panel(0)
            return
        networks = self.document.project.networks
        if event.kind == "reconstructions":
            # The engine sends the inputs first, then their reconstructions: one row each.
            title = f"Reconstructions, epoch {event.epoch} (top: input, bottom: decoded)"
            self.grid_a.show_images(event.images, title, columns=max(1, len(event.images) // 2))
        else:
            source = "fixed noise" if "generator" in networks else "random z"
            self.grid_b.show_images(event.images, f"Generated from {source}, epoch {event.epoch}")
        self.grid_a.setVisible(self.grid_a.shown_count > 0)
        self._show_results_panel(1)

    def _on_finished(self, result) -> None:
        run = self.current
        status = getattr(result, "status", "finished")
        message = getattr(result, "message", "") or status
        if run is not None:
            run.status = status
            self._update_run_item(run)
        if status == "failed":
            self._fail(message)
            return
        self.progress.setFormat({"stopped": "Stopped", "early_stopped": "Stopped early"}.get(status, "Done"))
        if status == "finished":
            self.progress.setValue(1000)
        self._set_message(message, "ok")
        self.status_message.emit(f"Training: {message}")
        self.weights_available.emit(self.controller.last_session is not None)
        self.refresh_comparison()

    def _on_failed(self, message: str) -> None:
        if self.current is not None:
            self.current.status = "failed"
            self._update_run_item(self.current)
        self._fail(message)

    def _fail(self, message: str) -> None:
        self.progress.setFormat("Failed")
        self._set_message(message, "error")
        self.status_message.emit(f"Training failed: {message}")

    def _running_changed(self, running: bool) -> None:
        self.start_button.setEnabled(not running)
        self.pause_button.setEnabled(running)
        self.stop_button.setEnabled(running)
        self.pause_button.setText("Pause")
        self.running_changed.emit(running)

    # -- helpers ------------------------------------------------------------------------------
    def _set_message(self, text: str, state: str) -> None:
        self.message.setText(text)
        self.message.setProperty("state", state)
        # A dynamic property only restyles after the style is re-applied.
        self.message.style().unpolish(self.message)
        self.message.style().polish(self.message)

    def _show_results_panel(self, index: int | None) -> None:
        self.results.setVisible(index is not None)
        if index is not None:
            self.results.setCurrentIndex(index)

    def _add_run_item(self, run: Run) -> None:
        item = QListWidgetItem(run.name)
        item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
        item.setCheckState(Qt.CheckState.Checked)
        item.setData(Qt.ItemDataRole.UserRole, run.number)
        self.run_list.addItem(item)

    def _update_run_item(self, run: Run) -> None:
        for index in range(self.run_list.count()):
            item = self.run_list.item(index)
            if item.data(Qt.ItemDataRole.UserRole) == run.number:
                suffix = "" if run.status == "finished" else f" ({run.status.replace('_', ' ')})"
                item.setText(run.name + suffix)

    def checked_runs(self) -> list[Run]:
        numbers = {
            self.run_list.item(i).data(Qt.ItemDataRole.UserRole)
            for i in range(self.run_list.count())
            if self.run_list.item(i).checkState() == Qt.CheckState.Checked
        }
        return [run for run in self.runs if run.number in numbers]

    def remove_selected_run(self) -> None:
        for item in self.run_list.selectedItems():
            number = item.data(Qt.ItemDataRole.UserRole)
            if self.current is not None and number == self.current.number and self.running:
                continue  # the run being trained stays until it ends
            self.runs = [run for run in self.runs if run.number != number]
            self.run_list.takeItem(self.run_list.row(item))
        self.refresh_comparison()

    def refresh_comparison(self) -> None:
        _label, metric, x_label, y_label = COMPARE_CHOICES[self.compare_metric.currentIndex()]
        self.comparison.set_axis(x_label, y_label)
        shown = []
        for run in self.checked_runs():
            if metric == "batch":
                source = run.batch.smooth.data
            else:
                source = lambda run=run: run.epoch_data(metric)  # noqa: E731 - bound per run
            shown.append((run.number, run.name, source))
        self.comparison.show_runs(shown)


def _short_name(metric: str) -> str:
    return {"val_accuracy": "accuracy", "train_loss": "train loss", "val_loss": "val loss"}.get(
        metric, metric.replace("_", " ")
    )
