"""Live training curves with pyqtgraph that never slow the window down.

Owns `Series` (a preallocated numpy buffer that doubles when full) and the plot
widgets of the Training dock. The pattern is pyqtgraph's scrolling-plot example:
data are appended to buffers as events arrive, and a `QTimer` redraws at most
~30 times a second with ``setData(buf[:n])`` on curves that use clip-to-view and
peak downsampling. Nothing here is ever called from the training thread.

Legends never lie over the curves: a plot with several lines names them in its
title, each name in its line's colour (`legend_title`); the runs compared are named
by the list beside their plot.
"""

from __future__ import annotations

import types

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QObject, Qt, QTimer
from PySide6.QtGui import QColor

from app.themes import color, series_color, theme_signal

REDRAW_INTERVAL_MS = 33  # ~30 redraws per second at most
SMOOTHING = 0.9  # exponential moving average weight of the smoothed loss line


class Series:
    """Growing (x, y) data in preallocated numpy buffers."""

    def __init__(self, capacity: int = 1024):
        self.x = np.empty(capacity, dtype=np.float64)
        self.y = np.empty(capacity, dtype=np.float64)
        self.n = 0

    def append(self, x: float, y: float) -> None:
        if self.n == len(self.x):
            self.x = np.resize(self.x, 2 * len(self.x))
            self.y = np.resize(self.y, 2 * len(self.y))
        self.x[self.n] = x
        self.y[self.n] = y
        self.n += 1

    def data(self) -> tuple[np.ndarray, np.ndarray]:
        return self.x[: self.n], self.y[: self.n]

    def __len__(self) -> int:
        return self.n


class SmoothedSeries(Series):
    """A series plus its exponential moving average (the readable trend of a noisy loss)."""

    def __init__(self, capacity: int = 1024):
        super().__init__(capacity)
        self.smooth = Series(capacity)
        self._ema: float | None = None

    def append(self, x: float, y: float) -> None:
        super().append(x, y)
        if not np.isfinite(y):
            return
        # Seeded with the first value, so the line starts where the loss starts rather than near zero.
        self._ema = y if self._ema is None else SMOOTHING * self._ema + (1 - SMOOTHING) * y
        self.smooth.append(x, self._ema)


class ThemedPlotWidget(pg.PlotWidget):
    """A plot whose background follows the theme (a bound slot, so it disconnects when deleted)."""

    def __init__(self):
        super().__init__()
        self.setBackground(color("plot_bg"))
        theme_signal.theme_changed.connect(self.follow_theme)

    def follow_theme(self, _theme: str) -> None:
        self.setBackground(color("plot_bg"))
        for axis in ("left", "bottom"):
            self.getPlotItem().getAxis(axis).setTextPen(color("plot_fg"))
            self.getPlotItem().getAxis(axis).setPen(color("plot_fg"))


def legend_title(title: str, names: list[tuple[str, str]]) -> str:
    """`title` followed by each (label, colour) as a coloured bullet: the legend of a small plot."""
    if not names:
        return title
    bullets = " ".join(f"<span style='color:{colour}'>● {label}</span>" for label, colour in names)
    return f"{title} &nbsp;<span style='font-size:8pt'>{bullets}</span>"


def set_title(widget: pg.PlotWidget, text: str) -> None:
    """Set a plot's title; a title longer than the plot is cut rather than widening the plot past its place."""
    label = widget.getPlotItem().titleLabel
    if not getattr(label, "_width_free", False):
        label.updateMin = types.MethodType(_height_only_minimum, label)
        label._width_free = True
    widget.getPlotItem().setTitle(text, size="9pt")


def _height_only_minimum(label: pg.LabelItem) -> None:
    # pyqtgraph's LabelItem.updateMin makes the text's width the label's minimum (and
    # preferred) width on every change and resize; in a narrow dock that pushed the axes
    # out of sight. Only the height is kept.
    height = label.itemRect().height()
    label.setMinimumWidth(0)
    label.setMinimumHeight(height)
    label._sizeHint = {
        Qt.SizeHint.MinimumSize: (0, height),
        Qt.SizeHint.PreferredSize: (0, height),
        Qt.SizeHint.MaximumSize: (-1, -1),
        Qt.SizeHint.MinimumDescent: (0, 0),
    }
    label.updateGeometry()


