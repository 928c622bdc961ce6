"""The open document: one project, its file path, undo stack and validation reports.

The document adapts the graph model's plain callbacks to Qt signals and is the
only object the widgets share. Widgets change the project exclusively by pushing
`QUndoCommand`s onto `undo_stack` (see ``app/commands.py``); they read state from
`project` and `reports`, and redraw on `model_changed` / `validated`.
Validation runs once per event-loop turn after any change (changes coalesce).
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtGui import QUndoStack

from graph.network import Network
from graph.project import Project
from graph.validation import NetworkReport, validate_project


class Document(QObject):
    model_changed = Signal(str, str, dict)  # network name, event name, payload (see graph.network)
    validated = Signal()  # `reports` were recomputed
    project_replaced = Signal()  # a new or opened project: rebuild every view
    current_network_changed = Signal(str)
    path_changed = Signal(object)  # Path | None
    dirty_changed = Signal(bool)
    training_config_changed = Signal()

    def __init__(self, project: Project | None = None, path: Path | None = None, parent: QObject | None = None):
        super().__init__(parent)
        self.undo_stack = QUndoStack(self)
        self.undo_stack.cleanChanged.connect(self._on_clean_changed)
        self.project = Project()
        self.path: Path | None = None
        self.reports: dict[str, NetworkReport] = {}
        self.current_network = ""
        self._listeners: dict[str, object] = {}
        self._validate_timer = QTimer(self)
        self._validate_timer.setSingleShot(True)
        self._validate_timer.setInterval(0)
        self._validate_timer.timeout.connect(self.validate_now)
        if project is not None:
            self.set_project(project, path)

    # -- project lifecycle -------------------------------------------------------------
    def set_project(self, project: Project, path: Path | None = None) -> None:
        """Replace the whole project (New, Open, a preset): clears undo history."""
        for name, listener in self._listeners.items():
            network = self.project.networks.get(name)
            if network is not None:
                network.unsubscribe(listener)
        for definition in self.project.blocks.values():
            definition.body.unsubscribe(self._block_listener)
        self._listeners.clear()
        self.project = project
        for name, network in project.networks.items():
            listener = self._make_listener(name)
            network.subscribe(listener)
            self._listeners[name] = listener
        for definition in project.blocks.values():
            definition.body.subscribe(self._block_listener)
        self.current_network = next(iter(project.networks), "")
        self.undo_stack.clear()
        self.set_path(path)
        self.validate_now()
        self.project_replaced.emit()
        self.current_network_changed.emit(self.current_network)

    def _on_clean_changed(self, clean: bool) -> None:
        # A bound method, not a lambda: Qt drops the connection when the document goes,
        # so a stack emptied during teardown does not emit into a deleted object.
        self.dirty_changed.emit(not clean)

    def _make_listener(self, name: str):
        def listener(event: str, payload: dict) -> None:
            self.model_changed.emit(name, event, payload)
            self._validate_timer.start()

        return listener

    def _block_listener(self, event: str, payload: dict) -> None:
        self._validate_timer.start()

    def set_path(self, path: Path | None) -> None:
        self.path = Path(path) if path is not None else None
        self.path_changed.emit(self.path)

    def mark_saved(self, path: Path) -> None:
        self.set_path(path)
        self.undo_stack.setClean()

    @property
    def dirty(self) -> bool:
        return not self.undo_stack.isClean()

    # -- current network ---------------------------------------------------------------
    @property
    def network(self) -> Network:
        return self.project.networks[self.current_network]

    @property
    def report(self) -> NetworkReport | None:
        return self.reports.get(self.current_network)

    def set_current_network(self, name: str) -> None:
        if name in self.project.networks and name != self.current_network:
            self.current_network = name
            self.current_network_changed.emit(name)

    # -- validation --------------------------------------------------------------------
    def validate_now(self) -> None:
        self._validate_timer.stop()
        self.reports = validate_project(self.project)
        self.validated.emit()

    def fresh_reports(self) -> dict[str, NetworkReport]:
        """The reports of the project as it is now (validating first if a change is still pending)."""
        if self._validate_timer.isActive():
            self.validate_now()
        return self.reports

    def notify_training_config(self) -> None:
        """Called by training-settings commands after they change `project.training`."""
        self.training_config_changed.emit()
        self._validate_timer.start()
