"""Training from the window: live curves, stop, pause, failures, runs compared, settings, closing mid-run."""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QMessageBox

from app.docks.plots import Series
from app.docks.training_settings import TrainingSettingsWidget
from app.document import Document
from app.main_window import MainWindow
from app.training_worker import TrainingWorker
from graph.presets import build_preset

pytestmark = pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints")

RUN_TIMEOUT_MS = 60_000


@pytest.fixture(autouse=True)
def private_data(tmp_path, monkeypatch):
    monkeypatch.setenv("NETCANVAS_DATA_DIR", str(tmp_path / "appdata"))


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
        window.start_training()
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


def test_pause_holds_the_run_and_stop_ends_it_within_a_batch(window, qtbot):
    training = window.training
    window.document.project.training.update({"epochs": 50, "max_batches": 0})
    window.start_training()
    qtbot.waitUntil(lambda: len(training.batch_plot.series) >= 1, timeout=RUN_TIMEOUT_MS)
    training.toggle_pause()
    assert training.pause_button.text() == "Resume"
    qtbot.wait(300)  # let a batch already under way arrive
    seen = len(training.batch_plot.series)
    qtbot.wait(300)
    assert len(training.batch_plot.series) == seen
    training.toggle_pause()
    qtbot.waitUntil(lambda: len(training.batch_plot.series) > seen, timeout=RUN_TIMEOUT_MS)
    with qtbot.waitSignal(training.controller.finished, timeout=RUN_TIMEOUT_MS) as finished:
        training.stop()
    result = finished.args[0]
    assert result.status == "stopped"
    assert result.epochs_run < 50
    qtbot.waitUntil(lambda: training.start_button.isEnabled())
    assert training.runs[-1].status == "stopped"
    assert "stopped" in training.run_list.item(0).text()


def test_a_huge_learning_rate_reports_nan_and_start_works_again(window, qtbot):
    training = window.training
    window.load_project(quick(build_preset("mlp"), optimizer="momentum", lr=100.0, max_batches=6))
    with qtbot.waitSignal(training.controller.finished, timeout=RUN_TIMEOUT_MS) as finished:
        window.start_training()
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
        window.start_training()
    assert "nothing-here.csv" in failed.args[0]
    assert "nothing-here.csv" in training.message.text()
    qtbot.waitUntil(lambda: training.start_button.isEnabled())


def test_runs_are_listed_and_overlaid_for_comparison(window, qtbot):
    training = window.training
    window.load_project(quick(build_preset("mlp")))
    training_config = window.document.project.training
    for optimizer in ("sgd", "adam"):
        training_config["optimizer"] = optimizer
        with qtbot.waitSignal(training.controller.finished, timeout=RUN_TIMEOUT_MS):
            window.start_training()
        qtbot.waitUntil(lambda: not training.running)
    names = [training.run_list.item(i).text() for i in range(training.run_list.count())]
    assert names == ["sgd lr=0.001 #1", "adam lr=0.001 #2"]
    assert len(training.comparison.curves) == 2
    training.run_list.item(0).setCheckState(training.run_list.item(0).checkState().Unchecked)
    assert list(training.comparison.curves) == [2]
    training.compare_metric.setCurrentIndex(3)  # validation accuracy per epoch
    training.tabs.setCurrentIndex(1)
    qtbot.waitUntil(lambda: curve_points(training.comparison.curves[2]) == 2)


def test_close_during_training_exits_cleanly(qtbot, tmp_path):
    project_file = tmp_path / "lenet.json"
    win = MainWindow(restore_layout=False)
    win.load_project(quick(build_preset("lenet5"), epochs=50, max_batches=0))
    assert win.files._write(project_file)
    before = project_file.read_bytes()
    win.show()
    qtbot.waitExposed(win)
    win.start_training()
    qtbot.waitUntil(lambda: len(win.training.batch_plot.series) >= 1, timeout=RUN_TIMEOUT_MS)
    thread = win.training.controller.thread
    assert thread is not None and thread.isRunning()
    assert win.close()
    assert thread.isFinished()
    assert not win.training.running
    assert project_file.read_bytes() == before
    win.deleteLater()


def test_worker_throttles_batch_updates():
    worker = TrainingWorker(build_preset("mlp"))
    sent = []
    worker.batches.connect(sent.append)

    class Event:
        def __init__(self, step):
            self.step, self.loss = step, 1.0 / step

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
    form.commit("optimizer", "sgd")
    assert not form.editors["beta1"].isVisibleTo(form)
    assert not form.editors["momentum"].isVisibleTo(form)
    form.commit("optimizer", "adam")
    assert form.editors["beta1"].isVisibleTo(form)
    assert form.editors["beta2"].isVisibleTo(form)
    form.commit("optimizer", "momentum")
    assert form.editors["momentum"].isVisibleTo(form)
    assert not form.editors["beta1"].isVisibleTo(form)
    assert not form.editors["target"].isVisibleTo(form)
    form.commit("dataset", "/data/table.csv")
    assert form.editors["target"].isVisibleTo(form)

    form.editors["lr"].setText("0.05")
    form.editors["lr"].editingFinished.emit()
    assert document.project.training["lr"] == 0.05
    document.undo_stack.undo()
    assert document.project.training["dataset"] == "/data/table.csv"
    document.undo_stack.undo()
    assert not form.editors["target"].isVisibleTo(form)

    refused = []
    form.message.connect(refused.append)
    form.editors["lr"].setText("fast")
    form.editors["lr"].editingFinished.emit()
    assert refused and "lr" in refused[0]
    assert form.editors["lr"].text() == f"{document.project.training['lr']:g}"


def test_batch_mode_maps_to_batch_size(qtbot):
    document = Document(build_preset("mlp"))
    form = TrainingSettingsWidget(document)
    qtbot.addWidget(form)
    editor = form.editors["batch_size"]
    editor.mode.setCurrentIndex(1)
    editor.mode.activated.emit(1)
    assert document.project.training["batch_size"] == "full"
    editor.mode.setCurrentIndex(2)
    editor.mode.activated.emit(2)
    assert document.project.training["batch_size"] == "1"
    editor.mode.setCurrentIndex(0)
    editor.size.setValue(32)
    assert document.project.training["batch_size"] == "32"


def test_series_grows_by_doubling():
    series = Series(4)
    for i in range(10):
        series.append(i, i * i)
    x, y = series.data()
    assert list(x) == list(range(10)) and y[-1] == 81
    assert len(series.x) == 16
