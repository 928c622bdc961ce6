"""Editors for one typed parameter each, used by the inspector's generated form.

`make_field(param)` picks the widget for the parameter's kind: a spin box for
``int``, a float spin box that shows ``1e-05`` as people write it for ``float``,
a check box for ``bool``, a combo box for ``choice`` and a line edit for tuples,
shapes and text. Parameters with ``auto`` get an "auto" check box beside the editor.

A field reports what the user entered through `edited` (raw: the inspector coerces
it with `Param.coerce`, so one place decides what is valid) and shows values with
`set_value` without emitting anything.
"""

from __future__ import annotations

import math
from typing import Any

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QValidator
from PySide6.QtWidgets import (
    QAbstractSpinBox,
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QHBoxLayout,
    QLineEdit,
    QSpinBox,
    QWidget,
)

from app.wheel_guard import guard_wheel
from graph.params import Param, format_value

INT_LIMIT = 2**31 - 1


class FloatSpinBox(QDoubleSpinBox):
    """A double spin box that shows and accepts ``0.001`` or ``1e-05`` (not ``0.00``)."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setDecimals(12)
        self.setStepType(QAbstractSpinBox.StepType.AdaptiveDecimalStepType)

    def textFromValue(self, value: float) -> str:
        return f"{value:g}"

    def valueFromText(self, text: str) -> float:
        try:
            return float(text)
        except ValueError:
            return self.value()

    def validate(self, text: str, pos: int):
        try:
            number = float(text)
        except ValueError:
            return QValidator.State.Intermediate, text, pos
        if math.isfinite(number) and self.minimum() <= number <= self.maximum():
            return QValidator.State.Acceptable, text, pos
        return QValidator.State.Intermediate, text, pos


class ParamField(QObject):
    """One parameter's editor row: `widget` goes into the form.

    Signals:
        edited(object): the user entered a value (raw; None means "auto").
    """

    edited = Signal(object)

    def __init__(self, param: Param, parent: QWidget | None = None):
        super().__init__(parent)
        self.param = param
        self.widget = QWidget(parent)
        layout = QHBoxLayout(self.widget)
        layout.setContentsMargins(0, 0, 0, 0)
        self.editor = self._make_editor()
        self.editor.setToolTip(param.doc)
        guard_wheel(self.editor)  # scrolling the inspector never changes a parameter
        layout.addWidget(self.editor, 1)
        self.auto: QCheckBox | None = None
        if param.auto:
            self.auto = QCheckBox("auto", self.widget)
            self.auto.setToolTip("Infer this value from the incoming shape")
            self.auto.toggled.connect(self._on_auto)
            layout.addWidget(self.auto)
        self.value: Any = None
        self.guess: Any = None  # what "auto" currently means, offered when auto is switched off

    def _make_editor(self) -> QWidget:
        param = self.param
        if param.kind == "int":
            box = QSpinBox()
            low = -INT_LIMIT if param.minimum is None else max(int(param.minimum), -INT_LIMIT)
            high = INT_LIMIT if param.maximum is None else min(int(param.maximum), INT_LIMIT)
            box.setRange(low, high)
            box.setKeyboardTracking(False)  # one edit (and one undo step) per Enter or arrow click
            box.setAccelerated(True)
            box.valueChanged.connect(lambda value: self.edited.emit(value))
            return box
        if param.kind == "float":
            box = FloatSpinBox()
            box.setRange(
                -1e12 if param.minimum is None else param.minimum, 1e12 if param.maximum is None else param.maximum
            )
            box.setKeyboardTracking(False)
            box.valueChanged.connect(lambda value: self.edited.emit(value))
            return box
        if param.kind == "bool":
            box = QCheckBox()
            box.toggled.connect(lambda checked: self.edited.emit(checked))
            return box
        if param.kind == "choice":
            box = QComboBox()
            for choice in param.choices:
                box.addItem(str(choice), choice)
            box.activated.connect(lambda index: self.edited.emit(box.itemData(index)))
            return box
        edit = QLineEdit()
        hints = {"shape": "e.g. 1x32x32", "ints": "e.g. 3 or 3x3", "padding": "e.g. 1, 1x2, same or valid"}
        edit.setPlaceholderText(hints.get(param.kind, ""))
        edit.editingFinished.connect(self._on_text)
        return edit

    def _on_text(self) -> None:
        text = self.editor.text()
        if text != self._display(self.value):
            self.edited.emit(text)

    def _on_auto(self, checked: bool) -> None:
        self.editor.setEnabled(not checked)
        if checked:
            self.edited.emit(None)
        else:
            self.edited.emit(self.guess if self.guess is not None else self._widget_value())

    def _widget_value(self) -> Any:
        editor = self.editor
        if isinstance(editor, (QSpinBox, QDoubleSpinBox)):
            return editor.value()
        if isinstance(editor, QCheckBox):
            return editor.isChecked()
        if isinstance(editor, QComboBox):
            return editor.currentData()
        return editor.text()

    def _display(self, value: Any) -> str:
        if value is None:
            return ""
        if self.param.kind in ("shape", "ints", "padding") and isinstance(value, tuple):
            return "x".join(str(v) for v in value)
        return format_value(value)

    def set_value(self, value: Any, guess: Any = None) -> None:
        """Show `value` (None: auto) without emitting `edited`; `guess` is auto's current meaning."""
        self.value = value
        self.guess = guess
        editor = self.editor
        blockers = [editor, self.auto] if self.auto is not None else [editor]
        for widget in blockers:
            widget.blockSignals(True)
        try:
            if self.auto is not None:
                self.auto.setChecked(value is None)
                editor.setEnabled(value is not None)
            shown = guess if value is None else value
            if isinstance(editor, (QSpinBox, QDoubleSpinBox)):
                if isinstance(shown, (int, float)) and not isinstance(shown, bool):
                    editor.setValue(shown)
            elif isinstance(editor, QCheckBox):
                editor.setChecked(bool(shown))
            elif isinstance(editor, QComboBox):
                index = editor.findData(shown)
                editor.setCurrentIndex(max(index, 0))
            else:
                editor.setText(self._display(shown))
        finally:
            for widget in blockers:
                widget.blockSignals(False)
        self.set_invalid(False)

    def set_invalid(self, invalid: bool) -> None:
        """Mark the editor red (the message is shown by the inspector)."""
        self.editor.setStyleSheet("border: 1px solid #dc2626;" if invalid else "")


def make_field(param: Param, parent: QWidget | None = None) -> ParamField:
    return ParamField(param, parent)
