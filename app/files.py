"""Where the app keeps things on disk, and the File menu's behaviour.

Owns: the settings store (`settings()`), the app data folder (`data_dir()`), the
recent-files list, autosave and crash recovery (`Autosave`, `find_recoverable`) and
`ProjectFiles`, which implements New / Open / Save / Save As and the "unsaved
changes" prompt on top of the `Document`.

Invariants: nothing here writes the user's project file except an explicit Save or
Save As (``graph.project_io.save_project`` is atomic). Autosaves live in the app data
folder, one file per running process, and are deleted when the process closes
cleanly, so an autosave left behind by a dead process means that process crashed.
When ``NETCANVAS_SETTINGS_SCOPE`` is set (the test suite sets it) settings and data
go to a scratch folder instead of the user's, and ``NETCANVAS_DATA_DIR`` (if set)
names that folder exactly.
"""

from __future__ import annotations

import json
import os
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QObject, QSettings, QStandardPaths, QTimer, Signal
from PySide6.QtWidgets import QFileDialog, QMessageBox, QWidget

from app.document import Document
from graph.network import Network
from graph.project import Project
from graph.project_io import ProjectFileError, load_project, loads, save_project

ORGANIZATION = "NetCanvas"
APPLICATION = "NetCanvas"
MAX_RECENT = 10
AUTOSAVE_INTERVAL_MS = 60_000
PROJECT_FILTER = "NetCanvas projects (*.json);;All files (*)"


# -- settings and the data folder ---------------------------------------------------------
def data_dir() -> Path:
    """The app's own folder (autosaves, test-scoped settings); created on demand."""
    explicit = os.environ.get("NETCANVAS_DATA_DIR")
    scope = os.environ.get("NETCANVAS_SETTINGS_SCOPE")
    if explicit:
        path = Path(explicit)
    elif scope:
        path = Path(tempfile.gettempdir()) / f"netcanvas-{scope}-{os.getuid() if hasattr(os, 'getuid') else 0}"
    else:
        location = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.AppDataLocation)
        path = Path(location) if location else Path.home() / ".netcanvas"
    path.mkdir(parents=True, exist_ok=True)
    return path


def settings() -> QSettings:
    """The settings store: the user's (org "NetCanvas"), or a scratch file under a test scope."""
    if os.environ.get("NETCANVAS_SETTINGS_SCOPE") or os.environ.get("NETCANVAS_DATA_DIR"):
        return QSettings(str(data_dir() / "settings.ini"), QSettings.Format.IniFormat)
    return QSettings(ORGANIZATION, APPLICATION)


def recent_files() -> list[Path]:
    """Recently opened or saved projects, newest first, only those that still exist."""
    value = settings().value("recent_files", [])
    if isinstance(value, str):  # QSettings gives a bare string for one-element lists
        value = [value]
    return [Path(p) for p in value or [] if Path(p).is_file()]


def add_recent_file(path: Path) -> None:
    path = Path(path).resolve()
    entries = [p for p in recent_files() if p.resolve() != path]
    settings().setValue("recent_files", [str(p) for p in [path, *entries][:MAX_RECENT]])


def clear_recent_files() -> None:
    settings().setValue("recent_files", [])


# -- autosave and recovery ----------------------------------------------------------------
@dataclass
class Recoverable:
    """An autosave left behind by a process that did not close cleanly."""

    path: Path
    original: Path | None  # the project file it was a copy of (None: never saved)
    saved_at: float
    name: str

    def load(self) -> Project:
        return loads(self.path.read_bytes())

    def discard(self) -> None:
        for file in (self.path, _meta_path(self.path)):
            file.unlink(missing_ok=True)


def _autosave_folder() -> Path:
    folder = data_dir() / "autosave"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _meta_path(path: Path) -> Path:
    return path.with_suffix(".meta")


def _process_alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True  # it exists but belongs to someone else
    return True


