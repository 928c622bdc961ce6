"""Closing the window while a job runs (checks, a comparison, the learning-rate finder) stops it and
ends its thread; no job runs beside another."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from app.main_window import MainWindow
from graph.presets import build_preset
from tests.gui.training.helpers import OFFSCREEN_NOTES, RUN_TIMEOUT_MS, pick_from_menu_bar, quick

pytestmark = pytest.mark.qt_log_ignore(OFFSCREEN_NOTES)


def start_checks(window, qtbot) -> None:
    pick_from_menu_bar(window, qtbot, Qt.Key.Key_T, Qt.Key.Key_C)


def start_lr_finder(window, qtbot) -> None:
    pick_from_menu_bar(window, qtbot, Qt.Key.Key_T, Qt.Key.Key_L)


def start_comparison(window, qtbot) -> None:
    assert window.training.start_comparison("optimizer", ["sgd", "adam"], {"epochs": 50, "max_batches": 0})


@pytest.mark.parametrize("start", [start_checks, start_lr_finder, start_comparison])
def test_closing_the_window_ends_the_running_job(qtbot, start):
    window = MainWindow(restore_layout=False)
    window.load_project(quick(build_preset("lenet5"), max_batches=0, epochs=50))
    window.show()
    qtbot.waitExposed(window)
    start(window, qtbot)
    controller = window.training.controller
    thread = controller.thread
    assert thread is not None and thread.isRunning()
    assert not window.actions_by_name["train"].isEnabled()
    assert not window.training.start()  # one job at a time
    qtbot.wait(300)
    window.document.undo_stack.setClean()
    assert window.close()
    assert thread.isFinished() and not controller.running
    window.deleteLater()


def test_a_comparison_stops_from_the_stop_button_and_skips_the_rest(window, qtbot):
    training = window.training
    window.load_project(quick(build_preset("mlp"), epochs=50, max_batches=0))
    assert training.start_comparison("optimizer", ["sgd", "adam", "rmsprop"], {})
    qtbot.waitUntil(lambda: len(training.compared[0].batch) > 0, timeout=RUN_TIMEOUT_MS)
    QTest.mouseClick(training.stop_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not training.running, timeout=RUN_TIMEOUT_MS)
    assert [run.status for run in training.compared] == ["stopped", "skipped", "skipped"]
    assert training.runs_panel.list.item(1).text().endswith("(not run)")
    assert len(training.compared[1].batch) == 0
