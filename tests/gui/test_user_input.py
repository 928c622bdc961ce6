"""Input the other GUI tests leave out, sent as a user sends it: a drag from the palette, wheel turns, the toolbar.

The palette drag starts with a real press and move on the layer list, so Qt's item
view decides that a drag begins and asks the list for its payload. The offscreen
platform has no drag-and-drop loop of its own, so what ``QDrag.exec`` does on a
desktop (the pointer carrying the payload to the canvas and dropping it there) is
done by delivering the drag-enter, drag-move and drop events to the canvas.
"""

from __future__ import annotations

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtTest import QTest

from app.commands import SetParamCommand
from app.palette import LayerTree
from graph.project_io import dumps, load_project
from tests.gui.conftest import click, drop_mime, lenet_window, show_settings_page, wheel

pytestmark = pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints")


@pytest.fixture
def window(qtbot):
    with lenet_window(qtbot) as win:
        yield win


def test_a_layer_dragged_from_the_palette_lands_under_the_mouse(window, qtbot, monkeypatch):
    editor, tree = window.editor, window.palette_widget.tree
    drop_at = editor.view.viewport().rect().center() + QPoint(-40, 120)
    carried = []

    def carry_to_the_canvas(self, supported_actions):
        # QDrag.exec on a desktop: the payload the list gives travels to the canvas and drops there.
        mime = self.mimeData(self.selectedItems())
        carried.append(mime.text())
        drop_mime(editor, mime, drop_at)

    monkeypatch.setattr(LayerTree, "startDrag", carry_to_the_canvas)
    entry = window.palette_widget.entry("Dropout")
    tree.scrollToItem(entry)
    start = tree.visualItemRect(entry).center()
    before, steps = set(window.document.network.nodes), window.document.undo_stack.count()
    viewport = tree.viewport()
    QTest.mousePress(viewport, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, start)
    for step in range(1, 6):
        QTest.mouseMove(viewport, start + QPoint(12 * step, 4 * step))
    QTest.mouseRelease(viewport, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, start + QPoint(60, 20))

    assert carried == ["Dropout"]
    (added,) = set(window.document.network.nodes) - before
    assert window.document.network.nodes[added].type == "Dropout"
    assert editor.scene().nodes[added].sceneBoundingRect().contains(editor.view.mapToScene(drop_at))
    assert window.document.undo_stack.count() == steps + 1


def test_the_wheel_zooms_the_canvas_about_the_point_under_the_mouse(window):
    view = window.editor.view
    view.set_zoom(1.0)
    at = view.viewport().rect().center() + QPoint(80, -40)
    under = view.mapToScene(at)
    assert wheel(view.viewport(), at, 2)
    zoomed_in = view.zoom()
    assert zoomed_in > 1.2
    assert (view.mapToScene(at) - under).manhattanLength() < 2
    wheel(view.viewport(), at, -4)
    assert view.zoom() < 1.0 < zoomed_in


def test_the_wheel_over_an_unfocused_spin_box_in_the_training_settings_changes_nothing(window, qtbot):
    window.docks["training"].raise_()
    show_settings_page(window.training.settings, "Batches and epochs")
    epochs = window.training.settings.editors["epochs"]
    qtbot.waitUntil(epochs.isVisible)
    window.editor.view.setFocus()
    assert not epochs.hasFocus()
    value, setting = epochs.value(), window.document.project.training["epochs"]
    steps = window.document.undo_stack.count()
    wheel(epochs, epochs.rect().center(), 3)
    assert epochs.value() == value
    assert window.document.project.training["epochs"] == setting
    assert window.document.undo_stack.count() == steps


def test_the_wheel_over_a_focused_spin_box_in_the_training_settings_steps_it(window, qtbot):
    window.docks["training"].raise_()
    show_settings_page(window.training.settings, "Batches and epochs")
    epochs = window.training.settings.editors["epochs"]
    qtbot.waitUntil(epochs.isVisible)
    QTest.mouseClick(epochs, Qt.MouseButton.LeftButton)  # a click picks the field
    assert epochs.hasFocus()
    value = epochs.value()
    wheel(epochs, epochs.rect().center(), 1)
    assert window.document.project.training["epochs"] == value + 1


def test_the_wheel_over_an_unfocused_parameter_field_in_the_inspector_changes_nothing(window, qtbot):
    conv = window.document.network.node_by_name("conv1")
    window.editor.select_node(conv.id)
    box = window.inspector.fields["out_channels"].editor
    qtbot.waitUntil(box.isVisible)
    window.editor.view.setFocus()
    assert not box.hasFocus()
    steps = window.document.undo_stack.count()
    wheel(box, box.rect().center(), 3)
    assert box.value() == conv.params["out_channels"] == 6
    assert window.document.undo_stack.count() == steps


def tool_button(window, name: str):
    return window.toolbar.widgetForAction(window.actions_by_name[name])


def test_the_toolbar_undoes_redoes_fits_and_saves(window, tmp_path):
    document = window.document
    path = tmp_path / "lenet.json"
    assert window.files._write(path)
    first = dumps(document.project)
    fc3 = document.network.node_by_name("fc3")
    document.undo_stack.push(SetParamCommand(document, document.current_network, fc3.id, "out_features", 7))
    edited = dumps(document.project)

    click(tool_button(window, "undo"))
    assert dumps(document.project) == first
    click(tool_button(window, "redo"))
    assert dumps(document.project) == edited

    view = window.editor.view
    view.set_zoom(4.0)
    click(tool_button(window, "fit"))
    visible = view.mapToScene(view.viewport().rect()).boundingRect()
    assert visible.contains(window.editor.scene().nodes_rect()) and view.zoom() < 4.0

    assert document.dirty
    click(tool_button(window, "save"))
    assert not document.dirty
    assert dumps(load_project(path)) == edited
