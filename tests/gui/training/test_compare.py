"""Training > Compare…: pick a setting and its values, train once per value from the same start, one
after another on the job thread; each value becomes a run, all overlaid with the list as their legend."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QDialogButtonBox

from app.docks.training_dock import RUNS_TAB
from tests.gui.training.helpers import OFFSCREEN_NOTES, RUN_TIMEOUT_MS, pick_from_menu_bar

pytestmark = pytest.mark.qt_log_ignore(OFFSCREEN_NOTES)


def open_compare(window, qtbot):
    pick_from_menu_bar(window, qtbot, Qt.Key.Key_T, Qt.Key.Key_O)  # Training > Compare…
    qtbot.waitUntil(lambda: window.compare_dialog is not None and window.compare_dialog.isVisible())
    return window.compare_dialog


def type_number(spin_box, text: str) -> None:
    spin_box.setFocus()
    QTest.keyClick(spin_box, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    QTest.keyClicks(spin_box, text)
    QTest.keyClick(spin_box, Qt.Key.Key_Tab)


def click_box(box) -> None:
    """Click a check box on its tick mark (its middle may lie past its text, where a click does nothing)."""
    QTest.mouseClick(box, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, QPoint(8, box.height() // 2))


def press_compare(dialog) -> None:
    QTest.mouseClick(dialog.buttons.button(QDialogButtonBox.StandardButton.Ok), Qt.MouseButton.LeftButton)


def test_comparing_optimizers_gives_one_run_each_from_the_same_start(window, qtbot):
    training, panel = window.training, window.training.runs_panel
    dialog = open_compare(window, qtbot)
    assert dialog.key() == "optimizer"
    boxes = dialog.value_editors["optimizer"].boxes
    assert list(boxes) == ["sgd", "momentum", "momentum_ema", "adagrad", "rmsprop", "adam", "adamw"]
    click_box(boxes["momentum"])  # off
    click_box(boxes["rmsprop"])  # on
    type_number(dialog.epochs, "2")
    type_number(dialog.max_batches, "3")
    press_compare(dialog)
    assert not dialog.isVisible()
    assert training.controller.kind == "comparison" and training.tabs.currentIndex() == RUNS_TAB
    qtbot.waitUntil(lambda: not training.running, timeout=RUN_TIMEOUT_MS)
    runs = panel.project_runs()
    assert [run.name for run in runs] == [
        "mlp · sgd lr=0.001 · digits",
        "mlp · rmsprop lr=0.001 · digits",
        "mlp · adam lr=0.001 · digits",
    ]
    assert [run.status for run in runs] == ["finished"] * 3
    assert all((run.task, run.loss) == ("classification", "cross_entropy") for run in runs)
    assert len(training.batch_plot.series) == 6  # the curves showed each run in turn: now the last
    assert all(run.shown for run in runs) and sorted(panel.plot.curves) == [run.number for run in runs]
    assert all(len(run.epochs["train_loss"]) == 2 and len(run.batch) == 6 for run in runs)
    first_losses = {round(float(run.batch.data()[1][0]), 5) for run in runs}
    assert len(first_losses) == 1  # same weights, same first batch: the first loss is the same
    assert len({float(run.batch.data()[1][-1]) for run in runs}) == 3  # and then the optimizers differ
    assert "Compared 3 runs (3 finished)" in training.message.text()


def test_batch_modes_compare_and_bad_values_are_named(window, qtbot):
    training, panel = window.training, window.training.runs_panel
    dialog = open_compare(window, qtbot)
    QTest.keyClick(dialog.setting, Qt.Key.Key_Down)  # learning rate
    assert dialog.key() == "lr"
    typed = dialog.value_editors["lr"]
    assert typed.text() == "0.0001, 0.001, 0.01"
    typed.setFocus()
    typed.selectAll()
    QTest.keyClicks(typed, "0.001, fast")
    press_compare(dialog)
    assert dialog.isVisible() and "lr" in dialog.error.text()

    QTest.keyClick(dialog.setting, Qt.Key.Key_Down)  # batch size
    modes = dialog.value_editors["batch_size"]
    click_box(modes.mini)  # full batch and one sample only
    type_number(dialog.epochs, "1")
    type_number(dialog.max_batches, "2")
    press_compare(dialog)
    qtbot.waitUntil(lambda: not training.running, timeout=RUN_TIMEOUT_MS)
    runs = panel.project_runs()
    assert [run.name for run in runs] == [
        "mlp · adam lr=0.001 batch_size=full · digits",
        "mlp · adam lr=0.001 batch_size=1 · digits",
    ]
    assert [run.batches_per_epoch for run in runs] == [1, 2]
