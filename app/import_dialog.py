"""File > Import Model…: a PyTorch class (or a function that builds one) or an ONNX file becomes a new project.

The dialog lists the ``nn.Module`` classes of a ``.py`` file, and its functions that
build one (``ResNet18()``), by reading its syntax tree, so the list shows before any of
its code runs; it takes the shape of one input
sample and offers to keep the model's weights. It says plainly that importing Python
code runs that code. Import runs `backend.importers.import_model`; with weights kept,
the project is saved at once to the chosen file with ``<name>.weights.pt`` beside it,
so training starts from them. A failure is a message box and the dialog stays open:
the caller's project is never touched.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from backend.importers import ImportResult, ModelImportError, import_model, parse_input_shapes
from backend.importers.module_loading import describe, importable_models, let_interrupts_through
from backend.importers.weights import WeightsError, check_weights, save_weights, weights_path_for
from graph.project import Project
from graph.project_io import save_project

MODEL_FILTER = "Models (*.py *.onnx);;PyTorch code (*.py);;ONNX files (*.onnx)"
PROJECT_FILTER = "NetCanvas projects (*.json)"
RUNS_CODE = (
    "Importing Python code runs it, as any Python import does: import only code you trust. "
    "NetCanvas builds the model with no arguments and runs it once on random inputs to see its shapes. "
    "ONNX files are only read."
)


def _row(*widgets: QWidget) -> QWidget:
    holder = QWidget()
    row = QHBoxLayout(holder)
    row.setContentsMargins(0, 0, 0, 0)
    for index, widget in enumerate(widgets):
        row.addWidget(widget, 1 if index == 0 else 0)
    return holder


class ImportDialog(QDialog):
    """Choose a model file (and the class or function that builds the model) and import it.

    When accepted, `project` and `saved_path` hold the result.
    """

    def __init__(self, parent: QWidget | None = None, folder: str | Path = ""):
        super().__init__(parent)
        self.setWindowTitle("Import Model")
        self.folder = str(folder)
        self.project: Project | None = None
        self.saved_path: Path | None = None
        self.notes: list[str] = []

        self.path_edit = QLineEdit()
        self.path_edit.setPlaceholderText("model.py or model.onnx")
        self.path_edit.textChanged.connect(self._file_changed)
        self.browse_button = QPushButton("Browse…")
        self.browse_button.clicked.connect(self._browse)
        self.class_list = QListWidget()
        self.class_list.setMinimumHeight(110)
        self.class_list.currentItemChanged.connect(lambda *_: self._suggest_save_path())
        self.class_hint = QLabel("Choose a file to see the models it holds.")
        self.class_hint.setWordWrap(True)
        self.shape_edit = QLineEdit()
        self.shape_edit.setPlaceholderText("e.g. 3,32,32 (empty: guessed from the first layer)")
        self.weights_check = QCheckBox("Keep the model's weights (training starts from them)")
        self.weights_check.toggled.connect(self._weights_toggled)
        self.save_edit = QLineEdit()
        self.save_edit.setPlaceholderText("where the project and its weights are saved")
        self.save_browse = QPushButton("Browse…")
        self.save_browse.clicked.connect(self._browse_save)
        self.note = QLabel(RUNS_CODE)
        self.note.setWordWrap(True)
        self.note.setObjectName("importWarning")
        self.note.setStyleSheet("QLabel#importWarning { border: 1px solid #d97706; border-radius: 4px; padding: 6px; }")
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.import_button = self.buttons.addButton("Import", QDialogButtonBox.ButtonRole.AcceptRole)
        self.import_button.setDefault(True)
        self.buttons.accepted.connect(self._import)
        self.buttons.rejected.connect(self.reject)

        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        form.addRow("Model file:", _row(self.path_edit, self.browse_button))
        form.addRow("Model:", self.class_list)
        form.addRow("", self.class_hint)
        form.addRow("Input shape:", self.shape_edit)
        form.addRow("Weights:", self.weights_check)
        form.addRow("Save project as:", _row(self.save_edit, self.save_browse))
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.note)
        layout.addWidget(self.buttons)
        self._weights_toggled(False)
        self.resize(560, 460)

    # -- the fields ----------------------------------------------------------------------------------
    def _browse(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Import model", self.folder, MODEL_FILTER)
        if path:
            self.path_edit.setText(path)

    def _browse_save(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, "Save imported project as", self.save_edit.text(), PROJECT_FILTER)
        if path:
            self.save_edit.setText(path if Path(path).suffix else path + ".json")

    def _file_changed(self, text: str) -> None:
        self.class_list.clear()
        path = Path(text.strip())
        python = path.suffix.lower() == ".py"
        self.class_list.setEnabled(python)
        self.shape_edit.setEnabled(python or not path.suffix)
        if path.suffix.lower() == ".onnx":
            self.class_hint.setText("An ONNX file holds one model and its input shapes; nothing in it is run.")
        elif python and path.is_file():
            self._list_classes(path)
        else:
            self.class_hint.setText("Choose a .py or .onnx file to see what it holds.")
        self._suggest_save_path()

    def _list_classes(self, path: Path) -> None:
        try:
            found = importable_models(path)
        except ValueError as error:
            self.class_hint.setText(str(error))
            return
        classes: list[QListWidgetItem] = []
        functions: list[QListWidgetItem] = []
        for model in found:
            text = f"{model.name}()  builds {model.builds}" if model.is_function else model.name
            item = QListWidgetItem(f"{text}  (needs {', '.join(model.required)})" if model.required else text)
            item.setData(Qt.ItemDataRole.UserRole, model.name)
            if model.required:  # built with no arguments: such a class or function cannot be imported
                item.setFlags(item.flags() & ~Qt.ItemFlag.ItemIsEnabled & ~Qt.ItemFlag.ItemIsSelectable)
                item.setToolTip("NetCanvas builds the model with no arguments: give these defaults in the code")
            else:
                (functions if model.is_function else classes).append(item)
            self.class_list.addItem(item)
        # The model class usually comes last, after its building blocks; else the first function that builds one.
        chosen = classes[-1] if classes else functions[0] if functions else None
        if chosen is not None:
            self.class_list.setCurrentItem(chosen)
        class_count = sum(not m.is_function for m in found)
        function_count = len(found) - class_count
        parts = [f"{class_count} nn.Module class{'es' if class_count != 1 else ''}"] if class_count else []
        parts += [f"{function_count} function{'s' if function_count != 1 else ''} that build one"] * bool(
            function_count
        )
        self.class_hint.setText(
            f"{' and '.join(parts)} found by reading the file (nothing run yet)."
            if found
            else "No nn.Module class in this file, nor a function that builds one."
        )

    def _weights_toggled(self, on: bool) -> None:
        self.save_edit.setEnabled(on)
        self.save_browse.setEnabled(on)
        self._suggest_save_path()

    def _suggest_save_path(self) -> None:
        if not self.weights_check.isChecked() or self.save_edit.isModified():
            return
        path = Path(self.path_edit.text().strip())
        if not path.name:
            return
        name = self.selected_class() or path.stem
        self.save_edit.setText(str(path.with_name(f"{name}.json")))

    def selected_class(self) -> str:
        item = self.class_list.currentItem()
        return item.data(Qt.ItemDataRole.UserRole) if item is not None else ""

    def source(self) -> str:
        """What `import_model` is given: ``path:Class`` for Python code, the path for ONNX."""
        path = self.path_edit.text().strip()
        if path.lower().endswith(".py"):
            return f"{path}:{self.selected_class()}"
        return path

    # -- importing -------------------------------------------------------------------------------------
    def _refuse(self, message: str) -> None:
        QMessageBox.warning(self, "Cannot import model", message)

    def _import(self) -> None:
        path = self.path_edit.text().strip()
        if not path.lower().endswith((".py", ".onnx")):
            self._refuse("Choose a PyTorch file (.py) or an ONNX file (.onnx).")
            return
        if path.lower().endswith(".py") and not self.selected_class():
            self._refuse("Choose the model to import: a class or function that needs no arguments.")
            return
        try:
            shape_text = self.shape_edit.text().strip() if self.shape_edit.isEnabled() else ""
            shapes = parse_input_shapes(shape_text) if shape_text else None
        except ValueError as error:
            self._refuse(str(error).replace("--input-shape", "The input shape"))
            return
        keep = self.weights_check.isChecked()
        target = Path(self.save_edit.text().strip()) if keep else None
        if keep and not self.save_edit.text().strip():
            self._refuse("Choose where to save the project: its weights are written beside it.")
            return
        QGuiApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
        try:
            result = self._run(shapes, target)
        finally:
            QGuiApplication.restoreOverrideCursor()
        if isinstance(result, str):
            self._refuse(result)
            return
        self.project, self.saved_path, self.notes = result.project, target, result.notes
        self.accept()

    def _run(self, shapes: list[tuple[int, ...]] | None, target: Path | None) -> ImportResult | str:
        """The import (and, with weights, the project and weights saved); a message when it fails."""
        try:
            result = import_model(self.source(), shapes, target is not None)
            if target is not None:
                check_weights(result.project, result.weights)
                result.project.training["weights"] = str(weights_path_for(target).resolve())
                save_project(result.project, target)
                save_weights(result.weights, weights_path_for(target))
        except (ModelImportError, WeightsError, ValueError) as error:
            return str(error)
        except OSError as error:
            return f"{error.filename or target} could not be written: {error.strerror or error}."
        except BaseException as error:  # importing runs the user's code, which may raise anything
            let_interrupts_through(error)
            return f"{self.source()} cannot be imported ({describe(error)})."
        return result
