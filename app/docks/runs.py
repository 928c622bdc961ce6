"""The runs of a project: what each run left behind, a name that tells runs apart, and their comparison.

`Run` keeps one run's curves and how it ended. It belongs to a project (``project_key``:
the project's file, or one unsaved project) and a network; `run_name` names it by
network, optimizer with its learning rate (and the setting a comparison varies) and
data: ``"lenet5 · adam lr=0.002 · digits"``, ``"lstm · adam lr=0.005 · sine"``.

`RunsPanel` is the Runs tab: the list of the open project's runs beside one plot that
overlays the ticked ones. The list is the plot's legend (each run in its curve's
colour), so it never covers a curve and never cuts off. Tick a run to show it, untick
to hide it; rename it in place (double-click, F2 or Rename) and delete it (Delete
key or button); the context menu has all three. Only runs that can be compared are
drawn: the same task as the latest ticked run, with the chosen metric, and for a loss
metric the same loss (accuracy compares across losses, a loss's size does not); the
line under the plot names the ticked runs left out and why. A new run (or a new
comparison's runs) is ticked and every run the user has not ticked by hand is
unticked, so by default the plot shows the latest.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from PySide6.QtCore import QEvent, QPoint, Qt
from PySide6.QtGui import QColor, QIcon, QPixmap
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMenu,
    QPushButton,
    QStyledItemDelegate,
    QVBoxLayout,
    QWidget,
)

from app.docks.plots import LOSS_METRICS, METRIC_LABELS, ComparisonPlot, RedrawScheduler, Series, SmoothedSeries
from app.themes import color, series_color
from graph.project import Project

RUN_ROLE = Qt.ItemDataRole.UserRole
BATCH_METRIC = "batch"
STATUS_NOTES = {"waiting": "waiting", "skipped": "not run", "early_stopped": "stopped early"}


@dataclass
class Run:
    """One run: its name, where it belongs, its curves and how it ended.

    Attributes:
        task, loss: known once the run has started (runs compare only with their like).
        batches_per_epoch: from the run's batch events (puts batch losses on an epoch axis).
        shown: ticked in the runs list (drawn in the comparison).
        pinned: ticked by the user, so a new run does not untick it.
    """

    number: int
    name: str
    project_key: str
    network: str
    task: str = ""
    loss: str = ""
    batches_per_epoch: int = 0
    batch: SmoothedSeries = field(default_factory=SmoothedSeries)
    epochs: dict[str, Series] = field(default_factory=dict)
    status: str = "running"
    shown: bool = True
    pinned: bool = False

    @property
    def colour(self) -> str:
        return series_color(self.number - 1)

    def label(self) -> str:
        """The name as listed: with how the run ended unless it finished."""
        note = STATUS_NOTES.get(self.status, self.status)
        return self.name if self.status == "finished" else f"{self.name} ({note})"

    def tooltip(self) -> str:
        task = f"{self.task} ({self.loss})" if self.task else "not started"
        return f"{self.name}\nnetwork {self.network}, {task}, {STATUS_NOTES.get(self.status, self.status)}"

    def add_batches(self, steps: list[tuple[int, float]], latest) -> None:
        for step, loss in steps:
            self.batch.append(step, loss)
        if latest is not None:
            self.batches_per_epoch = latest.batches

    def add_epoch(self, epoch: int, metrics: dict[str, float]) -> None:
        for name, value in metrics.items():
            self.epochs.setdefault(name, Series(64)).append(epoch, float(value))

    def metric_data(self, metric: str) -> tuple[np.ndarray, np.ndarray]:
        """(x in epochs, y) of `metric`; `BATCH_METRIC` is the smoothed batch loss, placed where each batch ends."""
        if metric == BATCH_METRIC:
            x, y = self.batch.smooth.data()
            return x / max(1, self.batches_per_epoch), y
        series = self.epochs.get(metric)
        return series.data() if series is not None else Series(1).data()

    def has(self, metric: str) -> bool:
        return len(self.batch.smooth) > 0 if metric == BATCH_METRIC else metric in self.epochs


def network_label(project: Project) -> str:
    """The network a run trains: its name, or the project's for a VAE or GAN (several networks)."""
    names = list(project.networks)
    if len(names) == 1:
        return names[0]
    return (project.name or "+".join(names)).lower()


