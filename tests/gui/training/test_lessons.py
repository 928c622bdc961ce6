"""Help > Course…: a lesson's buttons open its project as File > New does, run its experiment with the
Training dock's runs and curves (live, overlaid for a comparison), show its pictures, and stop with Stop."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QMessageBox, QTabBar

from app.commands import SetParamCommand
from app.docks.training_dock import RUNS_TAB
from app.lessons.panel import PICTURES_TAB
from app.lessons.pictures.activation_curves import ActivationCurvesPicture
from app.lessons.pictures.optimizer_paths import OptimizerPathsPicture
from tests.gui.training.helpers import OFFSCREEN_NOTES, RUN_TIMEOUT_MS
from tests.gui.training.lessons_helpers import open_course, pick_lesson, press, run_experiment, tick_quick_run

pytestmark = pytest.mark.qt_log_ignore(OFFSCREEN_NOTES)


def test_the_course_lists_every_lesson_and_shows_the_one_clicked(window, qtbot):
    toggle = window.docks["lessons"].toggleViewAction()
    view_menu = next(a.menu() for a in window.menuBar().actions() if a.text() == "&View")
    assert toggle in view_menu.actions() and not toggle.isChecked()  # closed until asked for
    panel = open_course(window, qtbot)
    assert toggle.isChecked()
    assert panel.lessons.count() >= 10 and panel.lessons.item(0).text().startswith("1. Neurons")
    pick_lesson(panel, "optimizers")
    assert "Momentum, Adagrad, RMSprop and Adam" in panel.text.text() and "What to watch" in panel.text.text()
    assert [b.text() for b in panel.experiment_buttons()] == [
        "▶  Optimizer paths on a narrow valley",
        "▶  Six optimizers on the digits MLP",
    ]


def visible_tab_bars(window) -> list[tuple[str, ...]]:
    """The tabs of every tab bar of the window's dock areas that is on screen."""
    bars = [bar for bar in window.findChildren(QTabBar) if bar.parent() is window and bar.isVisible()]
    return sorted(tuple(bar.tabText(i) for i in range(bar.count())) for bar in bars)


def test_the_hidden_course_leaves_no_tab_bar_behind(window, qtbot):
    assert visible_tab_bars(window) == [("Training", "Problems", "Summary", "Code")]


def test_view_lessons_opens_the_course_tabbed_with_the_inspector(window, qtbot):
    view_menu = next(a.menu() for a in window.menuBar().actions() if a.text() == "&View")
    next(a for a in view_menu.actions() if a.text() == "Lessons").trigger()
    qtbot.waitUntil(lambda: window.docks["lessons"].isVisible())
    assert window.docks["inspector"] in window.tabifiedDockWidgets(window.docks["lessons"])
    qtbot.waitUntil(lambda: ("Inspector", "Lessons") in visible_tab_bars(window))


def test_reset_layout_closes_the_course_again(window, qtbot):
    open_course(window, qtbot)
    window.actions_by_name["reset_layout"].trigger()
    assert not window.docks["lessons"].isVisible() and window.docks["inspector"].isVisible()


def test_a_comparison_lesson_overlays_one_run_per_variant_by_its_metric(window, qtbot):
    training, runs = window.training, window.training.runs_panel
    panel = open_course(window, qtbot)
    pick_lesson(panel, "losses")
    tick_quick_run(panel)
    old_project = window.document.project
    run_experiment(window, qtbot, panel, 0)
    assert window.document.project is not old_project and "mlp" in window.document.project.networks
    assert [run.name for run in runs.project_runs()] == ["mse", "cross_entropy"]
    assert [run.status for run in runs.project_runs()] == ["finished", "finished"]
    assert all(len(run.epochs["val_accuracy"]) == 2 and len(run.batch) == 6 for run in runs.project_runs())
    assert training.tabs.currentIndex() == RUNS_TAB
    assert runs.compare_metric.currentData() == "val_accuracy"  # the lesson's metric, not the default
    assert sorted(runs.plot.curves) == [run.number for run in runs.project_runs()]
    assert "is done" in panel.status.text()


def test_a_lesson_asks_about_unsaved_changes_and_cancel_keeps_the_project(window, qtbot, monkeypatch):
    network = window.document.network
    node = next(n for n in network.nodes.values() if n.type == "Linear")
    window.document.undo_stack.push(SetParamCommand(window.document, network.name, node.id, "out_features", 20))
    asked = []

    def cancel(*args, **kwargs):
        asked.append(args[2])
        return QMessageBox.StandardButton.Cancel

    monkeypatch.setattr(QMessageBox, "question", cancel)
    panel = open_course(window, qtbot)
    pick_lesson(panel, "feedforward")
    press(qtbot, panel.experiment_buttons()[0])
    assert asked and not window.training.running
    assert window.document.dirty and window.document.network.nodes[node.id].params["out_features"] == 20
    assert "did not start" in panel.status.text()


def test_a_picture_lesson_draws_without_replacing_the_project(window, qtbot):
    panel = open_course(window, qtbot)
    project = window.document.project
    pick_lesson(panel, "neurons")
    run_experiment(window, qtbot, panel, 0)
    assert window.document.project is project
    assert panel.tabs.currentIndex() == PICTURES_TAB
    (picture,) = panel.pictures.pictures
    assert isinstance(picture, ActivationCurvesPicture)
    for plot in (picture.values, picture.slopes):
        assert len(plot.getPlotItem().listDataItems()) == 3
    slopes = [item.getData()[1] for item in picture.slopes.getPlotItem().listDataItems()]
    assert max(slopes[0]) == pytest.approx(0.25, abs=1e-3)  # sigmoid's steepest slope


def test_optimizer_paths_draw_one_path_per_optimizer_over_the_surface(window, qtbot):
    panel = open_course(window, qtbot)
    pick_lesson(panel, "optimizers")
    run_experiment(window, qtbot, panel, 0)
    (picture,) = panel.pictures.pictures
    assert isinstance(picture, OptimizerPathsPicture)
    paths = [item for item in picture.plot.getPlotItem().listDataItems() if len(item.getData()[0]) == 101]
    assert len(paths) == 6


def test_stop_ends_a_lesson_and_skips_its_remaining_runs(window, qtbot):
    training = window.training
    panel = open_course(window, qtbot)
    pick_lesson(panel, "optimizers")
    assert not panel.quick.isChecked()
    press(qtbot, panel.experiment_buttons()[1])
    assert training.controller.kind == "lesson"
    assert not any(button.isEnabled() for button in panel.experiment_buttons())  # one job at a time
    assert window.training_label.text() == "● Lesson"
    qtbot.waitUntil(lambda: len(training.compared[0].batch) > 0, timeout=RUN_TIMEOUT_MS)
    QTest.mouseClick(training.stop_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not training.running, timeout=RUN_TIMEOUT_MS)
    assert [run.status for run in training.compared] == ["stopped"] + ["skipped"] * 5
    assert "stopped" in panel.status.text()
    assert all(button.isEnabled() for button in panel.experiment_buttons())


def test_closing_the_window_ends_a_running_lesson(window, qtbot):
    panel = open_course(window, qtbot)
    pick_lesson(panel, "optimizers")
    press(qtbot, panel.experiment_buttons()[1])
    thread = window.training.controller.thread
    qtbot.waitUntil(lambda: len(window.training.compared[0].batch) > 0, timeout=RUN_TIMEOUT_MS)
    window.document.undo_stack.setClean()
    assert window.close()
    assert thread.isFinished() and not window.training.running
