"""The user's work survives bad files, failing disks and crashes.

Opening a hostile project file through File > Open shows one dialog naming what is
wrong and leaves the open project exactly as it was; a save whose write fails half
way leaves the old file whole; and after the app is killed (a real process, killed
with SIGKILL after its own autosave timer fired) the next start offers the autosave.
"""

from __future__ import annotations

import errno
import json
import os
import re
import select
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from PySide6.QtWidgets import QFileDialog, QMessageBox

from app.commands import SetParamCommand, SetTrainingCommand
from app.main_window import MainWindow
from graph import project_io
from graph.presets import build_preset
from graph.project_io import dumps, project_to_dict
from tests.gui.conftest import lenet_window

pytestmark = pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints")
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def dialogs(monkeypatch):
    """Every warning the window shows, as (title, text); questions are answered Yes."""
    shown: list[tuple[str, str]] = []
    monkeypatch.setattr(QMessageBox, "warning", lambda _parent, title, text, *rest: shown.append((title, text)))
    monkeypatch.setattr(QMessageBox, "question", lambda *args: QMessageBox.StandardButton.Yes)
    return shown


@pytest.fixture
def saved_window(qtbot, tmp_path, dialogs):
    """LeNet-5 with one edit on the undo stack, saved as lenet.json (so nothing asks to save first)."""
    with lenet_window(qtbot) as window:
        document = window.document
        fc = document.network.node_by_name("fc3")
        document.undo_stack.push(SetParamCommand(document, document.current_network, fc.id, "out_features", 7))
        assert window.files._write(tmp_path / "lenet.json")
        yield window


def lenet_file() -> dict:
    return project_to_dict(build_preset("lenet5"))


