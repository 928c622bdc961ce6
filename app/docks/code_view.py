"""The Code dock: the project's generated PyTorch code, always current.

The code is regenerated ~300 ms after the last change (a single-shot `QTimer`
restarted by every change, so typing in the inspector does not regenerate on every
key). While the project has errors the dock shows them above the last code that
did generate, greyed out, so the reader keeps their place. Copy puts the code on
the clipboard; Save writes it to a ``.py`` file.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QTimer, Signal
from PySide6.QtGui import QFontDatabase, QGuiApplication, QPalette
from PySide6.QtWidgets import (
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.docks.highlighter import PythonHighlighter
from app.document import Document
from app.themes import color, theme_signal
from backend.codegen import CodegenError, generate

DEBOUNCE_MS = 300


class CodeWidget(QWidget):
    regenerated = Signal()

    def __init__(self, document: Document, parent: QWidget | None = None):
        super().__init__(parent)
        self.document = document
        self.source = ""  # the last code that generated
        self.error = ""  # why the current project does not generate ("" when it does)
        self.editor = QPlainTextEdit()
        self.editor.setObjectName("codeView")
        self.editor.setReadOnly(True)
        self.editor.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        font = QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)
        font.setPointSize(max(9, font.pointSize()))
        self.editor.setFont(font)
        self.editor.setTabStopDistance(4 * self.editor.fontMetrics().horizontalAdvance(" "))
        self.highlighter = PythonHighlighter(self.editor.document())
        self.banner = QLabel()
        self.banner.setObjectName("errorBanner")
        self.banner.setWordWrap(True)
        self.banner.hide()
        self.copy_button = QPushButton("Copy")
        self.copy_button.setToolTip("Copy the generated code to the clipboard.")
        self.copy_button.clicked.connect(self.copy)
        self.save_button = QPushButton("Save…")
        self.save_button.setToolTip("Save the generated code as a Python file.")
        self.save_button.clicked.connect(self.save)
        self.lines_label = QLabel()
        buttons = QHBoxLayout()
        buttons.addWidget(self.lines_label)
        buttons.addStretch(1)
        buttons.addWidget(self.copy_button)
        buttons.addWidget(self.save_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        layout.addWidget(self.banner)
        layout.addWidget(self.editor, 1)
        layout.addLayout(buttons)
        self.timer = QTimer(self)
        self.timer.setSingleShot(True)
        self.timer.setInterval(DEBOUNCE_MS)
        self.timer.timeout.connect(self.regenerate)
        document.validated.connect(self.timer.start)
        document.project_replaced.connect(self.regenerate)
        theme_signal.theme_changed.connect(self._theme_changed)
        self.regenerate()

    def regenerate(self) -> None:
        self.timer.stop()
        try:
            source = generate(self.document.project).source
        except CodegenError as error:
            self._show_error(str(error))
        except Exception as error:  # a bug in one layer's template must not break the dock
            self._show_error(f"The code could not be generated: {error}")
        else:
            self.error = ""
            self.banner.hide()
            if source != self.source or self.editor.toPlainText() != source:
                self.source = source
                self._set_text(source)
            self._set_greyed(False)
        self.copy_button.setEnabled(bool(self.source) and not self.error)
        self.save_button.setEnabled(bool(self.source) and not self.error)
        self.lines_label.setText(f"{self.source.count(chr(10)):,} lines" if self.source and not self.error else "")
        self.regenerated.emit()

    def _show_error(self, message: str) -> None:
        self.error = message
        lines = message.splitlines()
        shown = lines[:8] + ([f"… and {len(lines) - 8} more"] if len(lines) > 8 else [])
        self.banner.setText(
            "Fix these to get code (the code below is from the last working version):\n" + "\n".join(shown)
        )
        self.banner.show()
        if not self.source:
            self._set_text("")
        self._set_greyed(True)

    def _set_text(self, text: str) -> None:
        # Keep the reader's place across regenerations.
        bar = self.editor.verticalScrollBar()
        position = bar.value()
        self.editor.setPlainText(text)
        bar.setValue(position)

    def _set_greyed(self, greyed: bool) -> None:
        palette = self.editor.palette()
        base = self.palette().color(QPalette.ColorRole.Text)
        palette.setColor(QPalette.ColorRole.Text, color("muted") if greyed else base)
        self.editor.setPalette(palette)
        self.highlighter.setDocument(None if greyed else self.editor.document())

    def _theme_changed(self, theme: str) -> None:
        self.highlighter.set_theme(theme)
        self._set_greyed(bool(self.error))

    def copy(self) -> None:
        QGuiApplication.clipboard().setText(self.source)

    def save(self) -> None:
        name = (self.document.project.name or "model").replace(" ", "_") + ".py"
        start = str(self.document.path.parent / name) if self.document.path else name
        path, _ = QFileDialog.getSaveFileName(self, "Save generated code", start, "Python files (*.py)")
        if not path:
            return
        try:
            Path(path).write_text(self.source, encoding="utf-8")
        except OSError as error:
            QMessageBox.warning(self, "Cannot save code", f"{path} could not be written: {error.strerror or error}.")
