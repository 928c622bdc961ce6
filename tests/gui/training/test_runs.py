"""Runs that make sense: named by network, optimizer and data; kept per project; compared with their like;
the latest ticked; renamed, hidden and deleted with the mouse and keys; a new project starts clean."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QFileDialog, QLineEdit

from app.docks.runs import Run
from app.docks.training_dock import READY_MESSAGE, RUNS_TAB
from graph.presets import build_preset
from tests.gui.training.helpers import OFFSCREEN_NOTES, choose_in_context_menu, quick, show_tab, train

pytestmark = pytest.mark.qt_log_ignore(OFFSCREEN_NOTES)


def listed(panel) -> list[str]:
    return [panel.list.item(i).text() for i in range(panel.list.count())]


def ticked(panel) -> list[bool]:
    return [panel.list.item(i).checkState() == Qt.CheckState.Checked for i in range(panel.list.count())]


def item_centre(panel, row: int):
    return panel.list.visualItemRect(panel.list.item(row)).center()


def test_runs_are_named_by_network_optimizer_and_data_and_each_project_shows_its_own(window, qtbot, tmp_path):
    panel = window.training.runs_panel
    window.load_project(quick(build_preset("lstm")))
    lstm_file = tmp_path / "lstm.json"
    assert window.files._write(lstm_file)
    window.open_project(lstm_file)
    train(window, qtbot)
    assert listed(panel) == ["lstm · adam lr=0.005 · sine"]
    window.load_project(quick(build_preset("gru")))
    assert listed(panel) == []  # a new project shows none of the old one's runs
    train(window, qtbot)
    assert listed(panel) == ["gru · adam lr=0.005 · sine"]
    window.open_project(lstm_file)  # the same file again: its runs come back
    assert listed(panel) == ["lstm · adam lr=0.005 · sine"]
    window.load_project(quick(build_preset("lenet5")))
    train(window, qtbot)
    assert listed(panel) == ["lenet5 · adam lr=0.002 · digits"]


def test_runs_of_an_unsaved_project_follow_it_into_its_file(window, qtbot, tmp_path, monkeypatch):
    panel = window.training.runs_panel
    train(window, qtbot)
    saved = tmp_path / "mine.json"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *args: (str(saved), ""))
    assert window.save_project_as()
    window.load_project(quick(build_preset("lenet5")))
    assert listed(panel) == []
    window.open_project(saved)
    assert listed(panel) == ["mlp · adam lr=0.001 · digits"]


def test_a_new_run_is_ticked_alone_unless_the_user_ticked_another(window, qtbot):
    panel = window.training.runs_panel
    train(window, qtbot)
    train(window, qtbot)
    assert listed(panel) == ["mlp · adam lr=0.001 · digits", "mlp · adam lr=0.001 · digits #2"]
    assert ticked(panel) == [False, True]
    first, second = (run.number for run in panel.project_runs())
    assert list(panel.plot.curves) == [second]
    show_tab(window, RUNS_TAB)
    QTest.mouseClick(panel.list.viewport(), Qt.MouseButton.LeftButton, pos=item_centre(panel, 0))
    QTest.keyClick(panel.list, Qt.Key.Key_Space)  # tick the first by hand: it stays
    assert ticked(panel) == [True, True]
    assert sorted(panel.plot.curves) == [first, second]
    train(window, qtbot)
    assert ticked(panel) == [True, False, True]


def test_the_legend_is_the_list_beside_the_plot(window, qtbot):
    panel = window.training.runs_panel
    for _ in range(9):  # more runs than pyqtgraph's legend showed before cutting off
        panel.add_runs([Run(len(panel.runs) + 1, f"run {len(panel.runs) + 1}", panel.project_key, "mlp")])
    show_tab(window, RUNS_TAB)
    assert panel.plot.widget.getPlotItem().legend is None  # nothing drawn over the curves
    plot_box = panel.plot.widget.geometry()
    list_box = panel.list.parentWidget().geometry()
    assert list_box.left() >= plot_box.right()
    assert panel.list.count() == 9
    swatch = panel.list.item(8).icon().pixmap(12, 12).toImage().pixelColor(6, 6)
    assert swatch.name() == panel.runs[8].colour


def test_only_runs_of_the_same_task_and_loss_are_compared(window, qtbot):
    panel = window.training.runs_panel
    digits = Run(101, "mlp · adam lr=0.001 · digits", panel.project_key, "mlp", "classification", "cross_entropy")
    sine = Run(102, "mlp · adam lr=0.001 · sine", panel.project_key, "mlp", "regression", "mse")
    for run, values in ((digits, [2.0, 1.0]), (sine, [0.5, 0.2])):
        run.status = "finished"
        for epoch, value in enumerate(values, start=1):
            run.add_epoch(epoch, {"train_loss": value})
            run.batch.append(epoch, value)
    panel.add_runs([digits, sine])  # new runs come ticked, as a comparison's do
    show_tab(window, RUNS_TAB)
    assert ticked(panel) == [True, True]
    assert list(panel.plot.curves) == [102]  # a classifier's loss is not an MSE: only the latest's kind
    assert "mlp · adam lr=0.001 · digits" in panel.note.text() and "regression" in panel.note.text()
    QTest.mouseClick(panel.list.viewport(), Qt.MouseButton.LeftButton, pos=item_centre(panel, 1))
    QTest.keyClick(panel.list, Qt.Key.Key_Space)  # untick the regression run: the classifier is drawn
    assert ticked(panel) == [True, False]
    assert list(panel.plot.curves) == [101]
    assert panel.note.text() == ""


def test_runs_are_renamed_hidden_and_deleted_with_mouse_and_keys(window, qtbot):
    panel = window.training.runs_panel
    train(window, qtbot)
    train(window, qtbot)
    show_tab(window, RUNS_TAB)
    window.activateWindow()  # keys go where the focus is, as on a desktop
    qtbot.waitUntil(window.isActiveWindow)
    list_view = panel.list.viewport()
    QTest.mouseClick(list_view, Qt.MouseButton.LeftButton, pos=item_centre(panel, 1))
    QTest.mouseDClick(list_view, Qt.MouseButton.LeftButton, pos=item_centre(panel, 1))
    qtbot.waitUntil(lambda: panel.list.findChild(QLineEdit) is not None and panel.list.findChild(QLineEdit).isVisible())
    editor = panel.list.findChild(QLineEdit)
    qtbot.waitUntil(editor.hasFocus)
    assert editor.text() == "mlp · adam lr=0.001 · digits #2"  # the bare name, not its status
    editor.selectAll()
    QTest.keyClicks(editor, "adam, second try")
    QTest.keyClick(editor, Qt.Key.Key_Return)  # Qt commits the editor's text right after the key
    qtbot.waitUntil(lambda: listed(panel) == ["mlp · adam lr=0.001 · digits", "adam, second try"])
    assert panel.project_runs()[1].name == "adam, second try"

    choose_in_context_menu(qtbot, list_view, item_centre(panel, 1), "Hide from the plot")
    assert ticked(panel) == [False, False]
    assert panel.plot.curves == {}
    choose_in_context_menu(qtbot, list_view, item_centre(panel, 0), "Show in the plot")
    assert ticked(panel) == [True, False]

    QTest.mouseClick(list_view, Qt.MouseButton.LeftButton, pos=item_centre(panel, 0))
    QTest.mouseClick(panel.delete_button, Qt.MouseButton.LeftButton)
    assert listed(panel) == ["adam, second try"]
    QTest.mouseClick(list_view, Qt.MouseButton.LeftButton, pos=item_centre(panel, 0))
    QTest.keyClick(panel.list, Qt.Key.Key_Delete)
    assert listed(panel) == []
    assert panel.runs == []


def test_a_new_project_clears_curves_progress_pictures_and_errors(window, qtbot):
    training = window.training
    window.load_project(quick(build_preset("lenet5")))
    train(window, qtbot)
    assert len(training.batch_plot.series) and training.confusion.matrix is not None
    assert training.predictions.shown_count and training.flow.samples
    assert training.progress.format() == "Done" and "finished 2 epochs" in training.message.text()
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    QTest.keyClick(window, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)  # File > New
    qtbot.waitUntil(lambda: list(window.document.project.networks) != ["lenet5"])
    assert len(training.batch_plot.series) == 0
    assert training.loss_plot.series == {} and training.score_plot.series == {}
    assert training.confusion.matrix is None and training.predictions.shown_count == 0
    assert not training.results.isVisibleTo(training)
    assert training.flow.samples == [] and window.editor.flow_states == {}
    assert training.progress.format() == "Ready" and training.progress.value() == 0
    assert training.message.text() == READY_MESSAGE
    assert listed(training.runs_panel) == []

    window.load_project(quick(build_preset("mlp"), lr=100.0, optimizer="momentum", max_batches=6))
    train(window, qtbot)
    assert training.message.property("state") == "error"
    window.load_project(quick(build_preset("mlp")))  # a preset, as the gallery loads it
    assert training.message.text() == READY_MESSAGE
    assert training.message.property("state") == ""