def _truncated(path: Path) -> None:
    text = dumps(build_preset("lenet5"))
    path.write_text(text[: len(text) // 2], encoding="utf-8")


def _wrong_type(path: Path) -> None:
    data = lenet_file()
    data["networks"]["lenet5"]["nodes"][2]["params"]["kernel_size"] = "big"
    path.write_text(json.dumps(data), encoding="utf-8")


def _unknown_layer(path: Path) -> None:
    data = lenet_file()
    data["networks"]["lenet5"]["nodes"][1]["type"] = "Warp"
    path.write_text(json.dumps(data), encoding="utf-8")


def _cycle(path: Path) -> None:
    data = lenet_file()
    net = data["networks"]["lenet5"]
    first, last = net["nodes"][1]["id"], net["nodes"][-2]["id"]
    net["edges"].append({"src": last, "src_port": "out", "dst": first, "dst_port": "x"})
    net["nodes"][1]["type"] = "Add"  # so the layer may take a second input
    net["nodes"][1]["params"] = {}
    path.write_text(json.dumps(data), encoding="utf-8")


def _a_million_nodes(path: Path) -> None:
    data = lenet_file()
    data["networks"]["lenet5"]["nodes"] = [{}] * 10**6
    path.write_text(json.dumps(data, separators=(",", ":")), encoding="utf-8")


def _not_utf8(path: Path) -> None:
    path.write_bytes(dumps(build_preset("lenet5")).replace('"lenet5"', '"lenet\xff"', 1).encode("latin-1"))


@pytest.mark.parametrize(
    ("write", "named"),
    [
        (_truncated, "not valid JSON: "),
        (_wrong_type, "networks.lenet5.nodes[2].params.kernel_size:"),
        (_unknown_layer, "networks.lenet5.nodes[1].type: unknown layer type 'Warp'"),
        (_cycle, "the connections go round in a circle"),
        (_a_million_nodes, "networks.lenet5.nodes: 1,000,000 nodes; at most 100,000"),
        (_not_utf8, "not UTF-8 text (byte"),
    ],
    ids=["truncated", "wrong type", "unknown layer", "cycle", "a million nodes", "not UTF-8"],
)
def test_a_hostile_file_is_refused_with_a_dialog_and_the_open_project_stays(
    saved_window, dialogs, tmp_path, monkeypatch, write, named
):
    window = saved_window
    document = window.document
    hostile = tmp_path / "hostile.json"
    write(hostile)
    before = (dumps(document.project), document.path, document.undo_stack.count(), window.windowTitle())
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *args, **kwargs: (str(hostile), ""))
    window.actions_by_name["open"].trigger()
    assert len(dialogs) == 1
    title, text = dialogs[0]
    assert title == "Cannot open project"
    assert "hostile.json" in text and named in text and "\n" not in text
    if write is _truncated:
        assert re.search(r"\(line \d+, column \d+\)$", text)
    assert (dumps(document.project), document.path, document.undo_stack.count(), window.windowTitle()) == before
    assert not document.dirty


def test_a_save_that_fails_half_way_leaves_the_old_file_whole(saved_window, dialogs, monkeypatch):
    window = saved_window
    document = window.document
    path = document.path
    old = path.read_bytes()
    document.undo_stack.push(SetTrainingCommand(document, "lr", 0.5))
    real_fdopen = os.fdopen

    class HalfWritten:
        """A file whose write puts half the text on disk, then finds the disk full."""

        def __init__(self, handle):
            self.handle = handle

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            self.handle.close()
            return False

        def write(self, text):
            self.handle.write(text[: len(text) // 2])
            self.handle.flush()
            raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(
        project_io.os, "fdopen", lambda fd, *args, **kwargs: HalfWritten(real_fdopen(fd, *args, **kwargs))
    )
    window.actions_by_name["save"].trigger()
    assert [title for title, _ in dialogs] == ["Cannot save project"]
    assert "No space left on device" in dialogs[0][1]
    assert path.read_bytes() == old
    assert sorted(p.name for p in path.parent.iterdir() if p.name.startswith(".lenet")) == []
    assert document.dirty and window.isWindowModified()

    monkeypatch.setattr(project_io.os, "fdopen", real_fdopen)
    window.actions_by_name["save"].trigger()
    assert project_io.load_project(path).training["lr"] == 0.5
    assert not document.dirty


CRASHING_APP = """
import sys
from PySide6.QtWidgets import QApplication
from app.commands import SetParamCommand, SetTrainingCommand
from app.main_window import MainWindow
from graph.presets import build_preset

app = QApplication([])
window = MainWindow(restore_layout=False)
window.load_project(build_preset("mlp"))
document = window.document
fc = next(n for n in document.network.nodes.values() if n.type == "Linear")
document.undo_stack.push(SetParamCommand(document, document.current_network, fc.id, "out_features", 33))
document.undo_stack.push(SetTrainingCommand(document, "lr", 0.0123))
window.autosave.saved.connect(lambda path: print("autosaved", flush=True))
window.autosave.timer.setInterval(50)
window.show()
app.exec()
"""


def expected_after_the_crash() -> str:
    project = build_preset("mlp")
    fc = next(n for n in project.main.nodes.values() if n.type == "Linear")
    project.main.set_param(fc.id, "out_features", 33)
    project.set_training("lr", 0.0123)
    return dumps(project)


@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs SIGKILL")
def test_after_the_app_is_killed_the_next_start_offers_its_autosave(qtbot, private_data, monkeypatch):
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "NETCANVAS_DATA_DIR": str(private_data)}
    crashing = subprocess.Popen(
        [sys.executable, "-c", CRASHING_APP],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        ready, _, _ = select.select([crashing.stdout], [], [], 120)
        assert ready, "the app never autosaved"
        assert crashing.stdout.readline().strip() == "autosaved"
    finally:
        crashing.send_signal(signal.SIGKILL)
        crashing.wait(timeout=60)
        crashing.stdout.close()
    assert crashing.returncode == -signal.SIGKILL

    asked = []
    monkeypatch.setattr(
        QMessageBox,
        "question",
        lambda _parent, title, text, *rest: asked.append(text) or QMessageBox.StandardButton.Yes,
    )
    window = MainWindow(restore_layout=False)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    assert window.offer_recovery()
    assert len(asked) == 1 and "did not close properly" in asked[0]
    assert dumps(window.document.project) == expected_after_the_crash()
    assert window.document.dirty and window.isWindowModified()
    assert not window.offer_recovery()  # offered once
    window.document.undo_stack.setClean()
