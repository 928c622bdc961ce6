"""The Lessons dock's Pictures tab: the pictures of the last experiment (or of a right-clicked layer), top to bottom.

Each picture gets a bold caption and its widget from ``app.lessons.pictures``; a
tour's table comes last. Showing new pictures replaces the old ones.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QLabel, QScrollArea, QSizePolicy, QVBoxLayout, QWidget

from app.lessons.pictures import TITLES, picture_widget
from app.lessons.pictures.tour import TourTable
from app.themes import color

EMPTY_TEXT = "Pictures of an experiment appear here when it has run."


class PicturesView(QScrollArea):
    """A scrolling column of pictures; `open_tour_stop(row)` when a tour's network is double-clicked."""

    open_tour_stop = Signal(int)

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("lessonPictures")
        self.setWidgetResizable(True)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.pictures: list[QWidget] = []  # the picture widgets shown, in order
        self.tour: TourTable | None = None
        self.clear()

    def clear(self) -> None:
        self._column(EMPTY_TEXT).addStretch(1)

    def show_pictures(self, heading: str, pictures: list[tuple[str, object]], epochs: int = 0, tour=None) -> None:
        """Show `pictures` ((kind, data) pairs) under `heading`; `tour`: ``TourStop`` rows to list."""
        column = self._column(heading)
        for kind, data in pictures:
            caption = QLabel(f"<b>{TITLES[kind]}</b>")
            widget = picture_widget(kind, data, epochs)
            # Plots ask for a tall preferred height: ignored, so a picture fits the dock down to its minimum.
            widget.setSizePolicy(widget.sizePolicy().horizontalPolicy(), QSizePolicy.Policy.Ignored)
            column.addWidget(caption)
            column.addWidget(widget, 1)  # pictures share the height; below their minimum, the view scrolls
            self.pictures.append(widget)
        if tour:
            self.tour = TourTable(tour)
            self.tour.open_requested.connect(self.open_tour_stop)
            column.addWidget(self.tour)
        if not pictures:
            column.addStretch(1)

    def _column(self, heading: str) -> QVBoxLayout:
        self.pictures, self.tour = [], None
        page = QWidget()
        column = QVBoxLayout(page)
        column.setSpacing(10)
        title = QLabel(heading)
        title.setObjectName("picturesHeading")
        title.setWordWrap(True)
        title.setStyleSheet(f"color: {color('muted').name()}")
        column.addWidget(title)
        self.setWidget(page)  # the old page is deleted with its pictures
        return column
