"""Gradient and activation flow while training: the per-layer charts, node states and warnings.

The training worker samples every K steps (``backend.training.flow.DEFAULT_EVERY``:
hooks only on sampled steps; at K=20 the extra time per step measured 3-4 %, inside
the 5 % target, see ``bench/bench_flow.py``). `FlowPanel` is the Training dock's
Flow tab, the classic gradient-flow chart: per layer (forward order, top-level
nodes), the gradient norm on a log axis — the latest sample bold, the earlier ones
fading, so a collapse over time is seen — and beside it each layer's output mean
with its standard deviation as a bar.

From each sample it also derives what the canvas and the Problems dock show: a
state per node (`node_states`: ``ok``; ``weak`` when its gradient RMS is under 1 %
of the network's largest; ``vanishing`` / ``exploding`` where
``backend.training.flow.flag_gradients`` flags it) and one warning per node the
run has flagged (`problems`), with the step where it was first seen.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from app.docks.plots import RedrawScheduler, TimedPlot, legend_title, make_plot, set_title
from app.themes import color, series_color

HISTORY = 8  # samples drawn in the gradient chart, the oldest faintest
WEAK_RATIO = 1e-2  # gradient RMS under this share of the network's largest: "weak" (amber) on the node
MIN_NORM = 1e-12  # a zero gradient is drawn here on the log axis
TICK_SPACING_PX = 64  # room one layer name needs under the axis
FLAGGED = QColor("#d93025")


@dataclass(frozen=True)
class FlowWarning:
    """A node whose gradients vanished or exploded during the run."""

    network: str
    node: str
    kind: str
    step: int
    rms: float | None


def _top_level(event, network: str) -> list:
    return [flow for flow in event.nodes if flow.network == network and "." not in flow.node]


def node_states(event) -> dict[str, dict[str, tuple[str, str]]]:
    """Per network, per node name: (state, tooltip line) from one `FlowEvent`."""
    states: dict[str, dict[str, tuple[str, str]]] = {}
    for network in dict.fromkeys(flow.network for flow in event.nodes):
        flows = [flow for flow in _top_level(event, network) if flow.grad_rms is not None]
        finite = [flow.grad_rms for flow in flows if math.isfinite(flow.grad_rms)]
        largest = max(finite, default=0.0)
        for flow in flows:
            if flow.flag:
                state = flow.flag
            elif largest > 0 and flow.grad_rms < WEAK_RATIO * largest:
                state = "weak"
            else:
                state = "ok"
            tip = f"step {event.step}: gradient norm {flow.grad_norm:.3g}, RMS {flow.grad_rms:.3g}"
            if flow.act_std is not None:
                tip += f"; output mean {flow.act_mean:.3g}, std {flow.act_std:.3g}"
            states.setdefault(network, {})[flow.node] = (state, tip)
    return states


class GradientChart(TimedPlot):
    """Gradient norm per layer on a log axis: the last `HISTORY` samples, older ones fainter."""

    TITLE = "Gradient norm per layer"

    def __init__(self, scheduler: RedrawScheduler):
        self.widget = make_plot(self.TITLE, "layer (input → output)", "gradient norm")
        item = self.widget.getPlotItem()
        item.setLogMode(x=False, y=True)
        item.setDownsampling(auto=False)
        self.samples: list = []
        self.network = ""
        self._init_timer(scheduler)

    def show(self, samples: list, network: str) -> None:
        self.samples, self.network = samples[-HISTORY:], network
        self.mark_dirty()

    def redraw(self) -> None:
        item = self.widget.getPlotItem()
        item.clear()
        if not self.samples:
            set_title(self.widget, self.TITLE)
            return
        names = [f.node for f in _top_level(self.samples[-1], self.network) if f.grad_norm is not None]
        position = {name: index for index, name in enumerate(names)}
        base = QColor(series_color(0))
        for age, event in enumerate(reversed(self.samples)):
            xs, ys, flagged = [], [], []
            for flow in _top_level(event, self.network):
                if flow.node in position and flow.grad_norm is not None and math.isfinite(flow.grad_norm):
                    xs.append(position[flow.node])
                    ys.append(max(flow.grad_norm, MIN_NORM))
                    if flow.flag and age == 0:
                        flagged.append((position[flow.node], ys[-1]))
            shade = QColor(base)
            shade.setAlphaF(1.0 if age == 0 else max(0.12, 0.55 - 0.06 * age))
            if age == 0:
                item.plot(xs, ys, pen=pg.mkPen(shade, width=2.5), symbol="o", symbolSize=6, symbolBrush=shade)
            else:
                item.plot(xs, ys, pen=pg.mkPen(shade, width=1))
            if flagged:
                fx, fy = zip(*flagged, strict=True)
                item.plot(fx, fy, pen=None, symbol="o", symbolSize=12, symbolBrush=FLAGGED, symbolPen=None)
        _name_ticks(item, names)
        latest = self.samples[-1]
        legend = [(f"step {latest.step}", base.name()), ("earlier (fainter)", color("muted").name())]
        if any(f.flag for f in _top_level(latest, self.network)):
            legend.append(("vanishing / exploding", FLAGGED.name()))
        set_title(self.widget, legend_title(self.TITLE, legend))


class ActivationChart(TimedPlot):
    """Each layer's output mean, with ±1 standard deviation as a bar, at the latest sample."""

    TITLE = "Layer outputs"

    def __init__(self, scheduler: RedrawScheduler):
        self.widget = make_plot(self.TITLE, "layer (input → output)", "activation")
        self.widget.getPlotItem().setDownsampling(auto=False)
        self.event = None
        self.network = ""
        self._init_timer(scheduler)

    def show(self, event, network: str) -> None:
        self.event, self.network = event, network
        self.mark_dirty()

    def redraw(self) -> None:
        item = self.widget.getPlotItem()
        item.clear()
        if self.event is None:
            set_title(self.widget, self.TITLE)
            return
        flows = [f for f in _top_level(self.event, self.network) if f.act_mean is not None and f.act_std is not None]
        flows = [f for f in flows if math.isfinite(f.act_mean) and math.isfinite(f.act_std)]
        x = np.arange(len(flows), dtype=np.float64)
        mean = np.array([f.act_mean for f in flows], dtype=np.float64)
        std = np.array([f.act_std for f in flows], dtype=np.float64)
        mean_colour, std_colour = series_color(1), series_color(2)
        if len(flows):
            item.addItem(pg.ErrorBarItem(x=x, y=mean, height=2 * std, beam=0.25, pen=pg.mkPen(std_colour, width=2)))
            item.plot(x, mean, pen=pg.mkPen(mean_colour, width=2), symbol="o", symbolSize=6, symbolBrush=mean_colour)
        _name_ticks(item, [f.node for f in flows])
        legend = [("mean", mean_colour), ("± 1 std", std_colour)]
        set_title(self.widget, legend_title(f"{self.TITLE}, step {self.event.step}", legend))


