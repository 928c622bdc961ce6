"""The drawing: layered layout on the canvas, ports on the flow's sides, edges around cards, Fit View.

Every preset (and every block body) is checked as drawn: cards never overlap, no
edge runs through a card it does not connect, no label sits on a card, a port or
another label.
"""

from __future__ import annotations

import pytest
from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtTest import QTest

from app.canvas.scene import CanvasScene
from app.canvas.style import PORT_RADIUS
from app.document import Document
from graph.layout import apply_layout
from graph.network import Network
from graph.presets import PRESETS, build_preset
from graph.project import Project
from tests.gui.conftest import connect_by_drag, drag, node_id, view_point

pytestmark = pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints")


def card(item) -> QRectF:
    return item.mapRectToScene(item.card_rect())


def path_points(edge, count: int = 160) -> list[QPointF]:
    return [edge.path.pointAtPercent(i / count) for i in range(count + 1)]


def drawing_problems(scene: CanvasScene) -> list[str]:
    """What is wrong with the drawing of `scene`, in words (empty when nothing is)."""
    problems = []
    cards = {node_id: card(item) for node_id, item in scene.nodes.items()}
    ids = list(cards)
    for index, first in enumerate(ids):
        for second in ids[index + 1 :]:
            if cards[first].intersects(cards[second]):
                problems.append(f"cards {first} and {second} overlap")
    ports = [
        port.scenePos() for item in scene.nodes.values() for port in (*item.inputs.values(), *item.outputs.values())
    ]
    labels = []
    for edge, item in scene.edges.items():
        for node, rect in cards.items():
            if node in (edge.src, edge.dst):
                continue
            inner = rect.adjusted(1, 1, -1, -1)
            if any(inner.contains(point) for point in path_points(item)):
                problems.append(f"edge {edge.key} runs through card {node}")
            if item.label and item.label_rect.intersects(rect):
                problems.append(f"the label of {edge.key} lies on card {node}")
        if item.label:
            near = item.label_rect.adjusted(-PORT_RADIUS, -PORT_RADIUS, PORT_RADIUS, PORT_RADIUS)
            if any(near.contains(port) for port in ports):
                problems.append(f"the label of {edge.key} lies on a port")
            problems += [
                f"labels of {edge.key} and {other} overlap"
                for other, rect in labels
                if rect.intersects(item.label_rect)
            ]
            labels.append((edge.key, item.label_rect))
    return problems


def preset_scenes():
    """(name, document, network, block path) of every preset network and one view of each block body."""
    cases = []
    for name in PRESETS:
        document = Document(build_preset(name))
        for network in document.project.networks:
            cases.append((f"{name}/{network}", document, network, ()))
            seen = set()
            for node in document.project.networks[network].nodes.values():
                block = node.params.get("block")
                if node.type == "Block" and block not in seen:
                    seen.add(block)
                    cases.append((f"{name}/{network}/{block}", document, network, (node.id,)))
    return cases


@pytest.mark.parametrize("case", preset_scenes(), ids=lambda case: case[0])
def test_every_preset_is_drawn_cleanly(qtbot, case):
    _name, document, network, path = case
    scene = CanvasScene(document, network, path)
    assert scene.flow == "TB"
    assert drawing_problems(scene) == []
    scene.detach()


