"""The Problems dock: every error and warning of every network, one row each.

It redraws from ``document.reports`` whenever the document re-validates. A
double-click (or Enter) on a row emits `node_activated(network, node_id)`; the main
window then switches to that network, selects the node and centres the view on it.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QStyle, QTreeWidget, QTreeWidgetItem, QVBoxLayout, QWidget

from app.document import Document

NETWORK_ROLE = Qt.ItemDataRole.UserRole
NODE_ROLE = Qt.ItemDataRole.UserRole + 1


class ProblemsWidget(QWidget):
    node_activated = Signal(str, str)  # network name, node id
    counts_changed = Signal(int, int)  # errors, warnings

    def __init__(self, document: Document, parent: QWidget | None = None):
        super().__init__(parent)
        self.document = document
        self.tree = QTreeWidget()
        self.tree.setColumnCount(2)
        self.tree.setHeaderLabels(["Where", "Problem"])
        self.tree.setRootIsDecorated(False)
        self.tree.setAlternatingRowColors(True)
        self.tree.setUniformRowHeights(True)
        self.tree.setColumnWidth(0, 220)
        self.tree.setToolTip("Double-click a problem to show its node on the canvas.")
        self.tree.itemActivated.connect(self._activate)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.tree)
        document.validated.connect(self.refresh)
        self.refresh()

    def refresh(self) -> None:
        self.tree.clear()
        style = self.style()
        error_icon = style.standardIcon(QStyle.StandardPixmap.SP_MessageBoxCritical)
        warning_icon = style.standardIcon(QStyle.StandardPixmap.SP_MessageBoxWarning)
        errors = warnings = 0
        items = []
        for network, report in self.document.reports.items():
            # Errors first: they block training and export, warnings do not.
            for problem in sorted(report.problems, key=lambda p: p.severity != "error"):
                where = f"{network}/{problem.node_name}" if problem.node_name else network
                item = QTreeWidgetItem([where, problem.message])
                is_error = problem.severity == "error"
                item.setIcon(0, error_icon if is_error else warning_icon)
                item.setToolTip(1, problem.line())
                item.setData(0, NETWORK_ROLE, network)
                item.setData(0, NODE_ROLE, problem.node_id or "")
                items.append(item)
                errors += is_error
                warnings += not is_error
        self.tree.addTopLevelItems(items)
        self.counts_changed.emit(errors, warnings)

    def row_count(self) -> int:
        return self.tree.topLevelItemCount()

    def _activate(self, item: QTreeWidgetItem, _column: int) -> None:
        node_id = item.data(0, NODE_ROLE)
        if node_id:
            self.node_activated.emit(item.data(0, NETWORK_ROLE), node_id)
