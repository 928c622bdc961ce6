"""Feedback where the eye is: refusals said next to the cursor, a minimap that hides nothing, fresh labels."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtTest import QTest

from app.canvas import toast as toast_module
from app.files import settings
from app.main_window import MainWindow
from app.palette import PaletteWidget
from graph.presets import build_preset
from tests.gui.conftest import connect_by_drag, drag, drop_mime, lenet_window, node_id, view_point

pytestmark = pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints")


@pytest.fixture
def quick_toasts(monkeypatch):
    monkeypatch.setattr(toast_module, "SHOW_MS", 150)
    monkeypatch.setattr(toast_module, "FADE_MS", 100)


def test_a_refused_connection_says_why_next_to_the_cursor_then_fades(qtbot, editor, document, quick_toasts):
    toast = editor.view.toast
    assert not toast.isVisible()
    with qtbot.waitSignal(editor.status_message) as message:
        connect_by_drag(editor, "fc", "out", "relu", "x")  # relu feeds fc: a cycle
    assert message.args[0].startswith("Cannot connect: connecting 'fc' to 'relu' would make a cycle")
    assert toast.isVisible() and toast.text() == message.args[0]
    released = view_point(editor, editor.scene().nodes[node_id(document, "relu")].inputs["x"].scenePos())
    assert (toast.geometry().topLeft() - released).manhattanLength() < 60  # beside the cursor
    assert editor.view.viewport().rect().contains(toast.geometry())
    qtbot.waitUntil(lambda: not toast.isVisible(), timeout=3000)


def test_a_layer_dropped_on_a_read_only_block_view_says_why(qtbot, editor, document):
    document.set_project(build_preset("resnet", {"depth": 18}))
    block = next(n for n in document.network.nodes.values() if n.type == "Block")
    editor.open_block(block.id)
    palette = PaletteWidget(document)
    qtbot.addWidget(palette)
    before = len(editor.scene().network.nodes)
    with qtbot.waitSignal(editor.status_message) as message:
        drop_mime(editor, palette.tree.mimeData([palette.entry("ReLU")]), QPoint(300, 300))
    assert "read-only" in message.args[0]
    assert editor.view.toast.isVisible() and "read-only" in editor.view.toast.text()
    assert len(editor.scene().network.nodes) == before


def test_the_minimap_has_a_strip_of_its_own_beside_the_canvas(qtbot, editor, document):
    view, minimap = editor.view, editor.view.minimap
    editor.view.set_zoom(2.0)
    qtbot.waitUntil(minimap.isVisible)
    qtbot.wait(150)  # the map refreshes once scene changes settle
    viewport = view.viewport().geometry()
    assert not minimap.geometry().intersects(viewport)
    # A layer dropped in the viewport's far corner is in sight: nothing lies over the viewport.
    palette = PaletteWidget(document)
    qtbot.addWidget(palette)
    before = set(document.network.nodes)
    corner = QPoint(viewport.width() - 20, viewport.height() - 20)
    drop_mime(editor, palette.tree.mimeData([palette.entry("ReLU")]), corner)
    (new_id,) = set(document.network.nodes) - before
    header = editor.scene().nodes[new_id].mapToScene(QPointF(90, 12))
    assert view.viewport().rect().contains(view.mapFromScene(header))
    assert not minimap.geometry().intersects(view.viewport().geometry())
    # Clicking the map moves the view there.
    before = view.mapToScene(view.viewport().rect().center())
    QTest.mouseClick(minimap, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, QPoint(5, 5))
    assert view.mapToScene(view.viewport().rect().center()) != before


def test_the_minimap_is_toggled_from_the_view_menu_and_remembered(qtbot):
    with lenet_window(qtbot) as window:
        window.activateWindow()
        qtbot.waitUntil(lambda: window.isActiveWindow())
        view = window.editor.view
        action = window.actions_by_name["minimap"]
        assert action.isChecked() and view.minimap.isVisible()
        width = view.viewport().width()
        QTest.keyClick(window.editor.view, Qt.Key.Key_M, Qt.KeyboardModifier.ControlModifier)
        assert not action.isChecked() and not view.minimap.isVisible()
        assert view.viewport().width() > width  # the canvas took the strip back
    again = MainWindow(restore_layout=False)
    qtbot.addWidget(again)
    try:
        assert not again.actions_by_name["minimap"].isChecked()
        assert not again.editor.view.minimap.isVisible() or again.editor.view.minimap.isHidden()
    finally:
        settings().setValue("canvas/minimap", True)


def red_pixels(editor, rect_in_scene) -> int:
    """Error-red pixels on screen (the window's backing store) inside a scene rectangle."""
    window = editor.window()
    image = window.screen().grabWindow(window.winId()).toImage()
    origin = editor.view.viewport().mapTo(window, QPoint(0, 0))
    area = editor.view.mapFromScene(rect_in_scene).boundingRect().intersected(editor.view.viewport().rect())
    assert area.width() > 50, "the rectangle is not on screen"
    count = 0
    for x in range(area.left(), area.right(), 2):
        for y in range(area.top(), area.bottom(), 2):
            colour = image.pixelColor(x + origin.x(), y + origin.y())
            if colour.red() - max(colour.green(), colour.blue()) > 50:  # the callout may be faded
                count += 1
    return count


def test_a_fixed_node_loses_its_error_label_at_once(qtbot, editor, document):
    palette = PaletteWidget(document)
    qtbot.addWidget(palette)
    before = set(document.network.nodes)
    drop_mime(editor, palette.tree.mimeData([palette.entry("ReLU")]), QPoint(500, 450))
    (new_id,) = set(document.network.nodes) - before
    item = editor.scene().nodes[new_id]
    qtbot.waitUntil(lambda: "not connected" in item.callout)
    callout = item.mapRectToScene(item.callout_rect)
    editor.view.centerOn(callout.center())
    qtbot.waitUntil(lambda: red_pixels(editor, callout) > 10)
    # Connect by hand without scrolling: a scroll would repaint everything and hide a stale label.
    source = editor.scene().nodes[node_id(document, "image")].outputs["out"].scenePos()
    drag(editor, view_point(editor, source), view_point(editor, item.inputs["x"].scenePos()))
    qtbot.waitUntil(lambda: item.callout == "" and item.severity != "error", timeout=500)  # the next validation
    qtbot.waitUntil(lambda: red_pixels(editor, callout) == 0, timeout=1000)  # the next paints
    assert editor.scene().nodes[new_id] is item and QPointF(item.pos()) == item.pos()