def run_name(project: Project, overrides: dict | None = None, varied: str = "") -> str:
    """``network · optimizer lr=… [varied=…] · data`` for a run of `project` with `overrides`."""
    config = {**project.training, **(overrides or {})}
    settings = f"{config.get('optimizer', 'sgd')} lr={float(config.get('lr', 0)):g}"
    if varied and varied not in ("optimizer", "lr"):
        settings += f" {varied}={config.get(varied)}"
    dataset = str(config.get("dataset", ""))
    if "/" in dataset or "\\" in dataset:
        dataset = Path(dataset).name
    return f"{network_label(project)} · {settings} · {dataset}"


def _swatch(colour: str) -> QIcon:
    pixmap = QPixmap(12, 12)
    pixmap.fill(QColor(colour))
    return QIcon(pixmap)


class _NameDelegate(QStyledItemDelegate):
    """Edits a run's name (the list shows it with its status; the editor gets the bare name)."""

    def __init__(self, panel: RunsPanel):
        super().__init__(panel)
        self.panel = panel

    def setEditorData(self, editor: QLineEdit, index) -> None:
        run = self.panel.run(index.data(RUN_ROLE))
        editor.setText(run.name if run is not None else "")
        editor.selectAll()

    def setModelData(self, editor: QLineEdit, _model, index) -> None:
        self.panel.rename(index.data(RUN_ROLE), editor.text())


