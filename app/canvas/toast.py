"""A toast: a short note next to the cursor on the canvas that fades by itself.

Refusals (a connection that may not be made, a layer that cannot be dropped here)
are said where the user is looking, not only in the status bar. A toast never takes
focus or mouse input and a new one replaces the last.
"""

from __future__ import annotations

from PySide6.QtCore import QEasingCurve, QPoint, QPropertyAnimation, Qt, QTimer
from PySide6.QtWidgets import QGraphicsOpacityEffect, QLabel, QWidget

SHOW_MS = 2600
FADE_MS = 700
OFFSET = QPoint(16, 18)  # below and right of the cursor, clear of its arrow
MAX_WIDTH = 360


class Toast(QLabel):
    """The note; `show_at` shows it, it hides itself after `SHOW_MS` and a fade."""

    def __init__(self, parent: QWidget):
        super().__init__(parent)
        self.setObjectName("canvasToast")
        self.setWordWrap(True)
        self.setMaximumWidth(MAX_WIDTH)
        self.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.setStyleSheet(
            "#canvasToast { background: rgba(31, 41, 55, 235); color: white; border-radius: 6px; padding: 6px 10px; }"
        )
        self._effect = QGraphicsOpacityEffect(self)
        self.setGraphicsEffect(self._effect)
        self._fade = QPropertyAnimation(self._effect, b"opacity", self)
        self._fade.setStartValue(1.0)
        self._fade.setEndValue(0.0)
        self._fade.setEasingCurve(QEasingCurve.Type.InQuad)
        self._fade.finished.connect(self.hide)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self._fade.start)
        self.hide()

    def show_at(self, text: str, point: QPoint) -> None:
        """Show `text` near `point` (parent coordinates), inside the parent."""
        self._fade.stop()
        self._effect.setOpacity(1.0)
        self.setText(text)
        self.adjustSize()
        parent = self.parentWidget().rect()
        x = min(max(point.x() + OFFSET.x(), 4), parent.width() - self.width() - 4)
        y = point.y() + OFFSET.y()
        if y + self.height() > parent.height() - 4:
            y = point.y() - self.height() - 8  # no room below the cursor: above it
        self.move(x, max(y, 4))
        self.show()
        self.raise_()
        self._fade.setDuration(FADE_MS)
        self._timer.start(SHOW_MS)
