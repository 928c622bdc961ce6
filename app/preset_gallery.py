"""File > New from Preset: every preset with a picture of its drawing, its size and what it is for.

The list shows each preset's thumbnail (its networks as the canvas draws them,
rendered by `app.canvas.export.render_picture`), its parameter count and a one-line
description; beside it, the chosen preset's larger picture, description and an
options form generated from its typed `Param`s. The picture and the count follow
the options as they change. Create builds the project with
``graph.presets.build_preset``; a refused combination of options is explained under
the form and the dialog stays open.

The dialog opens at once: the list starts with placeholders and the pictures are
drawn afterwards, one step per event-loop turn (build and check a preset, make its
scenes, paint them), the larger picture first, then the chosen preset's thumbnail.
Pictures are cached for the session by preset and options, so the next opening shows
them straight away.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QSize, Qt, QTimer
from PySide6.QtGui import QColor, QIcon, QPixmap
from PySide6.QtWidgets import (
    QApplication,
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from app.canvas.export import render_picture
from app.canvas.scene import CanvasScene
from app.canvas.style import current_palette
from app.document import Document
from graph.fitting import FitError, refit_preset
from graph.params import Param, format_value
from graph.presets import PRESETS, PresetError, build_preset, list_presets
from graph.project import Project

NAME_ROLE = Qt.ItemDataRole.UserRole
THUMBNAIL = QSize(112, 112)
PREVIEW = QSize(280, 420)
OPTIONS_DEBOUNCE_MS = 250
PREVIEW_JOB = ""  # the target of the drawing job for the larger picture (thumbnails: the preset's name)


@dataclass
class Picture:
    """A preset (with some options) drawn: its picture and its parameter count."""

    pixmap: QPixmap
    params: int


_pictures: dict[tuple, Picture] = {}

# Variants listed under their preset, one click away: (preset, options it starts with, what they add to the title).
VARIANTS = (("vgg", {"batch_norm": True}, "with batch norm"),)


@dataclass(frozen=True)
class Entry:
    """One line of the list: a preset, or a variant of it (a preset with some options set)."""

    key: str
    preset: str
    options: dict[str, Any]
    label: str = ""

    @property
    def title(self) -> str:
        return PRESETS[self.preset].title + (f" {self.label}" if self.label else "")


def gallery_entries() -> list[Entry]:
    """Every preset in gallery order, each followed by its variants."""
    entries = []
    for preset in list_presets():
        entries.append(Entry(preset.name, preset.name, {}))
        for name, options, label in VARIANTS:
            if name == preset.name:
                entries.append(Entry("_".join((name, *options)), name, dict(options), label))
    return entries


def _key(name: str, options: dict[str, Any], size: QSize) -> tuple:
    return name, tuple(sorted((k, str(v)) for k, v in options.items())), size.width(), size.height()


def _drawing(name: str, options: dict[str, Any], size: QSize) -> Iterator[Picture | None]:
    """Draw a preset in steps short enough for the event loop: build and check it, make its
    scenes, paint them. Yields None between the steps, then the picture (which is cached).

    Raises:
        graph.presets.PresetError: the options do not build.
    """
    document = Document(build_preset(name, options))
    scenes = []
    try:
        yield None
        scenes = [CanvasScene(document, network) for network in document.project.networks]
        yield None
        params = sum(report.total_params for report in document.reports.values())
        picture = _pictures[_key(name, options, size)] = Picture(render_picture(scenes, size), params)
    finally:  # also when a drawing is dropped half way (the options changed)
        for scene in scenes:
            scene.detach()
            scene.deleteLater()
        document.deleteLater()
    yield picture


def one_line(description: str) -> str:
    """The first sentence of a description."""
    first, _, rest = description.partition(". ")
    return first if rest else description.rstrip(".")


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


def _changed_signal(editor: QWidget):
    if isinstance(editor, QComboBox):
        return editor.currentTextChanged
    if isinstance(editor, QCheckBox):
        return editor.toggled
    if isinstance(editor, QSpinBox):
        return editor.valueChanged
    return editor.textChanged


def _placeholder(size: QSize) -> QPixmap:
    pixmap = QPixmap(size)
    pixmap.fill(QColor(current_palette().background))
    return pixmap


class PresetGallery(QDialog):
    """Pick a preset and its options; after `accept`, `project` holds the built project."""

    def __init__(self, parent: QWidget | None = None, selected: str = "lenet5", data: dict[str, Any] | None = None):
        super().__init__(parent)
        self.setWindowTitle("New from preset")
        self.resize(1040, 660)
        self.project: Project | None = None
        self.data = {key: (data or {}).get(key, "") for key in ("dataset", "target")}
        self.note = ""  # after `accept`: how the project was fitted to the data, or why it keeps its own
        self.editors: dict[str, QWidget] = {}
        self.items: dict[str, QListWidgetItem] = {}  # by entry key: a preset's name, or a variant's key
        self.entries = {entry.key: entry for entry in gallery_entries()}
        self.list = QListWidget()
        self.list.setIconSize(THUMBNAIL)
        self.list.setSpacing(3)
        self.list.setUniformItemSizes(True)
        self.list.setMinimumWidth(430)
        self.list.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.list.setHorizontalScrollBarPolicy(
            Qt.ScrollBarPolicy.ScrollBarAlwaysOff
        )  # long lines are cut, not scrolled
        placeholder = QIcon(_placeholder(THUMBNAIL))
        for entry in self.entries.values():
            preset = PRESETS[entry.preset]
            item = QListWidgetItem(placeholder, self._item_text(entry.key, None))
            item.setData(NAME_ROLE, entry.key)
            item.setToolTip(f"<b>{entry.title}</b> ({preset.category})<br>{preset.description}")
            self.list.addItem(item)
            self.items[entry.key] = item
        self.list.currentItemChanged.connect(self._selection_changed)
        self.list.itemDoubleClicked.connect(lambda _item: self.accept())

        self.title = QLabel()
        font = self.title.font()
        font.setPointSizeF(font.pointSizeF() * 1.4)
        font.setBold(True)
        self.title.setFont(font)
        self.size_label = QLabel()
        self.description = QLabel()
        self.description.setWordWrap(True)
        self.preview = QLabel()
        self.preview.setFixedSize(PREVIEW)
        self.preview.setAlignment(Qt.AlignmentFlag.AlignCenter)
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

        options = QVBoxLayout()
        options.addWidget(QLabel("<b>Options</b>"))
        options.addWidget(self.form_host)
        options.addStretch(1)
        side = QHBoxLayout()
        side.addWidget(self.preview)
        side.addLayout(options, 1)
        details = QVBoxLayout()
        details.addWidget(self.title)
        details.addWidget(self.size_label)
        details.addWidget(self.description)
        details.addSpacing(8)
        details.addLayout(side, 1)
        details.addWidget(self.error)
        details.addWidget(self.buttons)
        layout = QHBoxLayout(self)
        layout.addWidget(self.list)
        layout.addLayout(details, 1)

        self._options_timer = QTimer(self)
        self._options_timer.setSingleShot(True)
        self._options_timer.setInterval(OPTIONS_DEBOUNCE_MS)
        self._options_timer.timeout.connect(self._show_picture)
        # One drawing job (target, steps) advances one step per event-loop turn.
        self._job: tuple[str, Iterator] | None = None
        self._preview_job: Iterator | None = None
        self._waiting: list[str] = []
        self._draw_timer = QTimer(self)
        self._draw_timer.setInterval(0)
        self._draw_timer.timeout.connect(self._draw_step)
        for key, entry in self.entries.items():
            cached = _pictures.get(_key(entry.preset, entry.options, THUMBNAIL))
            if cached is not None:
                self._show_thumbnail(key, cached)
            else:
                self._waiting.append(key)
        self.select(selected if selected in self.entries else next(iter(self.entries)))
        if self._waiting:
            self._draw_timer.start()

    # -- the list -----------------------------------------------------------------------
    @property
    def entry_key(self) -> str:
        """The chosen line: a preset's name or a variant's key."""
        item = self.list.currentItem()
        return item.data(NAME_ROLE) if item is not None else ""

    @property
    def preset_name(self) -> str:
        key = self.entry_key
        return self.entries[key].preset if key else ""

    def select(self, key: str) -> None:
        """Choose the line of a preset (its name) or of a variant (its key)."""
        item = self.items.get(key)
        if item is not None:
            self.list.setCurrentItem(item)

    def thumbnails_pending(self) -> int:
        """How many thumbnails are still to be drawn."""
        return len(self._waiting) + (self._job is not None and self._job[0] != PREVIEW_JOB)

    def _item_text(self, key: str, params: int | None) -> str:
        entry = self.entries[key]
        preset = PRESETS[entry.preset]
        size = f"{params:,} parameters" if params is not None else "counting parameters…"
        return f"{entry.title}\n{size} · {preset.category}\n{one_line(preset.description)}"

    def _show_thumbnail(self, name: str, picture: Picture) -> None:
        item = self.items[name]
        item.setIcon(QIcon(picture.pixmap))
        item.setText(self._item_text(name, picture.params))

    def _draw_step(self) -> None:
        """One step of one drawing: the larger picture first, then the chosen preset's thumbnail."""
        if self._job is None:
            if self._preview_job is not None:
                self._job, self._preview_job = (PREVIEW_JOB, self._preview_job), None
            elif self._waiting:
                key = self.entry_key if self.entry_key in self._waiting else self._waiting[0]
                self._waiting.remove(key)
                entry = self.entries[key]
                self._job = (key, _drawing(entry.preset, entry.options, THUMBNAIL))
            else:
                self._draw_timer.stop()
                return
        target, steps = self._job
        try:
            picture = next(steps)
        except PresetError as error:
            self._job = None
            self._refused(target, str(error))
            return
        if picture is not None:
            self._job = None
            if target == PREVIEW_JOB:
                self._show_preview(picture)
            else:
                self._show_thumbnail(target, picture)

    def _refused(self, target: str, message: str) -> None:
        if target == PREVIEW_JOB:
            self.size_label.setText("")
            self.error.setText(message)
            self.error.show()
        else:  # a preset's defaults always build; say so if one does not
            self.items[target].setText(f"{self.entries[target].title}\ncannot be built: {message}")

    # -- the chosen preset ----------------------------------------------------------------
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

    def _selection_changed(self, current: QListWidgetItem | None, _previous) -> None:
        key = current.data(NAME_ROLE) if current is not None else None
        name = self.entries[key].preset if key else None
        self.create_button.setEnabled(bool(name))
        while self.form.rowCount():
            self.form.removeRow(0)
        self.editors.clear()
        self.error.hide()
        if not name:
            return
        preset, entry = PRESETS[name], self.entries[key]
        self.title.setText(entry.title)
        self.description.setText(preset.description)
        for param in preset.options:
            editor = _option_editor(param)
            editor.setToolTip(param.doc)
            _changed_signal(editor).connect(self._options_timer.start)
            self.form.addRow(param.title, editor)
            self.editors[param.name] = editor
        if not preset.options:
            self.form.addRow(QLabel("This preset has no options."))
        for option, value in entry.options.items():
            self.set_option(option, value)
        self.size_label.setText("")
        self.preview.setPixmap(_placeholder(PREVIEW))
        self._options_timer.start(0)  # the picture right after this turn: the selection shows first

    def _show_picture(self) -> None:
        """Draw the chosen preset with the options as they are now (a job), or say why it does not build."""
        self._options_timer.setInterval(OPTIONS_DEBOUNCE_MS)
        name = self.preset_name
        if not name:
            return
        if self._job is not None and self._job[0] == PREVIEW_JOB:
            self._job = None  # a picture of options no longer chosen
        options = self.options()
        cached = _pictures.get(_key(name, options, PREVIEW))
        if cached is not None:
            self._preview_job = None
            self._show_preview(cached)
            return
        self._preview_job = _drawing(name, options, PREVIEW)
        self._draw_timer.start()

    def _show_preview(self, picture: Picture) -> None:
        self.error.hide()
        self.size_label.setText(f"{picture.params:,} parameters")
        self.preview.setPixmap(picture.pixmap)

    def accept(self) -> None:
        name = self.preset_name
        if not name:
            return
        options = self.options()
        try:
            project = build_preset(name, options)
        except PresetError as error:
            self.error.setText(str(error))
            self.error.show()
            return
        self.project = self._fitted(project, PRESETS[name].coerce_options(options))
        super().accept()

    def _fitted(self, project: Project, options: dict[str, Any]) -> Project:
        """`project` rebuilt for the data the user had chosen (`data`), or as it is if it cannot take it."""
        dataset, target = self.data["dataset"], self.data["target"]
        own = project.training.get("dataset", "")
        if not dataset or (dataset == own and target == project.training.get("target", "")):
            return project
        given = {key: value for key, value in options.items() if value != PRESETS[project.preset].defaults()[key]}
        QApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
        try:
            from backend.data import DataError, describe_dataset  # imports torch: only when data must be read

            facts = describe_dataset(dataset, target)
            fitted, changes = refit_preset(project, given, facts)
            fitted.set_training("dataset", dataset)
            fitted.set_training("target", facts.target)
        except (DataError, FitError, PresetError) as error:
            self.note = f"{PRESETS[project.preset].title} keeps its own data ({own}): {error}"
            return project
        finally:
            QApplication.restoreOverrideCursor()
        self.note = f"Fitted to {facts.describe()}" + (f": {'; '.join(changes)}" if changes else "")
        return fitted
