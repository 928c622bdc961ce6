"""Live training curves with pyqtgraph that never slow the window down.

Owns `Series` (a preallocated numpy buffer that doubles when full) and the plot
widgets of the Training dock. The pattern is pyqtgraph's scrolling-plot example:
data are appended to buffers as events arrive, and a `QTimer` redraws at most
~30 times a second with ``setData(buf[:n])`` on curves that use clip-to-view and
peak downsampling. Nothing here is ever called from the training thread.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QObject, QTimer
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


def _make_plot(title: str, x_label: str, y_label: str = "") -> pg.PlotWidget:
    widget = ThemedPlotWidget()
    item = widget.getPlotItem()
    item.setTitle(title, size="9pt")
    item.setLabel("bottom", x_label)
    if y_label:
        item.setLabel("left", y_label)
    item.showGrid(x=True, y=True, alpha=0.15)
    item.setClipToView(True)
    item.setDownsampling(mode="peak", auto=True)
    item.setMenuEnabled(False)
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
        self.plots: list[_TimedPlot] = []
        self._next = 0
        self.timer = QTimer(self)
        self.timer.setInterval(REDRAW_INTERVAL_MS)
        self.timer.timeout.connect(self.tick)
        self.timer.start()

    def add(self, plot: _TimedPlot) -> None:
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


class _TimedPlot:
    """Base: marks itself dirty when data arrive; the scheduler calls `redraw` later."""

    def _init_timer(self, scheduler: RedrawScheduler) -> None:
        self.dirty = False
        scheduler.add(self)

    def mark_dirty(self) -> None:
        self.dirty = True


class BatchLossPlot(_TimedPlot):
    """Training loss per optimizer step: each batch faint, a smoothed line on top."""

    def __init__(self, scheduler: RedrawScheduler):
        self.widget = _make_plot("Training loss per batch", "step", "loss")
        self.series = SmoothedSeries()
        base = QColor(series_color(0))
        faint = QColor(base)
        faint.setAlpha(70)
        self.raw_curve = self.widget.plot(pen=pg.mkPen(faint, width=1))
        self.smooth_curve = self.widget.plot(pen=pg.mkPen(base, width=2))
        self._init_timer(scheduler)

    def clear(self) -> None:
        self.series = SmoothedSeries()
        self.raw_curve.setData([], [])
        self.smooth_curve.setData([], [])

    def append(self, steps: list[tuple[int, float]]) -> None:
        for step, loss in steps:
            self.series.append(step, loss)
        self.mark_dirty()

    def redraw(self) -> None:
        x, y = self.series.data()
        finite = np.isfinite(y)
        if finite.all():
            self.raw_curve.setData(x, y)
        else:  # a NaN in the data would blank pyqtgraph's whole line
            self.raw_curve.setData(x[finite], y[finite])
        self.smooth_curve.setData(*self.series.smooth.data())


class EpochPlot(_TimedPlot):
    """Per-epoch metrics, one curve per metric name that appears (with a legend)."""

    def __init__(
        self, scheduler: RedrawScheduler, title: str, y_label: str, names: tuple[str, ...], legend_at_bottom=False
    ):
        self.widget = _make_plot(title, "epoch", y_label)
        # Losses fall and scores rise: each legend goes where its curves usually are not.
        self.widget.addLegend(offset=(-10, -10) if legend_at_bottom else (-10, 10))
        self.names = names
        self.series: dict[str, Series] = {}
        self.curves: dict[str, pg.PlotDataItem] = {}
        self._init_timer(scheduler)

    def clear(self) -> None:
        for curve in self.curves.values():
            self.widget.removeItem(curve)
        self.series.clear()
        self.curves.clear()

    def add_epoch(self, epoch: int, metrics: dict[str, float]) -> None:
        for name in self.names:
            value = metrics.get(name)
            if value is None:
                continue
            if name not in self.series:
                index = self.names.index(name)
                self.series[name] = Series(64)
                pen = pg.mkPen(series_color(index), width=2)
                self.curves[name] = self.widget.plot(
                    pen=pen, symbol="o", symbolSize=5, symbolBrush=series_color(index), name=METRIC_LABELS[name]
                )
            self.series[name].append(epoch, float(value))
        self.mark_dirty()

    def redraw(self) -> None:
        for name, series in self.series.items():
            x, y = series.data()
            finite = np.isfinite(y)
            self.curves[name].setData(x[finite], y[finite])


class ComparisonPlot(_TimedPlot):
    """Several runs overlaid in one plot, each a coloured line in the legend."""

    def __init__(self, scheduler: RedrawScheduler):
        self.widget = _make_plot("Runs compared", "step")
        self.widget.addLegend(offset=(-10, 10))  # the curves' names show in it
        self.curves: dict[int, pg.PlotDataItem] = {}
        self._sources: dict[int, tuple[str, object]] = {}
        self._init_timer(scheduler)

    def set_axis(self, x_label: str, y_label: str) -> None:
        item = self.widget.getPlotItem()
        item.setLabel("bottom", x_label)
        item.setLabel("left", y_label)

    def show_runs(self, runs: list[tuple[int, str, object]]) -> None:
        """Show exactly `runs`: (run id, legend name, callable returning (x, y) arrays)."""
        wanted = {run_id for run_id, _, _ in runs}
        for run_id in list(self.curves):
            if run_id not in wanted:
                self.widget.removeItem(self.curves.pop(run_id))
                self._sources.pop(run_id, None)
        for run_id, name, source in runs:
            if run_id not in self.curves:
                pen = pg.mkPen(series_color(run_id - 1), width=2)
                self.curves[run_id] = self.widget.plot(pen=pen, name=name)
            self._sources[run_id] = (name, source)
        self.mark_dirty()

    def redraw(self) -> None:
        for run_id, (_name, source) in self._sources.items():
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
LOSS_METRICS = ("train_loss", "val_loss", "recon", "kl", "val_recon", "val_kl", "d_loss", "g_loss")
SCORE_METRICS = ("val_accuracy", "r2", "d_accuracy")
