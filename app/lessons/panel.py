"""The Lessons dock: the course's lessons in order, the chosen one's text, and a button per experiment.

Pressing an experiment's button runs it as a user would by hand: a lesson that
trains opens its project as a new project (File > New's path, so unsaved changes
are asked about first and a Cancel keeps everything), then the experiment runs on
the Training dock's controller (`LessonWorker`), so Training > Stop, the dock's Stop
and closing the window end it. Each run becomes a run of that project in the
Training dock: one run draws in Curves, a comparison's runs overlay in Runs by the
lesson's metric. Pictures (and a tour's table) come in the Pictures tab when the
experiment ends; a picture that needs no training leaves the open project alone.

"Quick run" trains a few batches of two epochs (``ExperimentRunner(fast=True)``):
enough to see every curve and picture appear, in seconds.
"""

from __future__ import annotations

import html

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QScrollArea,
    QSplitter,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from app.docks.runs import run_name
from app.lessons.node_pictures import NodePictures
from app.lessons.pictures_view import PicturesView
from app.lessons.worker import LessonWorker, run_labels
from app.themes import color
from graph.lessons import LESSONS, Comparison, Lesson, LessonError, Tour, TrainRun, open_project

PICTURES_TAB = 1  # after the Lesson tab


class LessonsPanel(QWidget):
    """The dock's contents for `window` (its document, files, Training dock and canvas)."""

    status_message = Signal(str)
    pictures_shown = Signal()

    def __init__(self, window, parent: QWidget | None = None):
        super().__init__(parent)
        self.main_window = window
        self.training = window.training
        self.lesson: Lesson = LESSONS[0]
        self._started_key = ""  # the project the running experiment trains
        self._heading = ""  # what the running experiment's pictures are headed with
        self._tour: Tour | None = None
        self._build()
        self.node_pictures = NodePictures(self.training, self.show_pictures, window.show_status)
        window.editor.add_node_menu(self.node_pictures.fill)
        self.training.running_changed.connect(self._running_changed)
        self.lessons.setCurrentRow(0)

    # -- layout -------------------------------------------------------------------------------
    def _build(self) -> None:
        self.lessons = QListWidget()
        self.lessons.setObjectName("lessonList")
        for number, item in enumerate(LESSONS, 1):
            entry = QListWidgetItem(f"{number}. {item.title}\n     {item.section}")
            entry.setToolTip(item.section)
            self.lessons.addItem(entry)
        self.lessons.currentRowChanged.connect(self._lesson_chosen)
        self.text = QLabel()
        self.text.setObjectName("lessonText")
        self.text.setWordWrap(True)
        self.text.setTextFormat(Qt.TextFormat.RichText)
        self.text.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.buttons = QVBoxLayout()
        self.quick = QCheckBox("Quick run (a few batches of two epochs)")
        self.quick.setObjectName("quickRun")
        self.quick.setToolTip("Train only a few batches per epoch for two epochs: every curve and picture in seconds.")
        self.status = QLabel()
        self.status.setObjectName("lessonStatus")
        self.status.setWordWrap(True)
        lesson_page = QWidget()
        column = QVBoxLayout(lesson_page)
        column.addWidget(self.text)
        column.addLayout(self.buttons)
        column.addWidget(self.quick)
        column.addWidget(self.status)
        column.addStretch(1)
        scroll = QScrollArea()
        scroll.setWidget(lesson_page)
        scroll.setWidgetResizable(True)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(self.lessons)
        split.addWidget(scroll)
        split.setSizes([220, 520])
        self.pictures = PicturesView()
        self.pictures.open_tour_stop.connect(self.open_tour_stop)
        self.tabs = QTabWidget()
        self.tabs.setDocumentMode(True)
        self.tabs.addTab(split, "Lesson")
        self.tabs.addTab(self.pictures, "Pictures")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.tabs)

    def _lesson_chosen(self, row: int) -> None:
        if not 0 <= row < len(LESSONS):
            return
        self.lesson = LESSONS[row]
        muted = color("muted").name()
        self.text.setText(
            f"<h3>{html.escape(self.lesson.title)}</h3>"
            f"<p style='color:{muted}'>{html.escape(self.lesson.section)}</p>"
            f"<p>{html.escape(self.lesson.text)}</p>"
            f"<p><b>What to watch.</b> {html.escape(self.lesson.watch)}</p>"
        )
        while self.buttons.count():
            old = self.buttons.takeAt(0).widget()
            old.hide()  # gone at once, not when the event loop gets to deleting it
            old.deleteLater()
        for index, experiment in enumerate(self.lesson.experiments):
            button = QPushButton(f"▶  {experiment.title}")
            button.setObjectName(f"experiment{index}")
            button.setProperty("watch", experiment.watch)
            button.clicked.connect(lambda _checked=False, i=index: self.run_experiment(i))
            self.buttons.addWidget(button)
        self._running_changed(self.training.running)

    def _running_changed(self, running: bool) -> None:
        """One job at a time: the buttons wait while anything trains (Stop ends it)."""
        for button in self.experiment_buttons():
            button.setEnabled(not running)
            button.setToolTip(
                "Wait for the running job to end, or stop it." if running else button.property("watch") or ""
            )

    def experiment_buttons(self) -> list[QPushButton]:
        return [self.buttons.itemAt(i).widget() for i in range(self.buttons.count())]

    # -- running ------------------------------------------------------------------------------
    def run_experiment(self, index: int) -> bool:
        """Run experiment `index` of the chosen lesson; False if it did not start (the reason is shown)."""
        experiment = self.lesson.experiments[index]
        if self.training.running:
            self._say("Wait for the running job to end (or stop it) before starting an experiment.", "error")
            return False
        labels = run_labels(experiment)
        if labels:
            try:
                project = open_project(experiment.project)
            except LessonError as error:
                self._say(f"This experiment cannot open its project: {error}", "error")
                return False
            if not self.main_window.files.new_project(project):
                self._say("Your project is still open: the experiment did not start.", "")
                return False
            self.main_window.show_status(f"Opened the lesson's {project.name} project (not saved yet).")
        worker = LessonWorker(experiment, fast=self.quick.isChecked())
        worker.done.connect(self._done)
        worker.failed.connect(self._failed)
        self._started_key = self.training.project_key
        self._heading = f"{self.lesson.title}: {experiment.title}. {experiment.watch}"
        self._say(f"Running “{experiment.title}”… (Stop ends it.)", "")
        if not labels:
            return self.training.controller.start_job(worker)
        self.main_window.docks["training"].show()
        self.main_window.docks["training"].raise_()
        names = [run_name(self.main_window.document.project)] if isinstance(experiment, TrainRun) else labels
        started = self.training.start_runs(names, worker, f"{self.lesson.title}: {experiment.title}…")
        if isinstance(experiment, Comparison):
            self.training.runs_panel.show_metric(experiment.metric)
        return started

    def _done(self, result) -> None:
        experiment = result.experiment
        same_project = self._started_key == self.training.project_key
        if isinstance(experiment, TrainRun) and result.runs and same_project:
            run = result.runs[-1]
            if run.result.status != "failed":
                self.training.keep_trained(run.session)
        if result.stopped:
            self._say(f"“{experiment.title}” stopped.", "")
            return
        failed = [run.label for run in result.runs if run.result.status == "failed"]
        if failed:
            message = next(run.result.message for run in result.runs if run.result.status == "failed")
            self._say(f"“{experiment.title}”: {', '.join(failed)} failed: {message}", "error")
        else:
            self._say(f"“{experiment.title}” is done.", "ok")
        if result.pictures or result.tour:
            epochs = len(result.runs[-1].result.history) if result.runs else 0
            self._tour = experiment if isinstance(experiment, Tour) else None
            pictures = [(picture.picture.kind, picture.data) for picture in result.pictures]
            self.show_pictures(self._heading, pictures, epochs, result.tour)

    def _failed(self, message: str) -> None:
        self._say(message, "error")

    def show_pictures(self, heading: str, pictures: list, epochs: int = 0, tour=None) -> None:
        """Show `pictures` ((kind, data) pairs) in the Pictures tab and bring it to the front."""
        self.pictures.show_pictures(heading, pictures, epochs, tour)
        self.tabs.setCurrentIndex(PICTURES_TAB)
        self.pictures_shown.emit()

    def open_tour_stop(self, row: int) -> None:
        """Open the tour's network in `row` as a new project (after asking about unsaved changes)."""
        if self._tour is None or not 0 <= row < len(self._tour.projects):
            return
        label, spec = self._tour.projects[row]
        project = open_project(spec)
        if self.main_window.files.new_project(project):
            self.main_window.show_status(f"Opened {label} (not saved yet).")

    def _say(self, text: str, state: str) -> None:
        colours = {"error": "#d93025", "ok": color("muted").name()}
        self.status.setText(text)
        self.status.setStyleSheet(f"color: {colours[state]}" if state in colours else "")
        if state == "error":
            self.status_message.emit(text)
