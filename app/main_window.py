"""The main window: canvas in the middle, palette and inspector at the sides, docks below.

Owns the window's structure and the behaviour that spans widgets: network tabs
over the canvas, the Problems / Summary / Code / Training docks (tabified at the
bottom, each movable and hideable from the View menu), the status bar, the title
(``name.json — NetCanvas`` with ``*`` while unsaved), files, exports, themes, the
saved layout, and a clean close (ask about unsaved changes, stop training or
whatever job runs, wait for its thread; never write the project file).

The Training menu's jobs beside training — Check before training (findings in
the Problems dock), Find learning rate (a dialog), Compare (a dialog, then runs in
the Training dock) — share the Training dock's controller, so one runs at a time.
The Problems dock also gathers the Summary dock's memory warnings and the
gradients that vanish or explode while training, which the canvas shows on the
nodes too. The bottom docks open a third of the window high: the canvas keeps
most of it. Help > Course… opens the Lessons dock (``app/lessons``), tabbed with the
Inspector; its experiments run on the same controller.
"""

from __future__ import annotations

import keyword
import re
from pathlib import Path

from PySide6.QtCore import QByteArray, Qt, QTimer
from PySide6.QtGui import QCloseEvent, QGuiApplication
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QDockWidget,
    QFileDialog,
    QLabel,
    QMainWindow,
    QMessageBox,
    QWidget,
)

from app import require_supported_qt
from app.actions import build_actions
from app.check_runner import CheckRunner
from app.compare_dialog import CompareDialog
from app.docks.code_view import CodeWidget
from app.docks.flow_view import FlowWarning
from app.docks.problems import Note, ProblemsWidget
from app.docks.summary import SummaryWidget
from app.docks.training_dock import TrainingWidget
from app.document import Document
from app.editor import EditorWidget
from app.files import (
    Autosave,
    ProjectFiles,
    add_recent_file,
    clear_recent_files,
    find_recoverable,
    recent_files,
    settings,
)
from app.inspector import InspectorWidget
from app.lessons.panel import LessonsPanel
from app.lr_finder_dialog import LRFinderDialog
from app.palette import PaletteWidget
from app.preset_gallery import PresetGallery
from app.themes import apply_theme, current_theme
from graph.project import Project

require_supported_qt()  # every window is made here: refuse a Qt that would crash this Python first

LAYOUT_VERSION = 2  # 2: the bottom docks a third of the window high (layouts saved before are dropped)
DEFAULT_SIZE = (1600, 1000)
BOTTOM_DOCK_SHARE = 0.32  # of the window's height
FLOW_ADVICE = {
    "vanishing": "the layers before it barely learn: try ReLU instead of sigmoid or tanh, batch norm, "
    "or a skip connection",
    "exploding": "steps blow up: lower the learning rate or add normalisation",
}
STATUS_TIMEOUT_MS = 8000
LESSONS_WIDTH = 480  # the Lessons dock when the course opens: room for a picture beside the canvas

EXPORT_FILTERS = {
    "python": ("Export PyTorch code", "Python files (*.py)", ".py", "{name}.py"),
    "script": ("Export training script", "Python files (*.py)", ".py", "train.py"),
    "onnx": ("Export ONNX", "ONNX models (*.onnx)", ".onnx", "{name}.onnx"),
    "torchscript": ("Export TorchScript", "TorchScript files (*.pt)", ".pt", "{name}_scripted.pt"),
    "weights": ("Save trained weights", "PyTorch weights (*.pt)", ".pt", "{name}_weights.pt"),
    "png": ("Export diagram as PNG", "PNG images (*.png)", ".png", "{name}.png"),
    "svg": ("Export diagram as SVG", "SVG images (*.svg)", ".svg", "{name}.svg"),
}