def test_ports_sit_on_the_sides_the_drawing_flows_through(qtbot, editor, document):
    scene = editor.scene()
    assert scene.flow == "LR"  # the fixture's nodes stand in a row
    for item in scene.nodes.values():
        rect = card(item)
        assert all(port.scenePos().x() == rect.left() for port in item.inputs.values())
        assert all(port.scenePos().x() == rect.right() for port in item.outputs.values())
    editor.view.setFocus()
    QTest.keyClick(editor.view, Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    qtbot.waitUntil(lambda: scene.flow == "TB")
    for item in scene.nodes.values():
        rect = card(item)
        assert all(port.scenePos().y() == rect.top() for port in item.inputs.values())
        assert all(port.scenePos().y() == rect.bottom() for port in item.outputs.values())
    assert drawing_problems(scene) == []
    document.undo_stack.undo()
    qtbot.waitUntil(lambda: scene.flow == "LR")


def test_a_skip_connection_runs_in_a_lane_beside_the_layers_it_skips(qtbot):
    document = Document(build_preset("resnet", {"depth": 18}))
    network = document.current_network
    block = next(n for n in document.network.nodes.values() if n.params.get("block") == "BasicBlock")
    scene = CanvasScene(document, network, (block.id,))
    body = scene.network
    skip = next(e for e in body.edges if body.nodes[e.src].type == "Input" and body.nodes[e.dst].type == "Add")
    item = scene.edges[skip]
    assert len(item.route) == 4  # out of the port, into the lane, along it, into the port
    lane_x = item.route[1][1]
    skipped = [card(scene.nodes[n]) for n in body.nodes if body.nodes[n].type not in ("Input", "Add", "Output", "ReLU")]
    assert all(rect.right() < lane_x or rect.left() > lane_x for rect in skipped)
    assert item.label_rect.center().x() == pytest.approx(lane_x)
    scene.detach()


def column_project(free_x: float = 400.0, feed_relu: bool = False) -> Project:
    """features (0, 0) -> fc (0, 400): one long edge; relu at (`free_x`, 180), fed by features or not."""
    net = Network("net")
    features = net.add("Input", name="features", shape=(1024,))
    fc = net.add("Linear", name="fc", out_features=4)
    relu = net.add("ReLU", name="relu")
    net.wire(features, fc)
    if feed_relu:
        net.wire(features, relu)
    net.move_node(fc.id, (0.0, 400.0))
    net.move_node(relu.id, (free_x, 180.0))
    project = Project(name="column")
    project.add_network(net)
    return project


def test_an_edge_finds_its_way_round_a_node_dragged_into_it(qtbot, editor, document):
    document.set_project(column_project())
    scene = editor.scene()
    item = scene.edges[document.network.edges[0]]
    assert scene.flow == "TB" and len(item.route) == 2
    relu = scene.nodes[node_id(document, "relu")]
    grab = relu.mapToScene(QPointF(90, 12))
    editor.view.set_zoom(1.0)
    editor.view.centerOn(QPointF(300, 200))
    drag(editor, view_point(editor, grab), view_point(editor, grab - QPointF(400, 0)))
    qtbot.waitUntil(lambda: len(item.route) == 4)
    assert document.network.node_by_name("relu").position[0] == 0.0
    assert drawing_problems(scene) == []


def test_an_edge_against_the_flow_goes_round_both_cards(qtbot, editor, document):
    document.set_project(column_project(free_x=60.0))  # relu above fc, a little to the right
    scene = editor.scene()
    editor.view.set_zoom(1.0)
    connect_by_drag(editor, "fc", "out", "relu", "x")
    edge = next(e for e in document.network.edges if e.dst == node_id(document, "relu"))
    item = scene.edges[edge]
    qtbot.waitUntil(lambda: len(item.route) == 6)
    assert drawing_problems(scene) == []
    for end in (edge.src, edge.dst):  # not even through its own cards
        inner = card(scene.nodes[end]).adjusted(2, 2, -2, -2)
        assert not any(inner.contains(point) for point in path_points(item))


def test_fit_view_shows_the_edges_and_their_labels_too(qtbot, editor, document):
    document.set_project(column_project(free_x=0.0, feed_relu=True))  # relu stands in the edge's way
    scene = editor.scene()
    assert not scene.nodes_rect().contains(scene.content_rect())  # the lane and its label stick out
    editor.view.set_zoom(2.0)
    editor.view.setFocus()
    QTest.keyClick(editor.view, Qt.Key.Key_F)
    visible = editor.view.mapToScene(editor.view.viewport().rect()).boundingRect()
    assert visible.contains(scene.content_rect())


def test_a_loaded_drawing_keeps_its_flow(qtbot):
    project = build_preset("mlp")
    for network in project.networks.values():
        apply_layout(network, "LR")
    document = Document(project)
    scene = CanvasScene(document, document.current_network)
    assert scene.flow == "LR"
    assert drawing_problems(scene) == []
    scene.detach()
