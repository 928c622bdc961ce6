"""The mouse wheel scrolls a form; it changes a spin box, combo box or slider only once the user has picked it.

Qt's fields take wheel turns whenever the pointer is over them, so scrolling down a
long form of settings changes whatever number happens to pass under the pointer.
`guard_wheel` installs one event filter on a form's fields: a field without
keyboard focus passes the wheel event on to its parent (the scroll area then
scrolls), and a field gets focus by a click or Tab, never by the wheel.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtWidgets import QAbstractSlider, QAbstractSpinBox, QComboBox, QWidget

GUARDED = (QAbstractSpinBox, QComboBox, QAbstractSlider)


class WheelGuard(QObject):
    """Event filter: a wheel event over a field that lacks focus is left to the field's parent."""

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Wheel and isinstance(watched, QWidget) and not watched.hasFocus():
            event.ignore()
            return True  # the field never sees it; an ignored event goes on to the parent
        return False


_guard = WheelGuard()


def guard_wheel(root: QWidget) -> None:
    """Guard `root` (if it is a field) and every field inside it; safe to call again after adding fields."""
    fields = [root] if isinstance(root, GUARDED) else []
    for kind in GUARDED:
        fields += root.findChildren(kind)
    for field in fields:
        field.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        field.removeEventFilter(_guard)
        field.installEventFilter(_guard)
