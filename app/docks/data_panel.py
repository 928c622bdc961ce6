"""The data panel under the dataset field: what the chosen data is, and the network fitted to it.

Choosing a data set (a built-in name, a file, a folder; a CSV with its target)
calls `DataPanel.choose`: ``backend.data.describe_dataset`` runs on a thread
(``app/data_reader.py``), with a progress bar while a folder is indexed; its facts
(``DataFacts.describe()`` and its notes, such as images that were left out) are
shown in the panel. Then ``graph.fitting.fit_network`` plans the edits that make
the network take that data, and one `app.commands.FitToDataCommand` sets the data
set, its target and the fitted parameters together: one Ctrl+Z puts all back.
What fitting changed goes to the status bar (`message`).

The facts of the project's own data are read the same way when the panel first shows
and after a project is opened (`look_up`: nothing is changed).

A network that cannot take the data (a CNN given a table) is refused: the data set
stays as it was, the panel says why and offers the presets that can take the data,
each a button that asks for that preset fitted to the data (`preset_wanted`).
"""

from __future__ import annotations

from functools import partial
from pathlib import PurePath

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QProgressBar, QPushButton, QVBoxLayout, QWidget

from app.canvas.style import current_palette
from app.commands import FitToDataCommand
from app.data_reader import DataReader
from app.document import Document
from graph.fitting import DataFacts, FitError, fit_network, presets_for
from graph.presets import PRESETS

OFFERED_PRESETS = 3  # buttons offered when a network cannot take the data


def describe(dataset: str, target: str, progress) -> DataFacts:
    """``backend.data.describe_dataset``, imported on the reading thread (it imports torch)."""
    from backend.data import describe_dataset

    return describe_dataset(dataset, target, progress)


def data_name(dataset: str) -> str:
    """What a ``dataset`` setting is called in a sentence: a file's name, or the built-in name."""
    return PurePath(dataset).name or dataset