def make_plot(title: str, x_label: str, y_label: str = "") -> pg.PlotWidget:
    widget = ThemedPlotWidget()
    item = widget.getPlotItem()
    set_title(widget, title)
    item.setLabel("bottom", x_label)
    if y_label:
        item.setLabel("left", y_label)
    item.showGrid(x=True, y=True, alpha=0.15)
    item.setClipToView(True)
    item.setDownsampling(mode="peak", auto=True)
    item.setMenuEnabled(False)
    for axis in ("left", "bottom"):
        item.getAxis(axis).enableAutoSIPrefix(False)  # "accuracy (x0.001)" reads as a bug
    widget.setMinimumHeight(120)
    return widget


class RedrawScheduler(QObject):
    """One timer for all the plots of a dock: each tick redraws one plot whose data changed.

    Qt paints every widget marked for update in one pass, so redrawing all plots on the
    same tick would make one long paint; taking them in turn keeps each pass to one
    plot. Hidden plots (a tab in the back) wait until they are shown.
    """

    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        self.plots: list[TimedPlot] = []
        self._next = 0
        self.timer = QTimer(self)
        self.timer.setInterval(REDRAW_INTERVAL_MS)
        self.timer.timeout.connect(self.tick)
        self.timer.start()

    def add(self, plot: TimedPlot) -> None:
        self.plots.append(plot)

    def tick(self) -> None:
        count = len(self.plots)
        for offset in range(count):
            plot = self.plots[(self._next + offset) % count]
            if plot.dirty and plot.widget.isVisible():
                plot.dirty = False
                plot.redraw()
                self._next = (self._next + offset + 1) % count
                return


class TimedPlot:
    """Base: marks itself dirty when data arrive; the scheduler calls `redraw` later."""

    def _init_timer(self, scheduler: RedrawScheduler) -> None:
        self.dirty = False
        scheduler.add(self)

    def mark_dirty(self) -> None:
        self.dirty = True


class BatchLossPlot(TimedPlot):
    """Training loss per optimizer step: each batch faint, a smoothed line on top.

    By default the loss itself (`series`, `raw_curve`, `smooth_curve`); `show_parts`
    draws named parts of the loss instead, a pair of lines each (a GAN's discriminator
    and generator losses, which mean little summed). The loss is kept either way.
    """

    TITLE = "Loss per batch"

    def __init__(self, scheduler: RedrawScheduler):
        self.widget = make_plot(self.TITLE, "step", "loss")
        self.series = SmoothedSeries()
        self.raw_curve, self.smooth_curve = self._pair(0)
        self.parts: tuple[str, ...] = ()
        self.part_series: dict[str, SmoothedSeries] = {}
        self.part_curves: dict[str, tuple[pg.PlotDataItem, pg.PlotDataItem]] = {}
        self._init_timer(scheduler)

    def _pair(self, index: int) -> tuple[pg.PlotDataItem, pg.PlotDataItem]:
        base = QColor(series_color(index))
        faint = QColor(base)
        faint.setAlpha(70)
        return self.widget.plot(pen=pg.mkPen(faint, width=1)), self.widget.plot(pen=pg.mkPen(base, width=2))

    def show_parts(self, parts: tuple[str, ...]) -> None:
        """Draw these parts of the loss (none: the loss itself); clears the plot."""
        for pair in self.part_curves.values():
            for curve in pair:
                self.widget.removeItem(curve)
        self.parts = tuple(parts)
        self.part_curves = {name: self._pair(index) for index, name in enumerate(self.parts)}
        legend = [(SHORT_LABELS.get(name, name), series_color(index)) for index, name in enumerate(self.parts)]
        set_title(self.widget, legend_title(self.TITLE, legend))
        self.clear()

    def clear(self) -> None:
        self.series = SmoothedSeries()
        self.part_series = {name: SmoothedSeries() for name in self.parts}
        for curve in (self.raw_curve, self.smooth_curve, *(c for pair in self.part_curves.values() for c in pair)):
            curve.setData([], [])

    def append(self, steps: list[tuple[int, float]], parts: dict[str, list[tuple[int, float]]] | None = None) -> None:
        for step, loss in steps:
            self.series.append(step, loss)
        for name, series in self.part_series.items():
            for step, value in (parts or {}).get(name, ()):
                series.append(step, value)
        self.mark_dirty()

    def redraw(self) -> None:
        if self.parts:
            for name, (raw, smooth) in self.part_curves.items():
                _draw_pair(raw, smooth, self.part_series[name])
        else:
            _draw_pair(self.raw_curve, self.smooth_curve, self.series)


def _draw_pair(raw: pg.PlotDataItem, smooth: pg.PlotDataItem, series: SmoothedSeries) -> None:
    x, y = series.data()
    finite = np.isfinite(y)
    if finite.all():
        raw.setData(x, y)
    else:  # a NaN in the data would blank pyqtgraph's whole line
        raw.setData(x[finite], y[finite])
    smooth.setData(*series.smooth.data())


