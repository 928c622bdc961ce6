"""The training engine on tiny networks: control, failures, reproducibility, checkpoints, events."""

import math
import queue
import threading
import time

import numpy as np
import pytest
import torch

from backend.training import BatchEvent, EpochEvent, TrainingSession, TrainingSetupError
from graph.network import Network
from graph.project import Project


def mlp_project(dataset: str = "iris", features: int = 4, outputs: int = 3, hidden: int = 16, **training) -> Project:
    project = Project(name="tiny")
    net = Network("net")
    net.chain(
        net.add("Input", shape=(features,)),
        net.add("Linear", out_features=hidden),
        net.add("ReLU"),
        net.add("Linear", out_features=outputs),
        net.add("Output"),
    )
    project.add_network(net)
    project.training.update({"dataset": dataset, "epochs": 2, "batch_size": "16", "lr": 0.01, **training})
    return project


def losses_of(session: TrainingSession) -> tuple[list[float], object]:
    losses: list[float] = []
    result = session.run(on_batch=lambda event: losses.append(event.loss))
    return losses, result


def test_a_run_reports_batches_epochs_and_a_confusion_matrix():
    batches, epochs = [], []
    session = TrainingSession(mlp_project())
    result = session.run(on_batch=batches.append, on_epoch=epochs.append)
    assert result.status == "finished" and result.epochs_run == 2
    assert all(isinstance(e, BatchEvent) for e in batches)
    assert batches[-1].step == len(batches) == 2 * batches[0].batches
    assert batches[0].samples_per_second > 0 and batches[-1].eta_seconds == 0
    last = epochs[-1]
    assert isinstance(last, EpochEvent)
    assert {"train_loss", "val_loss", "val_accuracy", "lr"} <= set(last.metrics)
    confusion = last.extras["confusion"]
    assert confusion.shape == (3, 3) and confusion.sum() == session.data.val.count
    assert last.extras["class_names"] == ["setosa", "versicolor", "virginica"]
    assert result.history[-1]["val_accuracy"] == pytest.approx(np.trace(confusion) / confusion.sum())


def test_regression_reports_r2():
    session = TrainingSession(mlp_project("diabetes", features=10, outputs=1), {"epochs": 3})
    result = session.run()
    assert session.task == "regression" and session.loss == "mse"
    assert set(result.history[-1]) >= {"train_loss", "val_loss", "r2"}
    assert result.history[-1]["r2"] > result.history[0]["r2"]


def test_batch_size_full_is_one_step_and_one_is_one_per_sample():
    full = TrainingSession(mlp_project(batch_size="full", epochs=1))
    events = []
    full.run(on_batch=events.append)
    assert len(events) == 1 and events[0].batches == 1
    single = TrainingSession(mlp_project(batch_size="1", epochs=1))
    events = []
    single.run(on_batch=events.append)
    assert len(events) == single.data.train.count


def test_stop_from_a_callback_takes_effect_before_the_next_batch():
    session = TrainingSession(mlp_project(epochs=5))
    seen = []

    def on_batch(event):
        seen.append(event.batch)
        if event.batch == 3:
            session.stop()

    result = session.run(on_batch=on_batch)
    assert result.status == "stopped"
    assert seen == [1, 2, 3] and session.step == 3
    assert result.epochs_run == 0


def test_stop_from_another_thread_ends_the_run_within_a_batch():
    # The window asks from the GUI thread while the run goes on in its own.
    session = TrainingSession(mlp_project(epochs=20))
    steps: list[int] = []
    running = threading.Event()
    step_after_stop: list[int] = []

    def on_batch(event):
        steps.append(event.step)
        running.set()

    def stop_once_running():
        assert running.wait(60)
        session.stop()
        step_after_stop.append(session.step)

    stopper = threading.Thread(target=stop_once_running, daemon=True)
    stopper.start()
    result = session.run(on_batch=on_batch)
    stopper.join(60)
    assert result.status == "stopped" and result.epochs_run < 20
    # A batch under way when stop() came may finish; no other starts.
    assert steps[-1] == session.step <= step_after_stop[0] + 1
    assert steps == list(range(1, steps[-1] + 1))


