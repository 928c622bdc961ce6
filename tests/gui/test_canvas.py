"""The canvas as a user drives it: drop layers, drag connections, refusals, labels, moves, views."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QColor, QImage, QPalette
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from app.canvas.port_item import INVALID, VALID
from app.canvas.style import GRID
from app.commands import SetParamCommand
from app.palette import PaletteWidget
from graph.network import Edge
from graph.presets import build_preset
from tests.gui.conftest import connect_by_drag, drag, drop_mime, node_id, project_json, view_point

pytestmark = pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints")


def test_drop_from_palette_puts_the_layer_under_the_mouse_in_one_undo_step(qtbot, editor, document):
    palette = PaletteWidget(document)
    qtbot.addWidget(palette)
    entry = palette.entry("MaxPool2d")
    mime = palette.tree.mimeData([entry])
    at = QPoint(500, 500)
    before = set(document.network.nodes)
    steps = document.undo_stack.count()

    drop_mime(editor, mime, at)

    (new_id,) = set(document.network.nodes) - before
    node = document.network.nodes[new_id]
    assert node.type == "MaxPool2d"
    item = editor.scene().nodes[new_id]
    assert item.sceneBoundingRect().contains(editor.view.mapToScene(at))
    assert node.position[0] % GRID == 0 and node.position[1] % GRID == 0
    assert document.undo_stack.count() == steps + 1
    document.undo_stack.undo()
    assert new_id not in document.network.nodes and new_id not in editor.scene().nodes


def test_dragging_from_an_output_to_an_input_connects_them(qtbot, editor, document):
    network = document.network
    relu, flat = node_id(document, "relu"), node_id(document, "flat")
    network.disconnect(Edge(relu, "out", flat, "x"))
    assert Edge(relu, "out", flat, "x") not in editor.scene().edges

    connect_by_drag(editor, "relu", "out", "flat", "x")

    edge = Edge(relu, "out", flat, "x")
    assert edge in network.edges
    qtbot.waitUntil(lambda: editor.scene().edges[edge].label == "(4, 26, 26)")
    assert document.undo_stack.undoText().startswith("Connect relu to flat")


def test_while_dragging_valid_targets_light_up_and_occupied_ones_fade(qtbot, editor, document):
    net = document.network
    extra = net.add("ReLU", name="spare")
    net.move_node(extra.id, (540.0, 200.0))
    scene = editor.scene()
    source = scene.nodes[node_id(document, "conv")].outputs["out"]
    editor.view.centerOn(source.scenePos())
    start = view_point(editor, source.scenePos())

    drag(editor, start, start + QPoint(60, 60), release=False)

    assert scene.nodes[extra.id].inputs["x"].state == VALID
    assert scene.nodes[node_id(document, "flat")].inputs["x"].state == INVALID  # already fed by relu
    assert scene.nodes[node_id(document, "conv")].inputs["x"].state == INVALID  # itself: a cycle
    QTest.mouseRelease(editor.view.viewport(), Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, start)


def test_a_connection_that_makes_a_cycle_is_refused_with_the_reason(qtbot, editor, document):
    net = document.network
    merge = net.add("Add", name="merge")
    net.move_node(merge.id, (300.0, 250.0))
    net.wire(net.node_by_name("conv"), merge)
    connect_by_drag(editor, "relu", "out", "merge", "x")  # a second input into Add is fine
    assert len(net.edges_into(merge.id)) == 2
    before, steps = project_json(document), document.undo_stack.count()

    with qtbot.waitSignal(editor.status_message) as message:
        connect_by_drag(editor, "merge", "out", "conv", "x")

    assert message.args[0] == (
        "Cannot connect: connecting 'merge' to 'conv' would make a cycle: 'conv' already feeds 'merge'"
    )
    assert project_json(document) == before
    assert document.undo_stack.count() == steps


def test_a_second_edge_into_a_single_input_is_refused_with_the_reason(qtbot, editor, document):
    net = document.network
    spare = net.add("Input", name="other", shape=(1, 28, 28))
    net.move_node(spare.id, (0.0, 200.0))
    before, steps = project_json(document), document.undo_stack.count()

    with qtbot.waitSignal(editor.status_message) as message:
        connect_by_drag(editor, "other", "out", "conv", "x")

    assert "input 'x' of 'conv' takes one connection and already has one from 'image'" in message.args[0]
    assert project_json(document) == before
    assert document.undo_stack.count() == steps


def test_dropping_a_connection_on_empty_canvas_cancels_it(qtbot, editor, document):
    scene = editor.scene()
    source = scene.nodes[node_id(document, "fc")].outputs["out"]
    editor.view.centerOn(source.scenePos())
    start = view_point(editor, source.scenePos())
    before = project_json(document)

    drag(editor, start, start + QPoint(40, 200))

    assert project_json(document) == before
    assert not any(port.state != "normal" for item in scene.nodes.values() for port in item.inputs.values())
    assert scene._pending is None


def test_click_an_edge_then_delete_removes_it_and_undo_restores_it(qtbot, editor, document):
    net = document.network
    edge = Edge(node_id(document, "relu"), "out", node_id(document, "flat"), "x")
    item = editor.scene().edges[edge]
    middle = item.path.pointAtPercent(0.5)
    editor.view.centerOn(middle)
    QTest.mouseClick(
        editor.view.viewport(), Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, view_point(editor, middle)
    )
    assert item.isSelected()

    QTest.keyClick(editor.view.viewport(), Qt.Key.Key_Delete)

    assert edge not in net.edges and edge not in editor.scene().edges
    document.undo_stack.undo()
    assert net.edges.index(edge) == 2  # back in its old place


def test_dragging_a_node_moves_it_on_the_grid_in_one_undo_step(qtbot, editor, document):
    scene = editor.scene()
    conv = node_id(document, "conv")
    item = scene.nodes[conv]
    header = item.mapToScene(QPointF(90, 12))
    editor.view.centerOn(header)
    start = view_point(editor, header)
    steps = document.undo_stack.count()

    drag(editor, start, start + QPoint(73, 47))

    x, y = document.network.nodes[conv].position
    assert (x, y) != (270.0, 0.0)
    assert x % GRID == 0 and y % GRID == 0
    assert document.undo_stack.count() == steps + 1
    document.undo_stack.undo()
    assert document.network.nodes[conv].position == (270.0, 0.0)
    assert item.pos() == QPointF(270.0, 0.0)


def test_arrow_keys_nudge_the_selection_and_merge_into_one_step(qtbot, editor, document):
    conv = node_id(document, "conv")
    editor.select_node(conv)
    editor.view.setFocus()
    steps = document.undo_stack.count()
    for _ in range(3):
        QTest.keyClick(editor.view.viewport(), Qt.Key.Key_Right)
    assert document.network.nodes[conv].position == (270.0 + 3 * GRID, 0.0)
    assert document.undo_stack.count() == steps + 1


def test_nodes_show_shapes_params_and_errors(qtbot, editor, document):
    scene = editor.scene()
    conv = scene.nodes[node_id(document, "conv")]
    assert conv.footer_shape == "→ (4, 26, 26)"
    assert conv.footer_count == "40 params"
    assert ("out channels", "4") in conv.face
    fc = scene.nodes[node_id(document, "fc")]
    document.undo_stack.push(SetParamCommand(document, "net", fc.node_id, "in_features", 99))
    qtbot.waitUntil(lambda: fc.severity == "error")
    assert "in_features" in fc.toolTip()
    assert "'flat' gives" in fc.toolTip()


def test_wheel_zooms_under_the_mouse_and_f_fits_everything(qtbot, editor, document):
    view = editor.view
    anchor = QPointF(300, 200)
    under = view.mapToScene(anchor.toPoint())
    view.set_zoom(2.0, anchor)
    assert view.zoom() == pytest.approx(2.0)
    assert (view.mapToScene(anchor.toPoint()) - under).manhattanLength() < 2
    view.setFocus()
    QTest.keyClick(view, Qt.Key.Key_F)
    visible = view.mapToScene(view.viewport().rect()).boundingRect()
    assert visible.contains(editor.scene().nodes_rect())
    assert view.zoom() <= 1.0


def test_double_click_on_a_block_opens_its_body_and_the_breadcrumb_goes_back(qtbot, editor, document):
    document.set_project(build_preset("resnet", {"depth": 18, "image_size": 16}))
    scene = editor.scene()
    block = next(item for item in scene.nodes.values() if item.is_block)
    centre = block.mapToScene(QPointF(90, 12))
    editor.view.centerOn(centre)
    QTest.mouseDClick(
        editor.view.viewport(), Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, view_point(editor, centre)
    )

    inner = editor.scene()
    assert inner.read_only and inner.block_path == (block.node_id,)
    body = document.project.blocks[block.node.params["block"]].body
    assert set(inner.nodes) == set(body.nodes)
    assert any(item.footer_shape for item in inner.nodes.values())  # this instance's shapes
    assert editor.crumbs.isVisible()
    assert not editor.actions_by_name["delete"].isEnabled()

    editor.close_block()
    assert editor.scene() is scene and not editor.crumbs.isVisible()
    assert scene.selected_node_ids() == [block.node_id]


def test_export_png_and_svg(qtbot, editor, tmp_path):
    editor.export_image(tmp_path / "net.png")
    editor.export_image(tmp_path / "net.svg")
    image = QImage(str(tmp_path / "net.png"))
    assert image.width() > image.height() > 100
    assert "<svg" in (tmp_path / "net.svg").read_text(encoding="utf-8")
    with pytest.raises(ValueError, match="png or .svg"):
        editor.export_image(tmp_path / "net.gif")


def test_switching_to_a_dark_palette_recolours_the_canvas(qtbot, editor):
    app = QApplication.instance()
    original = app.palette()
    dark = QPalette(original)
    dark.setColor(QPalette.ColorRole.Window, QColor("#202225"))
    try:
        app.setPalette(dark)
        qtbot.waitUntil(lambda: editor.scene().canvas_palette.dark)
        assert all(item.palette.dark for item in editor.scene().nodes.values())
    finally:
        app.setPalette(original)
    qtbot.waitUntil(lambda: not editor.scene().canvas_palette.dark)


def test_block_values_that_refer_to_block_parameters_show_as_written(qtbot, editor, document):
    document.set_project(build_preset("resnet", {"depth": 18, "image_size": 16}))
    block = next(item for item in editor.scene().nodes.values() if item.is_block)
    editor.open_block(block.node_id)
    faces = [value for item in editor.scene().nodes.values() for _, value in item.face]
    assert any(value.startswith("$") for value in faces)