class RunsPanel(QWidget):
    """The Runs tab (see the module docstring); `runs` holds every run of the session, all projects."""

    def __init__(self, scheduler: RedrawScheduler, parent: QWidget | None = None):
        super().__init__(parent)
        self.runs: list[Run] = []
        self.project_key = ""
        self._syncing = False
        self._wanted_metric = ""  # see show_metric
        self.list = QListWidget()
        self.list.setObjectName("runList")
        self.list.setToolTip(
            "Tick runs to draw them; double-click (or F2) renames, Delete deletes, right-click for more."
        )
        self.list.setItemDelegate(_NameDelegate(self))
        self.list.setEditTriggers(
            QAbstractItemView.EditTrigger.DoubleClicked | QAbstractItemView.EditTrigger.EditKeyPressed
        )
        self.list.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.list.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.list.customContextMenuRequested.connect(self._context_menu)
        self.list.itemChanged.connect(self._item_changed)
        # A key press the list handles, not a shortcut: the canvas's Delete action owns that key.
        self.list.installEventFilter(self)
        self.rename_button = QPushButton("Rename")
        self.rename_button.clicked.connect(self.rename_current)
        self.delete_button = QPushButton("Delete")
        self.delete_button.setToolTip("Delete the selected runs (a run still training stays).")
        self.delete_button.clicked.connect(self.delete_selected)
        self.compare_metric = QComboBox()
        self.compare_metric.setObjectName("compareMetric")
        self.compare_metric.currentIndexChanged.connect(lambda _index: self.refresh())
        self.plot = ComparisonPlot(scheduler)
        self.note = QLabel()
        self.note.setObjectName("runsNote")
        self.note.setWordWrap(True)
        self._build()
        self._fill_metrics()

    def _build(self) -> None:
        buttons = QHBoxLayout()
        buttons.addWidget(self.rename_button)
        buttons.addWidget(self.delete_button)
        side = QVBoxLayout()
        side.setContentsMargins(0, 0, 0, 0)
        side.addWidget(QLabel("Runs of this project"))
        side.addWidget(self.list, 1)
        side.addLayout(buttons)
        side_widget = QWidget()
        side_widget.setLayout(side)
        side_widget.setMinimumWidth(220)
        side_widget.setMaximumWidth(340)
        row = QHBoxLayout()
        row.addWidget(QLabel("Compare"))
        row.addWidget(self.compare_metric, 1)
        right = QVBoxLayout()
        right.setContentsMargins(0, 0, 0, 0)
        right.addLayout(row)
        right.addWidget(self.plot.widget, 1)
        right.addWidget(self.note)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 4, 0, 0)
        layout.addLayout(right, 1)
        layout.addWidget(side_widget)

    def eventFilter(self, watched, event) -> bool:
        if (
            watched is self.list
            and event.type() == QEvent.Type.KeyPress
            and event.key() in (Qt.Key.Key_Delete, Qt.Key.Key_Backspace)
            and self.list.state() != QAbstractItemView.State.EditingState
        ):
            self.delete_selected()
            return True
        return super().eventFilter(watched, event)

    # -- which runs ---------------------------------------------------------------------------
    def project_runs(self) -> list[Run]:
        return [run for run in self.runs if run.project_key == self.project_key]

    def run(self, number: int) -> Run | None:
        return next((run for run in self.runs if run.number == number), None)

    def set_project(self, key: str) -> None:
        """Show the runs of the project `key` (a new or opened project)."""
        self.project_key = key
        self._rebuild_list()

    def rekey(self, old: str, new: str) -> None:
        """The open project got a file (Save As): its runs follow it."""
        for run in self.runs:
            if run.project_key == old:
                run.project_key = new
        if self.project_key == old:
            self.project_key = new

    def add_runs(self, runs: list[Run]) -> None:
        """New runs of the open project: ticked, and every run not ticked by hand unticked."""
        for run in self.project_runs():
            if not run.pinned:
                run.shown = False
        self.runs += runs
        self._rebuild_list()

    def update_run(self, run: Run) -> None:
        """The run's status or name changed."""
        item = self._item(run.number)
        if item is not None:
            self._syncing = True
            item.setText(run.label())
            item.setToolTip(run.tooltip())
            self._syncing = False
        self.refresh()

    def rename(self, number: int, text: str) -> None:
        run = self.run(number)
        text = " ".join(text.split())
        if run is None or not text:
            return
        run.name = text
        self.update_run(run)

    def rename_current(self) -> None:
        item = self.list.currentItem()
        if item is not None:
            self.list.editItem(item)

    def set_shown(self, numbers: list[int], shown: bool) -> None:
        for number in numbers:
            run = self.run(number)
            if run is not None:
                run.shown = run.pinned = shown
        self._rebuild_list()

    def delete_selected(self) -> None:
        numbers = {item.data(RUN_ROLE) for item in self.list.selectedItems()}
        self.delete(numbers)

    def delete(self, numbers: set[int]) -> None:
        """Delete runs; one still running or waiting to run stays."""
        self.runs = [run for run in self.runs if run.number not in numbers or run.status in ("running", "waiting")]
        self._rebuild_list()

    # -- the list -------------------------------------------------------------------------------
    def _item(self, number: int) -> QListWidgetItem | None:
        for index in range(self.list.count()):
            item = self.list.item(index)
            if item.data(RUN_ROLE) == number:
                return item
        return None

    def _rebuild_list(self) -> None:
        self._syncing = True
        selected = {item.data(RUN_ROLE) for item in self.list.selectedItems()}
        self.list.clear()
        for run in self.project_runs():
            item = QListWidgetItem(_swatch(run.colour), run.label())
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable | Qt.ItemFlag.ItemIsEditable)
            item.setCheckState(Qt.CheckState.Checked if run.shown else Qt.CheckState.Unchecked)
            item.setData(RUN_ROLE, run.number)
            item.setToolTip(run.tooltip())
            self.list.addItem(item)
            item.setSelected(run.number in selected)
        self._syncing = False
        self._fill_metrics()
        self.refresh()

    def _item_changed(self, item: QListWidgetItem) -> None:
        if self._syncing:
            return
        run = self.run(item.data(RUN_ROLE))
        shown = item.checkState() == Qt.CheckState.Checked
        if run is not None and shown != run.shown:
            run.shown = run.pinned = shown
            self.refresh()

    def _context_menu(self, position: QPoint) -> None:
        self.run_menu(self.list.itemAt(position)).exec(self.list.viewport().mapToGlobal(position))

    def run_menu(self, item: QListWidgetItem | None) -> QMenu:
        """The context menu of `item` (and the other selected runs)."""
        menu = QMenu(self)
        if item is None:
            menu.addAction("No run here").setEnabled(False)
            return menu
        if not item.isSelected():
            self.list.setCurrentItem(item)
        numbers = [selected.data(RUN_ROLE) for selected in self.list.selectedItems()] or [item.data(RUN_ROLE)]
        menu.addAction("Rename…", lambda: self.list.editItem(item))
        shown = item.checkState() == Qt.CheckState.Checked
        if shown:
            menu.addAction("Hide from the plot", lambda: self.set_shown(numbers, False))
        else:
            menu.addAction("Show in the plot", lambda: self.set_shown(numbers, True))
        menu.addSeparator()
        menu.addAction("Delete", lambda: self.delete(set(numbers)))
        return menu

    # -- the plot -----------------------------------------------------------------------------
    def show_metric(self, metric: str) -> None:
        """Compare the runs by `metric` (a lesson's); chosen as soon as a run has it."""
        self._wanted_metric = metric
        self.refresh()

    def _fill_metrics(self) -> None:
        current = self.compare_metric.currentData()
        present = {name for run in self.project_runs() for name in run.epochs}
        choices = [(BATCH_METRIC, "training loss per batch (smoothed)")]
        choices += [(name, f"{label} per epoch") for name, label in METRIC_LABELS.items() if name in present]
        wanted = self._wanted_metric
        if wanted and wanted in [key for key, _ in choices]:
            current, self._wanted_metric = wanted, ""
        elif [self.compare_metric.itemData(i) for i in range(self.compare_metric.count())] == [k for k, _ in choices]:
            return
        self.compare_metric.blockSignals(True)
        self.compare_metric.clear()
        for key, label in choices:
            self.compare_metric.addItem(label, key)
        index = self.compare_metric.findData(current)
        self.compare_metric.setCurrentIndex(max(index, 0))
        self.compare_metric.blockSignals(False)

    def refresh(self) -> None:
        """Redraw the ticked runs that compare with the latest ticked one."""
        self._fill_metrics()
        metric = self.compare_metric.currentData() or BATCH_METRIC
        label = "loss" if metric == BATCH_METRIC else METRIC_LABELS.get(metric, metric)
        self.plot.set_axis("epoch", label)
        ticked = [run for run in self.project_runs() if run.shown]
        started = [run for run in ticked if run.task]
        reference = max(started, key=lambda run: run.number) if started else None
        drawn, other_task, lacking = [], [], []
        # Losses of different kinds have different scales; a score such as accuracy compares across them.
        by_loss = metric == BATCH_METRIC or metric in LOSS_METRICS
        for run in ticked:
            if (
                reference is not None
                and run.task
                and (run.task != reference.task or (by_loss and run.loss != reference.loss))
            ):
                other_task.append(run)
            elif run.has(metric) or run.status in ("running", "waiting"):
                drawn.append((run.number, run.colour, lambda run=run: run.metric_data(metric)))
            else:
                lacking.append(run)
        self.plot.show_runs(drawn)
        notes = []
        if other_task:
            names = ", ".join(run.name for run in other_task)
            notes.append(f"Not drawn, another task or loss than {reference.name} ({reference.task}): {names}.")
        if lacking:
            notes.append(f"Not drawn, no {label}: {', '.join(run.name for run in lacking)}.")
        self.note.setText(" ".join(notes))
        self.note.setStyleSheet(f"color: {color('muted').name()}")
        self.note.setVisible(bool(notes))

    def data_changed(self) -> None:
        """A running run's curves grew."""
        self.plot.mark_dirty()
