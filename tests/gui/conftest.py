"""Fixtures and gestures for the node-editor tests: documents, an editor on screen, mouse drags.

Gestures go through the real viewport with `QTest` (press, move, release), so the
scene's own event handling decides what happens, as it does for a user.
"""

from __future__ import annotations

import warnings
from contextlib import contextmanager

import pytest
from PySide6.QtCore import QMimeData, QPoint, QPointF, Qt
from PySide6.QtGui import QDragEnterEvent, QDragMoveEvent, QDropEvent, QWheelEvent
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from app.document import Document
from app.editor import EditorWidget
from app.main_window import MainWindow
from graph.network import Network
from graph.presets import build_preset
from graph.project import Project
from graph.project_io import dumps


@pytest.fixture(autouse=True)
def private_data(tmp_path, monkeypatch):
    """Every window of the GUI tests keeps its settings, autosaves and runs in the test's own folder."""
    monkeypatch.setenv("NETCANVAS_DATA_DIR", str(tmp_path / "appdata"))
    return tmp_path / "appdata"


def small_project() -> Project:
    """image (1x28x28) -> conv (4 channels) -> relu -> flatten -> fc (10) -> logits."""
    net = Network("net")
    image = net.add("Input", name="image", shape=(1, 28, 28))
    conv = net.add("Conv2d", name="conv", out_channels=4, kernel_size=3)
    relu = net.add("ReLU", name="relu")
    flat = net.add("Flatten", name="flat")
    fc = net.add("Linear", name="fc", out_features=10)
    out = net.add("Output", name="logits")
    net.chain(image, conv, relu, flat, fc, out)
    for index, node in enumerate(net.nodes.values()):
        net.move_node(node.id, (index * 270.0, 0.0))
    project = Project(name="small")
    project.add_network(net)
    return project


@pytest.fixture
def document(qtbot):
    return Document(small_project())


@pytest.fixture
def editor(qtbot, document):
    widget = EditorWidget(document)
    qtbot.addWidget(widget)
    widget.resize(1000, 700)
    widget.show()
    qtbot.waitExposed(widget)
    widget.view.set_zoom(1.0)
    yield widget
    document.undo_stack.clear()


def project_json(document) -> str:
    return dumps(document.project)


def node_id(document, name: str) -> str:
    return document.network.node_by_name(name).id


def view_point(editor, scene_point: QPointF) -> QPoint:
    """Viewport coordinates of a scene point (what the mouse needs)."""
    return editor.view.mapFromScene(scene_point)


def port_point(editor, name: str, port: str, is_input: bool) -> QPoint:
    scene = editor.scene()
    item = scene.nodes[node_id(editor.document, name)]
    port_item = (item.inputs if is_input else item.outputs)[port]
    editor.view.centerOn(port_item.scenePos())
    return view_point(editor, port_item.scenePos())


def drag(editor, start: QPoint, end: QPoint, release: bool = True) -> None:
    """Press the left button at `start`, move in steps to `end`, release there."""
    viewport = editor.view.viewport()
    QTest.mousePress(viewport, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, start)
    for step in range(1, 5):
        point = start + (end - start) * (step / 4)
        QTest.mouseMove(viewport, point)
    if release:
        QTest.mouseRelease(viewport, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, end)


def connect_by_drag(editor, src: str, src_port: str, dst: str, dst_port: str) -> None:
    """Drag from an output port to an input port, both brought into view first."""
    scene = editor.scene()
    source = scene.nodes[node_id(editor.document, src)].outputs[src_port]
    target = scene.nodes[node_id(editor.document, dst)].inputs[dst_port]
    middle = (source.scenePos() + target.scenePos()) / 2
    editor.view.centerOn(middle)
    drag(editor, view_point(editor, source.scenePos()), view_point(editor, target.scenePos()))


def drop_mime(editor, mime: QMimeData, at: QPoint) -> None:
    """Deliver a drag-and-drop of `mime` onto the canvas at viewport point `at`."""
    viewport = editor.view.viewport()
    actions = Qt.DropAction.CopyAction
    buttons, mods = Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier
    with warnings.catch_warnings():
        # PySide marks the only constructors of these two events deprecated; Qt has no other.
        warnings.simplefilter("ignore", DeprecationWarning)
        enter = QDragEnterEvent(at, actions, mime, buttons, mods)
        move = QDragMoveEvent(at, actions, mime, buttons, mods)
    QApplication.sendEvent(viewport, enter)
    assert enter.isAccepted(), "the canvas refused the drag"
    QApplication.sendEvent(viewport, move)
    QApplication.sendEvent(viewport, QDropEvent(QPointF(at), actions, mime, buttons, mods))


def wheel(widget, at: QPoint, notches: int) -> bool:
    """Turn the mouse wheel over `widget` at `at` (one notch is 120, positive away from the user).

    Returns whether the widget accepted the event.
    """
    position = QPointF(at)
    event = QWheelEvent(
        position,
        QPointF(widget.mapToGlobal(at)),
        QPoint(0, 0),
        QPoint(0, 120 * notches),
        Qt.MouseButton.NoButton,
        Qt.KeyboardModifier.NoModifier,
        Qt.ScrollPhase.NoScrollPhase,
        False,
    )
    QApplication.sendEvent(widget, event)
    return event.isAccepted()


def click(button) -> None:
    """A left click on a button (or tool button) the user can see and press."""
    assert button.isVisible() and button.isEnabled(), button.text() or button.toolTip()
    QTest.mouseClick(button, Qt.MouseButton.LeftButton)


def choose(combo, text: str) -> None:
    """Pick `text` in a closed combo box with the arrow keys, as a keyboard user does.

    Each key press picks the next entry (and emits ``activated``); the combo box is not
    read afterwards, since what the choice triggers may rebuild the form it sits in.
    """
    target = combo.findText(text)
    assert target >= 0, f"{text!r} is not offered"
    steps = target - combo.currentIndex()
    for _ in range(abs(steps)):
        QTest.keyClick(combo, Qt.Key.Key_Down if steps > 0 else Qt.Key.Key_Up)


def type_into(field, text: str) -> None:
    """Select what a line edit or spin box holds, type `text` over it and press Return."""
    QTest.keyClick(field, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    QTest.keyClicks(field, text)
    QTest.keyClick(field, Qt.Key.Key_Return)


@contextmanager
def lenet_window(qtbot):
    """The main window on LeNet-5, shown; on exit marked saved (nothing to ask) and closed."""
    win = MainWindow(restore_layout=False)
    win.load_project(build_preset("lenet5"))
    win.show()
    qtbot.waitExposed(win)
    yield win
    # Closed here rather than by qtbot, which would close it before it could be marked saved.
    win.document.undo_stack.setClean()
    win.close()
    win.deleteLater()


def show_settings_page(settings, title: str) -> None:
    """Click the page called `title` (Data, Optimization ...) in the list beside the training settings."""
    pages = settings.page_list
    item = pages.findItems(title, Qt.MatchFlag.MatchExactly)[0]
    pages.scrollToItem(item)
    QTest.mouseClick(
        pages.viewport(), Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, pages.visualItemRect(item).center()
    )
    assert settings.pages.currentIndex() == pages.row(item)


def pick_in_popup(qtbot, combo, text: str) -> None:
    """Open a combo box's list and click the entry `text`, as a mouse user does."""
    index = combo.findText(text)
    assert index >= 0, f"{text!r} is not offered"
    combo.showPopup()
    view = combo.view()
    qtbot.waitUntil(view.isVisible)
    model_index = combo.model().index(index, 0)
    view.scrollTo(model_index)
    QTest.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=view.visualRect(model_index).center())
