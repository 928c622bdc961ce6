"""Files from the window: save and reopen, the unsaved-changes prompt, recent files, autosave and recovery."""

from __future__ import annotations

import os

import pytest
from PySide6.QtCore import QEvent
from PySide6.QtWidgets import QApplication, QMessageBox

from app import files
from app.commands import SetParamCommand, SetTrainingCommand
from app.main_window import MainWindow
from graph.presets import build_preset
from graph.project_io import dumps, load_project
from tests.gui.conftest import lenet_window

pytestmark = pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints")

Button = QMessageBox.StandardButton


@pytest.fixture
def answers(monkeypatch):
    """Scripted answers for message boxes; a box with no answer left fails the test."""
    queue: list = []
    asked: list[str] = []

    def question(parent, title, text, *args):
        asked.append(text)
        assert queue, f"unexpected question: {text}"
        return queue.pop(0)

    def warning(parent, title, text, *args):
        asked.append(text)
        return Button.Ok

    monkeypatch.setattr(QMessageBox, "question", question)
    monkeypatch.setattr(QMessageBox, "warning", warning)
    return queue, asked


@pytest.fixture
def window(qtbot, answers):
    with lenet_window(qtbot) as win:
        yield win


def edit(window, value: int = 42) -> None:
    document = window.document
    linear = next(n for n in document.network.nodes.values() if n.type == "Linear")
    document.undo_stack.push(SetParamCommand(document, document.current_network, linear.id, "out_features", value))


def test_save_then_reopen_gives_identical_json(window, tmp_path):
    edit(window)
    path = tmp_path / "lenet.json"
    assert window.files._write(path)
    expected = dumps(window.document.project)
    assert path.read_text(encoding="utf-8") == expected
    window.load_project(build_preset("mlp"))
    assert window.open_project(path)
    assert dumps(window.document.project) == expected
    assert window.document.path == path
    assert files.recent_files()[0] == path.resolve()


def test_save_as_uses_the_chosen_path(window, tmp_path, monkeypatch):
    target = tmp_path / "chosen"
    monkeypatch.setattr(files.QFileDialog, "getSaveFileName", lambda *a, **k: (str(target), ""))
    assert window.save_project()  # never saved: Save asks where
    assert (tmp_path / "chosen.json").is_file()
    assert window.windowTitle() == "chosen.json[*] — NetCanvas"


def test_new_asks_about_unsaved_changes(window, answers):
    queue, asked = answers
    edit(window)
    before = dumps(window.document.project)
    queue.append(Button.Cancel)
    assert not window.new_project()
    assert dumps(window.document.project) == before and window.document.dirty
    queue.append(Button.Discard)
    assert window.new_project()
    project = window.document.project
    assert [n.type for n in project.main.nodes.values()] == ["Input"]
    assert not window.document.dirty
    assert len(asked) == 2 and "lenet" in asked[0].lower()


def test_close_with_save_writes_the_file_and_cancel_keeps_the_window(window, answers, tmp_path):
    queue, _asked = answers
    path = tmp_path / "mine.json"
    assert window.files._write(path)
    edit(window, 55)
    queue.append(Button.Cancel)
    assert not window.close()
    assert window.isVisible()
    queue.append(Button.Save)
    assert window.close()
    assert (
        load_project(path)
        .main.node_by_name(next(n.name for n in window.document.network.nodes.values() if n.type == "Linear"))
        .params["out_features"]
        == 55
    )


def test_close_with_discard_leaves_the_file_untouched(window, answers, tmp_path):
    queue, _asked = answers
    path = tmp_path / "mine.json"
    assert window.files._write(path)
    before = path.read_bytes()
    edit(window)
    queue.append(Button.Discard)
    assert window.close()
    assert path.read_bytes() == before


def test_opening_a_broken_file_says_why_and_keeps_the_project(window, answers, tmp_path):
    _queue, asked = answers
    broken = tmp_path / "broken.json"
    broken.write_text('{"format": "netcanvas", "version": 1, "networks": 3}', encoding="utf-8")
    before = dumps(window.document.project)
    assert not window.open_project(broken)
    assert asked and "broken.json" in asked[0]
    assert dumps(window.document.project) == before


def test_open_recent_menu_lists_saved_projects(window, tmp_path):
    for name in ("a.json", "b.json"):
        assert window.files._write(tmp_path / name)
    window.fill_recent_menu()
    titles = [action.text() for action in window.recent_menu.actions() if action.text()]
    assert titles[:2] == ["b.json", "a.json"]


def test_autosave_writes_only_while_dirty_and_clears_on_save(window, tmp_path):
    autosave = window.autosave
    assert not autosave.save_now()
    edit(window)
    assert autosave.save_now()
    assert dumps(load_project(autosave.path)) == dumps(window.document.project)
    assert window.files._write(tmp_path / "saved.json")
    assert not autosave.path.exists()


def _dead_pid() -> int:
    """A process id that no running process has (an autosave left by a crashed app)."""
    pid = 4_000_000
    while True:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return pid
        except PermissionError:
            pid += 1  # alive, owned by someone else
            continue
        pid += 1


def test_the_autosave_timer_writes_a_copy_that_the_next_start_recovers(qtbot, answers, private_data, tmp_path):
    queue, asked = answers
    original = tmp_path / "mlp.json"
    # The earlier session: a saved project, then an edit nobody saved.
    earlier = MainWindow(restore_layout=False)
    earlier.load_project(build_preset("mlp"))
    assert earlier.files._write(original)
    edit(earlier, 33)
    earlier.document.undo_stack.push(SetTrainingCommand(earlier.document, "lr", 0.0123))
    edited = dumps(earlier.document.project)
    # Its process has since died: its autosave carries a process id nobody has now.
    earlier.autosave.path = private_data / "autosave" / f"autosave-{_dead_pid()}.json"
    with qtbot.waitSignal(earlier.autosave.saved, timeout=10_000) as saved:
        earlier.autosave.timer.setInterval(50)  # the timer's own tick, sooner than a minute
    assert saved.args[0] == earlier.autosave.path
    # The crash: the window goes without closing, so nothing cleans up after it.
    earlier.autosave.timer.stop()
    earlier.hide()
    earlier.deleteLater()
    QApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    assert saved.args[0].exists()

    win = MainWindow(restore_layout=False)
    win.show()
    qtbot.waitExposed(win)
    queue.append(Button.Yes)
    assert win.offer_recovery()
    assert "mlp.json" in asked[0]
    assert dumps(win.document.project) == edited
    assert win.document.path == original
    assert win.document.dirty and win.isWindowModified()
    assert not saved.args[0].exists()
    assert not win.offer_recovery()  # asked once only
    win.document.undo_stack.setClean()
    win.close()


def test_a_running_sessions_autosave_is_not_offered(window, private_data):
    edit(window)
    assert window.autosave.save_now()
    assert files.find_recoverable() == []
