"""Training > Check before training: the checks run off the GUI thread, can be cancelled, and their
findings land in the Problems dock pinned to their nodes (a double-click selects the node)."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from graph.presets import build_preset
from tests.backend.test_diagnostics import insert_before_output
from tests.gui.training.helpers import OFFSCREEN_NOTES, RUN_TIMEOUT_MS, pick_from_menu_bar, quick

pytestmark = pytest.mark.qt_log_ignore(OFFSCREEN_NOTES)


def source_rows(problems, prefix: str) -> list[tuple[str, str, str]]:
    return [row for row in problems.rows() if row[2].startswith(prefix)]


def double_click_row(qtbot, tree, row: int) -> None:
    centre = tree.visualItemRect(tree.topLevelItem(row)).center()
    QTest.mouseClick(tree.viewport(), Qt.MouseButton.LeftButton, pos=centre)
    QTest.mouseDClick(tree.viewport(), Qt.MouseButton.LeftButton, pos=centre)


def test_the_menu_runs_the_checks_and_pins_a_double_softmax_on_the_softmax(window, qtbot):
    project = quick(build_preset("mlp"))
    softmax = insert_before_output(project, "Softmax", name="probabilities")
    window.load_project(project)
    problems = window.problems
    with qtbot.waitSignal(window.checks.finished, timeout=RUN_TIMEOUT_MS) as done:
        pick_from_menu_bar(window, qtbot, Qt.Key.Key_T, Qt.Key.Key_C)  # Training > Check before training
        assert window.training.controller.kind == "checks"  # on the job thread, not the GUI's
        assert problems.progress_bar.isVisibleTo(problems)
        assert not window.actions_by_name["train"].isEnabled()
    assert done.args[0], "the checks found nothing"
    assert not problems.progress_bar.isVisibleTo(problems)
    (wiring,) = [row for row in source_rows(problems, "check: wiring") if row[0] == "mlp/probabilities"]
    assert "applied twice" in wiring[1]
    assert len(source_rows(problems, "check:")) == len(done.args[0])  # ok lines too
    assert {row[2] for row in source_rows(problems, "check:")} >= {"check: memory", "check: gradients"}
    failed = sum(1 for finding in done.args[0] if finding.severity == "fail")
    assert f"Checks: {failed} failed" in window.statusBar().currentMessage()
    row = problems.rows().index(wiring)
    double_click_row(qtbot, problems.tree, row)
    assert window.editor.scene().selected_node_ids() == [softmax.id]
    assert window.actions_by_name["train"].isEnabled()


def test_cancel_ends_the_checks_early(window, qtbot):
    problems = window.problems
    with qtbot.waitSignal(window.checks.finished, timeout=RUN_TIMEOUT_MS):
        pick_from_menu_bar(window, qtbot, Qt.Key.Key_T, Qt.Key.Key_C)
        QTest.mouseClick(problems.cancel_button, Qt.MouseButton.LeftButton)
        assert "Cancelling" in problems.busy_label.text()
    assert "Checks cancelled" in window.statusBar().currentMessage()
    assert not source_rows(problems, "check: overfit")  # the last check, which trains, never ran
    assert not window.training.running


def test_a_new_project_drops_the_old_findings(window, qtbot):
    with qtbot.waitSignal(window.checks.finished, timeout=RUN_TIMEOUT_MS):
        pick_from_menu_bar(window, qtbot, Qt.Key.Key_T, Qt.Key.Key_C)
    assert source_rows(window.problems, "check:")
    window.load_project(quick(build_preset("lenet5")))
    assert source_rows(window.problems, "check:") == []
