"""Shortcuts: no key bound twice on any platform, Redo by both usual keys, window keys from any focus.

The platforms bind standard keys differently (X11's Redo is Ctrl+Shift+Z, Windows'
is Ctrl+Y first), and Qt fires neither of two actions that share a key. So the
collision check runs twice: here under the suite's offscreen platform (Windows-like
bindings) and in a subprocess under Xvfb with the xcb platform a Linux desktop uses.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence, QShortcut
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QDialog

from app import main_window as main_window_module
from app.commands import AddNodeCommand
from tests.gui.conftest import lenet_window

pytestmark = pytest.mark.qt_log_ignore("This plugin does not support (propagateSizeHints|raise)")
ROOT = Path(__file__).resolve().parents[2]
CTRL = Qt.KeyboardModifier.ControlModifier
SHIFT = Qt.KeyboardModifier.ShiftModifier

COLLISIONS = """
import json, sys
from PySide6.QtWidgets import QApplication
app = QApplication(sys.argv[:1])
from tests.gui.test_shortcuts import key_collisions
from app.main_window import MainWindow
window = MainWindow(restore_layout=False)
print(json.dumps({"platform": app.platformName(), "collisions": key_collisions(window)}))
"""


def key_collisions(window) -> dict[str, list[str]]:
    """Every key bound more than once among the window's actions and shortcuts: key -> their names."""
    owners: dict[str, list[str]] = {}
    for action in window.findChildren(QAction):
        for key in action.shortcuts():
            owners.setdefault(key.toString(QKeySequence.SequenceFormat.PortableText), []).append(action.text())
    for shortcut in window.findChildren(QShortcut):
        for key in shortcut.keys():  # noqa: SIM118 - a QShortcut method, not a dict
            owners.setdefault(key.toString(QKeySequence.SequenceFormat.PortableText), []).append("QShortcut")
    return {key: names for key, names in owners.items() if len(names) > 1}


def test_no_key_is_bound_twice_offscreen(qtbot):
    with lenet_window(qtbot) as window:
        assert key_collisions(window) == {}


def test_no_key_is_bound_twice_under_x11(tmp_path):
    if shutil.which("xvfb-run") is None:
        pytest.skip("xvfb-run is not installed (Debian: apt-get install xvfb): the X11 check needs a virtual display")
    env = dict(os.environ, QT_QPA_PLATFORM="xcb", NETCANVAS_DATA_DIR=str(tmp_path), PYTHONPATH=str(ROOT))
    done = subprocess.run(
        ["xvfb-run", "-a", sys.executable, "-c", COLLISIONS],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["platform"] == "xcb"
    assert result["collisions"] == {}


def test_the_standard_keys_missing_on_a_platform_are_added_once():
    from app.actions import key_sequences

    keys = [key.toString() for key in key_sequences(QKeySequence.StandardKey.Redo, "Ctrl+Y", "Ctrl+Shift+Z")]
    assert "Ctrl+Y" in keys and "Ctrl+Shift+Z" in keys
    assert len(keys) == len(set(keys))


@pytest.mark.parametrize("keys", [(Qt.Key.Key_Y, CTRL), (Qt.Key.Key_Z, CTRL | SHIFT)], ids=["ctrl+y", "ctrl+shift+z"])
def test_redo_answers_both_usual_keys(qtbot, keys):
    with lenet_window(qtbot) as window:
        document = window.document
        node = document.network.create_node("ReLU", (0.0, 0.0))
        document.undo_stack.push(AddNodeCommand(document, document.current_network, node))
        QTest.keyClick(window.editor.view, Qt.Key.Key_Z, CTRL)
        assert node.id not in document.network.nodes
        QTest.keyClick(window.editor.view, *keys)
        assert node.id in document.network.nodes


def _opened_galleries(monkeypatch) -> list:
    opened = []

    def record(gallery):
        opened.append(gallery)
        return QDialog.DialogCode.Rejected

    monkeypatch.setattr(main_window_module.PresetGallery, "exec", record)
    return opened


@pytest.mark.parametrize("where", ["code", "palette search", "inspector name"])
def test_window_shortcuts_work_whatever_widget_has_focus(qtbot, monkeypatch, where):
    opened = _opened_galleries(monkeypatch)
    with lenet_window(qtbot) as window:
        window.activateWindow()
        if where == "code":
            window.docks["code"].raise_()
            target = window.code.editor
        elif where == "palette search":
            target = window.palette_widget.search
        else:
            window.editor.select_node(window.document.network.node_by_name("conv1").id)
            qtbot.waitUntil(lambda: window.inspector.name_edit is not None and window.inspector.name_edit.isVisible())
            target = window.inspector.name_edit  # a line edit: it keeps the keys it edits with
        target.setFocus()
        qtbot.waitUntil(lambda: QApplication.focusWidget() is target, timeout=2000)
        QTest.keyClick(target, Qt.Key.Key_N, CTRL | SHIFT)
        assert len(opened) == 1


def test_window_shortcuts_reach_a_floating_dock(qtbot, monkeypatch):
    opened = _opened_galleries(monkeypatch)
    with lenet_window(qtbot) as window:
        dock = window.docks["code"]
        dock.setFloating(True)
        dock.show()
        qtbot.waitExposed(dock)
        dock.activateWindow()
        qtbot.waitUntil(lambda: QApplication.activeWindow() is dock)
        window.code.editor.setFocus()
        QTest.keyClick(window.code.editor, Qt.Key.Key_N, CTRL | SHIFT)
        assert len(opened) == 1
        dock.setFloating(False)