class EpochPlot(TimedPlot):
    """Per-epoch metrics: one curve per metric of `names` that arrives, named in the title."""

    def __init__(self, scheduler: RedrawScheduler, title: str, y_label: str, names: tuple[str, ...]):
        self.widget = make_plot(title, "epoch", y_label)
        self.title = title
        self.names = names
        self.series: dict[str, Series] = {}
        self.curves: dict[str, pg.PlotDataItem] = {}
        self._init_timer(scheduler)

    def configure(self, title: str, y_label: str, names: tuple[str, ...]) -> None:
        """Show other metrics (the task decides which): clears the plot."""
        self.title, self.names = title, names
        self.widget.getPlotItem().setLabel("left", y_label)
        self.clear()

    def clear(self) -> None:
        for curve in self.curves.values():
            self.widget.removeItem(curve)
        self.series.clear()
        self.curves.clear()
        set_title(self.widget, self.title)

    def add_epoch(self, epoch: int, metrics: dict[str, float]) -> None:
        for name in self.names:
            value = metrics.get(name)
            if value is None:
                continue
            if name not in self.series:
                colour = series_color(self.names.index(name))
                self.series[name] = Series(64)
                pen = pg.mkPen(colour, width=2)
                self.curves[name] = self.widget.plot(pen=pen, symbol="o", symbolSize=5, symbolBrush=colour)
                self._update_title()
            self.series[name].append(epoch, float(value))
        self.mark_dirty()

    def _update_title(self) -> None:
        # The title says what is plotted; the legend only tells the curves apart, in short words.
        shown = [name for name in self.names if name in self.series]
        legend = [(SHORT_LABELS.get(n, n), series_color(self.names.index(n))) for n in shown] if len(shown) > 1 else []
        set_title(self.widget, legend_title(self.title, legend))

    def redraw(self) -> None:
        for name, series in self.series.items():
            x, y = series.data()
            finite = np.isfinite(y)
            self.curves[name].setData(x[finite], y[finite])


class ComparisonPlot(TimedPlot):
    """Several runs overlaid in one plot, each in its run's colour (the runs list beside it is the legend)."""

    def __init__(self, scheduler: RedrawScheduler):
        self.widget = make_plot("", "epoch")
        self.widget.getPlotItem().setTitle(None)  # the choice above it says what is compared
        self.curves: dict[int, pg.PlotDataItem] = {}
        self._sources: dict[int, object] = {}
        self._init_timer(scheduler)

    def set_axis(self, x_label: str, y_label: str) -> None:
        item = self.widget.getPlotItem()
        item.setLabel("bottom", x_label)
        item.setLabel("left", y_label)

    def show_runs(self, runs: list[tuple[int, str, object]]) -> None:
        """Show exactly `runs`: (run id, colour, callable returning (x, y) arrays)."""
        wanted = {run_id for run_id, _, _ in runs}
        for run_id in list(self.curves):
            if run_id not in wanted:
                self.widget.removeItem(self.curves.pop(run_id))
                self._sources.pop(run_id, None)
        for run_id, colour, source in runs:
            if run_id not in self.curves:
                self.curves[run_id] = self.widget.plot(pen=pg.mkPen(colour, width=2))
            self._sources[run_id] = source
        self.mark_dirty()

    def redraw(self) -> None:
        for run_id, source in self._sources.items():
            x, y = source()
            finite = np.isfinite(y)
            self.curves[run_id].setData(x[finite], y[finite])


METRIC_LABELS = {
    "train_loss": "train loss",
    "val_loss": "validation loss",
    "val_accuracy": "validation accuracy",
    "r2": "R²",
    "recon": "reconstruction",
    "kl": "KL",
    "d_loss": "discriminator loss",
    "g_loss": "generator loss",
    "d_accuracy": "discriminator accuracy",
    "val_recon": "validation reconstruction",
    "val_kl": "validation KL",
    "lr": "learning rate",
}
# Names in a plot's legend, where the title already says which quantity it is.
SHORT_LABELS = {
    "train_loss": "train",
    "val_loss": "validation",
    "recon": "train",
    "val_recon": "validation",
    "kl": "train",
    "val_kl": "validation",
    "d_loss": "discriminator",
    "g_loss": "generator",
}
LOSS_METRICS = ("train_loss", "val_loss", "recon", "kl", "val_recon", "val_kl", "d_loss", "g_loss")