def module_stem(text: str) -> str:
    """A file name stem that is also a Python module name: ``"ResNet-50"`` -> ``"resnet50"``.

    Words (split at spaces and underscores) are lowered and keep only letters and
    digits, then joined by ``_``; a leading digit or a keyword gets ``model`` added.
    """
    words = [re.sub(r"[^a-z0-9]", "", word) for word in re.split(r"[\s_]+", text.lower())]
    stem = "_".join(word for word in words if word) or "model"
    if stem[0].isdigit():
        stem = f"model_{stem}"
    return f"{stem}_model" if keyword.iskeyword(stem) else stem


class MainWindow(QMainWindow):
    def __init__(self, document: Document | None = None, restore_layout: bool = True):
        super().__init__()
        self.document = document or Document()
        self.setObjectName("NetCanvasMainWindow")
        self.setDockOptions(
            QMainWindow.DockOption.AnimatedDocks
            | QMainWindow.DockOption.AllowTabbedDocks
            | QMainWindow.DockOption.AllowNestedDocks
        )
        self.files = ProjectFiles(self.document, self)
        self.files.message.connect(self.show_status)
        self.autosave = Autosave(self.document, parent=self)
        self._build_central()
        self._build_docks()
        self.actions_by_name = build_actions(self)
        self._build_status_bar()
        self._memory_notes(self.summary.warnings)  # the estimate made before the Problems dock listened
        self._connect_document()
        self.resize(*DEFAULT_SIZE)
        self._default_state = self.saveState(LAYOUT_VERSION)
        self._docks_sized = False  # done when first shown (dock sizes need the laid-out window)
        if restore_layout:
            self._docks_sized = self.restore_layout()
        self.actions_by_name[f"theme_{current_theme()}"].setChecked(True)
        self.actions_by_name["minimap"].setChecked(settings().value("canvas/minimap", True, type=bool))
        self.toggle_minimap()
        self._refresh_all()

    # -- construction -------------------------------------------------------------------------
    def _build_central(self) -> None:
        # The editor brings its own tabs (one per network) and the breadcrumb into blocks.
        self.editor = EditorWidget(self.document)
        self.editor.status_message.connect(self.show_status)
        self.setCentralWidget(self.editor)

    def _dock(self, key: str, title: str, widget: QWidget, area: Qt.DockWidgetArea) -> QDockWidget:
        dock = QDockWidget(title, self)
        dock.setObjectName(f"{key}Dock")
        dock.setWidget(widget)
        dock.setFeatures(
            QDockWidget.DockWidgetFeature.DockWidgetClosable
            | QDockWidget.DockWidgetFeature.DockWidgetMovable
            | QDockWidget.DockWidgetFeature.DockWidgetFloatable
        )
        self.addDockWidget(area, dock)
        self.docks[key] = dock
        return dock

    def _build_docks(self) -> None:
        self.docks: dict[str, QDockWidget] = {}
        self.palette_widget = PaletteWidget(self.document)
        self.inspector = InspectorWidget(self.document)
        self.problems = ProblemsWidget(self.document)
        self.summary = SummaryWidget(self.document)
        self.code = CodeWidget(self.document)
        self.training = TrainingWidget(self.document)
        self._dock("palette", "Layers", self.palette_widget, Qt.DockWidgetArea.LeftDockWidgetArea)
        self._dock("inspector", "Inspector", self.inspector, Qt.DockWidgetArea.RightDockWidgetArea)
        self.lessons = LessonsPanel(self)
        # Hidden until Help > Course… (or View > Lessons) tabs it with the Inspector: a dock tabbed
        # and hidden before the window first shows leaves Qt's tab bar behind, drawn over the palette.
        self._dock("lessons", "Lessons", self.lessons, Qt.DockWidgetArea.RightDockWidgetArea).hide()
        bottom = Qt.DockWidgetArea.BottomDockWidgetArea
        training = self._dock("training", "Training", self.training, bottom)
        for key, title, widget in (
            ("problems", "Problems", self.problems),
            ("summary", "Summary", self.summary),
            ("code", "Code", self.code),
        ):
            self.tabifyDockWidget(training, self._dock(key, title, widget, bottom))
        # The bottom docks span the full width; the side docks stop above them.
        self.setCorner(Qt.Corner.BottomLeftCorner, bottom)
        self.setCorner(Qt.Corner.BottomRightCorner, bottom)
        training.raise_()
        self.editor.selection_changed.connect(self.inspector.set_selection)
        self.editor.attach_palette(self.palette_widget)
        self.problems.node_activated.connect(self.show_node)
        self.problems.counts_changed.connect(self._problem_counts)
        self.training.status_message.connect(self.show_status)
        self.training.preset_wanted.connect(self.new_from_preset)
        self.training.running_changed.connect(self._training_running)
        self.training.weights_available.connect(self._weights_available)
        self.checks = CheckRunner(self.document, self.training.controller, self.problems, self)
        self.checks.status_message.connect(self.show_status)
        self.summary.memory_notes.connect(self._memory_notes)
        self.lessons.status_message.connect(self.show_status)
        self.lessons.pictures_shown.connect(self.open_course)
        self.docks["lessons"].toggleViewAction().triggered.connect(lambda shown: shown and self.open_course())
        self.training.flow.node_states_changed.connect(self.editor.set_flow_states)
        self.training.flow.problems_changed.connect(self._flow_problems)
        self.lr_finder: LRFinderDialog | None = None
        self.compare_dialog: CompareDialog | None = None

    def _size_docks(self) -> None:
        """Side docks narrow, bottom docks a third of the window high: the canvas keeps most of it."""
        self.resizeDocks([self.docks["palette"], self.docks["inspector"]], [200, 270], Qt.Orientation.Horizontal)
        height = int(self.height() * BOTTOM_DOCK_SHARE)
        self.resizeDocks([self.docks["training"]], [height], Qt.Orientation.Vertical)

    def _build_status_bar(self) -> None:
        bar = self.statusBar()
        self.problems_label = QLabel()
        self.params_label = QLabel()
        self.training_label = QLabel()
        for label in (self.training_label, self.problems_label, self.params_label):
            bar.addPermanentWidget(label)
        self.actions_by_name["export_weights"].setEnabled(False)
        self._training_running(False)

    def _connect_document(self) -> None:
        document = self.document
        document.dirty_changed.connect(self.update_title)
        document.path_changed.connect(self.update_title)
        document.project_replaced.connect(self._refresh_all)
        document.current_network_changed.connect(self._network_changed)
        document.validated.connect(self._update_params)

    # -- refreshing -----------------------------------------------------------------------------
    def _refresh_all(self) -> None:
        self.update_title()
        self._update_params()
        # Let the canvas lay out its items before choosing what to show.
        QTimer.singleShot(0, self.editor.show_start)

    def _network_changed(self, _name: str) -> None:
        self._update_params()

    def update_title(self, *_args) -> None:
        path = self.document.path
        name = path.name if path else (self.document.project.name or "untitled")
        self.setWindowTitle(f"{name}[*] — NetCanvas")
        self.setWindowModified(self.document.dirty)

    def _update_params(self) -> None:
        document = self.document
        report = document.report
        if report is None or document.current_network not in document.project.networks:
            self.params_label.setText("")
            return
        text = f"{document.current_network}: {report.total_params:,} params"
        if len(document.project.networks) > 1:
            total = sum(report.total_params for report in document.reports.values())
            text += f" (project {total:,})"
        self.params_label.setText(text)

    def _problem_counts(self, errors: int, warnings: int) -> None:
        if not errors and not warnings:
            self.problems_label.setText("✓ No problems")
            return
        parts = []
        if errors:
            parts.append(f"{errors} error{'s' * (errors != 1)}")
        if warnings:
            parts.append(f"{warnings} warning{'s' * (warnings != 1)}")
        self.problems_label.setText("⚠ " + ", ".join(parts))

    def _training_running(self, running: bool) -> None:
        kind = self.training.controller.kind
        for key in ("train", "check", "lr_finder", "compare"):
            self.actions_by_name[key].setEnabled(not running)
        self.actions_by_name["pause"].setEnabled(running and kind == "training")
        self.actions_by_name["stop"].setEnabled(running)
        labels = {"training": "● Training", "checks": "● Checking", "comparison": "● Comparing", "lesson": "● Lesson"}
        self.training_label.setText(labels.get(kind, "● Finding a learning rate") if running else "")

    def _memory_notes(self, notes: list[Note]) -> None:
        self.problems.set_notes("memory", notes)

    def _flow_problems(self, warnings: list[FlowWarning]) -> None:
        """Gradients that vanished or exploded in this run, pinned to their nodes in the Problems dock."""
        notes = []
        for warning in warnings:
            network = self.document.project.networks.get(warning.network)
            node = network.node_by_name(warning.node) if network is not None else None
            rms = f", gradient RMS {warning.rms:.2g}" if warning.rms is not None else ""
            message = f"{warning.kind} gradients at step {warning.step}{rms}: {FLOW_ADVICE[warning.kind]}"
            notes.append(Note("warning", warning.network, node.id if node else "", warning.node, message, "training"))
        self.problems.set_notes("training", notes)

    def _weights_available(self, available: bool) -> None:
        self.actions_by_name["export_weights"].setEnabled(available)

    def show_status(self, message: str) -> None:
        self.statusBar().showMessage(message, STATUS_TIMEOUT_MS)

    # -- canvas -------------------------------------------------------------------------------
    def editor_actions(self) -> list:
        return self.editor.edit_actions()

    def fit_view(self) -> None:
        self.editor.fit_view()

    def show_node(self, network: str, node_id: str) -> None:
        """Switch to `network`, select the node and centre the view on it (Problems double-click)."""
        if network not in self.document.project.networks:
            return
        self.document.set_current_network(network)
        if node_id in self.document.network.nodes:
            self.editor.select_node(node_id)
            self.editor.center_on(node_id)

    # -- files --------------------------------------------------------------------------------
    def load_project(self, project: Project, path: Path | None = None) -> None:
        """Show `project` (no prompt: callers decide about unsaved changes)."""
        self.document.set_project(project, path)
        if path is not None:
            add_recent_file(path)

    def new_project(self) -> bool:
        return self.files.new_project()

    def new_from_preset(self, selected: str = "", data: dict | None = None) -> bool:
        """The preset gallery; the new project is fitted to `data` (dataset, target), by default the current data."""
        if not self.files.maybe_save():
            return False
        training = self.document.project.training
        gallery = PresetGallery(self, selected or self.document.project.preset or "lenet5", data or training)
        if gallery.exec() != QDialog.DialogCode.Accepted or gallery.project is None:
            return False
        self.document.set_project(gallery.project, None)
        self.show_status(f"New project from the {gallery.preset_name} preset. {gallery.note}".strip())
        return True

    def open_project(self, path: str | Path | None = None) -> bool:
        return self.files.open_project(path)

    def import_model(self) -> bool:
        """File > Import Model…: the imported model opens as a new project (after asking about unsaved changes)."""
        if not self.files.maybe_save():
            return False
        from app.import_dialog import ImportDialog  # torch, torch.fx and onnx load only when asked for

        folder = self.document.path.parent if self.document.path is not None else Path.home()
        dialog = ImportDialog(self, folder)
        if dialog.exec() != QDialog.DialogCode.Accepted or dialog.project is None:
            return False
        self.load_project(dialog.project, dialog.saved_path)
        QTimer.singleShot(0, self.fit_view)  # the whole imported model, after the usual opening view
        notes = "; ".join(dialog.notes)
        self.show_status(f"Imported {dialog.project.name}." + (f" Note: {notes}" if notes else ""))
        return True

    def save_project(self) -> bool:
        return self.files.save()

    def save_project_as(self) -> bool:
        return self.files.save_as()

    def fill_recent_menu(self) -> None:
        menu = self.recent_menu
        menu.clear()
        paths = recent_files()
        for path in paths:
            action = menu.addAction(path.name)
            action.setToolTip(str(path))
            action.setStatusTip(str(path))
            action.triggered.connect(lambda _checked=False, p=path: self.open_project(p))
        if not paths:
            menu.addAction("No recent projects").setEnabled(False)
            return
        menu.addSeparator()
        menu.addAction("Clear list", clear_recent_files)

    def offer_recovery(self) -> bool:
        """If an earlier session crashed with unsaved work, offer its autosave. True if recovered."""
        candidates = find_recoverable()
        if not candidates:
            return False
        latest = candidates[0]
        where = f"{latest.original.name}" if latest.original else f"the unsaved project '{latest.name}'"
        answer = QMessageBox.question(
            self,
            "Recover unsaved work",
            f"NetCanvas did not close properly last time. Recover the autosaved version of {where}?",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
            QMessageBox.StandardButton.Yes,
        )
        recovered = False
        if answer == QMessageBox.StandardButton.Yes:
            try:
                project = latest.load()
            except (OSError, ValueError) as error:
                QMessageBox.warning(self, "Cannot recover", f"The autosaved copy cannot be read: {error}")
            else:
                self.document.set_project(project, latest.original)
                # The recovered work is not on disk yet: keep the window marked unsaved.
                self.document.undo_stack.resetClean()
                self.show_status("Recovered the autosaved project. Save it to keep it.")
                recovered = True
        for candidate in candidates:
            candidate.discard()
        return recovered

    # -- exports ------------------------------------------------------------------------------
    def export(self, kind: str) -> bool:
        """Ask for a path and export; every failure is a message box, never an exception."""
        title, file_filter, suffix, default = EXPORT_FILTERS[kind]
        project = self.document.project
        # One network: its name (``resnet50``); several: the project's (``gan``).
        name = module_stem(next(iter(project.networks)) if len(project.networks) == 1 else project.name)
        folder = self.document.path.parent if self.document.path else Path.home()
        path, _ = QFileDialog.getSaveFileName(self, title, str(folder / default.format(name=name)), file_filter)
        if not path:
            return False
        if not Path(path).suffix:
            path += suffix
        return self.export_to(kind, path)

    def export_to(self, kind: str, path: str) -> bool:
        QGuiApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
        try:
            written = self._export(kind, path)
        except Exception as error:  # exporters raise ExportError, OSError or a torch error: all shown
            QGuiApplication.restoreOverrideCursor()
            message = str(error).strip() or type(error).__name__
            QMessageBox.warning(self, "Export failed", f"Could not export to {Path(path).name}: {message}")
            return False
        QGuiApplication.restoreOverrideCursor()
        self.show_status("Exported " + ", ".join(Path(p).name for p in written))
        return True

    def _export(self, kind: str, path: str) -> list[str]:
        project = self.document.project
        if kind in ("png", "svg"):
            self.editor.export_image(path)
            return [path]
        if kind == "weights":
            self.training.save_weights(path)
            return [path]
        if kind == "script":
            from backend.exporters.script_export import export_script

            result = export_script(project, path)  # plans the training, which validates the project once
        else:
            if kind == "python":
                from backend.exporters.python_code import export_python as exporter
            elif kind == "onnx":
                from backend.exporters.onnx_export import export_onnx as exporter
            else:
                from backend.exporters.torchscript_export import export_torchscript as exporter
            result = exporter(project, path, reports=self.document.fresh_reports())
        if isinstance(result, list) and result:
            return [str(getattr(item, "path", item)) for item in result]
        return [path]

    # -- training -----------------------------------------------------------------------------
    def start_training(self) -> None:
        self.docks["training"].show()
        self.docks["training"].raise_()
        self.training.start()

    def toggle_pause_training(self) -> None:
        self.training.toggle_pause()

    def stop_training(self) -> None:
        self.training.stop()

    def check_before_training(self) -> bool:
        """Run the sanity checks; findings fill the Problems dock as they come."""
        self.docks["problems"].show()
        self.docks["problems"].raise_()
        return self.checks.start()

    def find_learning_rate(self) -> bool:
        """Open the learning-rate finder and start its sweep."""
        if self.lr_finder is None:
            self.lr_finder = LRFinderDialog(self.document, self.training.controller, self)
            self.lr_finder.status_message.connect(self.show_status)
        self.lr_finder.show()
        self.lr_finder.raise_()
        return self.lr_finder.start()

    def compare_settings(self) -> None:
        """Ask which setting to vary and how; the comparison starts when the dialog is accepted."""
        self.compare_dialog = CompareDialog(self.document.project, self)
        self.compare_dialog.accepted.connect(self._start_comparison)
        self.compare_dialog.open()

    def _start_comparison(self) -> None:
        key, values, overrides = self.compare_dialog.choice()
        self.docks["training"].show()
        self.docks["training"].raise_()
        if not self.training.start_comparison(key, values, overrides):
            self.show_status("Wait for the running job to end (or stop it) before comparing.")

    # -- appearance and layout ---------------------------------------------------------------------
    def set_theme(self, name: str) -> None:
        apply_theme(QApplication.instance(), name)
        settings().setValue("theme", name)
        self.actions_by_name[f"theme_{name}"].setChecked(True)

    def toggle_minimap(self) -> None:
        """Show or hide the canvas's minimap as the View menu's check says; remembered."""
        shown = self.actions_by_name["minimap"].isChecked()
        self.editor.view.set_minimap_enabled(shown)
        settings().setValue("canvas/minimap", shown)

    def restore_layout(self) -> bool:
        """Put back the window and docks as the user left them; False if there was no such layout."""
        store = settings()
        geometry = store.value("window/geometry")
        state = store.value("window/state")
        if isinstance(geometry, QByteArray) and not geometry.isEmpty():
            self.restoreGeometry(geometry)
        if isinstance(state, QByteArray) and not state.isEmpty():
            return self.restoreState(state, LAYOUT_VERSION)
        return False

    def showEvent(self, event) -> None:
        super().showEvent(event)
        if not self._docks_sized:
            self._docks_sized = True
            self._size_docks()
            self._default_state = self.saveState(LAYOUT_VERSION)

    def save_layout(self) -> None:
        store = settings()
        store.setValue("window/geometry", self.saveGeometry())
        store.setValue("window/state", self.saveState(LAYOUT_VERSION))

    def reset_layout(self) -> None:
        self.restoreState(self._default_state, LAYOUT_VERSION)
        for key, dock in self.docks.items():
            dock.setVisible(key != "lessons")  # the course stays closed until asked for, as at the start
        self.docks["training"].raise_()

    def open_course(self) -> None:
        """Help > Course…: the Lessons dock, in front and wide enough for its pictures."""
        dock, inspector = self.docks["lessons"], self.docks["inspector"]
        if not dock.isFloating() and dock not in self.tabifiedDockWidgets(inspector) and inspector.isVisible():
            self.tabifyDockWidget(inspector, dock)
        dock.show()
        dock.raise_()
        if dock.width() < LESSONS_WIDTH and not dock.isFloating():
            self.resizeDocks([dock], [LESSONS_WIDTH], Qt.Orientation.Horizontal)

    def about(self) -> None:
        QMessageBox.about(
            self,
            "About NetCanvas",
            "<b>NetCanvas</b><p>Draw a neural network, see every tensor shape and parameter count, "
            "train it with live curves and export clean PyTorch code.</p>",
        )

    # -- closing ------------------------------------------------------------------------------
    def closeEvent(self, event: QCloseEvent) -> None:
        if not self.files.maybe_save():
            event.ignore()
            return
        if self.training.running:
            self.show_status("Stopping training…")
            self.training.shutdown()
        else:
            self.training.settings.data.reader.shutdown()  # a data set still being read: its thread ends first
        self.autosave.stop()
        self.save_layout()
        event.accept()