class DataPanel(QWidget):
    """Facts of the chosen data, indexing progress, and the refusal of data the network cannot take.

    Signals:
        message(str): a line for the status bar (what fitting changed, or why nothing did).
        settled(): a choice ended without changing the project (refused or unreadable).
        columns_found(str, object): a CSV data set and its columns (for the target field).
        preset_wanted(str, object): a preset's name and the data settings to fit it to.
    """

    message = Signal(str)
    settled = Signal()
    columns_found = Signal(str, object)
    preset_wanted = Signal(str, object)

    def __init__(self, document: Document, parent: QWidget | None = None):
        super().__init__(parent)
        self.document = document
        self.facts: DataFacts | None = None
        self.facts_label = QLabel()
        self.facts_label.setObjectName("dataFacts")
        self.facts_label.setWordWrap(True)
        self.facts_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.progress = QProgressBar()
        self.progress.setMaximumHeight(14)
        self.progress.setTextVisible(False)
        self.progress.hide()
        self.refusal = QLabel()
        self.refusal.setObjectName("errorBanner")
        self.refusal.setWordWrap(True)
        self.refusal.hide()
        self.offers = QHBoxLayout()
        self.offers.setContentsMargins(0, 0, 0, 0)
        self.offer_buttons: list[QPushButton] = []
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addWidget(self.facts_label)
        layout.addWidget(self.progress)
        layout.addWidget(self.refusal)
        layout.addLayout(self.offers)
        self.facts_label.hide()
        self.reader = DataReader(self)
        self.reader.progress.connect(self._on_progress)
        self.reader.done.connect(self._on_described)
        self.reader.failed.connect(self._on_failed)
        document.project_replaced.connect(self._forget)

    # -- asking ---------------------------------------------------------------------------------
    def choose(self, dataset: str, target: str = "") -> None:
        """Read `dataset` (a CSV predicting `target`) on a thread, then fit the network and set it (one undo step)."""
        self._start(("fit", dataset, target))

    def look_up(self, dataset: str, target: str = "") -> None:
        """Read `dataset` to show its facts (and a CSV's columns) without changing anything."""
        self._start(("look", dataset, target))

    def _look_at_project(self) -> None:
        """Show the facts of the project's own data, once, if nothing else is being read or shown."""
        if self.facts is not None or self.reader.busy or self.refusal.isVisible() or not self.isVisible():
            return
        training = self.document.project.training
        dataset = str(training.get("dataset", "") or "")
        if dataset:
            self.look_up(dataset, str(training.get("target", "") or ""))

    def showEvent(self, event) -> None:
        super().showEvent(event)
        self._look_at_project()

    def _start(self, tag: tuple[str, str, str]) -> None:
        _purpose, dataset, target = tag
        self._clear_refusal()
        self._show_line(f"Reading {data_name(dataset)}…", "")
        self.progress.setRange(0, 0)  # busy until a folder reports how far its indexing has come
        self.progress.show()
        self.reader.start(tag, partial(describe, dataset, target))

    # -- answers --------------------------------------------------------------------------------
    def _on_progress(self, stage: str, done: int, total: int) -> None:
        self.progress.setRange(0, max(total, 1))
        self.progress.setValue(done)
        self.progress.setToolTip(f"{stage}: {done} of {total}")

    def _on_described(self, tag: tuple[str, str, str], facts: DataFacts) -> None:
        purpose, dataset, _target = tag
        self.progress.hide()
        self.facts = facts
        self._show_facts(facts)
        if facts.columns:
            self.columns_found.emit(dataset, facts.columns)
        if purpose == "fit":
            self._fit(dataset, facts)

    def _on_failed(self, tag: tuple[str, str, str], message: str) -> None:
        purpose, dataset, _target = tag
        self.progress.hide()
        self.facts = None
        self._show_line(message, "error")
        if purpose == "fit":
            self.message.emit(f"{data_name(dataset)} was not used: {message}")
            self.settled.emit()

    def _fit(self, dataset: str, facts: DataFacts) -> None:
        project = self.document.project
        try:
            fit = fit_network(project, facts)
        except FitError as error:
            self._refuse(str(error), facts, dataset)
            return
        settings = {"dataset": dataset, "target": facts.target}
        if not fit.edits and not fit.training and all(project.training.get(k) == v for k, v in settings.items()):
            self.settled.emit()
            return
        self.document.undo_stack.push(FitToDataCommand(self.document, settings, fit))
        changes = fit.describe()
        self.message.emit(f"Using {facts.describe()}" + (f" — fitted: {'; '.join(changes)}" if changes else ""))

    def _refuse(self, reason: str, facts: DataFacts, dataset: str) -> None:
        self.refusal.setText(f"{data_name(dataset)} was not used: {reason}")
        self.refusal.show()
        wanted = {"dataset": dataset, "target": facts.target}
        for name in presets_for(facts.kind)[:OFFERED_PRESETS]:
            button = QPushButton(f"Open {PRESETS[name].title} for this data…")
            button.setToolTip(f"A new project from the {PRESETS[name].title} preset, fitted to {facts.name}.")
            button.clicked.connect(lambda _checked=False, n=name: self.preset_wanted.emit(n, wanted))
            self.offers.addWidget(button)
            self.offer_buttons.append(button)
        self.message.emit(f"{data_name(dataset)} was not used: {reason}")
        self.settled.emit()

    # -- showing --------------------------------------------------------------------------------
    def _show_facts(self, facts: DataFacts) -> None:
        notes = "".join(f"\n• {note}" for note in facts.notes)
        self._show_line(facts.describe() + notes, "")

    def _show_line(self, text: str, state: str) -> None:
        self.facts_label.setText(text)
        self.facts_label.setProperty("state", state)
        self.facts_label.setStyleSheet(f"color: {current_palette().error};" if state == "error" else "")
        self.facts_label.setVisible(bool(text))

    def _clear_refusal(self) -> None:
        self.refusal.hide()
        for button in self.offer_buttons:
            self.offers.removeWidget(button)
            button.deleteLater()
        self.offer_buttons.clear()

    def _forget(self) -> None:
        """A new project: nothing read for the old one still applies."""
        self.reader.cancel()
        self.progress.hide()
        self.facts = None
        self._clear_refusal()
        self._show_line("", "")
        QTimer.singleShot(0, self._look_at_project)  # after the settings show the new project's values
