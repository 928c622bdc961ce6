"""The Training dock: settings, Start / Pause / Stop, progress and live results.

Layout: the settings form on the left; on the right the controls and a progress
bar above three tabs. "Curves" shows the run being trained the way its task reads
best (``app/docks/task_views.py``): the loss of every batch (faint) with its
smoothed trend — a GAN's discriminator and generator losses apart —, two per-epoch
plots (losses; accuracy or R², or a VAE's KL on an axis of its own) and the task's
picture (confusion matrix and predictions, forecasts against the truth, sequences,
generated samples). "Runs" lists the open project's runs and overlays the ticked
ones (``app/docks/runs.py``). "Flow" is the gradient and activation flow of the
run (``app/docks/flow_view.py``).

Runs belong to their project: File > New, Open, a preset or an import (the
document's ``project_replaced``) stops what runs, clears curves, progress,
pictures, messages and flow, and shows only the new project's runs (a project
opened again from its file finds its runs of this session).

The dock never trains itself: `TrainingController` runs a snapshot of the project
on a `QThread` — a training run, a comparison (`start_comparison`, one run per
value, each becoming a run in the list) or a lesson's runs (`start_runs`). Data
arriving from it is appended to numpy buffers; the plots redraw on their own
timers (see ``app/docks/plots.py``).
"""

from __future__ import annotations

import itertools
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QSplitter,
    QStackedWidget,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from app.docks.confusion import ConfusionMatrixWidget
from app.docks.flow_view import FlowPanel
from app.docks.plots import LOSS_METRICS, BatchLossPlot, EpochPlot, RedrawScheduler
from app.docks.runs import Run, RunsPanel, network_label, run_name
from app.docks.sample_grid import SampleGrid
from app.docks.task_views import (
    CLASSIFIER_PAGE,
    DEFAULT_VIEW,
    GENERATIVE_PAGE,
    PREDICTION_PAGE,
    SEQUENCE_PAGE,
    TASK_VIEWS,
    PredictionPlot,
    SequenceExamples,
)
from app.docks.training_settings import TrainingSettingsWidget
from app.document import Document
from app.jobs import ComparisonWorker
from app.training_worker import BatchUpdate, TrainingController, snapshot

READY_MESSAGE = "Press Train to start. The window stays usable while it trains."
RUNS_TAB, FLOW_TAB = 1, 2  # after Curves


def format_eta(seconds: float) -> str:
    if not seconds or seconds != seconds or seconds < 0:
        return "–"
    seconds = int(round(seconds))
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


