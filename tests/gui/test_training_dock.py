"""Training from the window: live curves, stop, pause, failures, runs compared, settings, closing mid-run."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from PySide6.QtWidgets import QMessageBox

from app.docks.plots import Series
from app.docks.training_settings import TrainingSettingsWidget
from app.document import Document
from app.main_window import MainWindow
from app.training_worker import TrainingWorker
from graph.presets import build_preset
from tests.gui.conftest import choose, click, show_settings_page, type_into

pytestmark = pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints")

RUN_TIMEOUT_MS = 60_000
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def no_unexpected_dialogs(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError(f"unexpected message box: {args[1:3]}")

    monkeypatch.setattr(QMessageBox, "question", refuse)
    monkeypatch.setattr(QMessageBox, "warning", refuse)


def quick(project, **settings):
    """Small, fast runs: few batches per epoch, tiny batches."""
    project.training.update({"epochs": 2, "max_batches": 4, "batch_size": "16", "device": "cpu"})
    project.training.update(settings)
    return project


@pytest.fixture
def window(qtbot):
    win = MainWindow(restore_layout=False)
    win.load_project(quick(build_preset("lenet5")))
    win.show()
    qtbot.waitExposed(win)
    yield win
    win.document.undo_stack.setClean()
    win.close()
    win.deleteLater()


def test_training_lenet5_draws_curves_and_finishes(window, qtbot):
    training = window.training
    with qtbot.waitSignal(training.controller.finished, timeout=RUN_TIMEOUT_MS) as finished:
        click(training.start_button)
        assert training.running
        assert not training.start_button.isEnabled()
    assert finished.args[0].status == "finished"
    assert len(training.batch_plot.series) == 8  # every batch of both epochs reached the plot
    assert len(training.loss_plot.series["train_loss"]) == 2
    assert len(training.score_plot.series["val_accuracy"]) == 2
    assert training.confusion.matrix is not None and training.confusion.matrix.shape == (10, 10)
    assert training.predictions.shown_count > 0
    qtbot.waitUntil(lambda: not training.running)
    assert training.start_button.isEnabled()
    assert window.actions_by_name["export_weights"].isEnabled()
    # The drawn curve catches up with the data on the next redraw tick.
    qtbot.waitUntil(lambda: curve_points(training.batch_plot.raw_curve) == 8)


def curve_points(curve) -> int:
    x, _y = curve.getData()
    return 0 if x is None else len(x)


def long_run(window) -> None:
    """Fifty full epochs: far more than a test waits for, so only Stop ends it."""
    project = window.document.project
    project.set_training("epochs", 50)
    project.set_training("max_batches", 0)


def test_train_pause_resume_and_stop_buttons_drive_the_run(window, qtbot):
    training, controller = window.training, window.training.controller
    long_run(window)
    window.docks["training"].raise_()
    with qtbot.waitSignal(controller.batches, timeout=RUN_TIMEOUT_MS) as first:
        click(training.start_button)
    session = controller.worker.session
    assert not training.start_button.isEnabled()
    # Watch a paused run for as long as twenty batches take (at least half a second).
    batch_seconds = 16 / first.args[0].latest.samples_per_second
    watch_ms = int(1000 * min(5.0, max(0.5, 20 * batch_seconds)))

    click(training.pause_button)
    assert training.pause_button.text() == "Resume"
    paused_at = session.step
    qtbot.wait(watch_ms)  # the watch itself: a paused run must not move in it
    held = session.step
    assert held <= paused_at + 1  # the batch under way may end, no other starts
    with qtbot.waitSignal(controller.batches, timeout=RUN_TIMEOUT_MS):
        click(training.pause_button)
    assert training.pause_button.text() == "Pause" and session.step > held

    with qtbot.waitSignal(controller.finished, timeout=RUN_TIMEOUT_MS) as finished:
        click(training.stop_button)
        stopped_at = session.step
    result = finished.args[0]
    assert result.status == "stopped" and result.epochs_run < 50
    assert session.step <= stopped_at + 1
    qtbot.waitUntil(lambda: training.start_button.isEnabled())
    assert training.runs_panel.runs[-1].status == "stopped"
    assert "stopped" in training.runs_panel.list.item(0).text()


def test_the_toolbar_trains_and_stops(window, qtbot):
    controller = window.training.controller
    long_run(window)
    window.docks["training"].hide()
    toolbar = window.toolbar
    with qtbot.waitSignal(controller.batches, timeout=RUN_TIMEOUT_MS):
        click(toolbar.widgetForAction(window.actions_by_name["train"]))
    assert window.docks["training"].isVisible()  # Train brings the dock up to show the run
    with qtbot.waitSignal(controller.finished, timeout=RUN_TIMEOUT_MS) as finished:
        click(toolbar.widgetForAction(window.actions_by_name["stop"]))
    assert finished.args[0].status == "stopped"


def test_a_huge_learning_rate_reports_nan_and_start_works_again(window, qtbot):
    training = window.training
    window.load_project(quick(build_preset("mlp"), optimizer="momentum", lr=100.0, max_batches=6))
    with qtbot.waitSignal(training.controller.finished, timeout=RUN_TIMEOUT_MS) as finished:
        click(training.start_button)
    assert finished.args[0].status == "failed"
    text = training.message.text()
    assert ("NaN" in text or "infinite" in text) and "epoch" in text
    assert training.message.property("state") == "error"
    assert "Training failed" in window.statusBar().currentMessage()
    qtbot.waitUntil(lambda: training.start_button.isEnabled())


def test_a_setup_error_is_shown_and_start_works_again(window, qtbot, tmp_path):
    training = window.training
    window.load_project(quick(build_preset("mlp")))
    window.document.project.set_training("dataset", str(tmp_path / "nothing-here.csv"))
    with qtbot.waitSignal(training.controller.failed, timeout=RUN_TIMEOUT_MS) as failed:
        click(training.start_button)
    assert "nothing-here.csv" in failed.args[0]
    assert "nothing-here.csv" in training.message.text()
    qtbot.waitUntil(lambda: training.start_button.isEnabled())


def test_runs_are_listed_and_overlaid_for_comparison(window, qtbot):
    training = window.training
    window.load_project(quick(build_preset("mlp")))
    for optimizer in ("sgd", "adam"):
        choose(training.settings.editors["optimizer"], optimizer)
        with qtbot.waitSignal(training.controller.finished, timeout=RUN_TIMEOUT_MS):
            click(training.start_button)
        qtbot.waitUntil(lambda: not training.running)
    panel = training.runs_panel
    names = [panel.list.item(i).text() for i in range(panel.list.count())]
    assert names == ["mlp · sgd lr=0.001 · digits", "mlp · adam lr=0.001 · digits"]
    first, second = (run.number for run in panel.project_runs())
    assert list(panel.plot.curves) == [second]  # only the latest is ticked
    panel.list.item(0).setCheckState(panel.list.item(0).checkState().Checked)
    assert sorted(panel.plot.curves) == [first, second]
    panel.compare_metric.setCurrentIndex(panel.compare_metric.findData("val_accuracy"))
    training.tabs.setCurrentIndex(1)
    qtbot.waitUntil(lambda: curve_points(panel.plot.curves[second]) == 2)


def test_close_during_training_stops_the_run_without_forcing_it(qtbot, tmp_path):
    project_file = tmp_path / "lenet.json"
    win = MainWindow(restore_layout=False)
    win.load_project(quick(build_preset("lenet5"), epochs=50, max_batches=0))
    assert win.files._write(project_file)
    before = project_file.read_bytes()
    win.show()
    qtbot.waitExposed(win)
    win.start_training()
    qtbot.waitUntil(lambda: len(win.training.batch_plot.series) >= 1, timeout=RUN_TIMEOUT_MS)
    controller = win.training.controller
    # A LeNet-5 batch of 16 takes well under a second even on a busy machine: a run that stops
    # as asked ends far inside this, one that ignores stop is terminated and recorded.
    controller.stop_wait_ms = 5_000
    thread, session = controller.thread, controller.worker.session
    assert thread is not None and thread.isRunning()
    steps_at_close = session.step
    assert win.close()
    assert not controller.forced_stop, "the training thread had to be terminated"
    assert thread.isFinished()
    assert session.step <= steps_at_close + 1  # the batch under way finished, no other started
    assert not win.training.running
    assert project_file.read_bytes() == before
    win.deleteLater()


HANGING_RUN = """
import threading
from PySide6.QtWidgets import QApplication
from backend.training import TrainingSession
from app.training_worker import TrainingController
from graph.presets import build_preset

