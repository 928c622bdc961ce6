"""The Summary dock: the current network layer by layer, like Keras' ``model.summary()``, with its cost.

Rows come from ``backend.summary.network_rows`` (the same table ``netcanvas summary``
prints), so the window and the command line always agree; costs follow the
conventions of ``graph.cost`` (mult-adds for one sample, float32 bytes). A block
instance is one row that expands to the layers inside it. Every column sorts by
its value (click a header; ``#`` puts the model's order back): parameters,
mult-adds, the activation memory backward keeps at the training batch size, the
output shape by its number of values.

The footer gives the totals and the training-memory estimate (weights, gradients,
optimizer state, activations) at the project's batch size and optimizer. When that
estimate exceeds the memory of the device training would use (the GPU's on CUDA,
the machine's otherwise), `memory_notes` carries ``graph.cost.memory_warnings``
pinned to the heaviest layers, for the Problems dock.
"""

from __future__ import annotations

import math
import re
import sys

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QHeaderView, QLabel, QTreeWidget, QTreeWidgetItem, QVBoxLayout, QWidget

from app.docks.problems import Note
from app.docks.training_settings import cuda_probe
from app.document import Document
from backend.summary import activation_batch_size, network_rows
from graph.cost import format_bytes, format_count, memory_warnings, project_cost, training_memory

COLUMNS = ("#", "Layer", "Type", "Output shape", "Params", "Mult-adds", "Activations")
ORDER, LAYER, SHAPE, PARAMS, MACS, ACTIVATIONS = (
    COLUMNS.index(name) for name in ("#", "Layer", "Output shape", "Params", "Mult-adds", "Activations")
)
NUMERIC = (ORDER, PARAMS, MACS, ACTIVATIONS)
SORT_ROLE = Qt.ItemDataRole.UserRole


def shape_size(text: str) -> int:
    """Values per sample of a shape as the table writes it (``(N, 6, 28, 28)`` -> 4704; unknown: -1)."""
    if "?" in text:
        return -1
    total = 0
    for shape in re.findall(r"\(([^()]*)\)", text):
        sizes = [int(part) for part in re.findall(r"\d+", shape)]
        total += math.prod(sizes) if sizes else 0
    return total


class _Row(QTreeWidgetItem):
    """A row that sorts by the number behind each cell, not its text."""

    def __lt__(self, other: QTreeWidgetItem) -> bool:
        column = self.treeWidget().sortColumn() if self.treeWidget() else ORDER
        mine, theirs = self.data(column, SORT_ROLE), other.data(column, SORT_ROLE)
        if mine is None or theirs is None:
            return self.text(column).lower() < other.text(column).lower()
        return mine < theirs


def device_budget(device_setting: str) -> tuple[int, str] | None:
    """Memory of the device training would use, and its name; None until PyTorch is loaded.

    The GPU's memory on CUDA (``auto`` with a GPU, or ``cuda``), the machine's otherwise.
    Waits for the process's CUDA probe, which loads PyTorch after the window is up, so
    asking never loads it on the way.
    """
    if cuda_probe.result is None or "torch" not in sys.modules:
        return None
    import torch

    from backend.diagnostics.memory import device_memory

    name = "cuda" if cuda_probe.result and device_setting in ("auto", "cuda") else "cpu"
    budget = device_memory(torch.device(name))
    return None if budget is None else (budget, name)


