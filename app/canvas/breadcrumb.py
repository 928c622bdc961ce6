"""The breadcrumb over the canvas while a block's body is shown: ``net › layer1_0 (BasicBlock)``.

Each step but the last is a button that goes back to that depth (0: the network).
"""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QToolButton, QWidget


class Breadcrumb(QWidget):
    """A row of steps; hidden while the trail is empty.

    Signals:
        depth_chosen(int): the user clicked the step at this depth.
    """

    depth_chosen = Signal(int)

    def __init__(self, parent=None):
        super().__init__(parent)
        self.row = QHBoxLayout(self)
        self.row.setContentsMargins(6, 2, 6, 2)
        self.hide()

    def set_trail(self, steps: list[str], note: str = "") -> None:
        """Show `steps` (outermost first); an empty list hides the bar."""
        while self.row.count():
            widget = self.row.takeAt(0).widget()
            if widget is not None:
                widget.deleteLater()
        if not steps:
            self.hide()
            return
        for depth, text in enumerate(steps):
            if depth:
                self.row.addWidget(QLabel("›", self))
            button = QToolButton(self)
            button.setText(text)
            button.setAutoRaise(True)
            if depth == len(steps) - 1:
                button.setEnabled(False)  # where we are
            else:
                button.setToolTip("Back to " + text)
                button.clicked.connect(lambda _=False, d=depth: self.depth_chosen.emit(d))
            self.row.addWidget(button)
        self.row.addStretch(1)
        if note:
            label = QLabel(note, self)
            label.setEnabled(False)
            self.row.addWidget(label)
        self.show()
