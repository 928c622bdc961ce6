"""File > Import Model… driven as a user would: type the file, pick the class, type the shape, press Import."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QUndoCommand
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QMessageBox

from app.import_dialog import ImportDialog
from backend.exporters import export_onnx
from graph.presets import build_preset
from tests.gui.conftest import lenet_window

ZOO = Path(__file__).resolve().parents[1] / "backend" / "import_samples" / "zoo.py"
Button = QMessageBox.StandardButton

pytestmark = pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints")


@pytest.fixture
def window(qtbot):
    with lenet_window(qtbot) as win:
        yield win


@pytest.fixture
def warnings_shown(monkeypatch) -> list[str]:
    """Message boxes the dialog shows, answered OK (a real one would wait for a click)."""
    shown: list[str] = []

    def warning(parent, title, text, *args, **kwargs):
        shown.append(text)
        return Button.Ok

    monkeypatch.setattr(QMessageBox, "warning", warning)
    return shown


def when_dialog_opens(act) -> None:
    """Run `act(dialog)` once the modal import dialog is up (File > Import blocks until it closes)."""

    def attempt(tries: int = 50) -> None:
        dialog = QApplication.activeModalWidget()
        if isinstance(dialog, ImportDialog) and dialog.isVisible():
            act(dialog)
        elif tries:
            QTimer.singleShot(20, lambda: attempt(tries - 1))

    QTimer.singleShot(0, attempt)


def type_into(field, text: str) -> None:
    field.setFocus()
    QTest.keyClick(field, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    QTest.keyClick(field, Qt.Key.Key_Delete)
    QTest.keyClicks(field, text)


def pick_class(dialog: ImportDialog, name: str) -> None:
    items = [dialog.class_list.item(i) for i in range(dialog.class_list.count())]
    (item,) = [i for i in items if i.data(Qt.ItemDataRole.UserRole) == name]
    viewport = dialog.class_list.viewport()
    dialog.class_list.scrollToItem(item)
    QTest.mouseClick(viewport, Qt.MouseButton.LeftButton, pos=dialog.class_list.visualItemRect(item).center())


def test_importing_python_with_weights_opens_the_saved_project(window, tmp_path, qtbot):
    target = tmp_path / "imported" / "residual.json"
    target.parent.mkdir()
    seen = {}

    def fill(dialog: ImportDialog) -> None:
        type_into(dialog.path_edit, str(ZOO))
        seen["classes"] = [dialog.class_list.item(i).text() for i in range(dialog.class_list.count())]
        pick_class(dialog, "Residual")
        type_into(dialog.shape_edit, "1,16,16")
        QTest.mouseClick(dialog.weights_check, Qt.MouseButton.LeftButton, pos=dialog.weights_check.rect().center())
        type_into(dialog.save_edit, str(target))
        seen["note"] = dialog.note.text()
        QTest.mouseClick(dialog.import_button, Qt.MouseButton.LeftButton)

    when_dialog_opens(fill)
    window.actions_by_name["import_model"].trigger()
    assert "Block  (needs channels)" in seen["classes"] and "Residual" in seen["classes"]
    assert "Importing Python code runs it" in seen["note"]
    project = window.document.project
    assert project.name == "Residual" and list(project.blocks) == ["Block"]
    assert window.document.path == target and not window.document.dirty
    weights = tmp_path / "imported" / "residual.weights.pt"
    assert weights.exists() and project.training["weights"] == str(weights.resolve())
    assert "Imported Residual." in window.statusBar().currentMessage()
    view = window.editor.view

    def fitted() -> bool:  # laid out and fitted to the view
        shown = view.mapToScene(view.viewport().rect()).boundingRect()
        return shown.contains(view.scene().itemsBoundingRect().adjusted(2, 2, -2, -2))

    qtbot.waitUntil(fitted, timeout=3000)


def test_a_failure_is_a_message_and_the_open_project_is_untouched(window, warnings_shown):
    before = window.document.project

    def fill(dialog: ImportDialog) -> None:
        type_into(dialog.path_edit, str(ZOO))
        pick_class(dialog, "Residual")
        type_into(dialog.shape_edit, "3,16,16")  # Residual takes one channel
        QTest.mouseClick(dialog.import_button, Qt.MouseButton.LeftButton)
        assert dialog.isVisible()  # still open, to fix the shape
        type_into(dialog.shape_edit, "3,x")
        QTest.mouseClick(dialog.import_button, Qt.MouseButton.LeftButton)
        QTest.mouseClick(dialog.buttons.button(dialog.buttons.StandardButton.Cancel), Qt.MouseButton.LeftButton)

    when_dialog_opens(fill)
    window.actions_by_name["import_model"].trigger()
    assert len(warnings_shown) == 2
    assert "running it failed" in warnings_shown[0] and "input shape 3,16,16" in warnings_shown[0]
    assert warnings_shown[1].startswith("The input shape needs sizes like 1,28,28")
    assert window.document.project is before and not window.document.dirty


def test_an_onnx_file_needs_no_class_nor_shape(window, tmp_path):
    model = tmp_path / "lenet.onnx"
    export_onnx(build_preset("lenet5"), model)
    seen = {}

    def fill(dialog: ImportDialog) -> None:
        type_into(dialog.path_edit, str(model))
        seen["enabled"] = (dialog.class_list.isEnabled(), dialog.shape_edit.isEnabled())
        QTest.mouseClick(dialog.import_button, Qt.MouseButton.LeftButton)

    when_dialog_opens(fill)
    window.actions_by_name["import_model"].trigger()
    assert seen["enabled"] == (False, False)
    assert window.document.project.name == "lenet" and window.document.path is None
    assert "61,706 params" in window.params_label.text()


def test_classes_are_listed_before_any_code_runs(qtbot, tmp_path):
    source = tmp_path / "model.py"
    source.write_text(
        "raise SystemExit('ran')\nfrom torch import nn\n\n\nclass Net(nn.Module):\n    pass\n\n\n"
        "class Wide(nn.Module):\n    def __init__(self, width):\n        super().__init__()\n"
    )
    dialog = ImportDialog(None, tmp_path)
    qtbot.addWidget(dialog)
    type_into(dialog.path_edit, str(source))
    items = [dialog.class_list.item(i) for i in range(dialog.class_list.count())]
    assert [i.text() for i in items] == ["Net", "Wide  (needs width)"]
    assert not items[1].flags() & Qt.ItemFlag.ItemIsEnabled
    assert dialog.selected_class() == "Net" and "nothing run yet" in dialog.class_hint.text()


def test_unsaved_changes_are_asked_about_first(window, monkeypatch):
    window.document.undo_stack.push(QUndoCommand("an edit"))
    asked = []
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: asked.append(a[2]) or Button.Cancel)
    monkeypatch.setattr(ImportDialog, "exec", lambda self: pytest.fail("the dialog opened without asking"))
    assert window.import_model() is False
    assert asked and "Save the changes" in asked[0]


def test_functions_that_build_a_model_are_listed_and_imported(window, tmp_path, qtbot):
    """A model repository's file: its class needs arguments, its functions build the models."""
    repo = Path(__file__).parents[1] / "backend" / "import_samples" / "repo" / "models" / "resnetlike.py"
    seen: dict = {}

    def fill(dialog: ImportDialog) -> None:
        type_into(dialog.path_edit, str(repo))
        seen["items"] = [dialog.class_list.item(i).text() for i in range(dialog.class_list.count())]
        seen["hint"] = dialog.class_hint.text()
        seen["first"] = dialog.selected_class()
        pick_class(dialog, "Deeper")
        type_into(dialog.shape_edit, "3,16,16")
        QTest.mouseClick(dialog.import_button, Qt.MouseButton.LeftButton)

    when_dialog_opens(fill)
    window.actions_by_name["import_model"].trigger()
    assert seen["items"] == [
        "Net  (needs block, depth)",
        "Small()  builds Net",
        "Deeper()  builds Net",
        "deeper_alias()  builds Net",
        "Wide()  builds Net  (needs width)",
    ]
    assert (
        seen["hint"] == "1 nn.Module class and 4 functions that build one found by reading the file (nothing run yet)."
    )
    assert seen["first"] == "Small"
    project = window.document.project
    assert project.name == "Deeper" and project.main.name == "deeper"
    assert "Imported Deeper." in window.statusBar().currentMessage()
