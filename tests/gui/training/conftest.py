"""Fixtures of the Training dock's tests: a window on a small MLP, private app data, no surprise dialogs."""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QMessageBox

from app.main_window import MainWindow
from graph.presets import build_preset
from tests.gui.training.helpers import quick


@pytest.fixture(autouse=True)
def no_unexpected_dialogs(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError(f"unexpected message box: {args[1:3]}")

    monkeypatch.setattr(QMessageBox, "question", refuse)
    monkeypatch.setattr(QMessageBox, "warning", refuse)


@pytest.fixture
def window(qtbot):
    win = MainWindow(restore_layout=False)
    win.load_project(quick(build_preset("mlp")))
    win.show()
    qtbot.waitExposed(win)
    yield win
    win.document.undo_stack.setClean()
    win.close()
    win.deleteLater()
