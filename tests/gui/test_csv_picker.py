"""A CSV chosen as data: the column picker previews it, suggests the target, and OK fits the network to it."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QFileDialog

from app.csv_picker import CsvPicker
from app.docks.training_settings import CHOOSE_FILE
from graph.presets import build_preset
from graph.project_io import dumps
from tests.gui.conftest import choose, click, lenet_window, pick_in_popup, show_settings_page

pytestmark = pytest.mark.qt_log_ignore("This plugin does not support (propagateSizeHints|grabbing|raise)")
READ_TIMEOUT_MS = 30_000
SPECIES = ("setosa", "versicolor", "virginica", "setosa")


@pytest.fixture
def window(qtbot):
    with lenet_window(qtbot) as win:
        win.load_project(build_preset("mlp"))
        win.docks["training"].raise_()
        show_settings_page(win.training.settings, "Data")
        yield win


@pytest.fixture
def flowers(tmp_path):
    """30 rows: two measurements, the species as text in the last-but-one column, a petal count."""
    lines = ["length,width,species,petals"]
    for index in range(30):
        lines.append(f"{1 + index / 10:.1f},{2 + index % 7},{SPECIES[index % 4]},{4 + index % 2}")
    path = tmp_path / "flowers.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def open_picker(window, qtbot, monkeypatch, path) -> CsvPicker:
    """Choose file… in the dataset combo; the file dialog answers with `path` (once)."""
    asked = []

    def pick_file(*args, **kwargs):
        asked.append(args)
        return str(path), ""

    monkeypatch.setattr(QFileDialog, "getOpenFileName", pick_file)
    settings = window.training.settings
    pick_in_popup(qtbot, settings.editors["dataset"], CHOOSE_FILE)
    qtbot.waitUntil(lambda: settings.findChild(CsvPicker) is not None)
    picker = settings.findChild(CsvPicker)
    qtbot.waitUntil(picker.ok_button.isEnabled, timeout=READ_TIMEOUT_MS)
    assert len(asked) == 1  # the file dialog opened once
    return picker


def test_the_picker_previews_the_file_and_ok_fits_the_network_to_the_chosen_column(window, qtbot, monkeypatch, flowers):
    document = window.document
    before = dumps(document.project)
    picker = open_picker(window, qtbot, monkeypatch, flowers)

    table = picker.table
    assert table.rowCount() == 20 and table.columnCount() == 4  # the first rows of 30
    assert table.item(0, 2).text() == "setosa"
    headers = [table.horizontalHeaderItem(i).text() for i in range(4)]
    assert headers[2] == "species\ntext, 0 missing" and headers[3] == "petals\ninteger, 0 missing"
    assert "30 rows" in picker.summary.text()
    assert picker.target == "species"  # a text column of few values: the suggested target
    assert table.currentColumn() == 2 or 2 in {index.column() for index in table.selectedIndexes()}

    click(picker.ok_button)
    settings = window.training.settings
    qtbot.waitUntil(lambda: document.project.training["dataset"] == str(flowers), timeout=READ_TIMEOUT_MS)
    assert document.project.training["target"] == "species"
    network = document.network
    last = [node for node in network.nodes.values() if node.type == "Linear"][-1]
    assert last.params["out_features"] == 3  # setosa, versicolor, virginica
    assert "3 classes" in settings.data.facts_label.text()
    target = settings.editors["target"]
    assert target.isVisible() and target.currentText() == "species"
    assert [target.itemText(i) for i in range(target.count())] == ["length", "width", "species", "petals"]

    document.undo_stack.undo()  # one step: data set, target and network
    assert dumps(document.project) == before


def test_a_clicked_column_becomes_the_target_and_the_target_combo_refits(window, qtbot, monkeypatch, tmp_path):
    path = tmp_path / "grades.csv"
    rows = [f"{i / 7:.2f},{(i * 3) % 11},{i % 3},{i % 5}" for i in range(40)]
    path.write_text("\n".join(["x1,x2,kind,grade", *rows]) + "\n", encoding="utf-8")
    document = window.document
    picker = open_picker(window, qtbot, monkeypatch, path)
    header = picker.table.horizontalHeader()
    QTest.mouseClick(header.viewport(), Qt.MouseButton.LeftButton, pos=header_point(header, 3))
    assert picker.target == "grade"
    click(picker.ok_button)
    qtbot.waitUntil(lambda: document.project.training["target"] == "grade", timeout=READ_TIMEOUT_MS)
    last = [node for node in document.network.nodes.values() if node.type == "Linear"][-1]
    assert last.params["out_features"] == 5

    steps = document.undo_stack.count()
    choose(window.training.settings.editors["target"], "kind")
    qtbot.waitUntil(lambda: document.project.training["target"] == "kind", timeout=READ_TIMEOUT_MS)
    assert last.params["out_features"] == 3
    assert document.undo_stack.count() == steps + 1


def test_a_target_that_leaves_text_among_the_inputs_is_refused_with_the_reason(window, qtbot, monkeypatch, flowers):
    document = window.document
    before = dumps(document.project)
    picker = open_picker(window, qtbot, monkeypatch, flowers)
    picker.target_box.setFocus()
    QTest.keyClick(picker.target_box, Qt.Key.Key_Down)  # species -> petals
    assert picker.target == "petals"
    click(picker.ok_button)
    settings = window.training.settings
    qtbot.waitUntil(lambda: not settings.data.reader.busy, timeout=READ_TIMEOUT_MS)
    assert dumps(document.project) == before
    assert "'species' is not numeric" in window.statusBar().currentMessage()
    assert "'species' is not numeric" in settings.data.facts_label.text()
    assert settings.editors["dataset"].currentText() == "digits"


def header_point(header, section: int) -> QPoint:
    """The middle of a column's header, in the header's viewport."""
    return QPoint(header.sectionViewportPosition(section) + header.sectionSize(section) // 2, header.height() // 2)


def test_cancel_keeps_the_data_and_a_broken_csv_says_why(window, qtbot, monkeypatch, tmp_path):
    broken = tmp_path / "broken.csv"
    broken.write_bytes(b"\xff\xfe\x00garbage\x00\n\x00")
    document = window.document
    before = dumps(document.project)
    asked = []
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, **k: (asked.append(a), (str(broken), ""))[1])
    settings = window.training.settings
    pick_in_popup(qtbot, settings.editors["dataset"], CHOOSE_FILE)
    qtbot.waitUntil(lambda: settings.findChild(CsvPicker) is not None)
    picker = settings.findChild(CsvPicker)
    qtbot.waitUntil(picker.error.isVisible, timeout=READ_TIMEOUT_MS)
    assert not picker.ok_button.isEnabled()
    assert "broken.csv" in picker.summary.text()
    QTest.keyClick(picker, Qt.Key.Key_Escape)
    assert dumps(document.project) == before
    assert settings.editors["dataset"].currentText() == "digits"
    assert len(asked) == 1
