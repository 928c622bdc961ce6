"""`LessonWorker`: one experiment of a lesson on the job thread, reported run by run like a comparison.

It wraps ``backend.lessons.run.ExperimentRunner`` and has the signals of
``app.jobs.ComparisonWorker`` (run index first), so the Training dock draws its runs
with the code that draws a comparison (``TrainingWidget.start_runs``); it also sends
each run's pictures (``images``: GAN samples, VAE reconstructions). Batches are
throttled through the training worker's `BatchBuffer`. ``done`` carries the
``ExperimentResult`` (runs, pictures, tour), ``failed`` one sentence.
"""

from __future__ import annotations

import threading

from PySide6.QtCore import Signal

from app.jobs import JobWorker
from app.training_worker import BatchBuffer
from graph.lessons import Comparison, Experiment, TrainRun


def run_labels(experiment: Experiment) -> list[str]:
    """The labels of the runs `experiment` trains, in order (none for a picture or a tour)."""
    if isinstance(experiment, TrainRun):
        return [experiment.title]
    if isinstance(experiment, Comparison):
        return [variant.label for variant in experiment.variants]
    return []


class LessonWorker(JobWorker):
    """Runs `experiment` (``fast``: a few batches of two epochs, ``ExperimentRunner(fast=True)``)."""

    kind = "lesson"
    title = "The lesson"
    run_started = Signal(int, object)
    batches = Signal(int, object)
    epoch = Signal(int, object)
    images = Signal(int, object)
    run_finished = Signal(int, object)

    def __init__(self, experiment: Experiment, fast: bool = False):
        super().__init__(None)  # each run opens its own project from the lesson
        self.experiment = experiment
        self.fast = fast
        self.labels = run_labels(experiment)
        self._lock = threading.Lock()
        self._runner = None
        self._buffer = BatchBuffer()

    def stop(self) -> None:
        super().stop()
        with self._lock:
            runner = self._runner
        if runner is not None:
            runner.stop()

    def work(self):
        from backend.lessons.run import ExperimentRunner

        runner = ExperimentRunner(self.experiment, fast=self.fast, overrides=self.overrides)
        with self._lock:
            self._runner = runner
        if self.stopped():  # stop() came before the runner existed
            runner.stop()
        return runner.run(
            on_start=self._on_start,
            on_batch=self._on_batch,
            on_epoch=self._on_epoch,
            on_images=self._on_images,
            on_finish=self._on_finish,
        )

    def _index(self, label: str) -> int:
        return self.labels.index(label)

    def _on_start(self, label: str, session) -> None:
        self._buffer = BatchBuffer()
        self.run_started.emit(self._index(label), {"task": session.task, "loss": session.loss})

    def _on_batch(self, label: str, event) -> None:
        if self._buffer.add_batch(event):
            self._flush(label)

    def _on_epoch(self, label: str, event) -> None:
        self._flush(label)
        self.epoch.emit(self._index(label), event)

    def _on_images(self, label: str, event) -> None:
        self._flush(label)
        self.images.emit(self._index(label), event)

    def _on_finish(self, label: str, run) -> None:
        self._flush(label)
        self.run_finished.emit(self._index(label), run.result)

    def _flush(self, label: str) -> None:
        update = self._buffer.take()
        if update is not None:
            self.batches.emit(self._index(label), update)
