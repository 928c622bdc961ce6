"""The palette (search, groups, drag text, double-click) and the inspector's generated form."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QCheckBox, QComboBox, QLineEdit, QSpinBox, QVBoxLayout, QWidget

from app.canvas.view import LAYER_MIME
from app.document import Document
from app.editor import EditorWidget
from app.inspector import InspectorWidget
from app.palette import PaletteWidget
from app.param_fields import FloatSpinBox
from graph.network import Edge
from graph.presets import build_preset
from graph.registry import categories
from tests.gui.conftest import choose, node_id, project_json

pytestmark = pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints")


@pytest.fixture
def palette(qtbot, document):
    widget = PaletteWidget(document)
    qtbot.addWidget(widget)
    return widget


@pytest.fixture
def inspector(qtbot, editor, document):
    widget = InspectorWidget(document)
    qtbot.addWidget(widget)
    widget.resize(320, 700)
    widget.show()
    editor.selection_changed.connect(widget.set_selection)
    return widget


def visible_entries(palette) -> list[str]:
    return [e.text(0) for e in palette.entries() if not e.isHidden() and not e.parent().isHidden()]


def test_palette_lists_every_layer_by_category_with_its_explanation(palette):
    groups = [palette.tree.topLevelItem(i).text(0) for i in range(palette.tree.topLevelItemCount())]
    assert groups == list(categories())
    conv = palette.entry("Conv2d")
    assert conv.parent().text(0) == "Convolution"
    assert "kernel" in conv.toolTip(0).lower()
    assert not conv.icon(0).isNull()
    mime = palette.tree.mimeData([conv])
    assert bytes(mime.data(LAYER_MIME)) == b"Conv2d"


def test_search_filters_by_name_then_by_explanation(qtbot, palette):
    QTest.keyClicks(palette.search, "conv")
    shown = visible_entries(palette)
    assert "Conv2d" in shown and "Conv1d" in shown and "Linear" not in shown
    palette.search.clear()
    QTest.keyClicks(palette.search, "dense")
    assert visible_entries(palette) == ["Linear"]  # found through its explanation
    palette.search.clear()
    assert "Linear" in visible_entries(palette) and "ReLU" in visible_entries(palette)


def test_enter_in_search_and_double_click_add_the_layer_at_the_view_centre(qtbot, editor, document, palette):
    editor.attach_palette(palette)
    before = set(document.network.nodes)
    QTest.keyClicks(palette.search, "maxpool")
    QTest.keyClick(palette.search, Qt.Key.Key_Return)
    (added,) = set(document.network.nodes) - before
    assert document.network.nodes[added].type == "MaxPool2d"
    centre = editor.view.mapToScene(editor.view.viewport().rect().center())
    assert editor.scene().nodes[added].sceneBoundingRect().contains(centre)

    palette.search.clear()
    palette.show()
    qtbot.waitExposed(palette)
    entry = palette.entry("Dropout")
    palette.tree.scrollToItem(entry)
    rect = palette.tree.visualItemRect(entry)
    # A real double-click starts with a click; QTest's mouseDClick alone skips it.
    QTest.mouseClick(palette.tree.viewport(), Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, rect.center())
    QTest.mouseDClick(palette.tree.viewport(), Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, rect.center())
    assert any(n.type == "Dropout" for n in document.network.nodes.values())


def test_palette_in_the_same_window_is_attached_automatically(qtbot, document):
    window = QWidget()
    layout = QVBoxLayout(window)
    palette = PaletteWidget(document, window)
    editor = EditorWidget(document, window)
    layout.addWidget(palette)
    layout.addWidget(editor)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    palette.layer_requested.emit("GELU")
    assert any(n.type == "GELU" for n in document.network.nodes.values())


def test_blocks_of_the_project_form_a_group_that_follows_grouping(qtbot, editor, document, palette):
    assert palette.entry("Block:Stem") is None
    editor.scene().select_nodes([node_id(document, "relu")])
    editor.group_selection("Stem")
    document.validate_now()
    entry = palette.entry("Block:Stem")
    assert entry is not None and entry.parent().text(0) == "Blocks"
    document.undo_stack.undo()
    document.validate_now()
    assert palette.entry("Block:Stem") is None


def test_inspector_builds_a_form_from_the_spec(qtbot, editor, document, inspector):
    editor.select_node(node_id(document, "conv"))
    fields = inspector.fields
    assert isinstance(fields["out_channels"].editor, QSpinBox)
    assert fields["out_channels"].editor.minimum() == 1
    assert isinstance(fields["bias"].editor, QCheckBox)
    assert isinstance(fields["kernel_size"].editor, QLineEdit)
    assert fields["kernel_size"].editor.text() == "3x3"
    assert fields["in_channels"].auto.isChecked()
    assert fields["in_channels"].editor.value() == 1  # what auto means here: the image has 1 channel
    assert "(4, 26, 26)" in inspector.shapes.text()
    assert "40" in inspector.shapes.text()
    editor.select_node(node_id(document, "image"))
    assert isinstance(inspector.fields["dtype"].editor, QComboBox)
    editor.scene().select_nodes([node_id(document, "conv"), node_id(document, "fc")])
    assert "2 nodes selected" in inspector.title.text()
    assert not inspector.fields


def test_editing_a_parameter_updates_shapes_on_the_canvas_in_one_step(qtbot, editor, document, inspector):
    editor.select_node(node_id(document, "conv"))
    box = inspector.fields["out_channels"].editor
    steps = document.undo_stack.count()
    box.selectAll()
    QTest.keyClicks(box, "8")
    QTest.keyClick(box, Qt.Key.Key_Return)

    assert document.network.node_by_name("conv").params["out_channels"] == 8
    assert document.undo_stack.count() == steps + 1
    scene = editor.scene()
    edge = Edge(node_id(document, "conv"), "out", node_id(document, "relu"), "x")
    qtbot.waitUntil(lambda: scene.edges[edge].label == "(8, 26, 26)")
    assert scene.nodes[node_id(document, "conv")].footer_shape == "→ (8, 26, 26)"
    assert "(8, 26, 26)" in inspector.shapes.text()
    document.undo_stack.undo()
    assert box.value() == 4  # the form follows the model


def test_invalid_text_shows_a_red_message_and_changes_nothing(qtbot, editor, document, inspector):
    editor.select_node(node_id(document, "image"))
    before, steps = project_json(document), document.undo_stack.count()
    edit = inspector.fields["shape"].editor
    edit.selectAll()
    QTest.keyClicks(edit, "1x0x28")
    QTest.keyClick(edit, Qt.Key.Key_Return)

    assert inspector.message.isVisible()
    assert "shape: every size must be between 1" in inspector.message.text()
    assert project_json(document) == before and document.undo_stack.count() == steps

    edit.selectAll()
    QTest.keyClicks(edit, "1x32x32")
    QTest.keyClick(edit, Qt.Key.Key_Return)
    assert not inspector.message.isVisible()
    assert document.network.node_by_name("image").params["shape"] == (1, 32, 32)


def test_auto_checkbox_switches_between_inferred_and_fixed(qtbot, editor, document, inspector):
    fc = node_id(document, "fc")
    editor.select_node(fc)
    field = inspector.fields["in_features"]
    field.auto.click()
    assert document.network.nodes[fc].params["in_features"] == 4 * 26 * 26  # the inferred value, kept
    field.auto.click()
    assert document.network.nodes[fc].params["in_features"] is None
    assert document.undo_stack.count() == 2


def test_float_fields_show_small_values_as_written(qtbot, document):
    box = FloatSpinBox()
    qtbot.addWidget(box)
    box.setRange(0, 1)
    box.setValue(1e-5)
    assert box.text() == "1e-05"


def test_rename_in_the_inspector(qtbot, editor, document, inspector):
    conv = node_id(document, "conv")
    editor.select_node(conv)
    name = inspector.name_edit
    name.selectAll()
    QTest.keyClicks(name, "relu")
    QTest.keyClick(name, Qt.Key.Key_Return)
    assert inspector.message.text() == "a node named 'relu' already exists"
    name.selectAll()
    QTest.keyClicks(name, "features")
    QTest.keyClick(name, Qt.Key.Key_Return)
    assert document.network.nodes[conv].name == "features"
    assert editor.scene().nodes[conv].title == "features"
    assert "features" in inspector.title.text()


def test_swap_lstm_for_gru_keeps_connections_in_one_step(qtbot):
    document = Document(build_preset("lstm"))
    editor = EditorWidget(document)
    inspector = InspectorWidget(document)
    qtbot.addWidget(editor)
    qtbot.addWidget(inspector)
    editor.selection_changed.connect(inspector.set_selection)
    net = document.network
    lstm = next(n for n in net.nodes.values() if n.type == "LSTM")
    edges = [e for e in net.edges if lstm.id in (e.src, e.dst)]
    before = project_json(document)
    editor.select_node(lstm.id)
    inspector.show()
    choose(inspector.type_combo, "GRU")

    assert net.nodes[lstm.id].type == "GRU"
    assert [e for e in net.edges if lstm.id in (e.src, e.dst)] == edges
    document.validate_now()
    assert document.report.ok
    assert inspector.node().type == "GRU"
    document.undo_stack.undo()
    assert project_json(document) == before
    document.undo_stack.clear()
