"""Export suggests file names that are valid Python module names: ``resnet50.py``, ``lenet5.onnx``."""

from __future__ import annotations

import keyword
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QFileDialog, QMenu

from app.main_window import module_stem
from graph.presets import build_preset
from tests.gui.conftest import lenet_window

pytestmark = pytest.mark.qt_log_ignore("This plugin does not support (propagateSizeHints|raise|grabbing the keyboard)")


def suggested_names(window, monkeypatch, kinds) -> dict[str, str]:
    """The file name each Export entry proposes (the dialog is answered with Cancel)."""
    proposed = {}

    def ask(parent, title, path, file_filter):
        proposed[title] = Path(path).name
        return "", ""

    monkeypatch.setattr(QFileDialog, "getSaveFileName", ask)
    export_menu = next(m for m in window.menuBar().findChildren(QMenu) if m.title() == "&Export")
    for kind in kinds:
        action = window.actions_by_name[f"export_{kind}"]
        assert action in export_menu.actions()
        action.trigger()
    return proposed


@pytest.mark.parametrize(
    ("preset", "options", "module"),
    [("lenet5", {}, "lenet5"), ("resnet", {"depth": 50}, "resnet50"), ("gan", {}, "gan")],
)
def test_export_proposes_module_names(qtbot, monkeypatch, preset, options, module):
    with lenet_window(qtbot) as window:
        window.load_project(build_preset(preset, options))
        names = suggested_names(window, monkeypatch, ["python", "onnx"])
        assert sorted(names.values()) == [f"{module}.onnx", f"{module}.py"]
        for name in names.values():
            stem = Path(name).stem
            assert stem.isidentifier() and not keyword.iskeyword(stem)


def test_the_file_menu_reaches_export_by_keyboard(qtbot, monkeypatch):
    with lenet_window(qtbot) as window:
        window.activateWindow()
        qtbot.waitUntil(window.isActiveWindow)
        proposed = []
        monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *args: (proposed.append(args[2]), ("", ""))[1])
        QTest.keyClick(window, Qt.Key.Key_F, Qt.KeyboardModifier.AltModifier)
        file_menu = window.menuBar().actions()[0].menu()
        qtbot.waitUntil(file_menu.isVisible)
        QTest.keyClick(file_menu, Qt.Key.Key_E)  # &Export
        export_menu = next(m for m in window.menuBar().findChildren(QMenu) if m.title() == "&Export")
        qtbot.waitUntil(export_menu.isVisible)
        QTest.keyClick(export_menu, Qt.Key.Key_Return)  # the first entry: PyTorch code
        qtbot.waitUntil(lambda: bool(proposed))
        assert Path(proposed[0]).name == "lenet5.py"


@pytest.mark.parametrize(
    ("text", "stem"),
    [
        ("ResNet-50", "resnet50"),
        ("VGG-11 with batch norm", "vgg11_with_batch_norm"),
        ("50 layers", "model_50_layers"),
        ("class", "class_model"),
        ("", "model"),
    ],
)
def test_module_stems(text, stem):
    assert module_stem(text) == stem
