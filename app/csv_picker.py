"""The CSV column picker: a preview of a CSV file and the column the network should predict.

Opened when a ``.csv`` file is chosen as the data set. The file is read on a thread
(``backend.data.inspect_csv`` through `app.data_reader.DataReader`); the dialog then
shows the first rows in a table whose headers give each column's name, type and
missing cells, and preselects the suggested target. The target is picked in the
combo box or by clicking a column (its header or any cell). OK is enabled once the
file has been read; a file that cannot be read says why in the dialog.
"""

from __future__ import annotations

from functools import partial

from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.data_reader import DataReader
from app.docks.data_panel import data_name

PREVIEW_ROWS = 20


def inspect(path: str, progress) -> object:
    """``backend.data.inspect_csv``, imported on the reading thread (backend.data imports torch)."""
    from backend.data import inspect_csv

    return inspect_csv(path, PREVIEW_ROWS)


class CsvPicker(QDialog):
    """Preview `path` and pick the target column; after `accept`, `target` is the chosen column."""

    def __init__(self, path: str, target: str = "", parent: QWidget | None = None):
        super().__init__(parent)
        self.path = path
        self.wanted = target
        self.preview = None
        self.setWindowTitle(f"Columns of {data_name(path)}")
        self.resize(760, 460)
        self.summary = QLabel(f"Reading {data_name(path)}…")
        self.summary.setWordWrap(True)
        self.table = QTableWidget()
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectColumns)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.currentCellChanged.connect(lambda _row, column, *_: self._column_clicked(column))
        self.table.horizontalHeader().sectionClicked.connect(self._column_clicked)
        self.target_box = QComboBox()
        self.target_box.setToolTip("The column the network learns to predict; the other columns are its inputs.")
        self.target_box.currentIndexChanged.connect(self._target_changed)
        self.error = QLabel()
        self.error.setObjectName("errorBanner")
        self.error.setWordWrap(True)
        self.error.hide()
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.ok_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok_button.setEnabled(False)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        form = QFormLayout()
        form.addRow("Column to predict", self.target_box)
        layout = QVBoxLayout(self)
        layout.addWidget(self.summary)
        layout.addWidget(self.table, 1)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(self.buttons)
        self.reader = DataReader(self)
        self.reader.done.connect(self._show)
        self.reader.failed.connect(self._failed)
        self.reader.start(path, partial(inspect, path))

    @property
    def target(self) -> str:
        return self.target_box.currentText()

    def _show(self, _tag, preview) -> None:
        self.preview = preview
        columns = preview.columns
        self.summary.setText(
            f"{data_name(self.path)}: {preview.row_count:,} rows, {len(columns)} columns; "
            f"the first {len(preview.rows)} rows are shown. Pick the column to predict."
        )
        self.table.setColumnCount(len(columns))
        self.table.setRowCount(len(preview.rows))
        for index, column in enumerate(columns):
            header = QTableWidgetItem(f"{column.name}\n{column.type}, {column.missing} missing")
            header.setToolTip(f"{column.name}: {column.type}, {column.distinct} different values")
            self.table.setHorizontalHeaderItem(index, header)
        for row, cells in enumerate(preview.rows):
            for column, cell in enumerate(cells):
                self.table.setItem(row, column, QTableWidgetItem(cell))
        self.table.resizeColumnsToContents()
        self.target_box.blockSignals(True)
        self.target_box.addItems(list(preview.names))
        self.target_box.blockSignals(False)
        chosen = self.wanted if self.wanted in preview.names else preview.suggested_target
        self.target_box.setCurrentIndex(max(preview.names.index(chosen), 0) if chosen in preview.names else 0)
        self._target_changed(self.target_box.currentIndex())
        self.ok_button.setEnabled(bool(columns))

    def _failed(self, _tag, message: str) -> None:
        self.summary.setText(f"{data_name(self.path)} cannot be used.")
        self.error.setText(message)
        self.error.show()

    def _column_clicked(self, column: int) -> None:
        if 0 <= column < self.target_box.count():
            self.target_box.setCurrentIndex(column)

    def _target_changed(self, index: int) -> None:
        """Show the target column selected in the table."""
        if 0 <= index < self.table.columnCount() and self.table.currentColumn() != index:
            self.table.blockSignals(True)
            self.table.selectColumn(index)
            self.table.blockSignals(False)

    def done(self, result: int) -> None:
        self.reader.cancel()
        super().done(result)
