"""Training settings are edits like any other: Ctrl+Z in the window undoes a learning-rate change."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from graph.events import TrainingChanged
from tests.gui.conftest import lenet_window, show_settings_page

pytestmark = pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints")


def test_ctrl_z_undoes_a_learning_rate_typed_into_the_form(qtbot):
    with lenet_window(qtbot) as window:
        with qtbot.waitActive(window):
            window.activateWindow()  # shortcuts reach the active window only
        document = window.document
        first = document.project.training["lr"]
        heard = []
        document.project_changed.connect(heard.append)
        field = window.training.settings.editors["lr"]
        window.docks["training"].raise_()
        show_settings_page(window.training.settings, "Optimization")
        qtbot.waitUntil(field.isVisible)
        field.setFocus()
        field.selectAll()
        QTest.keyClicks(field, "0.05")
        QTest.keyClick(field, Qt.Key.Key_Return)
        assert document.project.training["lr"] == 0.05
        assert heard == [TrainingChanged("lr", first, 0.05)]
        assert document.undo_stack.undoText() == "Set training lr"

        viewport = window.editor.view.viewport()
        viewport.setFocus()
        QTest.keyClick(viewport, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
        assert document.project.training["lr"] == first
        assert field.text() == f"{first:g}"
        QTest.keyClick(viewport, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
        assert document.project.training["lr"] == 0.05
        assert field.text() == "0.05"
