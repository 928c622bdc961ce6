"""Choosing data in the training settings: its facts are shown and the network follows it, in one undo step.

The data set is picked as a user picks it: arrow keys over the dataset combo box, or
its "Choose folder…" entry (the folder dialog answers with a folder written in
tmp_path). Reading happens on a thread; the tests wait for the answer.
"""

from __future__ import annotations

import pytest
from PIL import Image
from PySide6.QtWidgets import QFileDialog

from app import data_reader
from app.docks.training_settings import CHOOSE_FOLDER
from app.main_window import MainWindow
from graph.presets import build_preset
from graph.project_io import dumps
from tests.gui.conftest import choose, click, lenet_window, pick_in_popup, show_settings_page

pytestmark = pytest.mark.qt_log_ignore("This plugin does not support (propagateSizeHints|grabbing|raise)")
READ_TIMEOUT_MS = 30_000


@pytest.fixture
def window(qtbot):
    with lenet_window(qtbot) as win:
        win.docks["training"].raise_()
        show_settings_page(win.training.settings, "Data")
        yield win


def settled(window, qtbot) -> None:
    """Wait until the data panel has read the chosen data and acted on it."""
    qtbot.waitUntil(lambda: not window.training.settings.data.reader.busy, timeout=READ_TIMEOUT_MS)


def test_the_data_page_shows_the_projects_own_data_without_changing_anything(window, qtbot):
    facts = window.training.settings.data.facts_label
    qtbot.waitUntil(lambda: "1,797 samples" in facts.text(), timeout=READ_TIMEOUT_MS)
    assert "10 classes" in facts.text()
    window.load_project(build_preset("lstm"))
    qtbot.waitUntil(lambda: facts.text().startswith("sine: "), timeout=READ_TIMEOUT_MS)
    assert not window.document.undo_stack.canUndo()  # looking at the data is not an edit


def test_wine_fits_the_mlp_and_one_undo_restores_data_and_network(window, qtbot):
    window.load_project(build_preset("mlp"))
    document, settings = window.document, window.training.settings
    before = dumps(document.project)
    steps = document.undo_stack.count()
    choose(settings.editors["dataset"], "wine")
    settled(window, qtbot)

    network = document.network
    assert document.project.training["dataset"] == "wine"
    assert tuple(network.input_nodes()[0].params["shape"]) == (13,)
    last = [node for node in network.nodes.values() if node.type == "Linear"][-1]
    assert last.params["out_features"] == 3
    facts = settings.data.facts_label
    assert facts.isVisible() and "178 samples" in facts.text() and "13 features" in facts.text()
    assert "3 classes" in facts.text()
    status = window.statusBar().currentMessage()
    assert "out_features" in status and "-> 3" in status
    assert document.undo_stack.count() == steps + 1  # the data set and the network: one step

    document.undo_stack.undo()
    assert dumps(document.project) == before
    assert settings.editors["dataset"].currentText() == "digits"


def test_a_table_for_lenet5_is_refused_with_the_presets_that_take_it(window, qtbot):
    document, settings = window.document, window.training.settings
    before = dumps(document.project)
    choose(settings.editors["dataset"], "iris")
    settled(window, qtbot)

    assert dumps(document.project) == before  # the data set stays, the network too
    assert settings.editors["dataset"].currentText() == "digits"
    refusal = settings.data.refusal
    assert refusal.isVisible() and "iris" in refusal.text() and "mlp" in refusal.text()
    offers = [button.text() for button in settings.data.offer_buttons]
    assert offers and offers[0].startswith("Open MLP")

    opened = []
    window.new_from_preset = lambda name, data: opened.append((name, data))  # the gallery is tested on its own
    window.training.preset_wanted.disconnect()
    window.training.preset_wanted.connect(window.new_from_preset)
    click(settings.data.offer_buttons[0])
    assert opened == [("mlp", {"dataset": "iris", "target": ""})]


def image_folder(root, sizes: dict[str, list[tuple[int, int]]]):
    """A folder of class sub-folders of colour PNGs of the given (width, height) sizes."""
    for label, shapes in sizes.items():
        (root / label).mkdir(parents=True)
        for index, size in enumerate(shapes):
            Image.new("RGB", size, (40 * index, 90, 160)).save(root / label / f"{index}.png")
    return root


def test_a_folder_of_images_is_read_on_a_thread_and_lenet5_follows_it(window, qtbot, tmp_path, monkeypatch):
    folder = image_folder(tmp_path / "pets", {"cat": [(40, 30), (48, 36), (40, 30)], "dog": [(40, 30), (64, 64)]})
    asked = []

    def pick_folder(*args, **kwargs):
        asked.append(args)
        return str(folder)

    monkeypatch.setattr(QFileDialog, "getExistingDirectory", pick_folder)
    settings = window.training.settings
    combo = settings.editors["dataset"]
    pick_in_popup(qtbot, combo, CHOOSE_FOLDER)
    assert settings.data.reader.busy  # the window goes on while the folder is read
    settled(window, qtbot)

    assert len(asked) == 1
    document = window.document
    assert document.project.training["dataset"] == str(folder)
    facts = settings.data.facts_label.text()
    assert "5 samples" in facts and "colour images" in facts and "2 classes (cat, dog)" in facts
    network = document.network
    assert tuple(network.input_nodes()[0].params["shape"])[0] == 3
    assert network.node_by_name("fc3").params["out_features"] == 2
    document.undo_stack.undo()
    assert document.project.training["dataset"] == "digits"
    assert network.node_by_name("fc3").params["out_features"] == 10
    assert tuple(network.input_nodes()[0].params["shape"]) == (1, 32, 32)


def test_a_folder_that_cannot_be_read_changes_nothing_and_says_why(window, qtbot, tmp_path, monkeypatch):
    empty = tmp_path / "empty"
    empty.mkdir()
    monkeypatch.setattr(QFileDialog, "getExistingDirectory", lambda *args, **kwargs: str(empty))
    before = dumps(window.document.project)
    pick_in_popup(qtbot, window.training.settings.editors["dataset"], CHOOSE_FOLDER)
    settled(window, qtbot)
    assert dumps(window.document.project) == before
    assert "empty" in window.statusBar().currentMessage()
    assert window.training.settings.data.facts_label.property("state") == "error"


def test_closing_the_window_while_its_data_is_read_ends_the_reading_thread(qtbot):
    window = MainWindow(restore_layout=False)
    window.load_project(build_preset("lenet5"))
    window.show()  # the Data page shows: the project's data is read on a thread
    assert window.training.settings.data.reader.busy
    threads = [thread for thread, _worker in data_reader._threads]
    window.document.undo_stack.setClean()
    assert window.close()
    assert threads and all(thread.isFinished() for thread in threads)  # Qt aborts the app on a running QThread
    window.deleteLater()