class TrainingWidget(QWidget):
    """The dock's contents. Signals for the window: status bar text, running state, weights, flow."""

    status_message = Signal(str)
    running_changed = Signal(bool)
    weights_available = Signal(bool)
    preset_wanted = Signal(str, object)  # a preset to open fitted to data (name, data settings)

    def __init__(self, document: Document, parent: QWidget | None = None):
        super().__init__(parent)
        self.document = document
        self.controller = TrainingController(self)
        self.current: Run | None = None
        self.compared: list[Run] = []  # the runs of the comparison under way (or the last one)
        self._numbers = itertools.count(1)
        self._unsaved = itertools.count(1)
        self._project = document.project
        self.project_key = self._key_for(document.path)
        self.trained_key = ""  # the project whose run left `controller.last_session`
        self._build()
        self.runs_panel.set_project(self.project_key)
        self.controller.batches.connect(self._on_batches)
        self.controller.epoch.connect(self._on_epoch)
        self.controller.images.connect(self._on_images)
        self.controller.started.connect(self._on_started)
        self.controller.finished.connect(self._on_finished)
        self.controller.failed.connect(self._on_failed)
        self.controller.running_changed.connect(self._running_changed)
        document.project_replaced.connect(self._project_replaced)
        document.path_changed.connect(self._path_changed)
        self._running_changed(False)

    # -- layout -------------------------------------------------------------------------------
    def _build(self) -> None:
        self.settings = TrainingSettingsWidget(self.document)
        self.settings.message.connect(self.status_message)
        self.settings.data.preset_wanted.connect(self.preset_wanted)
        self.settings.setMinimumWidth(400)
        self.settings.setMaximumWidth(520)

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
        self.message = QLabel()
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
        self.loss_plot = EpochPlot(self.redraws, DEFAULT_VIEW.losses.title, "loss", DEFAULT_VIEW.losses.metrics)
        self.score_plot = EpochPlot(self.redraws, DEFAULT_VIEW.score.title, "", DEFAULT_VIEW.score.metrics)
        self.confusion = ConfusionMatrixWidget()
        self.predictions = SampleGrid("Example predictions")
        self.grid_a = SampleGrid()
        self.grid_b = SampleGrid()
        self.forecast = PredictionPlot()
        self.sequences = SequenceExamples()
        # Side by side, not stacked: the dock stays low and the canvas keeps the window.
        classifier_panel = QSplitter(Qt.Orientation.Horizontal)
        classifier_panel.addWidget(self.confusion)
        classifier_panel.addWidget(self.predictions)
        generative_panel = QSplitter(Qt.Orientation.Horizontal)
        generative_panel.addWidget(self.grid_a)
        generative_panel.addWidget(self.grid_b)
        self.results = QStackedWidget()
        pages = {
            CLASSIFIER_PAGE: classifier_panel,
            GENERATIVE_PAGE: generative_panel,
            PREDICTION_PAGE: self.forecast,
            SEQUENCE_PAGE: self.sequences,
        }
        for index in sorted(pages):
            self.results.addWidget(pages[index])
        self.results.setMinimumWidth(200)
        curves = QSplitter(Qt.Orientation.Horizontal)
        for widget in (self.batch_plot.widget, self.loss_plot.widget, self.score_plot.widget, self.results):
            curves.addWidget(widget)
        curves.setChildrenCollapsible(False)
        curves.setSizes([290, 290, 250, 400])

        self.runs_panel = RunsPanel(self.redraws)
        self.flow = FlowPanel(self.redraws)
        self.tabs = QTabWidget()
        self.tabs.addTab(curves, "Curves")
        self.tabs.addTab(self.runs_panel, "Runs")
        self.tabs.addTab(self.flow, "Flow")
        self.tabs.setTabToolTip(FLOW_TAB, "Gradient and activation flow per layer while training.")
        self.tabs.setDocumentMode(True)

        panel = QVBoxLayout()
        panel.addLayout(controls)
        panel.addWidget(self.message)
        panel.addWidget(self.tabs, 1)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.settings)
        layout.addLayout(panel, 1)
        self.reset_view()

    # -- the project's state ------------------------------------------------------------------
    def _key_for(self, path: Path | None) -> str:
        return str(Path(path).resolve()) if path is not None else f"unsaved project {next(self._unsaved)}"

    def _project_replaced(self) -> None:
        """A new or opened project: stop what runs for the old one, show the new one's runs, clear the rest."""
        if self.running:
            self.controller.stop()
        self._project = self.document.project
        self.project_key = self._key_for(self.document.path)
        self.runs_panel.set_project(self.project_key)
        self.reset_view()
        self._lay_out_for(str(self._project.training.get("task", "")))

    def _path_changed(self, path: Path | None) -> None:
        # The same project saved under a (new) name: its runs go with it. A replaced project
        # also changes the path first; project_replaced gives it a key of its own after.
        if self.document.project is self._project and path is not None:
            new = self._key_for(path)
            self.runs_panel.rekey(self.project_key, new)
            if self.trained_key == self.project_key:
                self.trained_key = new
            self.project_key = new

    def reset_view(self) -> None:
        """Nothing shown of any run: empty curves and pictures, no progress, no message, no flow."""
        self.batch_plot.clear()
        self.loss_plot.clear()
        self.score_plot.clear()
        self.confusion.clear()
        self.predictions.clear()
        self.grid_a.clear()
        self.grid_b.clear()
        self.forecast.clear_picture()
        self.sequences.clear()
        self.flow.clear()
        self._show_results_panel(None)
        self.progress.setValue(0)
        self.progress.setFormat("Ready")
        self._set_message(READY_MESSAGE, "")

    def _is_live(self, run: Run | None) -> bool:
        """Whether `run` is the one the curves show (a stopped run of a replaced project is not)."""
        return run is not None and run is self.current and run.project_key == self.project_key

    # -- actions ------------------------------------------------------------------------------
    @property
    def running(self) -> bool:
        return self.controller.running

    def _new_run(self, name: str, status: str = "running") -> Run:
        taken = {run.name for run in self.runs_panel.project_runs()}
        unique = name
        for number in itertools.count(2):
            if unique not in taken:
                break
            unique = f"{name} #{number}"
        return Run(next(self._numbers), unique, self.project_key, network_label(self.document.project), status=status)

    def start(self) -> bool:
        """Train the project as it is now; False if a run or another job is going."""
        if self.running:
            return False
        run = self._new_run(run_name(self.document.project))
        self.runs_panel.add_runs([run])
        self._begin(run)
        self.weights_available.emit(False)
        return self.controller.start(self.document.project, flow=True)

    def start_comparison(self, key: str, values: list[str], overrides: dict | None = None) -> bool:
        """Train the project once per value of setting `key` (``backend.training.compare``); False if busy."""
        if self.running:
            return False
        overrides = dict(overrides or {})
        project = self.document.project
        names = [run_name(project, {**overrides, key: value}, varied=key) for value in values]
        worker = ComparisonWorker(snapshot(project), key, values, overrides)
        return self.start_runs(names, worker, f"Comparing {len(values)} values of {key}: {', '.join(values)}…")

    def start_runs(self, names: list[str], worker, message: str) -> bool:
        """Run `worker`'s runs one after another, each a run of the open project named from `names`.

        `worker` is a job of ``app/jobs.py`` with a comparison's signals (``run_started``,
        ``batches``, ``epoch``, ``run_finished`` by run index, then ``done`` or ``failed``);
        one with an ``images`` signal (index, ``ImagesEvent``) also shows its pictures.
        Several runs open the Runs tab, one run the Curves. False if a job is running.
        """
        if self.running:
            return False
        self.compared = [self._new_run(name, status="waiting") for name in names]
        self.runs_panel.add_runs(self.compared)
        worker.run_started.connect(self._compare_run_started)
        worker.batches.connect(self._compare_batches)
        worker.epoch.connect(self._compare_epoch)
        worker.run_finished.connect(self._compare_run_finished)
        if hasattr(worker, "images"):
            worker.images.connect(self._compare_images)
        worker.done.connect(self._compare_done)
        worker.failed.connect(self._compare_failed)
        self.reset_view()
        self._set_message(message, "")
        self.tabs.setCurrentIndex(RUNS_TAB if len(names) > 1 else 0)
        return self.controller.start_job(worker)

    def keep_trained(self, session) -> None:
        """`session` (a finished run of the open project that a job trained) is the last trained model."""
        self.controller.last_session = session
        self.trained_key = self.project_key
        self.weights_available.emit(True)

    def trained_session(self):
        """The session of the open project's last trained run (None: nothing trained since it was opened)."""
        session = self.controller.last_session
        return session if session is not None and self.trained_key == self.project_key else None

    def toggle_pause(self) -> None:
        if not self.running or self.controller.kind != "training":
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
        """Stop what runs and wait (bounded) for its thread: the window is closing."""
        self.settings.data.reader.shutdown()
        return self.controller.shutdown()

    def save_weights(self, path: str) -> None:
        """Save the last run's trained weights (raises OSError / RuntimeError on failure)."""
        session = self.controller.last_session
        if session is None:
            raise RuntimeError("there are no trained weights yet: train the network first")
        session.save_weights(path)

    # -- one run's events (training, or one run of a comparison) ----------------------------------
    def _begin(self, run: Run) -> None:
        """`run` is about to train: the curves show it from now on."""
        self.current = run
        self.reset_view()
        self._set_message(f"Preparing {run.name}: building the model and loading the data…", "")
        self.progress.setFormat("Starting…")

    def _show_task(self, run: Run, task: str, loss: str) -> None:
        """The run has started: lay out the plots and picture its task reads best, while nothing is drawn yet."""
        run.task, run.loss = task, loss
        self.runs_panel.update_run(run)
        if not self._is_live(run):
            return
        self._set_message(f"Training {run.name}…", "")
        # Showing the panels at the first epoch would re-lay out every plot at once mid-run.
        self._lay_out_for(task, with_results=True)

    def _lay_out_for(self, task: str, with_results: bool = False) -> None:
        """Title and fill the plots as `task` reads best (an open project's own task: before any run)."""
        view = TASK_VIEWS.get(task, DEFAULT_VIEW)
        self.batch_plot.show_parts(view.batch_parts)
        self.loss_plot.configure(view.losses.title, view.losses.y_label, view.losses.metrics)
        self.score_plot.configure(view.score.title, view.score.y_label, view.score.metrics)
        if with_results:
            self._show_results_panel(view.results_page)

    def _add_batches(self, run: Run, update: BatchUpdate, prefix: str = "") -> None:
        run.add_batches(update.steps, update.latest)
        self.runs_panel.data_changed()
        if not self._is_live(run):
            return
        self.batch_plot.append(update.steps, update.parts)
        self.flow.add_samples(update.flows)
        event = update.latest
        if event is None:
            return
        total = max(1, event.epochs * event.batches)
        done = (event.epoch - 1) * event.batches + event.batch
        self.progress.setValue(int(1000 * done / total))
        self.progress.setFormat(
            f"{prefix}Epoch {event.epoch}/{event.epochs} · batch {event.batch}/{event.batches} · "
            f"{event.samples_per_second:,.0f} samples/s · ETA {format_eta(event.eta_seconds)}"
        )

    def _add_epoch(self, run: Run, event) -> None:
        metrics = {k: v for k, v in event.metrics.items() if v is not None}
        run.add_epoch(event.epoch, metrics)
        self.runs_panel.refresh()
        if not self._is_live(run):
            return
        self.loss_plot.add_epoch(event.epoch, metrics)
        self.score_plot.add_epoch(event.epoch, metrics)
        extras = event.extras or {}
        if extras.get("confusion") is not None:
            self.confusion.set_matrix(extras["confusion"], extras.get("class_names"))
        if extras.get("predictions") is not None:
            self.forecast.show_predictions(extras["predictions"], event.epoch)
        if extras.get("sequences") is not None:
            self.sequences.show_sequences(extras["sequences"], event.epoch)
        shown = [(k, v) for k, v in metrics.items() if k != "lr" and (k in LOSS_METRICS or k in self.score_plot.names)]
        summary = ", ".join(f"{_short_name(k)} {v:.4g}" for k, v in shown)
        self._set_message(f"{run.name} — epoch {event.epoch}/{event.epochs}: {summary}", "")

    def _end(self, run: Run, result) -> None:
        status = result.status
        run.status = status
        self.runs_panel.update_run(run)
        if not self._is_live(run):
            return
        message = result.message or status
        if status == "failed":
            self._fail(message)
            return
        self.progress.setFormat({"stopped": "Stopped", "early_stopped": "Stopped early"}.get(status, "Done"))
        if status == "finished":
            self.progress.setValue(1000)
        self._set_message(f"{run.name}: {message}", "ok")

    # -- training (controller relays, GUI thread) ---------------------------------------------
    def _on_started(self) -> None:
        worker = self.controller.worker
        if self.current is not None and worker is not None and worker.session is not None:
            self._show_task(self.current, worker.session.task, worker.session.loss)
            if self._is_live(self.current):
                self.flow.set_interval(worker.flow_every)

    def _on_batches(self, update: BatchUpdate) -> None:
        if self.current is not None:
            self._add_batches(self.current, update)

    def _on_epoch(self, event) -> None:
        if self.current is not None:
            self._add_epoch(self.current, event)

    def _on_images(self, event) -> None:
        if not self._is_live(self.current):
            return
        if event.kind == "predictions":
            self.predictions.show_images(event.images, f"Example predictions (epoch {event.epoch})", event.labels)
            return
        if event.kind == "reconstructions":
            # The engine sends the inputs first, then their reconstructions: one row each.
            title = f"Inputs / decoded, epoch {event.epoch}"
            self.grid_a.show_images(event.images, title, columns=max(1, len(event.images) // 2))
            self.grid_a.setToolTip("Top row: validation images; bottom row: the VAE's reconstructions of them.")
        else:
            source = "fixed noise" if "generator" in self.document.project.networks else "random z"
            self.grid_b.show_images(event.images, f"Samples, epoch {event.epoch}")
            self.grid_b.setToolTip(f"Generated from {source}: the same inputs every epoch.")
        self.grid_a.setVisible(self.grid_a.shown_count > 0)

    def _on_finished(self, result) -> None:
        if self.current is None:
            return
        self._end(self.current, result)
        if self.controller.last_session is not None:
            self.trained_key = self.current.project_key
        if self._is_live(self.current):
            if result.status != "failed":  # a failure has said so already
                self.status_message.emit(f"Training: {result.message}")
            self.weights_available.emit(self.controller.last_session is not None)

    def _on_failed(self, message: str) -> None:
        if self.current is None:
            return
        self.current.status = "failed"
        self.runs_panel.update_run(self.current)
        if self._is_live(self.current):
            self._fail(message)

    # -- a comparison (worker signals, GUI thread) ----------------------------------------------
    def _compared_run(self, index: int) -> Run | None:
        return self.compared[index] if 0 <= index < len(self.compared) else None

    def _prefix(self, index: int) -> str:
        run = self._compared_run(index)
        return f"Run {index + 1}/{len(self.compared)}" + (f" ({run.name})" if run else "") + " · "

    def _compare_run_started(self, index: int, info: dict) -> None:
        run = self._compared_run(index)
        if run is None:
            return
        run.status = "running"
        if run.project_key == self.project_key:
            self._begin(run)
        self._show_task(run, info["task"], info["loss"])

    def _compare_batches(self, index: int, update: BatchUpdate) -> None:
        run = self._compared_run(index)
        if run is not None:
            self._add_batches(run, update, self._prefix(index))

    def _compare_epoch(self, index: int, event) -> None:
        run = self._compared_run(index)
        if run is not None:
            self._add_epoch(run, event)

    def _compare_run_finished(self, index: int, result) -> None:
        run = self._compared_run(index)
        if run is not None:
            self._end(run, result)

    def _compare_images(self, index: int, event) -> None:
        if self._compared_run(index) is self.current:
            self._on_images(event)

    def _compare_done(self, _result) -> None:
        for run in self.compared:
            if run.status in ("waiting", "running"):
                run.status = "skipped" if run.status == "waiting" else "stopped"
                self.runs_panel.update_run(run)
        if len(self.compared) < 2 or self.compared[0].project_key != self.project_key:
            return  # one run has said how it ended (``_end``)
        finished = sum(1 for run in self.compared if run.status == "finished")
        text = f"Compared {len(self.compared)} runs ({finished} finished): see the Runs tab."
        self.progress.setFormat("Done")
        self._set_message(text, "ok")
        self.status_message.emit(text)
        self.tabs.setCurrentIndex(RUNS_TAB)

    def _compare_failed(self, message: str) -> None:
        for run in self.compared:
            if run.status in ("waiting", "running"):
                run.status = "failed"
                self.runs_panel.update_run(run)
        if self.compared and self.compared[0].project_key == self.project_key:
            self._fail(message)

    # -- helpers ------------------------------------------------------------------------------
    def _fail(self, message: str) -> None:
        self.progress.setFormat("Failed")
        self._set_message(message, "error")
        self.status_message.emit(f"Training failed: {message}")

    def _running_changed(self, running: bool) -> None:
        self.start_button.setEnabled(not running)
        self.pause_button.setEnabled(running and self.controller.kind == "training")
        self.stop_button.setEnabled(running)
        self.pause_button.setText("Pause")
        self.running_changed.emit(running)

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


def _short_name(metric: str) -> str:
    return {"val_accuracy": "accuracy", "train_loss": "train loss", "val_loss": "val loss"}.get(
        metric, metric.replace("_", " ")
    )
