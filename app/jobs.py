"""Jobs beside training that run off the GUI thread: sanity checks, a comparison, the learning-rate finder.

Each worker is a `QObject` that `TrainingController.start_job` moves to a thread of
its own (the controller runs one job at a time, training included, so Stop and
closing the window end whichever runs). `run` does the work on that thread and ends
with ``done(result)`` or ``failed(message)`` — one sentence, never a traceback;
`stop` is thread-safe and ends the work at its next step. Workers are handed a
snapshot of the project (``app.training_worker.snapshot``), so edits made while they
run do not reach them. Progress signals are throttled like training's: a
comparison's batches through `BatchBuffer`, the finder's points at most
``MAX_UPDATES_PER_SECOND`` times a second; check findings are few and go one by one.
"""

from __future__ import annotations

import threading
import time
from typing import Any

from PySide6.QtCore import QObject, Signal, Slot

from app.training_worker import MAX_UPDATES_PER_SECOND, BatchBuffer, leave_a_core_for_the_window
from graph.project import Project


class JobWorker(QObject):
    """Base of the jobs: the thread entry point, the stop flag and the failure net."""

    done = Signal(object)
    failed = Signal(str)
    kind = ""
    title = ""  # what the job is, for a failure message ("The checks")

    def __init__(self, project: Project, overrides: dict[str, Any] | None = None):
        super().__init__()
        self.project = project
        self.overrides = dict(overrides or {})
        self._stop = threading.Event()

    def stop(self) -> None:
        """End the job at its next step (any thread)."""
        self._stop.set()

    def stopped(self) -> bool:
        return self._stop.is_set()

    @Slot()
    def run(self) -> None:
        try:
            # Imported here, on the job's thread: torch's first import must not stall the window.
            import torch

            from backend.training import TrainingSetupError
        except ImportError as error:
            self.failed.emit(f"{self.title} cannot run: {error}")
            return
        leave_a_core_for_the_window(torch)
        try:
            result = self.work()
        except TrainingSetupError as error:
            self.failed.emit(str(error))
        except Exception as error:  # a broken data file or model must not take the app down
            self.failed.emit(f"{self.title} stopped with an error: {error}")
        else:
            self.done.emit(result)

    def work(self) -> Any:
        raise NotImplementedError


class CheckWorker(JobWorker):
    """``backend.diagnostics.run_checks``: each finding as it is found, then all of them."""

    kind = "checks"
    title = "The checks"
    finding = Signal(object)  # backend.diagnostics.Finding

    def work(self) -> list:
        from backend.diagnostics import run_checks

        return run_checks(self.project, self.overrides, on_finding=self.finding.emit, should_stop=self.stopped)


class LRFinderWorker(JobWorker):
    """``backend.training.lr_finder.find_learning_rate``; `points` carries (lr, smoothed loss) pairs as they come."""

    kind = "lr_finder"
    title = "The learning-rate finder"
    points = Signal(object)  # list of (lr, smoothed loss)

    def __init__(self, project: Project, overrides: dict[str, Any] | None = None):
        super().__init__(project, overrides)
        self._pending: list[tuple[float, float]] = []
        self._last_sent = 0.0

    def work(self):
        from backend.training.lr_finder import find_learning_rate

        result = find_learning_rate(self.project, self.overrides, on_step=self._on_step, should_stop=self.stopped)
        self._flush()
        return result

    def _on_step(self, _index: int, lr: float, loss: float) -> None:
        self._pending.append((lr, loss))
        now = time.monotonic()
        if now - self._last_sent >= 1.0 / MAX_UPDATES_PER_SECOND:
            self._last_sent = now
            self._flush()

    def _flush(self) -> None:
        if self._pending:
            self.points.emit(self._pending)
            self._pending = []


class ComparisonWorker(JobWorker):
    """``backend.training.compare.Comparison``: one run per value, reported run by run.

    Signals carry the run's index in `values`: ``run_started(index, info)`` with the
    value, the task, the loss and batches per epoch; ``batches(index, BatchUpdate)``;
    ``epoch(index, EpochEvent)``; ``run_finished(index, TrainingResult)`` (also for a
    value whose run could not start). ``done`` carries every run's result.
    """

    kind = "comparison"
    title = "The comparison"
    run_started = Signal(int, object)
    batches = Signal(int, object)
    epoch = Signal(int, object)
    run_finished = Signal(int, object)

    def __init__(self, project: Project, key: str, values: list[str], overrides: dict[str, Any] | None = None):
        super().__init__(project, overrides)
        self.key = key
        self.values = list(values)
        self._lock = threading.Lock()
        self._comparison = None
        self._buffer = BatchBuffer()

    def stop(self) -> None:
        super().stop()
        with self._lock:
            comparison = self._comparison
        if comparison is not None:
            comparison.stop()

    def work(self) -> list:
        from backend.training.compare import Comparison

        comparison = Comparison(self.project, self.key, self.values, self.overrides)
        with self._lock:
            self._comparison = comparison
        if self.stopped():  # stop() came while the comparison was being set up
            comparison.stop()
        runs = comparison.run(
            on_start=self._on_start, on_batch=self._on_batch, on_epoch=self._on_epoch, on_finish=self._on_finish
        )
        return [run.result for run in runs]

    def _on_start(self, index: int, run, session) -> None:
        self._buffer = BatchBuffer()
        info = {"value": run.value, "task": session.task, "loss": session.loss}
        self.run_started.emit(index, info)

    def _on_batch(self, index: int, _run, event) -> None:
        if self._buffer.add_batch(event):
            self._flush(index)

    def _on_epoch(self, index: int, _run, event) -> None:
        self._flush(index)
        self.epoch.emit(index, event)

    def _on_finish(self, index: int, run) -> None:
        self._flush(index)
        self.run_finished.emit(index, run.result)

    def _flush(self, index: int) -> None:
        update = self._buffer.take()
        if update is not None:
            self.batches.emit(index, update)
