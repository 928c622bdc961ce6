"""Every lesson opens its projects and runs its experiments headless, a few batches each (fast mode)."""

import math
import threading

import numpy as np
import pytest

from backend.lessons.activations import ActivationCurve
from backend.lessons.inspect_model import LSTMGates, SequenceExample
from backend.lessons.run import FAST, ExperimentRunner, run_lesson
from graph.lessons import LESSONS, Comparison, Show, Tour, TrainRun, lesson


def check_picture(kind: str, data) -> None:
    """Each picture kind's data has the shape the app draws from."""
    if kind == "activation_curves":
        assert data and all(isinstance(c, ActivationCurve) and len(c.x) == len(c.dy) for c in data)
    elif kind == "optimizer_paths":
        xs, ys, loss = data["grid"]
        assert loss.shape == (len(ys), len(xs))
        assert all(path.shape[1] == 2 and np.isfinite(path).all() for path in data["paths"].values())
    elif kind == "filters":
        assert data["weights"].ndim == 4
    elif kind == "feature_maps":
        assert data["maps"].ndim == 3 and data["image"] is not None
    elif kind == "lstm_gates":
        gates = data["gates"]
        assert isinstance(gates, LSTMGates) and gates.forget.shape[0] == data["sequence"].shape[0]
    elif kind == "sequence_examples":
        assert data and all(isinstance(e, SequenceExample) for e in data)
    elif kind in ("latent_map", "latent_traversal"):
        assert data["images"].ndim == 4 and len(data["images"]) % data["columns"] == 0
        assert data["images"].min() >= 0.0 and data["images"].max() <= 1.0
    elif kind == "samples_by_epoch":
        assert [epoch for epoch, _ in data] == list(range(1, FAST["epochs"] + 1))
    else:
        raise AssertionError(f"no check for picture kind {kind}")


@pytest.mark.parametrize("lesson_id", [item.id for item in LESSONS])
def test_every_lesson_runs_headless_in_fast_mode(lesson_id):
    item = lesson(lesson_id)
    results = run_lesson(item, fast=True, overrides={"device": "cpu"})
    assert len(results) == len(item.experiments)
    for experiment, result in zip(item.experiments, results, strict=True):
        assert not result.stopped
        if isinstance(experiment, (TrainRun, Comparison)):
            labels = [experiment.title] if isinstance(experiment, TrainRun) else [v.label for v in experiment.variants]
            assert [run.label for run in result.runs] == labels
            for run in result.runs:
                assert run.result.status in ("finished", "early_stopped"), (run.label, run.result.message)
                assert len(run.result.history) == FAST["epochs"]
                assert all(math.isfinite(row["train_loss"]) for row in run.result.history)
            if isinstance(experiment, Comparison):
                assert all(experiment.metric in run.result.history[-1] for run in result.runs)
        expected = [p.kind for p in experiment.pictures] if isinstance(experiment, TrainRun) else []
        if isinstance(experiment, Show):
            expected = [experiment.picture.kind]
        assert [p.picture.kind for p in result.pictures] == expected
        for picture in result.pictures:
            check_picture(picture.picture.kind, picture.data)
        if isinstance(experiment, Tour):
            assert [stop.label for stop in result.tour] == [label for label, _ in experiment.projects]
            assert all(sum(stop.params.values()) > 0 for stop in result.tour)


def test_the_tour_counts_parameters_as_the_summary_does():
    tour = next(e for e in lesson("cnn_architectures").experiments if isinstance(e, Tour))
    stops = {stop.label: stop for stop in ExperimentRunner(tour).run().tour}
    assert stops["LeNet-5"].params == {"lenet5": 61_706}
    assert stops["LeNet-5"].params["lenet5"] < stops["AlexNet"].params["alexnet"]


def test_a_comparison_reports_each_run_by_label_and_can_be_stopped():
    comparison = next(e for e in lesson("gradient_descent").experiments if isinstance(e, Comparison))
    runner = ExperimentRunner(comparison, overrides={"epochs": 50, "device": "cpu"})
    seen = []

    def on_epoch(label, event):
        seen.append((label, event.epoch))
        if len(seen) == 2:
            threading.Thread(target=runner.stop).start()

    result = runner.run(on_epoch=on_epoch)
    assert result.stopped
    assert seen[:2] == [("full", 1), ("full", 2)]
    assert len(result.runs) <= 2 and result.runs[0].result.status == "stopped"