def test_a_paused_run_makes_no_progress_until_resumed():
    session = TrainingSession(mlp_project(epochs=3))
    events: queue.Queue = queue.Queue()
    at_second_batch, paused = threading.Event(), threading.Event()

    def on_batch(event):
        events.put((event.step, time.perf_counter()))
        if event.step == 2:
            at_second_batch.set()
            paused.wait(60)  # hold the run here until the other thread has paused it

    results: list = []
    trainer = threading.Thread(target=lambda: results.append(session.run(on_batch=on_batch)), daemon=True)
    trainer.start()
    try:
        assert at_second_batch.wait(60)
        session.pause()  # from this thread, as the window does
        paused.set()
        (_, first), (_, second) = events.get(timeout=1), events.get(timeout=1)
        # Wait as long as twenty batches take, but at least 0.3 s: a run that ignored the pause
        # (22 batches left) would report a batch well within it.
        window = max(0.3, 20 * (second - first))
        with pytest.raises(queue.Empty):
            events.get(timeout=window)
        assert session.step == 2 and trainer.is_alive()
        session.resume()
        trainer.join(60)
        assert not trainer.is_alive(), "the run did not go on after resume"
    finally:
        session.stop()  # never leave a blocked training thread behind a failed assertion
    assert results[0].status == "finished" and results[0].epochs_run == 3
    after_resume = [events.get_nowait()[0] for _ in range(events.qsize())]
    assert after_resume == list(range(3, 25)) and session.step == 24  # 8 batches an epoch


def test_same_seed_gives_identical_losses_and_another_seed_does_not():
    first, _ = losses_of(TrainingSession(mlp_project(seed=3)))
    second, _ = losses_of(TrainingSession(mlp_project(seed=3)))
    other, _ = losses_of(TrainingSession(mlp_project(seed=4)))
    assert first == second
    assert first != other


def test_nan_loss_fails_naming_epoch_and_batch():
    session = TrainingSession(mlp_project(lr=100.0, optimizer="sgd", epochs=3))
    original = session.recipe.loss_fn
    calls = []

    def poisoned(output, target):
        calls.append(1)
        value = original(output, target)
        return value * float("nan") if len(calls) == 4 else value

    session.recipe.loss_fn = poisoned
    result = session.run()
    assert result.status == "failed"
    assert "NaN at epoch 1, batch 4" in result.message and "lower learning rate" in result.message


def test_out_of_memory_is_reported_with_the_batch_size():
    session = TrainingSession(mlp_project())

    def step(x, y):
        raise torch.cuda.OutOfMemoryError("CUDA out of memory. Tried to allocate 2.00 GiB")

    session.recipe.train_step = step
    result = session.run()
    assert result.status == "failed"
    assert result.message == "out of GPU memory at batch size 16: try a smaller batch"


def test_early_stopping_stops_and_restores_the_best_weights():
    session = TrainingSession(mlp_project(epochs=40, lr=0.5, optimizer="sgd", early_stopping=2, min_delta=10.0))
    result = session.run()
    # with min_delta this large no epoch after the first counts as an improvement
    assert result.status == "early_stopped" and result.epochs_run == 3 and result.best_epoch == 1
    assert "epoch 1" in result.message
    best = session.early_stopping.best_state["net"]
    for key, value in session.models["net"].state_dict().items():
        assert torch.equal(value, best[key])


