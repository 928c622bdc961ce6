"""Gestures of the Lessons tests: open the course from the Help menu, pick a lesson, press its buttons."""

from __future__ import annotations

from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QContextMenuEvent
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QMenu

from graph.lessons import LESSONS
from tests.gui.training.helpers import RUN_TIMEOUT_MS, pick_from_menu_bar


def open_course(window, qtbot):
    """Help > Course… (Alt+H, C); the Lessons dock comes up. Returns its panel."""
    pick_from_menu_bar(window, qtbot, Qt.Key.Key_H, Qt.Key.Key_C)
    qtbot.waitUntil(lambda: window.docks["lessons"].isVisible())
    return window.lessons


def pick_lesson(panel, lesson_id: str) -> None:
    """Click the lesson's entry in the list."""
    row = [item.id for item in LESSONS].index(lesson_id)
    view = panel.lessons
    view.scrollToItem(view.item(row))
    QTest.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=view.visualItemRect(view.item(row)).center())
    assert panel.lesson.id == lesson_id


def tick_quick_run(panel) -> None:
    box = panel.quick
    if not box.isChecked():
        QTest.mouseClick(box, Qt.MouseButton.LeftButton, pos=QPoint(8, box.height() // 2))
    assert box.isChecked()


def run_experiment(window, qtbot, panel, index: int) -> None:
    """Press the experiment's button and wait until its job has ended."""
    press(qtbot, panel.experiment_buttons()[index])
    assert window.training.running
    qtbot.waitUntil(lambda: not window.training.running, timeout=RUN_TIMEOUT_MS)


def press(qtbot, button) -> None:
    """Click an experiment's button once it is on screen (a new lesson's buttons show on the next event)."""
    qtbot.waitUntil(button.isVisible)
    assert button.isEnabled()
    panel = button.parentWidget()
    while panel is not None and not hasattr(panel, "ensureWidgetVisible"):
        panel = panel.parentWidget()
    panel.ensureWidgetVisible(button)
    QTest.mouseClick(button, Qt.MouseButton.LeftButton)


def node_menu(window, qtbot, node_name: str) -> QMenu:
    """Right-click the node's card on the canvas; the menu that opens (still open)."""
    editor = window.editor
    scene = editor.scene()
    item = scene.nodes[window.document.network.node_by_name(node_name).id]
    centre = item.sceneBoundingRect().center()
    editor.view.centerOn(centre)
    viewport = editor.view.viewport()
    at = editor.view.mapFromScene(centre)
    event = QContextMenuEvent(QContextMenuEvent.Reason.Mouse, at, viewport.mapToGlobal(at))
    QApplication.sendEvent(viewport, event)
    qtbot.waitUntil(lambda: isinstance(QApplication.activePopupWidget(), QMenu))
    return QApplication.activePopupWidget()


def entry(menu: QMenu, text: str):
    return next(action for action in menu.actions() if action.text() == text)
