"""Helpers for the tests of runs, task pictures and the Training menu's jobs: small runs, real input.

Runs are kept tiny (a few batches, small batches, CPU) because the machine is shared.
Menus are used as a user uses them: Alt+letter opens a menu of the menu bar, the
item's mnemonic picks it. Context menus get the event Qt makes from a right click,
and their entries are clicked where they are drawn.
"""

from __future__ import annotations

from PySide6.QtCore import QPoint, Qt, QTimer
from PySide6.QtGui import QContextMenuEvent
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QMenu, QTabBar

RUN_TIMEOUT_MS = 60_000
# What the offscreen platform says when a window is shown, raised or a menu grabs the keyboard.
OFFSCREEN_NOTES = "This plugin does not support (propagateSizeHints|grabbing|raise)"


def quick(project, **settings):
    """Small, fast runs: few batches per epoch, small batches, on the CPU."""
    project.training.update({"epochs": 2, "max_batches": 3, "batch_size": "16", "device": "cpu"})
    project.training.update(settings)
    return project


def train(window, qtbot) -> None:
    """Press Train and wait until the run has ended (or could not start) and the window is ready again."""
    training = window.training
    QTest.mouseClick(training.start_button, Qt.MouseButton.LeftButton)
    assert training.running
    qtbot.waitUntil(lambda: not training.running, timeout=RUN_TIMEOUT_MS)


def pick_from_menu_bar(window, qtbot, menu_key: Qt.Key, item_key: Qt.Key) -> None:
    """Alt+`menu_key` opens a menu of the menu bar; `item_key` (an item's mnemonic) picks the item."""
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    QTest.keyClick(window, menu_key, Qt.KeyboardModifier.AltModifier)
    qtbot.waitUntil(lambda: isinstance(QApplication.activePopupWidget(), QMenu))
    QTest.keyClick(QApplication.activePopupWidget(), item_key)


def choose_in_context_menu(qtbot, widget, position: QPoint, text: str) -> None:
    """Right-click `widget` at `position` and click the entry called `text` of the menu that opens."""
    chosen = []

    def click_entry() -> None:
        menu = QApplication.activePopupWidget()
        if not isinstance(menu, QMenu):
            QTimer.singleShot(20, click_entry)
            return
        action = next(a for a in menu.actions() if a.text() == text)
        chosen.append(action.text())
        QTest.mouseClick(
            menu, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, menu.actionGeometry(action).center()
        )

    QTimer.singleShot(0, click_entry)
    event = QContextMenuEvent(QContextMenuEvent.Reason.Mouse, position, widget.mapToGlobal(position))
    QApplication.sendEvent(widget, event)
    qtbot.waitUntil(lambda: chosen == [text])


def show_tab(window, index: int) -> None:
    """Click the Training dock's tab `index` (Curves, Runs, Flow)."""
    bar = window.training.tabs.tabBar()
    QTest.mouseClick(bar, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, bar.tabRect(index).center())
    assert window.training.tabs.currentIndex() == index


def show_dock(window, title: str) -> None:
    """Click the tab of the bottom dock called `title` (Training, Problems, Summary, Code)."""
    for bar in window.findChildren(QTabBar):
        titles = [bar.tabText(i) for i in range(bar.count())]
        if title in titles and "Training" in titles:
            where = bar.tabRect(titles.index(title)).center()
            QTest.mouseClick(bar, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, where)
            break
    assert not window.docks[title.lower()].visibleRegion().isEmpty(), f"the {title} dock did not come up"
