"""Undo and redo of every kind of edit: the project file is byte-identical after each round trip."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QKeySequence
from PySide6.QtTest import QTest

from app.commands import (
    AddNodeCommand,
    AutoLayoutCommand,
    ConnectCommand,
    DisconnectCommand,
    MoveNodesCommand,
    PasteCommand,
    RemoveNodesCommand,
    RenameNodeCommand,
    ReplaceNodeTypeCommand,
    SetParamCommand,
    new_drag_id,
)
from app.document import Document
from app.editor import EditorWidget
from graph.network import Edge, Network, Node
from graph.presets import build_preset
from graph.project import Project
from tests.gui.conftest import connect_by_drag, node_id, project_json

pytestmark = pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints")


def assert_scene_mirrors_model(editor) -> None:
    network = editor.document.network
    scene = editor.scene()
    assert set(scene.nodes) == set(network.nodes)
    assert set(scene.edges) == set(network.edges)
    for node in network.nodes.values():
        item = scene.nodes[node.id]
        assert (item.pos().x(), item.pos().y()) == node.position
        assert item.title == node.name


def _add(doc):
    node = doc.network.create_node("Dropout", (100.0, 300.0))
    return AddNodeCommand(doc, "net", node)


def _remove(doc):
    ids = [node_id(doc, "relu"), node_id(doc, "logits")]
    return RemoveNodesCommand(doc, "net", ids)


def _connect(doc):
    spare = doc.network.add("Output", name="features")
    return ConnectCommand(doc, "net", Edge(node_id(doc, "flat"), "out", spare.id, "x"))


def _disconnect(doc):
    return DisconnectCommand(doc, "net", doc.network.edges[1])


def _param(doc):
    return SetParamCommand(doc, "net", node_id(doc, "conv"), "kernel_size", (5, 5))


def _move(doc):
    conv = node_id(doc, "conv")
    return MoveNodesCommand(doc, "net", {conv: ((270.0, 0.0), (300.0, 90.0))}, new_drag_id())


def _rename(doc):
    return RenameNodeCommand(doc, "net", node_id(doc, "fc"), "classifier")


def _paste(doc):
    a = Node("p1", "Linear", "extra", {"in_features": None, "out_features": 3, "bias": True}, (0.0, 200.0))
    b = Node("p2", "ReLU", "extra_act", {}, (270.0, 200.0))
    return PasteCommand(doc, "net", [a, b], [Edge("p1", "out", "p2", "x")])


def _layout(doc):
    return AutoLayoutCommand(doc, "net", "TB")


def _replace(doc):
    relu = doc.network.nodes[node_id(doc, "relu")]
    return ReplaceNodeTypeCommand(doc, "net", relu.id, Node(relu.id, "Tanh", relu.name, {}, relu.position))


@pytest.mark.parametrize(
    "make",
    [_add, _remove, _connect, _disconnect, _param, _move, _rename, _paste, _layout, _replace],
    ids=lambda f: f.__name__[1:],
)
def test_each_edit_undoes_and_redoes_exactly(qtbot, editor, document, make):
    before = project_json(document)
    command = make(document)
    before = project_json(document)  # after any setup the maker did
    steps = document.undo_stack.count()
    document.undo_stack.push(command)
    after = project_json(document)
    assert after != before
    assert document.undo_stack.count() == steps + 1
    assert_scene_mirrors_model(editor)

    document.undo_stack.undo()
    assert project_json(document) == before
    assert_scene_mirrors_model(editor)
    document.undo_stack.redo()
    assert project_json(document) == after
    assert_scene_mirrors_model(editor)


def test_removing_an_output_and_undoing_keeps_the_order_of_outputs_and_edges(qtbot, document):
    net = document.network
    first = net.add("Output", name="first")
    net.wire(net.node_by_name("flat"), first)
    net.add("Output", name="last")
    order = list(net.nodes)
    edges = list(net.edges)
    document.undo_stack.push(RemoveNodesCommand(document, "net", [first.id, node_id(document, "relu")]))
    document.undo_stack.undo()
    assert list(net.nodes) == order
    assert net.edges == edges


def test_moves_of_one_drag_merge_into_one_step(qtbot, document):
    conv = node_id(document, "conv")
    drag = new_drag_id()
    document.undo_stack.push(MoveNodesCommand(document, "net", {conv: ((270.0, 0.0), (280.0, 0.0))}, drag))
    document.undo_stack.push(MoveNodesCommand(document, "net", {conv: ((280.0, 0.0), (300.0, 20.0))}, drag))
    assert document.undo_stack.count() == 1
    document.undo_stack.undo()
    assert document.network.nodes[conv].position == (270.0, 0.0)
    document.undo_stack.push(MoveNodesCommand(document, "net", {conv: ((270.0, 0.0), (280.0, 0.0))}, new_drag_id()))
    document.undo_stack.push(MoveNodesCommand(document, "net", {conv: ((280.0, 0.0), (290.0, 0.0))}, new_drag_id()))
    assert document.undo_stack.count() == 2


def test_a_refused_connection_leaves_no_undo_step(qtbot, document):
    command = ConnectCommand(document, "net", Edge(node_id(document, "fc"), "out", node_id(document, "conv"), "x"))
    document.undo_stack.push(command)
    assert "cycle" in command.error
    assert document.undo_stack.count() == 0


def _undo_redo_actions(editor):
    undo = editor.document.undo_stack.createUndoAction(editor)
    undo.setShortcut(QKeySequence.StandardKey.Undo)
    redo = editor.document.undo_stack.createRedoAction(editor)
    redo.setShortcut(QKeySequence("Ctrl+Shift+Z"))
    for action in (undo, redo):
        action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        editor.addAction(action)


def test_story_build_from_scratch_then_undo_twice_and_redo_twice(qtbot):
    net = Network("net")
    project = Project(name="scratch")
    project.add_network(net)
    document = Document(project)
    editor = EditorWidget(document)
    qtbot.addWidget(editor)
    editor.resize(1000, 700)
    editor.show()
    qtbot.waitExposed(editor)
    editor.view.set_zoom(1.0)
    _undo_redo_actions(editor)
    names = []
    for index, type_name in enumerate(["Input", "Conv2d", "ReLU", "MaxPool2d", "Flatten", "Linear", "Output"]):
        editor.view.centerOn(index * 250.0, 0.0)
        new_id = editor.add_layer(type_name, editor.view.mapToScene(editor.view.viewport().rect().center()))
        names.append(net.nodes[new_id].name)
    for src, dst in zip(names, names[1:], strict=False):
        connect_by_drag(editor, src, "out", dst, "x")
    assert len(net.edges) == 6
    wired = project_json(document)
    linear = net.node_by_name(names[5])
    document.undo_stack.push(SetParamCommand(document, "net", linear.id, "in_features", 100))
    document.validate_now()
    item = editor.scene().nodes[linear.id]
    assert item.severity == "error"
    assert f"'{names[4]}' gives" in item.toolTip()
    document.undo_stack.push(SetParamCommand(document, "net", linear.id, "in_features", None))
    document.validate_now()
    assert document.report.ok
    final = project_json(document)

    editor.view.setFocus()
    for keys in ("Ctrl+Z", "Ctrl+Z"):
        QTest.keySequence(editor.view.viewport(), QKeySequence(keys))
    assert project_json(document) == wired
    for keys in ("Ctrl+Shift+Z", "Ctrl+Shift+Z"):
        QTest.keySequence(editor.view.viewport(), QKeySequence(keys))
    assert project_json(document) == final
    assert_scene_mirrors_model(editor)
    document.undo_stack.clear()


def test_copy_paste_of_three_connected_nodes_is_one_step_and_keeps_their_edges(qtbot, editor, document):
    net = document.network
    chosen = [node_id(document, n) for n in ("conv", "relu", "flat")]
    editor.scene().select_nodes(chosen)
    editor.view.setFocus()
    QTest.keySequence(editor.view.viewport(), QKeySequence.StandardKey.Copy)
    before_nodes, before_edges = set(net.nodes), set(net.edges)
    steps = document.undo_stack.count()

    QTest.keySequence(editor.view.viewport(), QKeySequence.StandardKey.Paste)

    new_ids = set(net.nodes) - before_nodes
    assert len(new_ids) == 3
    new_edges = set(net.edges) - before_edges
    assert len(new_edges) == 2 and all(e.src in new_ids and e.dst in new_ids for e in new_edges)
    names = {net.nodes[i].name for i in new_ids}
    assert len(names | {n.name for n in net.nodes.values() if n.id not in new_ids}) == len(net.nodes)
    assert document.undo_stack.count() == steps + 1
    assert set(editor.scene().selected_node_ids()) == new_ids
    original = net.nodes[chosen[0]].position
    pasted = next(net.nodes[i] for i in new_ids if net.nodes[i].type == "Conv2d")
    assert pasted.position != original
    document.undo_stack.undo()
    assert set(net.nodes) == before_nodes and set(net.edges) == before_edges


def test_duplicate_and_cut(qtbot, editor, document):
    net = document.network
    editor.scene().select_nodes([node_id(document, "relu")])
    editor.actions_by_name["duplicate"].trigger()
    assert len(net.nodes) == 7
    editor.scene().select_nodes([node_id(document, "flat")])
    editor.actions_by_name["cut"].trigger()
    assert net.node_by_name("flat") is None
    assert document.undo_stack.undoText().startswith("Cut")
    editor.actions_by_name["paste"].trigger()
    assert net.node_by_name("flat") is not None  # the name is free again


def test_group_into_block_and_ungroup_keep_the_parameter_count(qtbot, editor, document):
    document.set_project(build_preset("lenet5"))
    total = document.report.total_params
    original = project_json(document)
    scene = editor.scene()
    chosen = [node_id(document, n) for n in ("conv1", "tanh1", "pool1")]
    scene.select_nodes(chosen)

    editor.group_selection("Stem")

    document.validate_now()
    assert "Stem" in document.project.blocks
    assert not any(i in document.network.nodes for i in chosen)
    block = next(n for n in document.network.nodes.values() if n.type == "Block")
    assert scene.nodes[block.id].is_block
    assert document.report.total_params == total
    assert document.undo_stack.count() == 1
    grouped = project_json(document)
    document.undo_stack.undo()
    assert project_json(document) == original
    document.undo_stack.redo()
    assert project_json(document) == grouped

    scene.select_nodes([block.id])
    editor.actions_by_name["ungroup"].trigger()
    document.validate_now()
    assert block.id not in document.network.nodes
    assert document.report.total_params == total
    assert_scene_mirrors_model(editor)
    document.undo_stack.undo()
    assert project_json(document) == grouped


def test_group_with_a_taken_name_says_why(qtbot, editor, document):
    editor.scene().select_nodes([node_id(document, "relu")])
    editor.group_selection("Stem")
    editor.scene().select_nodes([node_id(document, "flat")])
    with qtbot.waitSignal(editor.status_message) as message:
        editor.group_selection("Stem")
    assert message.args[0].startswith("Cannot group:")


def test_auto_layout_is_one_step(qtbot, editor, document):
    net = document.network
    for node in net.nodes.values():
        net.move_node(node.id, (0.0, 0.0))
    before = project_json(document)
    editor.actions_by_name["layout_lr"].trigger()
    positions = {n.position for n in net.nodes.values()}
    assert len(positions) == len(net.nodes)
    assert document.undo_stack.count() == 1
    document.undo_stack.undo()
    assert project_json(document) == before


def test_paste_refuses_foreign_content_with_a_reason(qtbot, editor, document):
    from PySide6.QtGui import QGuiApplication

    from app.clipboard import NODES_MIME, to_mime

    mime = to_mime({"format": "netcanvas-nodes", "nodes": [{"id": "a", "type": "Warp", "name": "w", "params": {}}]})
    assert mime.hasFormat(NODES_MIME)
    QGuiApplication.clipboard().setMimeData(mime)
    before = project_json(document)
    with qtbot.waitSignal(editor.status_message) as message:
        editor.paste()
    assert message.args[0] == "Cannot paste: the copied nodes[0].type: unknown layer type 'Warp'"
    assert project_json(document) == before


def test_drop_position_snaps_to_the_grid(qtbot, editor, document):
    new_id = editor.add_layer("ReLU", editor.view.mapToScene(QPoint(333, 277)))
    x, y = document.network.nodes[new_id].position
    assert x % 10 == 0 and y % 10 == 0