def test_resuming_from_a_checkpoint_equals_an_uninterrupted_run(tmp_path):
    settings = {"epochs": 4, "optimizer": "momentum", "schedule": "step", "step_size": 1, "gamma": 0.5}
    straight = TrainingSession(mlp_project(**settings)).run()
    first = TrainingSession(mlp_project(**{**settings, "epochs": 2}), checkpoint_path=tmp_path / "c.pt")
    assert first.run().status == "finished"
    resumed = TrainingSession(mlp_project(**settings), resume_from=tmp_path / "c.pt")
    assert resumed.start_epoch == 3
    result = resumed.run()
    assert result.epochs_run == 4
    assert [h["train_loss"] for h in result.history] == [h["train_loss"] for h in straight.history]
    assert result.history[-1] == straight.history[-1]


def test_a_broken_checkpoint_is_a_setup_error(tmp_path):
    bad = tmp_path / "c.pt"
    bad.write_bytes(b"not a checkpoint")
    with pytest.raises(TrainingSetupError, match="c.pt"):
        TrainingSession(mlp_project(), resume_from=bad)


def test_save_weights_writes_a_state_dict(tmp_path):
    session = TrainingSession(mlp_project(epochs=1))
    session.run()
    session.save_weights(tmp_path / "model.pt")
    state = torch.load(tmp_path / "model.pt", weights_only=True)
    assert set(state) == set(session.models["net"].state_dict())


@pytest.mark.parametrize(
    ("project_args", "overrides", "message"),
    [
        ({"dataset": "digits", "features": 64, "outputs": 1}, {"loss": "cross_entropy"}, "10 classes"),
        ({"dataset": "breast_cancer", "features": 30, "outputs": 1}, {"loss": "cross_entropy"}, "use loss=bce"),
        ({}, {"loss": "mse", "task": "regression"}, "iris has"),
        ({"dataset": "wine", "features": 4}, {}, "13 features"),
        ({"dataset": "nowhere.csv"}, {}, "nowhere.csv: no such file"),
        ({}, {"lr": "x"}, "lr must be a number, got 'x'"),
        pytest.param(
            {},
            {"device": "cuda"},
            "device cuda was asked for, but PyTorch sees no CUDA GPU here",
            marks=pytest.mark.skipif(torch.cuda.is_available(), reason="this machine has a CUDA GPU"),
        ),
        ({}, {"augment": "flip"}, "images only"),
        ({}, {"nonsense": 1}, "unknown training setting"),
    ],
)
def test_bad_setups_are_one_line_errors(project_args, overrides, message):
    with pytest.raises(TrainingSetupError) as caught:
        TrainingSession(mlp_project(**project_args), overrides)
    text = str(caught.value)
    assert message in text and "\n" not in text


def test_a_single_logit_trains_a_binary_classifier_with_bce():
    session = TrainingSession(mlp_project("breast_cancer", features=30, outputs=1), {"epochs": 2})
    result = session.run()
    assert session.loss == "bce" and result.history[-1]["val_accuracy"] > 0.8


def test_lr_schedules_change_the_learning_rate():
    # each epoch reports the learning rate it trained with
    cosine = TrainingSession(mlp_project(epochs=4, schedule="cosine", lr=0.1)).run()
    expected = [0.05 * (1 + math.cos(math.pi * epoch / 4)) for epoch in range(4)]
    assert [h["lr"] for h in cosine.history] == pytest.approx(expected)
    step = TrainingSession(mlp_project(epochs=3, schedule="step", step_size=1, gamma=0.5, lr=0.1)).run()
    assert [h["lr"] for h in step.history] == pytest.approx([0.1, 0.05, 0.025])


def test_max_batches_limits_each_epoch():
    events = []
    TrainingSession(mlp_project(epochs=2), {"max_batches": 2}).run(on_batch=events.append)
    assert [(e.epoch, e.batch) for e in events] == [(1, 1), (1, 2), (2, 1), (2, 2)]


def test_losses_are_finite_and_fall_on_an_easy_problem():
    result = TrainingSession(mlp_project("moons", features=2, outputs=2, epochs=5, lr=0.05)).run()
    losses = [h["val_loss"] for h in result.history]
    assert all(math.isfinite(v) for v in losses) and losses[-1] < losses[0]
