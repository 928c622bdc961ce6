"""Training > Compare…: pick one training setting and several values to train the network with.

The dialog offers every training setting (optimizer, learning rate and batch mode
first). A setting with a fixed set of values (the optimizer: sgd, momentum,
momentum_ema, adagrad, rmsprop, adam, adamw; the loss; yes/no settings) is ticked
value by value; the batch mode is full batch, one sample or mini-batches of k;
anything else is typed as a comma-separated list (the learning rate starts from a
tenth, one and ten times the current one). Each value is checked with
``graph.training_config.coerce_training_value`` before the dialog closes; a bad one
is named under the fields. The runs may be shortened (epochs, batches per epoch)
so a comparison stays quick. `choice()` gives (setting, values, overrides) for
``TrainingWidget.start_comparison``.
"""

from __future__ import annotations

from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QSpinBox,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from graph.params import ParamError
from graph.project import Project
from graph.training_config import TRAINING_PARAM_BY_NAME, TRAINING_PARAMS, coerce_training_value

FIRST = ("optimizer", "lr", "batch_size")
DEFAULT_TICKED = {"optimizer": ("sgd", "momentum", "adam")}
MAX_EPOCHS = 5  # a comparison trains once per value: shorter than one run by default


class _Ticks(QWidget):
    """One check box per value (two columns)."""

    def __init__(self, values: list[tuple[str, str]], ticked: set[str]):
        super().__init__()
        grid = QGridLayout(self)
        grid.setContentsMargins(0, 0, 0, 0)
        self.boxes: dict[str, QCheckBox] = {}
        for index, (value, label) in enumerate(values):
            box = QCheckBox(label)
            box.setChecked(value in ticked)
            grid.addWidget(box, index // 2, index % 2)
            self.boxes[value] = box

    def values(self) -> list[str]:
        return [value for value, box in self.boxes.items() if box.isChecked()]


class _BatchModes(QWidget):
    """Full batch, one sample, mini-batches of k."""

    def __init__(self, current: str):
        super().__init__()
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        self.full = QCheckBox("full batch")
        self.one = QCheckBox("one sample")
        self.mini = QCheckBox("mini-batches of")
        self.size = QSpinBox()
        self.size.setRange(2, 1_000_000)
        self.size.setValue(int(current) if current.isdigit() and int(current) > 1 else 32)
        for box in (self.full, self.one, self.mini):
            box.setChecked(True)
        for widget in (self.full, self.one, self.mini, self.size):
            row.addWidget(widget)
        row.addStretch(1)

    def values(self) -> list[str]:
        picked = [("full", self.full), ("1", self.one), (str(self.size.value()), self.mini)]
        return [value for value, box in picked if box.isChecked()]


class _Typed(QLineEdit):
    def values(self) -> list[str]:
        return [part.strip() for part in self.text().split(",") if part.strip()]


class CompareDialog(QDialog):
    def __init__(self, project: Project, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle("Compare training settings")
        self.project = project
        config = project.training
        self.setting = QComboBox()
        self.setting.setObjectName("compareSetting")
        names = list(FIRST) + [p.name for p in TRAINING_PARAMS if p.name not in FIRST]
        for name in names:
            param = TRAINING_PARAM_BY_NAME[name]
            self.setting.addItem(f"{param.label or name} ({name})" if param.label else name, name)
        self.editors = QStackedWidget()
        self.value_editors: dict[str, QWidget] = {}
        for name in names:
            editor = self._editor(name, config)
            self.value_editors[name] = editor
            self.editors.addWidget(editor)
        self.setting.currentIndexChanged.connect(self.editors.setCurrentIndex)
        self.epochs = QSpinBox()
        self.epochs.setRange(1, 100_000)
        self.epochs.setValue(min(int(config.get("epochs", MAX_EPOCHS)), MAX_EPOCHS))
        self.max_batches = QSpinBox()
        self.max_batches.setRange(0, 10**9)
        self.max_batches.setSpecialValueText("all")
        self.max_batches.setValue(int(config.get("max_batches", 0)))
        self.error = QLabel()
        self.error.setObjectName("compareError")
        self.error.setWordWrap(True)
        self.error.setStyleSheet("color: #d93025")
        form = QFormLayout()
        form.addRow("Vary", self.setting)
        form.addRow("Values", self.editors)
        form.addRow("Epochs per run", self.epochs)
        form.addRow("Batches per epoch", self.max_batches)
        note = QLabel(
            "Each value trains the network once, from the same initial weights and with the same batch order, "
            "one run after another; the curves overlay in the Runs tab."
        )
        note.setWordWrap(True)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Compare")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        self.buttons = buttons
        layout = QVBoxLayout(self)
        layout.addWidget(note)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(buttons)
        self.resize(560, 300)

    def _editor(self, name: str, config: dict) -> QWidget:
        param = TRAINING_PARAM_BY_NAME[name]
        current = config.get(name, param.default)
        if name == "batch_size":
            return _BatchModes(str(current))
        if param.kind == "choice":
            ticked = set(DEFAULT_TICKED.get(name, (str(current),)))
            return _Ticks([(choice, choice) for choice in param.choices], ticked)
        if param.kind == "bool":
            return _Ticks([("true", "yes"), ("false", "no")], {"true", "false"})
        editor = _Typed()
        if name == "lr":
            lr = float(current)
            editor.setText(f"{lr / 10:g}, {lr:g}, {lr * 10:g}")
        else:
            editor.setPlaceholderText(f"values separated by commas, e.g. {current}, …")
        return editor

    def key(self) -> str:
        return self.setting.currentData()

    def values(self) -> list[str]:
        return self.value_editors[self.key()].values()

    def choice(self) -> tuple[str, list[str], dict]:
        """(setting, values as text, overrides every run shares)."""
        return self.key(), self.values(), {"epochs": self.epochs.value(), "max_batches": self.max_batches.value()}

    def accept(self) -> None:
        key, values = self.key(), self.values()
        if len(values) < 2:
            self.error.setText(f"Pick at least two values of {key} to compare.")
            return
        for value in values:
            try:
                coerce_training_value(key, value)
            except ParamError as error:
                self.error.setText(str(error))
                return
        if len(set(values)) < len(values):
            self.error.setText("Each value once, please: two runs of the same value give the same curve.")
            return
        super().accept()
