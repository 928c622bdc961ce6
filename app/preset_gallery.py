"""File > New from Preset: a dialog listing every preset with its description and options.

The list is grouped by category; the right side shows the chosen preset's title,
description and an options form generated from its typed `Param`s. Create builds
the project with ``graph.presets.build_preset``; a refused combination of options is
explained under the form and the dialog stays open.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QSpinBox,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from graph.params import Param, format_value
from graph.presets import PRESETS, PresetError, build_preset, list_presets
from graph.project import Project

NAME_ROLE = Qt.ItemDataRole.UserRole


def _option_editor(param: Param) -> QWidget:
    if param.kind == "choice":
        combo = QComboBox()
        combo.addItems([str(c) for c in param.choices])
        combo.setCurrentText(str(param.default))
        return combo
    if param.kind == "bool":
        check = QCheckBox()
        check.setChecked(bool(param.default))
        return check
    if param.kind == "int" and param.default is not None:
        spin = QSpinBox()
        spin.setRange(
            int(param.minimum if param.minimum is not None else 0), int(min(param.maximum or 2**31 - 1, 2**31 - 1))
        )
        spin.setValue(int(param.default))
        return spin
    line = QLineEdit(format_value(param.default) if param.default is not None else "")
    return line


def _editor_value(editor: QWidget) -> Any:
    if isinstance(editor, QComboBox):
        return editor.currentText()
    if isinstance(editor, QCheckBox):
        return editor.isChecked()
    if isinstance(editor, QSpinBox):
        return editor.value()
    return editor.text()


class PresetGallery(QDialog):
    """Pick a preset and its options; after `accept`, `project` holds the built project."""

    def __init__(self, parent: QWidget | None = None, selected: str = "lenet5"):
        super().__init__(parent)
        self.setWindowTitle("New from preset")
        self.resize(760, 460)
        self.project: Project | None = None
        self.editors: dict[str, QWidget] = {}
        self.tree = QTreeWidget()
        self.tree.setHeaderHidden(True)
        self.tree.setMinimumWidth(220)
        self.tree.setMaximumWidth(280)
        categories: dict[str, QTreeWidgetItem] = {}
        for preset in list_presets():
            parent_item = categories.get(preset.category)
            if parent_item is None:
                parent_item = QTreeWidgetItem([preset.category])
                parent_item.setFlags(Qt.ItemFlag.ItemIsEnabled)
                self.tree.addTopLevelItem(parent_item)
                categories[preset.category] = parent_item
            item = QTreeWidgetItem([preset.title])
            item.setData(0, NAME_ROLE, preset.name)
            item.setToolTip(0, preset.description)
            parent_item.addChild(item)
        self.tree.expandAll()
        self.tree.currentItemChanged.connect(self._selection_changed)
        self.tree.itemDoubleClicked.connect(lambda item, _c: self.accept() if item.data(0, NAME_ROLE) else None)

        self.title = QLabel()
        font = self.title.font()
        font.setPointSizeF(font.pointSizeF() * 1.4)
        font.setBold(True)
        self.title.setFont(font)
        self.description = QLabel()
        self.description.setWordWrap(True)
        self.form_host = QWidget()
        self.form = QFormLayout(self.form_host)
        self.error = QLabel()
        self.error.setObjectName("errorBanner")
        self.error.setWordWrap(True)
        self.error.hide()
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.create_button = self.buttons.addButton("Create", QDialogButtonBox.ButtonRole.AcceptRole)
        self.create_button.setDefault(True)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)

        details = QVBoxLayout()
        details.addWidget(self.title)
        details.addWidget(self.description)
        details.addSpacing(8)
        details.addWidget(QLabel("<b>Options</b>"))
        details.addWidget(self.form_host)
        details.addStretch(1)
        details.addWidget(self.error)
        details.addWidget(self.buttons)
        layout = QHBoxLayout(self)
        layout.addWidget(self.tree)
        layout.addLayout(details, 1)
        self.select(selected if selected in PRESETS else next(iter(PRESETS)))

    @property
    def preset_name(self) -> str:
        item = self.tree.currentItem()
        return item.data(0, NAME_ROLE) if item is not None else ""

    def select(self, name: str) -> None:
        for index in range(self.tree.topLevelItemCount()):
            category = self.tree.topLevelItem(index)
            for child in range(category.childCount()):
                item = category.child(child)
                if item.data(0, NAME_ROLE) == name:
                    self.tree.setCurrentItem(item)
                    return

    def set_option(self, name: str, value: Any) -> None:
        """Set one option's editor (used by tests and by callers that preselect options)."""
        editor = self.editors[name]
        if isinstance(editor, QComboBox):
            editor.setCurrentText(str(value))
        elif isinstance(editor, QCheckBox):
            editor.setChecked(bool(value))
        elif isinstance(editor, QSpinBox):
            editor.setValue(int(value))
        else:
            editor.setText(str(value))

    def options(self) -> dict[str, Any]:
        return {name: _editor_value(editor) for name, editor in self.editors.items()}

    def _selection_changed(self, current: QTreeWidgetItem | None, _previous) -> None:
        name = current.data(0, NAME_ROLE) if current is not None else None
        self.create_button.setEnabled(bool(name))
        while self.form.rowCount():
            self.form.removeRow(0)
        self.editors.clear()
        self.error.hide()
        if not name:
            return
        preset = PRESETS[name]
        self.title.setText(preset.title)
        self.description.setText(preset.description)
        for param in preset.options:
            editor = _option_editor(param)
            editor.setToolTip(param.doc)
            self.form.addRow(param.title, editor)
            self.editors[param.name] = editor
        if not preset.options:
            self.form.addRow(QLabel("This preset has no options."))

    def accept(self) -> None:
        name = self.preset_name
        if not name:
            return
        try:
            self.project = build_preset(name, self.options())
        except PresetError as error:
            self.error.setText(str(error))
            self.error.show()
            return
        super().accept()
