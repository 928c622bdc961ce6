"""Gradient and activation flow while training: the Flow tab's per-layer charts, a badge on each
node, and vanishing gradients flagged on the node where they happen (Problems dock, pinned)."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from app.docks.training_dock import FLOW_TAB
from backend.training.flow import DEFAULT_EVERY
from graph.presets import build_preset
from tests.gui.training.helpers import OFFSCREEN_NOTES, quick, show_dock, show_tab, train

pytestmark = pytest.mark.qt_log_ignore(OFFSCREEN_NOTES)
DEEP = "64,64,64,64,64,64,64,64"


def training_rows(window) -> list[tuple[str, str, str]]:
    return [row for row in window.problems.rows() if row[2] == "training"]


def test_a_deep_sigmoid_mlp_shows_vanishing_gradients_on_its_node_as_it_trains(window, qtbot):
    project = quick(build_preset("mlp", {"hidden_sizes": DEEP, "activation": "sigmoid"}), epochs=1)
    window.load_project(project)
    train(window, qtbot)
    flow = window.training.flow
    assert [event.step for event in flow.samples] == [1]  # sampled every DEFAULT_EVERY steps from the first
    (row,) = training_rows(window)
    assert row[0].startswith("mlp/fc") and "vanishing gradients at step 1" in row[1]
    node_name = row[0].split("/")[1]
    scene = window.editor.scene()
    node_id = window.document.network.node_by_name(node_name).id
    assert scene.nodes[node_id].flow_state == "vanishing"
    assert "gradient flow vanishing" in scene.nodes[node_id].toolTip()
    assert scene.nodes[window.document.network.node_by_name("fc9").id].flow_state == "ok"
    assert scene.nodes[window.document.network.node_by_name("sigmoid1").id].flow_state == ""  # no weights

    show_tab(window, FLOW_TAB)
    chart = flow.gradients.widget.getPlotItem()
    qtbot.waitUntil(lambda: bool(chart.listDataItems()))
    assert chart.getAxis("left").logMode
    latest = chart.listDataItems()[0]
    assert len(latest.getData()[0]) == 9  # fc1 … fc9, input side first
    ticks = chart.getAxis("bottom")._tickLevels[1]
    assert [name for _, name in ticks] == [f"fc{i}" for i in range(1, 10)]
    flagged = [item for item in chart.listDataItems() if item.opts["symbolSize"] == 12]
    assert flagged, "the vanishing layer is not marked in the chart"
    activations = flow.activations.widget.getPlotItem()
    qtbot.waitUntil(lambda: bool(activations.listDataItems()))
    assert len(activations.listDataItems()[0].getData()[0]) == 17  # every layer with an output of its own

    show_dock(window, "Problems")
    tree = window.problems.tree
    index = window.problems.rows().index(row)
    centre = tree.visualItemRect(tree.topLevelItem(index)).center()
    QTest.mouseClick(tree.viewport(), Qt.MouseButton.LeftButton, pos=centre)
    QTest.mouseDClick(tree.viewport(), Qt.MouseButton.LeftButton, pos=centre)
    assert scene.selected_node_ids() == [node_id]


def test_a_healthy_network_flows_without_warnings_and_samples_every_k_steps(window, qtbot):
    window.load_project(quick(build_preset("mlp"), epochs=1, max_batches=DEFAULT_EVERY + 2))
    train(window, qtbot)
    assert [event.step for event in window.training.flow.samples] == [1, DEFAULT_EVERY + 1]
    assert f"every {DEFAULT_EVERY} steps" in window.training.flow.note.text()
    assert training_rows(window) == []
    states = {item.node.name: item.flow_state for item in window.editor.scene().nodes.values()}
    assert states["fc1"] in ("ok", "weak") and states["fc3"] == "ok"
    window.load_project(quick(build_preset("mlp")))
    assert window.training.flow.samples == [] and window.editor.flow_states == {}
