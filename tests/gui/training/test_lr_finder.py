"""Training > Find learning rate: a short sweep off the GUI thread, loss against rate on a log axis,
the suggestion marked, and Apply sets the learning rate as one undoable step."""

from __future__ import annotations

import math

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from app.lr_finder_dialog import rounded
from graph.presets import build_preset
from tests.gui.training.helpers import OFFSCREEN_NOTES, RUN_TIMEOUT_MS, pick_from_menu_bar

pytestmark = pytest.mark.qt_log_ignore(OFFSCREEN_NOTES)


def test_the_finder_draws_loss_against_rate_and_apply_sets_lr_undoably(window, qtbot):
    before = window.document.project.training["lr"]
    pick_from_menu_bar(window, qtbot, Qt.Key.Key_T, Qt.Key.Key_L)  # Training > Find learning rate…
    dialog = window.lr_finder
    qtbot.waitUntil(dialog.isVisible)
    assert window.training.controller.kind == "lr_finder"
    assert not dialog.apply_button.isEnabled()
    qtbot.waitUntil(lambda: dialog.result is not None, timeout=RUN_TIMEOUT_MS)
    result = dialog.result
    assert result.suggestion is not None and 1e-6 < result.suggestion < 1.0
    item = dialog.plot.getPlotItem()
    assert item.getAxis("bottom").logMode  # the rate on a log axis
    x, y = dialog.curve.getData()
    assert len(x) == len(result.lrs) and x[0] < x[-1]
    assert dialog.marks[0].value() == pytest.approx(math.log10(result.suggestion))
    assert f"{rounded(result.suggestion):g}" in dialog.apply_button.text()

    QTest.mouseClick(dialog.apply_button, Qt.MouseButton.LeftButton)
    assert window.document.project.training["lr"] == rounded(result.suggestion)
    assert window.training.settings.editors["lr"].text() == f"{rounded(result.suggestion):g}"
    QTest.keyClick(dialog, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert window.document.project.training["lr"] == before
    QTest.mouseClick(
        next(b for b in dialog.findChildren(type(dialog.apply_button)) if b.text() == "Close"),
        Qt.MouseButton.LeftButton,
    )
    assert not dialog.isVisible()


def test_closing_the_finder_stops_its_sweep(window, qtbot):
    pick_from_menu_bar(window, qtbot, Qt.Key.Key_T, Qt.Key.Key_L)
    dialog = window.lr_finder
    qtbot.waitUntil(dialog.isVisible)
    thread = window.training.controller.thread
    dialog.close()
    qtbot.waitUntil(lambda: not window.training.running, timeout=RUN_TIMEOUT_MS)
    assert thread.isFinished()
    assert dialog.result is None or dialog.result.ended == "stopped"


def test_a_new_project_stops_the_sweep_and_leaves_nothing_to_apply(window, qtbot):
    pick_from_menu_bar(window, qtbot, Qt.Key.Key_T, Qt.Key.Key_L)
    dialog = window.lr_finder
    qtbot.waitUntil(dialog.isVisible)
    window.load_project(build_preset("lenet5"))
    qtbot.waitUntil(lambda: not window.training.running, timeout=RUN_TIMEOUT_MS)
    qtbot.wait(100)  # whatever the old sweep still sent has arrived
    assert dialog.result is None and not dialog.apply_button.isEnabled()
    assert dialog.curve.getData()[0] is None or len(dialog.curve.getData()[0]) == 0
    assert "Another project" in dialog.message.text()