never = threading.Event()
TrainingSession.run = lambda self, **callbacks: never.wait()  # a step that hangs and ignores stop
app = QApplication([])
controller = TrainingController()
controller.stop_wait_ms = 300


def close():
    ended = controller.shutdown()
    print("ended by itself:", ended, "forced:", controller.forced_stop, flush=True)
    app.quit()


controller.started.connect(close)
controller.start(build_preset("mlp"))
app.exec()
"""


@pytest.mark.slow
def test_a_run_that_ignores_stop_is_terminated_and_says_so():
    # In a process of its own: terminating a thread is the last resort of an app that is closing.
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "PYTHONPATH": str(ROOT)}
    result = subprocess.run(
        [sys.executable, "-c", HANGING_RUN], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.strip() == "ended by itself: False forced: True"
    assert "training did not stop within 0.3 s; its thread was terminated" in result.stderr


def test_worker_throttles_batch_updates():
    worker = TrainingWorker(build_preset("mlp"))
    sent = []
    worker.batches.connect(sent.append)

    class Event:
        def __init__(self, step):
            self.step, self.loss, self.losses = step, 1.0 / step, {}

    for step in range(1, 1001):
        worker._on_batch(Event(step))
    worker._flush()
    steps = [s for update in sent for s, _ in update.steps]
    assert steps == list(range(1, 1001))  # nothing lost
    assert len(sent) < 50  # but far fewer updates than batches


def test_settings_show_only_what_the_optimizer_uses_and_undo(qtbot):
    document = Document(build_preset("mlp"))
    form = TrainingSettingsWidget(document)
    qtbot.addWidget(form)
    form.show()
    show_settings_page(form, "Optimization")
    optimizer = form.editors["optimizer"]
    choose(optimizer, "sgd")
    assert document.project.training["optimizer"] == "sgd"
    assert not form.editors["beta1"].isVisibleTo(form)
    assert not form.editors["momentum"].isVisibleTo(form)
    choose(optimizer, "adam")
    assert form.editors["beta1"].isVisibleTo(form)
    assert form.editors["beta2"].isVisibleTo(form)
    choose(optimizer, "momentum")
    assert form.editors["momentum"].isVisibleTo(form)
    assert not form.editors["beta1"].isVisibleTo(form)
    show_settings_page(form, "Data")
    assert not form.editors["target"].isVisibleTo(form)
    type_into(form.editors["dataset"].lineEdit(), "/data/table.csv")
    assert document.project.training["dataset"] == "/data/table.csv"
    assert form.editors["target"].isVisibleTo(form)

    show_settings_page(form, "Optimization")
    type_into(form.editors["lr"], "0.05")
    assert document.project.training["lr"] == 0.05
    document.undo_stack.undo()
    assert document.project.training["dataset"] == "/data/table.csv"
    document.undo_stack.undo()
    show_settings_page(form, "Data")
    assert not form.editors["target"].isVisibleTo(form)

    refused = []
    form.message.connect(refused.append)
    type_into(form.editors["lr"], "fast")
    assert refused and "lr" in refused[0]
    assert form.editors["lr"].text() == f"{document.project.training['lr']:g}"


def test_batch_mode_maps_to_batch_size(qtbot):
    document = Document(build_preset("mlp"))
    form = TrainingSettingsWidget(document)
    qtbot.addWidget(form)
    form.show()
    show_settings_page(form, "Batches and epochs")
    editor = form.editors["batch_size"]
    choose(editor.mode, "batch (all samples)")
    assert document.project.training["batch_size"] == "full"
    choose(editor.mode, "stochastic (1 sample)")
    assert document.project.training["batch_size"] == "1"
    choose(editor.mode, "mini-batch")
    type_into(editor.size, "32")
    assert document.project.training["batch_size"] == "32"


def test_series_grows_by_doubling():
    series = Series(4)
    for i in range(10):
        series.append(i, i * i)
    x, y = series.data()
    assert list(x) == list(range(10)) and y[-1] == 81
    assert len(series.x) == 16
