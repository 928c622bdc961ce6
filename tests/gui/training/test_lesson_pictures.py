"""What a lesson shows after training (filters and feature maps of LeNet-5, LSTM gates, generated samples,
held-out sequences, a tour's table) and the canvas's "Show filters" on a trained Conv2d node."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from app.docks.sample_grid import SampleGrid
from app.docks.task_views import SequenceExamples
from app.lessons.node_pictures import TRAIN_FIRST
from app.lessons.panel import PICTURES_TAB
from app.lessons.pictures.image_grids import samples_by_epoch_picture
from app.lessons.pictures.lstm_gates import LSTMGatesPicture
from graph.presets import build_preset
from tests.gui.training.helpers import OFFSCREEN_NOTES, quick, train
from tests.gui.training.lessons_helpers import (
    entry,
    node_menu,
    open_course,
    pick_lesson,
    run_experiment,
    tick_quick_run,
)

pytestmark = pytest.mark.qt_log_ignore(OFFSCREEN_NOTES)


def run_quick(window, qtbot, lesson_id: str, index: int = 0):
    panel = open_course(window, qtbot)
    pick_lesson(panel, lesson_id)
    tick_quick_run(panel)
    run_experiment(window, qtbot, panel, index)
    assert panel.tabs.currentIndex() == PICTURES_TAB, panel.status.text()
    return panel


def test_the_cnn_lesson_shows_filters_and_feature_maps_then_the_canvas_shows_them_too(window, qtbot):
    panel = run_quick(window, qtbot, "convolution")
    filters, maps1, maps2 = panel.pictures.pictures
    assert all(isinstance(grid, SampleGrid) for grid in (filters, maps1, maps2))
    assert filters.shown_count == 6 and "conv1" in filters.title  # six 5x5 filters of one input channel
    assert maps1.shown_count == 1 + 6 and maps1.labels[0] == "input"
    assert maps2.shown_count == 1 + 16
    assert window.training.trained_session() is not None
    assert window.actions_by_name["export_weights"].isEnabled()  # the lesson's model can be saved too
    menu = node_menu(window, qtbot, "conv2")
    action = entry(menu, "Show filters")
    assert action.isEnabled()
    QTest.mouseClick(menu, Qt.MouseButton.LeftButton, pos=menu.actionGeometry(action).center())
    (shown,) = panel.pictures.pictures
    assert shown.shown_count == 16 * 6 and "conv2" in shown.title


def test_show_feature_maps_needs_a_trained_model_of_this_project(window, qtbot):
    window.load_project(quick(build_preset("lenet5")))
    menu = node_menu(window, qtbot, "conv1")
    for text in ("Show filters", "Show feature maps"):
        assert not entry(menu, text).isEnabled() and entry(menu, text).toolTip() == TRAIN_FIRST
    QTest.keyClick(menu, Qt.Key.Key_Escape)
    train(window, qtbot)
    menu = node_menu(window, qtbot, "conv1")
    action = entry(menu, "Show feature maps")
    assert action.isEnabled()
    QTest.mouseClick(menu, Qt.MouseButton.LeftButton, pos=menu.actionGeometry(action).center())
    (shown,) = window.lessons.pictures.pictures
    assert shown.shown_count == 1 + 6 and window.docks["lessons"].isVisible()
    window.load_project(quick(build_preset("lenet5")))  # another project: its model is not trained
    menu = node_menu(window, qtbot, "conv1")
    assert not entry(menu, "Show filters").isEnabled()
    QTest.keyClick(menu, Qt.Key.Key_Escape)


def test_the_lstm_lesson_shows_each_gate_over_the_window(window, qtbot):
    panel = run_quick(window, qtbot, "lstm")
    (picture,) = panel.pictures.pictures
    assert isinstance(picture, LSTMGatesPicture)
    assert sorted(picture.maps) == ["cell", "forget", "input", "output"]
    forget = picture.maps["forget"].image
    assert forget.shape[0] == 32 and forget.min() >= 0.0 and forget.max() <= 1.0


def test_the_gan_lesson_shows_its_samples_epoch_by_epoch(window, qtbot):
    panel = run_quick(window, qtbot, "gan")
    (grid,) = panel.pictures.pictures
    assert grid.columns == 8 and grid.shown_count == 2 * 8  # a row of the same noise per epoch
    assert "after epochs 1, 2" in grid.title


def test_a_long_run_shows_eight_epochs_from_first_to_last_eight_samples_each(qtbot):
    data = [(epoch, np.full((16, 1, 8, 8), epoch / 20, dtype=np.float32)) for epoch in range(1, 21)]
    grid = samples_by_epoch_picture(data)
    qtbot.addWidget(grid)
    assert grid.columns == 8 and grid.shown_count == 8 * 8
    assert "after epochs 1, 4, 6, 9, 12, 15, 17, 20" in grid.title


def test_the_vae_lesson_maps_its_two_number_code_space(window, qtbot):
    panel = run_quick(window, qtbot, "vae")
    (grid,) = panel.pictures.pictures
    assert grid.columns == 15 and grid.shown_count == 15 * 15


def test_the_seq2seq_lesson_lists_inputs_targets_and_outputs(window, qtbot):
    panel = run_quick(window, qtbot, "seq2seq")
    (examples,) = panel.pictures.pictures
    assert isinstance(examples, SequenceExamples) and len(examples.rows) == 8
    source, target, _output = examples.rows[0]
    assert source.split() == target.split()[::-1]  # the task: write the input backwards


def test_a_tour_lists_the_networks_by_size_and_opens_one(window, qtbot):
    panel = open_course(window, qtbot)
    pick_lesson(panel, "cnn_architectures")
    run_experiment(window, qtbot, panel, 0)
    table = panel.pictures.tour
    assert [table.item(row, 0).text() for row in range(table.rowCount())][:2] == ["LeNet-5", "AlexNet"]
    assert table.item(0, 2).text() == "61,706"
    rect = table.visualItemRect(table.item(1, 0))
    QTest.mouseClick(table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())  # a double-click's first press
    QTest.mouseDClick(table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert "alexnet" in window.document.project.networks
