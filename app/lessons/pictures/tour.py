"""A tour's projects side by side: layers and parameters per project; double-click one to open it."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableWidget, QTableWidgetItem, QWidget


class TourTable(QTableWidget):
    """One row per `TourStop` (``backend.lessons.run``); `open_requested(row)` on a double-click or Return."""

    open_requested = Signal(int)

    def __init__(self, stops: list, parent: QWidget | None = None):
        super().__init__(len(stops), 3, parent)
        self.setObjectName("tourTable")
        self.setHorizontalHeaderLabels(["Network", "Layers", "Parameters"])
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.verticalHeader().setVisible(False)
        self.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.setToolTip("Double-click a network (or press Return) to open it on the canvas.")
        for row, stop in enumerate(stops):
            params = sum(stop.params.values())
            for column, text in enumerate((stop.label, f"{stop.layers:,}", f"{params:,}")):
                item = QTableWidgetItem(text)
                if column:
                    item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                self.setItem(row, column, item)
        self.cellDoubleClicked.connect(lambda row, _column: self.open_requested.emit(row))
        self.setMinimumHeight(60 + 30 * len(stops))

    def keyPressEvent(self, event) -> None:
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and self.currentRow() >= 0:
            self.open_requested.emit(self.currentRow())
            return
        super().keyPressEvent(event)
