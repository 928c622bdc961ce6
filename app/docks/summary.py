"""The Summary dock: the current network layer by layer, like Keras' ``model.summary()``.

Rows come from ``backend.summary.network_rows`` (the same table ``netcanvas summary``
prints), so the window and the command line always agree. A block instance is one
row that expands to the layers inside it. The footer gives the network's total and,
for projects with several networks, the project's.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QHeaderView, QLabel, QTreeWidget, QTreeWidgetItem, QVBoxLayout, QWidget

from app.document import Document
from backend.summary import network_rows


class SummaryWidget(QWidget):
    def __init__(self, document: Document, parent: QWidget | None = None):
        super().__init__(parent)
        self.document = document
        self.tree = QTreeWidget()
        self.tree.setHeaderLabels(["Layer", "Type", "Output shape", "Params"])
        self.tree.setAlternatingRowColors(True)
        self.tree.setUniformRowHeights(True)
        header = self.tree.header()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(False)
        self.tree.setColumnWidth(0, 220)
        self.tree.setColumnWidth(1, 170)
        self.tree.setColumnWidth(2, 200)
        self.tree.setColumnWidth(3, 110)
        self.totals = QLabel()
        self.totals.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        layout.addWidget(self.tree)
        layout.addWidget(self.totals)
        self.network_total = 0
        self.project_total = 0
        document.validated.connect(self.refresh)
        document.current_network_changed.connect(self.refresh)
        self.refresh()

    def refresh(self, *_args) -> None:
        document = self.document
        self.tree.clear()
        report = document.report
        if report is None or document.current_network not in document.project.networks:
            self.totals.setText("")
            return
        network = document.network
        parents: list[QTreeWidgetItem | None] = [None]
        for row in network_rows(network, report, expand=True):
            item = QTreeWidgetItem([row.name, row.type, row.shape, f"{row.params:,}"])
            item.setTextAlignment(3, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            del parents[row.depth + 1 :]
            parent = parents[row.depth]
            if parent is None:
                self.tree.addTopLevelItem(item)
            else:
                parent.addChild(item)
            parents.append(item)
        self.network_total = report.total_params
        self.project_total = sum(report.total_params for report in document.reports.values())
        text = f"<b>Total params: {self.network_total:,}</b>"
        if len(document.project.networks) > 1:
            text += f" &nbsp; (network {document.current_network}; whole project: {self.project_total:,})"
        if report.errors:
            text += " &nbsp; — shapes after the first error are unknown"
        self.totals.setText(text)