def find_recoverable() -> list[Recoverable]:
    """Autosaves of crashed sessions, newest first (unreadable leftovers are skipped)."""
    found = []
    for path in _autosave_folder().glob("autosave-*.json"):
        try:
            pid = int(path.stem.split("-", 1)[1])
        except ValueError:
            continue
        if _process_alive(pid):
            continue
        try:
            meta = json.loads(_meta_path(path).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            meta = {}
        original = meta.get("original")
        saved_at = meta.get("saved_at", path.stat().st_mtime)
        name = meta.get("name") or "untitled"
        found.append(Recoverable(path, Path(original) if original else None, float(saved_at), str(name)))
    return sorted(found, key=lambda r: r.saved_at, reverse=True)


class Autosave(QObject):
    """Writes the document to this process's autosave file every minute while it is dirty."""

    saved = Signal(object)  # Path of the autosave file

    def __init__(self, document: Document, interval_ms: int = AUTOSAVE_INTERVAL_MS, parent: QObject | None = None):
        super().__init__(parent)
        self.document = document
        self.path = _autosave_folder() / f"autosave-{os.getpid()}.json"
        self.timer = QTimer(self)
        self.timer.setInterval(interval_ms)
        self.timer.timeout.connect(self.save_now)
        self.timer.start()
        # A saved (clean) document needs no autosave: drop the stale copy right away.
        document.dirty_changed.connect(self._dirty_changed)

    def _dirty_changed(self, dirty: bool) -> None:
        if not dirty:
            self.discard()

    def save_now(self) -> bool:
        """Autosave if the document has unsaved changes; returns whether a file was written."""
        if not self.document.dirty:
            return False
        try:
            save_project(self.document.project, self.path)
            meta = {
                "original": str(self.document.path) if self.document.path else None,
                "saved_at": time.time(),
                "name": self.document.project.name,
            }
            _meta_path(self.path).write_text(json.dumps(meta), encoding="utf-8")
        except OSError:
            # A full disk or a read-only data folder must not interrupt the user's work.
            return False
        self.saved.emit(self.path)
        return True

    def discard(self) -> None:
        """Remove this process's autosave (after a save, and on a clean exit)."""
        for file in (self.path, _meta_path(self.path)):
            file.unlink(missing_ok=True)

    def stop(self) -> None:
        self.timer.stop()
        self.discard()


# -- File menu behaviour --------------------------------------------------------------------
def empty_project() -> Project:
    """What File > New gives: one network holding one Input node."""
    project = Project(name="untitled")
    network = Network("model")
    project.add_network(network)
    network.add("Input", name="input")
    return project


class ProjectFiles(QObject):
    """New, Open, Save, Save As and the unsaved-changes prompt for one window.

    Every method that could lose work asks first (`maybe_save`). Errors are shown as
    message boxes with one clear sentence; nothing raises to the caller.
    """

    recent_changed = Signal()
    message = Signal(str)

    def __init__(self, document: Document, window: QWidget):
        super().__init__(window)
        self.document = document
        self.window = window

    # -- prompts --------------------------------------------------------------------------
    def maybe_save(self) -> bool:
        """Ask about unsaved changes. True: go ahead (saved or discarded); False: cancelled."""
        if not self.document.dirty:
            return True
        answer = QMessageBox.question(
            self.window,
            "Unsaved changes",
            f"Save the changes to {self.display_name()} before closing it?",
            QMessageBox.StandardButton.Save | QMessageBox.StandardButton.Discard | QMessageBox.StandardButton.Cancel,
            QMessageBox.StandardButton.Save,
        )
        if answer == QMessageBox.StandardButton.Save:
            return self.save()
        return answer == QMessageBox.StandardButton.Discard

    def display_name(self) -> str:
        return self.document.path.name if self.document.path else (self.document.project.name or "untitled")

    # -- commands -------------------------------------------------------------------------
    def new_project(self, project: Project | None = None) -> bool:
        """Replace the document with `project` (default: an empty one) after asking."""
        if not self.maybe_save():
            return False
        self.document.set_project(project or empty_project(), None)
        return True

    def open_project(self, path: str | Path | None = None) -> bool:
        if not self.maybe_save():
            return False
        if path is None:
            path, _ = QFileDialog.getOpenFileName(self.window, "Open project", self._start_folder(), PROJECT_FILTER)
            if not path:
                return False
        try:
            project = load_project(path)
        except ProjectFileError as error:
            QMessageBox.warning(self.window, "Cannot open project", f"This file cannot be opened: {error}")
            return False
        self.document.set_project(project, Path(path))
        add_recent_file(Path(path))
        self.recent_changed.emit()
        self.message.emit(f"Opened {Path(path).name}")
        return True

    def save(self) -> bool:
        if self.document.path is None:
            return self.save_as()
        return self._write(self.document.path)

    def save_as(self) -> bool:
        suggested = str(Path(self._start_folder()) / f"{self.document.project.name or 'untitled'}.json")
        path, _ = QFileDialog.getSaveFileName(self.window, "Save project as", suggested, PROJECT_FILTER)
        if not path:
            return False
        if not Path(path).suffix:
            path += ".json"
        return self._write(Path(path))

    def _write(self, path: Path) -> bool:
        try:
            save_project(self.document.project, path)
        except OSError as error:
            reason = error.strerror or str(error)
            QMessageBox.warning(self.window, "Cannot save project", f"{path} could not be written: {reason}.")
            return False
        self.document.mark_saved(path)
        add_recent_file(path)
        self.recent_changed.emit()
        self.message.emit(f"Saved {path.name}")
        return True

    def _start_folder(self) -> str:
        if self.document.path is not None:
            return str(self.document.path.parent)
        recent = recent_files()
        return str(recent[0].parent) if recent else str(Path.home())
