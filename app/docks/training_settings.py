"""The training settings form: ``project.training`` as widgets, every edit undoable.

The form is generated from ``graph.training_config.TRAINING_PARAMS`` (names, kinds,
ranges, tooltips), with hand-made editors where a plain field would be awkward: the
data set (built-in names, "Choose file…", "Choose folder…"), the batch mode (batch /
stochastic / mini-batch with a size), augmentations (check boxes) and the device
(CUDA listed only when PyTorch sees a GPU). Only settings that matter for the current
choices are shown (Adam's betas only for Adam, the CSV target only for a CSV ...).

Every edit pushes one `app.commands.SetTrainingCommand` onto the document's undo
stack, which changes the setting through ``Project.set_training``; the form re-reads
the project on the `graph.events.TrainingChanged` that follows, so undo and redo
update it too.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFileDialog,
    QFormLayout,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QScrollArea,
    QSpinBox,
    QStackedWidget,
    QWidget,
)

from app.commands import SetTrainingCommand
from app.csv_picker import CsvPicker
from app.docks.data_panel import DataPanel
from app.document import Document
from app.wheel_guard import guard_wheel
from backend.plan.table_files import is_table_path
from graph.events import ProjectEvent, TrainingChanged
from graph.params import Param, ParamError
from graph.training_config import (
    AUGMENTATIONS,
    BUILTIN_DATASETS,
    OPTIMIZER_SETTINGS,
    TRAINING_PARAM_BY_NAME,
    coerce_training_value,
)

CHOOSE_FILE = "Choose file…"
CHOOSE_FOLDER = "Choose folder…"
DATA_FILTER = "Data files (*.csv *.tsv *.npz *.idx *-ubyte *.gz);;All files (*)"

# Settings only some optimizers read: shown for those (hidden, not reset, for the others).
OPTIMIZER_DEPENDENT = {name for names in OPTIMIZER_SETTINGS.values() for name in names}

GROUPS = (
    ("Data", ("dataset", "target", "task", "val_split")),
    ("Optimization", ("loss", "optimizer", "lr", "momentum", "beta1", "beta2", "eps", "weight_decay")),
    ("Batches and epochs", ("batch_size", "epochs", "seed")),
    ("Schedule and early stopping", ("schedule", "step_size", "gamma", "early_stopping", "min_delta", "restore_best")),
    ("Augmentation", ("augment",)),
    ("Generative models", ("latent_dim", "label_smoothing", "kl_weight")),
    ("Device", ("device", "amp", "channels_last", "compile")),
)


class _CudaProbe(QObject):
    """Finds out once whether PyTorch sees a CUDA GPU.

    Importing torch takes a second or two, so the probe runs from the event loop
    after the window is up rather than while it is being built. It runs on the GUI
    thread on purpose: importing torch on a second thread while the GUI thread
    imports backend modules can deadlock on the import locks. One probe serves the
    whole process and outlives every window.
    """

    found = Signal(bool)

    def __init__(self):
        super().__init__()
        self.result: bool | None = None
        self._started = False

    def start(self) -> None:
        if self._started:
            return
        self._started = True
        torch = sys.modules.get("torch")
        if torch is not None:
            self._report(bool(torch.cuda.is_available()))
            return
        QTimer.singleShot(0, self._probe)

    def _probe(self) -> None:
        try:
            import torch
        except ImportError:
            self._report(False)
            return
        self._report(bool(torch.cuda.is_available()))

    def _report(self, available: bool) -> None:
        self.result = available
        self.found.emit(available)


cuda_probe = _CudaProbe()


class _BatchEditor(QWidget):
    """Batch mode (mini-batch / batch / stochastic) and the mini-batch size."""

    def __init__(self):
        super().__init__()
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        self.mode = QComboBox()
        self.mode.addItems(["mini-batch", "batch (all samples)", "stochastic (1 sample)"])
        self.size = QSpinBox()
        self.size.setRange(2, 1_000_000)
        self.size.setKeyboardTracking(False)
        self.size.setToolTip("Samples per mini-batch.")
        row.addWidget(self.mode, 1)
        row.addWidget(self.size)


class _AugmentEditor(QWidget):
    """One check box per augmentation."""

    def __init__(self):
        super().__init__()
        grid = QGridLayout(self)
        grid.setContentsMargins(0, 0, 0, 0)
        self.checks = {name: QCheckBox(name) for name in AUGMENTATIONS}
        for index, check in enumerate(self.checks.values()):
            grid.addWidget(check, index // 3, index % 3)


def _is_csv(dataset: str) -> bool:
    return is_table_path(dataset)


class TrainingSettingsWidget(QWidget):
    """The form; `message` carries a one-line complaint about a value that was refused."""

    message = Signal(str)

    def __init__(self, document: Document, parent: QWidget | None = None):
        super().__init__(parent)
        self.document = document
        self.editors: dict[str, QWidget] = {}
        self.rows: dict[str, tuple[QFormLayout, QWidget]] = {}
        self._csv_columns: dict[str, tuple[str, ...]] = {}  # a CSV data set's columns, once read
        self._syncing = False
        self._picking = False  # a file dialog is open: the combo's other signals must not open another
        self.data = DataPanel(document)
        self.data.message.connect(self.message)
        self.data.settled.connect(self.sync_from_project)
        self.data.columns_found.connect(self._columns_found)
        # One page per group, picked in the list beside it: the form never scrolls far.
        self.page_list = QListWidget()
        self.page_list.setObjectName("settingsPages")
        self.pages = QStackedWidget()
        for title, names in GROUPS:
            page = QWidget()
            form = QFormLayout(page)
            form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
            form.setLabelAlignment(Qt.AlignmentFlag.AlignRight)
            form.setContentsMargins(6, 2, 6, 2)
            heading = QLabel(f"<b>{title}</b>")
            form.addRow(heading)
            for name in names:
                param = TRAINING_PARAM_BY_NAME[name]
                editor = self._make_editor(param)
                editor.setToolTip(param.doc)
                self.editors[name] = editor
                form.addRow(param.title, editor)
                form.labelForField(editor).setToolTip(param.doc)
                self.rows[name] = (form, editor)
                if name == "dataset":
                    form.addRow(self.data)
            scroll = QScrollArea()
            scroll.setWidget(page)
            scroll.setWidgetResizable(True)
            scroll.setFrameShape(QScrollArea.Shape.NoFrame)
            scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
            self.pages.addWidget(scroll)
            self.page_list.addItem(title)
        self.page_list.currentRowChanged.connect(self.pages.setCurrentIndex)
        self.page_list.setCurrentRow(0)
        self.page_list.setFixedWidth(self.page_list.sizeHintForColumn(0) + 12)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        layout.addWidget(self.page_list)
        layout.addWidget(self.pages, 1)
        guard_wheel(self)  # scrolling the form never changes a setting under the pointer
        self.cuda_available = False
        cuda_probe.found.connect(self._cuda_found)
        cuda_probe.start()
        document.project_changed.connect(self._on_project_changed)
        document.project_replaced.connect(self.sync_from_project)
        if cuda_probe.result is not None:
            self._cuda_found(cuda_probe.result)
        self.sync_from_project()

    # -- building -----------------------------------------------------------------------------
    def _make_editor(self, param: Param) -> QWidget:
        name = param.name
        if name == "dataset":
            return self._dataset_editor()
        if name == "target":
            return self._target_editor()
        if name == "batch_size":
            return self._batch_editor()
        if name == "augment":
            return self._augment_editor()
        if name == "device":
            combo = QComboBox()
            combo.addItems(["auto", "cpu"])
            combo.activated.connect(lambda _i: self.commit("device", combo.currentText()))
            return combo
        if param.kind == "choice":
            combo = QComboBox()
            combo.addItems([str(c) for c in param.choices])
            combo.activated.connect(lambda _i, n=name, c=combo: self.commit(n, c.currentText()))
            return combo
        if param.kind == "bool":
            box = QCheckBox()
            box.toggled.connect(lambda checked, n=name: self.commit(n, checked))
            return box
        if param.kind == "int":
            spin = QSpinBox()
            spin.setRange(int(param.minimum or 0), int(min(param.maximum or 2**31 - 1, 2**31 - 1)))
            spin.setKeyboardTracking(False)  # one command per finished edit, not per digit
            spin.valueChanged.connect(lambda value, n=name: self.commit(n, value))
            return spin
        line = QLineEdit()
        line.editingFinished.connect(lambda n=name, e=line: self.commit(n, e.text()))
        return line

    def _dataset_editor(self) -> QComboBox:
        combo = QComboBox()
        combo.setEditable(True)
        combo.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        combo.addItems(BUILTIN_DATASETS)
        combo.insertSeparator(combo.count())
        combo.addItems([CHOOSE_FILE, CHOOSE_FOLDER])
        combo.setToolTip(TRAINING_PARAM_BY_NAME["dataset"].doc)
        combo.activated.connect(lambda _i: self._dataset_picked(combo.currentText()))
        combo.lineEdit().editingFinished.connect(lambda: self._dataset_picked(combo.currentText()))
        return combo

    def _dataset_picked(self, text: str) -> None:
        """A data set was picked or typed: read it, then set it with the network fitted to it (one undo step)."""
        if self._syncing or self._picking:
            return
        text = text.strip()
        if text in (CHOOSE_FILE, CHOOSE_FOLDER):
            self._picking = True
            self.sync_from_project()  # the combo shows the current data set while the dialog is open
            try:
                if text == CHOOSE_FILE:
                    text, _ = QFileDialog.getOpenFileName(self, "Choose a data file", "", DATA_FILTER)
                else:
                    text = QFileDialog.getExistingDirectory(self, "Choose a folder of class sub-folders")
            finally:
                self._picking = False
        current = self.document.project.training.get("dataset", "")
        if not text or (text == current and not _is_csv(text)):
            self.sync_from_project()  # cancelled, or nothing new: show the current data set again
            return
        if not Path(text).expanduser().exists() and text not in BUILTIN_DATASETS:
            self.commit("dataset", text)  # not here (yet): kept as typed, nothing to fit to
            return
        if _is_csv(text):
            self._pick_csv_target(text)
        else:
            self.data.choose(text)

    def _pick_csv_target(self, path: str) -> None:
        """The column picker for a CSV file; OK reads the file for that target and fits the network."""
        config = self.document.project.training
        picker = CsvPicker(path, config.get("target", "") if config.get("dataset") == path else "", self)
        picker.accepted.connect(lambda: self.data.choose(path, picker.target))
        picker.rejected.connect(self.sync_from_project)
        picker.finished.connect(picker.deleteLater)
        picker.open()

    def _target_editor(self) -> QComboBox:
        combo = QComboBox()
        combo.activated.connect(lambda _i: self._target_picked(combo.currentText()))
        return combo

    def _target_picked(self, column: str) -> None:
        """Another column to predict: the classes (and so the network's output) change with it."""
        config = self.document.project.training
        if self._syncing or column == config.get("target"):
            return
        self.data.choose(config.get("dataset", ""), column)

    def _columns_found(self, dataset: str, columns: tuple[str, ...]) -> None:
        self._csv_columns[dataset] = tuple(columns)
        self.sync_from_project()

    def _batch_editor(self) -> QWidget:
        editor = _BatchEditor()

        def changed(*_args) -> None:
            index = editor.mode.currentIndex()
            editor.size.setVisible(index == 0)
            self.commit("batch_size", (str(editor.size.value()), "full", "1")[index])

        editor.mode.activated.connect(changed)
        editor.size.valueChanged.connect(changed)
        return editor

    def _augment_editor(self) -> QWidget:
        editor = _AugmentEditor()
        for check in editor.checks.values():
            check.toggled.connect(lambda _checked: self._augment_changed())
        return editor

    def _augment_changed(self) -> None:
        checks = self.editors["augment"].checks
        self.commit("augment", ",".join(name for name in AUGMENTATIONS if checks[name].isChecked()))

    def _cuda_found(self, available: bool) -> None:
        self.cuda_available = available
        combo = self.editors["device"]
        if available and combo.findText("cuda") < 0:
            combo.addItem("cuda")
        self.sync_from_project()

    # -- model <-> widgets -----------------------------------------------------------------------
    def commit(self, name: str, value: Any) -> bool:
        """Check `value` and push it as an undoable change; False (and a message) if refused."""
        if self._syncing:
            return False
        try:
            value = coerce_training_value(name, value)
        except ParamError as error:
            self.message.emit(str(error))
            self.sync_from_project()
            return False
        if self.document.project.training.get(name) == value:
            return True
        self.document.undo_stack.push(SetTrainingCommand(self.document, name, value))
        return True

    def _on_project_changed(self, event: ProjectEvent) -> None:
        if isinstance(event, TrainingChanged):
            self.sync_from_project()

    def sync_from_project(self) -> None:
        """Show the project's values (after undo/redo, open, or a refused edit)."""
        self._syncing = True
        try:
            config = self.document.project.training
            for name, editor in self.editors.items():
                self._show_value(name, editor, config.get(name, TRAINING_PARAM_BY_NAME[name].default))
        finally:
            self._syncing = False
        self.update_visibility()

    def _show_value(self, name: str, editor: QWidget, value: Any) -> None:
        if name == "dataset":
            editor.setEditText(str(value))
        elif name == "target":
            dataset = self.document.project.training.get("dataset", "")
            columns = self._csv_columns.get(dataset) or ((str(value),) if value else ())
            if _is_csv(dataset) and dataset not in self._csv_columns and not self.data.reader.busy:
                self._csv_columns[dataset] = ()  # read once: its columns arrive with `columns_found`
                self.data.look_up(dataset, str(value))
            editor.clear()
            editor.addItems(list(columns))
            editor.setCurrentText(str(value))
        elif name == "batch_size":
            text = str(value)
            index = 1 if text == "full" else 2 if text == "1" else 0
            editor.mode.setCurrentIndex(index)
            if index == 0:
                editor.size.setValue(int(text))
            editor.size.setVisible(index == 0)
        elif name == "augment":
            chosen = set(str(value).split(","))
            for key, check in editor.checks.items():
                check.setChecked(key in chosen)
        elif isinstance(editor, QComboBox):
            if editor.findText(str(value)) < 0:
                editor.addItem(str(value))  # e.g. a file saved on a GPU machine: show it, do not change it
            editor.setCurrentText(str(value))
        elif isinstance(editor, QCheckBox):
            editor.setChecked(bool(value))
        elif isinstance(editor, QSpinBox):
            editor.setValue(int(value))
        elif isinstance(editor, QLineEdit):
            editor.setText(f"{value:g}" if isinstance(value, float) else str(value))
            editor.setCursorPosition(0)

    def update_visibility(self) -> None:
        """Show only the settings the current choices use."""
        config = self.document.project.training
        networks = set(self.document.project.networks)
        task = config.get("task", "auto")
        is_gan = task == "gan" or {"generator", "discriminator"} <= networks
        is_vae = task == "vae" or {"encoder", "decoder"} <= networks
        used = set(OPTIMIZER_SETTINGS.get(config.get("optimizer"), ()))
        schedule = config.get("schedule", "none")
        early = int(config.get("early_stopping", 0) or 0) > 0
        on_cuda_possible = self.cuda_available or config.get("device") == "cuda"
        visible = {
            "target": _is_csv(config.get("dataset", "")),
            "step_size": schedule == "step",
            "gamma": schedule in ("step", "plateau"),
            "min_delta": early,
            "restore_best": early,
            "latent_dim": is_gan,
            "label_smoothing": is_gan,
            "kl_weight": is_vae,
            "amp": on_cuda_possible,
            "channels_last": on_cuda_possible,
        }
        for name in OPTIMIZER_DEPENDENT:
            visible[name] = name in used
        for name, (form, editor) in self.rows.items():
            form.setRowVisible(editor, visible.get(name, True))
        generative = [title for title, _names in GROUPS].index("Generative models")
        self.page_list.item(generative).setHidden(not (is_gan or is_vae))
        if self.page_list.item(self.page_list.currentRow()).isHidden():
            self.page_list.setCurrentRow(0)
