"""The main window as a user meets it: docks, presets, problems, summary, code, title, themes, exports, CLI."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox

from app import main_window as main_window_module
from app.commands import SetParamCommand
from app.entry import main as cli_main
from app.main_window import MainWindow
from app.preset_gallery import PresetGallery
from app.themes import current_theme
from graph.presets import PRESETS, PresetError, build_preset
from tests.gui.conftest import lenet_window

# The offscreen platform cannot size real windows; that note is not a problem of the app.
pytestmark = pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints")


@pytest.fixture(autouse=True)
def no_unexpected_dialogs(monkeypatch):
    """A message box nobody expected would block the test run: make it fail the test instead."""

    def refuse(*args, **kwargs):
        raise AssertionError(f"unexpected message box: {args[1:3]}")

    monkeypatch.setattr(QMessageBox, "question", refuse)
    monkeypatch.setattr(QMessageBox, "warning", refuse)


@pytest.fixture
def window(qtbot):
    with lenet_window(qtbot) as win:
        yield win


def find_node(document, name: str) -> str:
    return document.network.node_by_name(name).id


def test_opens_with_lenet5_and_every_dock(window):
    assert window.document.project.preset == "lenet5" or "lenet" in window.document.project.name.lower()
    assert window.windowTitle().endswith("— NetCanvas")
    for key in ("palette", "inspector", "problems", "summary", "code", "training"):
        dock = window.docks[key]
        assert dock.toggleViewAction().isChecked(), key
    assert window.problems.row_count() == 0
    assert "61,706" in window.params_label.text()
    assert window.code.source.count("class ") >= 1
    assert window.training.start_button.isEnabled()


def test_docks_hide_and_show_from_the_view_menu(window, qtbot):
    action = window.docks["code"].toggleViewAction()
    action.trigger()
    assert not window.docks["code"].isVisible()
    action.trigger()
    assert window.docks["code"].isVisibleTo(window)


def test_every_preset_loads_from_the_gallery(window, monkeypatch):
    chosen = []

    def pick(gallery: PresetGallery) -> int:
        gallery.select(chosen[-1])
        gallery.accept()
        return gallery.result()

    monkeypatch.setattr(PresetGallery, "exec", pick)
    for name in PRESETS:
        chosen.append(name)
        assert window.new_from_preset(), name
        project = window.document.project
        assert project.preset == name
        assert window.editor.tabs.count() == len(project.networks), name
        assert window.problems.row_count() == 0, name
        assert not window.document.dirty
    assert [window.editor.tabs.tabText(i) for i in range(window.editor.tabs.count())] == ["generator", "discriminator"]


def test_gallery_options_follow_the_preset_and_a_refusal_keeps_it_open(qtbot, monkeypatch):
    gallery = PresetGallery(selected="lenet5")
    qtbot.addWidget(gallery)
    minimum = PRESETS["lenet5"].option("image_size").minimum
    gallery.set_option("image_size", 1)
    assert gallery.options()["image_size"] == max(1, minimum)  # the editor keeps to the option's range

    def refuse(name, options):
        raise PresetError("lenet5 with image_size=20 does not work: the image is too small")

    monkeypatch.setattr("app.preset_gallery.build_preset", refuse)
    gallery.accept()
    assert gallery.project is None
    assert gallery.error.isVisibleTo(gallery)
    assert "too small" in gallery.error.text()


def test_problem_double_click_selects_and_centres_the_node(window, qtbot):
    document = window.document
    fc1 = find_node(document, "fc1") if document.network.node_by_name("fc1") else None
    linear = fc1 or next(n.id for n in document.network.nodes.values() if n.type == "Linear")
    document.undo_stack.push(SetParamCommand(document, document.current_network, linear, "in_features", 7))
    qtbot.waitUntil(lambda: window.problems.row_count() > 0)
    tree = window.problems.tree
    item = next(
        tree.topLevelItem(i) for i in range(tree.topLevelItemCount()) if tree.topLevelItem(i).data(0, 257) == linear
    )
    window.docks["problems"].raise_()
    qtbot.waitUntil(lambda: tree.isVisible())
    rect = tree.visualItemRect(item)
    # A real double-click starts with a press; Qt's item views only activate what was pressed.
    qtbot.mouseClick(tree.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    qtbot.mouseDClick(tree.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert window.editor.scene().selected_node_ids() == [linear]
    assert "error" in window.problems_label.text()


def test_summary_totals_equal_the_report(window):
    document = window.document
    report = document.report
    assert window.summary.network_total == report.total_params == 61_706
    assert f"Total params: {report.total_params:,}" in window.summary.totals.text()
    assert window.params_label.text() == "lenet5: 61,706 params"
    assert window.summary.tree.topLevelItemCount() == len(report.order)


def test_summary_shows_blocks_as_expandable_rows(window):
    window.load_project(build_preset("resnet"))
    tree = window.summary.tree
    blocks = [tree.topLevelItem(i) for i in range(tree.topLevelItemCount()) if tree.topLevelItem(i).childCount()]
    assert blocks, "a ResNet has residual blocks"
    assert window.summary.network_total == window.document.report.total_params


def test_code_dock_follows_a_parameter_change(window, qtbot):
    document = window.document
    linear = next(n for n in document.network.nodes.values() if n.type == "Linear")
    document.undo_stack.push(SetParamCommand(document, document.current_network, linear.id, "out_features", 77))
    qtbot.waitUntil(lambda: "77" in window.code.source and linear.name in window.code.source, timeout=3000)
    assert not window.code.banner.isVisibleTo(window.code)


def test_code_dock_shows_errors_and_keeps_the_last_good_code(window, qtbot):
    document = window.document
    good = window.code.source
    linear = next(n for n in document.network.nodes.values() if n.type == "Linear")
    document.undo_stack.push(SetParamCommand(document, document.current_network, linear.id, "in_features", 3))
    qtbot.waitUntil(lambda: window.code.error != "", timeout=3000)
    assert window.code.banner.isVisibleTo(window.code)
    assert linear.name in window.code.banner.text()
    assert window.code.editor.toPlainText() == good
    assert not window.code.copy_button.isEnabled()
    document.undo_stack.undo()
    qtbot.waitUntil(lambda: window.code.error == "", timeout=3000)
    assert window.code.copy_button.isEnabled()


def test_title_shows_name_and_unsaved_marker(window, tmp_path):
    document = window.document
    assert not window.isWindowModified()
    linear = next(n for n in document.network.nodes.values() if n.type == "Linear")
    document.undo_stack.push(SetParamCommand(document, document.current_network, linear.id, "out_features", 11))
    assert window.isWindowModified()
    assert "[*]" in window.windowTitle()
    path = tmp_path / "mine.json"
    assert window.files._write(path)
    assert window.windowTitle() == "mine.json[*] — NetCanvas"
    assert not window.isWindowModified()


def test_status_bar_shows_editor_messages(window):
    window.editor.status_message.emit("would make a cycle")
    assert window.statusBar().currentMessage() == "would make a cycle"


def test_theme_switch_changes_palette_and_is_remembered(window, qtbot):
    light = window.palette().window().color().lightness()
    window.set_theme("dark")
    try:
        assert current_theme() == "dark"
        assert window.palette().window().color().lightness() < light
        assert window.actions_by_name["theme_dark"].isChecked()
        assert main_window_module.settings().value("theme") == "dark"
    finally:
        window.set_theme("light")


def test_layout_is_saved_and_restored(qtbot, window):
    window.docks["summary"].hide()
    window.save_layout()
    again = MainWindow(restore_layout=True)
    qtbot.addWidget(again)
    again.show()
    qtbot.waitExposed(again)
    assert not again.docks["summary"].isVisible()
    assert again.docks["training"].isVisible() or again.docks["training"].isVisibleTo(again)


def test_exports_code_and_diagram(window, tmp_path):
    code = tmp_path / "net.py"
    assert window.export_to("python", str(code))
    assert "nn.Module" in code.read_text(encoding="utf-8")
    picture = tmp_path / "net.png"
    assert window.export_to("png", str(picture))
    assert picture.stat().st_size > 0


def test_export_failure_is_a_message_not_a_crash(window, tmp_path, monkeypatch):
    shown = []
    monkeypatch.setattr(QMessageBox, "warning", lambda *args: shown.append(args[2]))
    assert not window.export_to("python", str(tmp_path / "missing-folder" / "net.py"))
    assert len(shown) == 1 and "net.py" in shown[0]
    assert not window.export_to("weights", str(tmp_path / "w.pt"))
    assert "train" in shown[1]


def test_gui_command_writes_a_screenshot(qapp, tmp_path):
    shot = tmp_path / "shot.png"
    assert cli_main(["gui", "--screenshot", str(shot)]) == 0
    assert shot.stat().st_size > 10_000
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


@pytest.mark.parametrize(
    ("argv", "status"),
    [
        (["gui", "--preset", "nope"], 2),
        (["gui", "--preset", "lenet5", "--set", "image_size"], 2),
        (["gui", "--preset", "lenet5", "--set", "colour=red"], 2),
        (["gui", "missing.json"], 1),
        (["gui", "--screenshot", "shot.jpg"], 2),
    ],
)
def test_gui_command_rejects_bad_arguments_in_one_line(qapp, argv, status, capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert cli_main(argv) == status
    err = capsys.readouterr().err.strip()
    assert err.startswith("netcanvas: ") and "\n" not in err
    assert not Path("shot.jpg").exists()