class SummaryWidget(QWidget):
    memory_notes = Signal(object)  # list of problems.Note: training memory over the device's

    def __init__(self, document: Document, parent: QWidget | None = None):
        super().__init__(parent)
        self.document = document
        self.tree = QTreeWidget()
        self.tree.setHeaderLabels(list(COLUMNS))
        self.tree.setAlternatingRowColors(True)
        self.tree.setUniformRowHeights(True)
        self.tree.setSortingEnabled(True)
        self.tree.sortByColumn(ORDER, Qt.SortOrder.AscendingOrder)
        header = self.tree.header()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(False)
        header.setSortIndicatorShown(True)
        for column, width in zip(range(len(COLUMNS)), (44, 210, 150, 170, 100, 100, 110), strict=True):
            self.tree.setColumnWidth(column, width)
        self.tree.headerItem().setToolTip(MACS, "Multiply-accumulates for one sample.")
        self.tree.headerItem().setToolTip(ACTIVATIONS, "What backward keeps of this layer's output at the batch size.")
        self.totals = QLabel()
        self.totals.setWordWrap(True)
        self.totals.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        layout.addWidget(self.tree)
        layout.addWidget(self.totals)
        self.network_total = 0
        self.project_total = 0
        self.warnings: list[Note] = []
        document.validated.connect(self.refresh)
        document.current_network_changed.connect(self.refresh)
        cuda_probe.found.connect(self._device_known)
        self.refresh()

    def _device_known(self, _available: bool) -> None:
        self.refresh()

    def refresh(self, *_args) -> None:
        document = self.document
        self.tree.clear()
        report = document.report
        if report is None or document.current_network not in document.project.networks:
            self.totals.setText("")
            self._set_warnings([])
            return
        batch = activation_batch_size(document.project)
        network = document.network
        self.tree.setSortingEnabled(False)  # filled in the model's order, then sorted once as the user chose
        parents: list[QTreeWidgetItem | None] = [None]
        for order, row in enumerate(network_rows(network, report, expand=True), start=1):
            activations = row.activation_bytes * batch
            cells = [
                str(order),
                row.name,
                row.type,
                row.shape,
                f"{row.params:,}",
                format_count(row.macs),
                format_bytes(activations) if activations else "",
            ]
            item = _Row(cells)
            for column, value in (
                (ORDER, order),
                (SHAPE, shape_size(row.shape)),
                (PARAMS, row.params),
                (MACS, -1 if row.macs is None else row.macs),
                (ACTIVATIONS, activations),
            ):
                item.setData(column, SORT_ROLE, value)
            for column in NUMERIC:
                item.setTextAlignment(column, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            del parents[row.depth + 1 :]
            parent = parents[row.depth]
            if parent is None:
                self.tree.addTopLevelItem(item)
            else:
                parent.addChild(item)
            parents.append(item)
        self.tree.setSortingEnabled(True)
        self.network_total = report.total_params
        self.project_total = sum(report.total_params for report in document.reports.values())
        self.totals.setText(self._totals_text(report, batch))

    def _totals_text(self, report, batch: int) -> str:
        document = self.document
        project = document.project
        costs = project_cost(project, document.reports)
        macs = costs[document.current_network].total_macs
        text = f"<b>Total params: {self.network_total:,}</b> &nbsp;·&nbsp; mult-adds {format_count(macs)} per sample"
        if len(project.networks) > 1:
            text += f" &nbsp; (network {document.current_network}; whole project: {self.project_total:,} params)"
        if report.errors:
            text += " &nbsp; — shapes after the first error are unknown"
            self._set_warnings([])
            return text
        optimizer = str(project.training.get("optimizer", "adam"))
        memory = training_memory(costs.values(), batch, optimizer)
        at = "per sample (full batch: the data set's size is known once it is loaded)"
        at = at if str(project.training.get("batch_size")) == "full" else f"at batch size {batch}"
        text += (
            f"<br>Training memory ≈ <b>{format_bytes(memory.total)}</b> {at} with {optimizer}: weights "
            f"{format_bytes(memory.params)}, gradients {format_bytes(memory.grads)}, optimizer state "
            f"{format_bytes(memory.optimizer_state)}, activations {format_bytes(memory.activations)}"
        )
        budget = device_budget(str(project.training.get("device", "auto")))
        if budget is None:
            self._set_warnings([])
            return text
        size, device = budget
        where = "the GPU has" if device == "cuda" else "this machine has"
        text += f" ({where} {format_bytes(size)})"
        problems = memory_warnings(costs.values(), batch, optimizer, size, device)
        self._set_warnings(
            [Note("warning", p.network, p.node_id or "", p.node_name, p.message, "memory") for p in problems]
        )
        return text

    def _set_warnings(self, notes: list[Note]) -> None:
        if notes != self.warnings:
            self.warnings = notes
            self.memory_notes.emit(notes)
