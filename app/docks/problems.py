"""The Problems dock: every error and warning of every network, one row each, pinned to its node.

Rows come from two places. The validation reports (``document.reports``, redrawn
whenever the document re-validates) give the drawing's errors and warnings. Other
sources give `Note`s through `set_notes`, each source replacing its own rows:
``memory`` (the training-memory estimate against the device, from the Summary dock),
``checks`` (Training > Check before training, ``ok`` lines included) and
``training`` (gradients that vanished or exploded while training). The Source
column says which. A double-click (or Enter) on a row emits
`node_activated(network, node_id)`; the main window then switches to that network,
selects the node and centres the view on it.

While the checks run, a bar above the list shows what they are doing, with a Cancel
button (`cancel_requested`).
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QStyle,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.document import Document

NETWORK_ROLE = Qt.ItemDataRole.UserRole
NODE_ROLE = Qt.ItemDataRole.UserRole + 1
SOURCES = ("memory", "checks", "training")  # shown after the validation's rows, in this order
FINDING_SEVERITY = {"fail": "error", "warn": "warning", "ok": "ok"}
SEVERITY_ORDER = {"error": 0, "warning": 1, "ok": 2}


@dataclass(frozen=True)
class Note:
    """One row from a source other than validation.

    Attributes:
        severity: ``error``, ``warning`` or ``ok`` (a check that passed).
        network, node_id, node_name: where it is pinned (empty node: the network as a whole).
        message: one sentence.
        source: what the Source column says (``check: wiring``, ``training``, ``memory``).
    """

    severity: str
    network: str
    node_id: str
    node_name: str
    message: str
    source: str


def notes_from_findings(findings: list) -> list[Note]:
    """``backend.diagnostics.Finding``s as rows (fail: error, warn: warning, ok: ok)."""
    notes = []
    for f in findings:
        severity = FINDING_SEVERITY.get(f.severity, "warning")
        notes.append(Note(severity, f.network, f.node_id, f.node_name, f.message, f"check: {f.check}"))
    return notes


class ProblemsWidget(QWidget):
    node_activated = Signal(str, str)  # network name, node id
    counts_changed = Signal(int, int)  # errors, warnings
    cancel_requested = Signal()

    def __init__(self, document: Document, parent: QWidget | None = None):
        super().__init__(parent)
        self.document = document
        self.notes: dict[str, list[Note]] = {source: [] for source in SOURCES}
        self.tree = QTreeWidget()
        self.tree.setColumnCount(3)
        self.tree.setHeaderLabels(["Where", "Problem", "Source"])
        self.tree.setRootIsDecorated(False)
        self.tree.setAlternatingRowColors(True)
        self.tree.setUniformRowHeights(True)
        self.tree.setColumnWidth(0, 220)
        self.tree.setColumnWidth(1, 640)
        self.tree.setToolTip("Double-click a problem to show its node on the canvas.")
        self.tree.itemActivated.connect(self._activate)
        self.busy = QProgressBar()
        self.busy.setRange(0, 0)  # how long the checks take is not known in advance
        self.busy.setMaximumWidth(160)
        self.busy_label = QLabel()
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.clicked.connect(self.cancel_requested)
        bar = QHBoxLayout()
        bar.setContentsMargins(4, 2, 4, 2)
        bar.addWidget(self.busy)
        bar.addWidget(self.busy_label, 1)
        bar.addWidget(self.cancel_button)
        self.progress_bar = QWidget()
        self.progress_bar.setLayout(bar)
        self.progress_bar.setVisible(False)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.progress_bar)
        layout.addWidget(self.tree)
        document.validated.connect(self.refresh)
        self.refresh()

    # -- other sources ------------------------------------------------------------------------
    def set_notes(self, source: str, notes: list[Note]) -> None:
        """Replace the rows of `source` (one of `SOURCES`)."""
        self.notes[source] = list(notes)
        self.refresh()

    def add_note(self, source: str, note: Note) -> None:
        self.notes[source].append(note)
        self.refresh()

    def show_progress(self, text: str) -> None:
        self.busy_label.setText(text)
        self.progress_bar.setVisible(True)

    def hide_progress(self) -> None:
        self.progress_bar.setVisible(False)

    # -- rows ---------------------------------------------------------------------------------
    def refresh(self) -> None:
        self.tree.clear()
        style = self.style()
        icons = {
            "error": style.standardIcon(QStyle.StandardPixmap.SP_MessageBoxCritical),
            "warning": style.standardIcon(QStyle.StandardPixmap.SP_MessageBoxWarning),
            "ok": style.standardIcon(QStyle.StandardPixmap.SP_DialogApplyButton),
        }
        rows: list[Note] = []
        for network, report in self.document.reports.items():
            # Errors first: they block training and export, warnings do not.
            for problem in sorted(report.problems, key=lambda p: p.severity != "error"):
                rows.append(
                    Note(problem.severity, network, problem.node_id or "", problem.node_name, problem.message, "")
                )
        for source in SOURCES:
            rows += sorted(self.notes[source], key=lambda note: SEVERITY_ORDER.get(note.severity, 1))
        items = []
        for note in rows:
            where = f"{note.network}/{note.node_name}" if note.node_name else note.network
            item = QTreeWidgetItem([where, note.message, note.source or "validation"])
            item.setIcon(0, icons.get(note.severity, icons["warning"]))
            item.setToolTip(1, f"{note.severity}: {where}: {note.message}")
            item.setData(0, NETWORK_ROLE, note.network)
            item.setData(0, NODE_ROLE, note.node_id)
            items.append(item)
        self.tree.addTopLevelItems(items)
        errors = sum(1 for note in rows if note.severity == "error")
        warnings = sum(1 for note in rows if note.severity == "warning")
        self.counts_changed.emit(errors, warnings)

    def row_count(self) -> int:
        return self.tree.topLevelItemCount()

    def rows(self) -> list[tuple[str, str, str]]:
        """(where, problem, source) of each row, top to bottom."""
        return [tuple(self.tree.topLevelItem(i).text(c) for c in range(3)) for i in range(self.row_count())]

    def _activate(self, item: QTreeWidgetItem, _column: int) -> None:
        node_id = item.data(0, NODE_ROLE)
        if node_id:
            self.node_activated.emit(item.data(0, NETWORK_ROLE), node_id)
