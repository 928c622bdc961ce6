"""The open document: one project, its file path, undo stack and validation reports.

The document adapts the graph model's typed events (``graph/events.py``) to Qt
signals that carry the same event objects, and is the only object the widgets
share. Widgets change the project exclusively by pushing `QUndoCommand`s onto
`undo_stack` (see ``app/commands.py``); they read state from `project` and
`reports`, and redraw on `model_changed` / `project_changed` / `validated`.
Validation runs once per event-loop turn after any change (changes coalesce).
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtGui import QUndoStack

from graph.events import BlockAdded, BlockRemoved, NetworkEvent, ProjectEvent
from graph.network import Network
from graph.project import Project
from graph.validation import NetworkReport, validate_project


class Document(QObject):
    model_changed = Signal(str, object)  # network name, a graph.events NetworkEvent
    project_changed = Signal(object)  # a graph.events ProjectEvent (training setting, block added or removed)
    validated = Signal()  # `reports` were recomputed
    project_replaced = Signal()  # a new or opened project: rebuild every view
    current_network_changed = Signal(str)
    path_changed = Signal(object)  # Path | None
    dirty_changed = Signal(bool)

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
        self.project.unsubscribe(self._project_listener)
        self._listeners.clear()
        self.project = project
        project.subscribe(self._project_listener)
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
        def listener(event: NetworkEvent) -> None:
            self.model_changed.emit(name, event)
            self._validate_timer.start()

        return listener

    def _block_listener(self, _event: NetworkEvent) -> None:
        self._validate_timer.start()

    def _project_listener(self, event: ProjectEvent) -> None:
        match event:
            case BlockAdded(definition=definition):
                definition.body.subscribe(self._block_listener)
            case BlockRemoved(definition=definition):
                definition.body.unsubscribe(self._block_listener)
        self.project_changed.emit(event)
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
