"""A picture's legend as a line of coloured names under it: it wraps in a narrow dock and never covers a curve."""

from __future__ import annotations

import html

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QWidget

LINES = 2  # room kept for the names when the dock is narrow


class Legend(QLabel):
    """Each (name, colour) after a bullet in its colour, wrapped onto up to `LINES` lines.

    Its height does not follow its width: a wrapped label would otherwise make the whole
    picture ask for its tall preferred height, and the Pictures tab would scroll a picture
    that fits.
    """

    def __init__(self, names: list[tuple[str, str]], parent: QWidget | None = None):
        super().__init__(parent)
        self.setTextFormat(Qt.TextFormat.RichText)
        self.setText(
            " &nbsp; ".join(f"<span style='color:{colour}'>●</span>&nbsp;{html.escape(name)}" for name, colour in names)
        )
        self.setWordWrap(True)
        self.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.setMinimumHeight(LINES * self.fontMetrics().height())

    def hasHeightForWidth(self) -> bool:
        return False