def _name_ticks(item: pg.PlotItem, names: list[str]) -> None:
    """Layer names under their points; every k-th name when there are many, all of them in the tooltip."""
    room = max(2, int(item.getViewBox().width() // TICK_SPACING_PX))
    every = max(1, math.ceil(len(names) / room))
    ticks = [(index, name if len(name) <= 10 else name[:9] + "…") for index, name in enumerate(names)]
    item.getAxis("bottom").setTicks([ticks[::every], ticks])
    item.getAxis("bottom").setStyle(maxTickLevel=0)
    item.setToolTip("Layers, input side first: " + ", ".join(names))


class FlowPanel(QWidget):
    """The Flow tab: both charts, the network to show (for a VAE or GAN) and what the samples say.

    Signals:
        node_states_changed(dict): per network, per node name, (state, tooltip) of the latest sample.
        problems_changed(list): a `FlowWarning` per node flagged during the run.
    """

    node_states_changed = Signal(object)
    problems_changed = Signal(object)

    def __init__(self, scheduler: RedrawScheduler, parent: QWidget | None = None):
        super().__init__(parent)
        self.gradients = GradientChart(scheduler)
        self.activations = ActivationChart(scheduler)
        self.network = QComboBox()
        self.network.setToolTip("The network whose layers are shown.")
        self.network.currentTextChanged.connect(lambda _text: self._show())
        self.note = QLabel()
        self.note.setWordWrap(True)
        self.set_interval(0)
        self.samples: list = []
        self.warnings: dict[tuple[str, str], FlowWarning] = {}
        top = QHBoxLayout()
        top.addWidget(self.note, 1)
        top.addWidget(self.network)
        charts = QHBoxLayout()
        charts.addWidget(self.gradients.widget, 3)
        charts.addWidget(self.activations.widget, 2)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 4, 0, 0)
        layout.addLayout(top)
        layout.addLayout(charts, 1)
        self.clear()

    def set_interval(self, every: int) -> None:
        """Say how often the running training samples (0: not known yet)."""
        when = f"every {every} steps" if every else "every few steps"
        self.note.setText(f"Sampled {when} while training. A red dot marks where gradients vanish or explode.")

    def clear(self) -> None:
        self.samples = []
        self.warnings = {}
        self.network.blockSignals(True)
        self.network.clear()
        self.network.setVisible(False)
        self.network.blockSignals(False)
        self._show()
        self.node_states_changed.emit({})
        self.problems_changed.emit([])

    def add_samples(self, events: list) -> None:
        """New `FlowEvent` samples of the running run."""
        if not events:
            return
        self.samples = (self.samples + list(events))[-HISTORY * 4 :]
        for network in dict.fromkeys(flow.network for flow in events[-1].nodes):
            if self.network.findText(network) < 0:
                self.network.addItem(network)
        self.network.setVisible(self.network.count() > 1)
        flagged = False
        for event in events:
            for flow in event.flagged:
                key = (flow.network, flow.node)
                if key not in self.warnings:
                    self.warnings[key] = FlowWarning(flow.network, flow.node, flow.flag, event.step, flow.grad_rms)
                    flagged = True
        self._show()
        self.node_states_changed.emit(node_states(events[-1]))
        if flagged:
            self.problems_changed.emit(list(self.warnings.values()))

    def _show(self) -> None:
        network = self.network.currentText()
        self.gradients.show(self.samples, network)
        self.activations.show(self.samples[-1] if self.samples else None, network)
