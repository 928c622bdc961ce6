"""Training off the GUI thread: a worker in a `QThread` and its GUI-side controller.

`TrainingWorker` lives in the training thread. It wraps
``backend.training.TrainingSession`` and turns the engine's callbacks into Qt
signals, which reach GUI objects as queued calls. Batch events are throttled: the
losses of every batch (and their named parts, a GAN's ``d_loss``/``g_loss``) and the
gradient-flow samples are collected by a `BatchBuffer` and sent at most ~30 times a
second as one `BatchUpdate`, so a fast loop cannot flood the event loop; epoch
events, images and the final result are always delivered (pending batches are
flushed first, so the order on the GUI side is the order of training).

`TrainingController` lives in the GUI thread, owns the thread and worker of the
current job, and answers pause / resume / stop straight away through the session's
thread-safe methods (the worker's thread is busy inside ``session.run``). It runs
one job at a time: a training run (`start`) or another worker of ``app/jobs.py``
(`start_job`: sanity checks, a comparison, the learning-rate finder), so Stop and
closing the window end whichever is running.
"""

from __future__ import annotations

import gc
import logging
import os
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from PySide6.QtCore import QObject, QThread, Signal, Slot

from graph.project import Project
from graph.project_io import dumps, loads

MAX_UPDATES_PER_SECOND = 30
STOP_WAIT_MS = 10_000

log = logging.getLogger(__name__)


@dataclass
class BatchUpdate:
    """The latest batch event and what every batch since the last update reported.

    Attributes:
        latest: the last ``backend.training.events.BatchEvent`` (None if only flow samples came).
        steps: (step, loss) of each batch.
        parts: per named part of the loss (``d_loss``...), (step, value) of each batch.
        flows: the ``FlowEvent`` samples taken since the last update.
    """

    latest: Any
    steps: list[tuple[int, float]] = field(default_factory=list)
    parts: dict[str, list[tuple[int, float]]] = field(default_factory=dict)
    flows: list = field(default_factory=list)


class BatchBuffer:
    """Collects batch events and flow samples on the training thread until an update is due."""

    def __init__(self):
        self._update: BatchUpdate | None = None
        self._last_sent = 0.0

    def add_batch(self, event) -> bool:
        """Keep `event`; True when an update is due (at most `MAX_UPDATES_PER_SECOND`)."""
        update = self._pending()
        update.latest = event
        update.steps.append((event.step, event.loss))
        for name, value in event.losses.items():
            update.parts.setdefault(name, []).append((event.step, value))
        now = time.monotonic()
        if now - self._last_sent >= 1.0 / MAX_UPDATES_PER_SECOND:
            self._last_sent = now
            return True
        return False

    def add_flow(self, event) -> None:
        self._pending().flows.append(event)

    def take(self) -> BatchUpdate | None:
        """What was collected since the last call (None if nothing)."""
        update, self._update = self._update, None
        return update

    def _pending(self) -> BatchUpdate:
        if self._update is None:
            self._update = BatchUpdate(None)
        return self._update


class TrainingWorker(QObject):
    """Runs one training session; every signal is emitted from the training thread."""

    batches = Signal(object)  # BatchUpdate
    epoch = Signal(object)  # EpochEvent
    images = Signal(object)  # ImagesEvent
    started = Signal()  # the session was set up and the first epoch begins
    finished = Signal(object)  # TrainingResult
    failed = Signal(str)  # the run could not start or crashed: one sentence

    def __init__(self, project: Project, overrides: dict[str, Any] | None = None, flow: bool = False):
        super().__init__()
        self.project = project
        self.overrides = overrides
        self.flow = flow
        self.flow_every = 0  # steps between gradient-flow samples, set when the run starts (0: none)
        self.session = None
        self._lock = threading.Lock()
        self._stop_requested = False
        self._buffer = BatchBuffer()

    # -- called from the GUI thread ----------------------------------------------------------
    def stop(self) -> None:
        with self._lock:
            self._stop_requested = True
            session = self.session
        if session is not None:
            session.stop()

    def pause(self) -> None:
        with self._lock:
            session = self.session
        if session is not None:
            session.pause()

    def resume(self) -> None:
        with self._lock:
            session = self.session
        if session is not None:
            session.resume()

    # -- the training thread -----------------------------------------------------------------
    @Slot()
    def run(self) -> None:
        try:
            # Imported here, on the training thread: torch's first import must not stall the window.
            import torch

            from backend.training import TrainingSession, TrainingSetupError
            from backend.training.flow import DEFAULT_EVERY
        except ImportError as error:
            self.failed.emit(f"Training is not available: {error}")
            return
        # The probe's own interval: measured at 3-4 % extra time per step (bench/bench_flow.py), under 5 %.
        self.flow_every = DEFAULT_EVERY if self.flow else 0
        leave_a_core_for_the_window(torch)
        try:
            session = TrainingSession(self.project, self.overrides)
        except TrainingSetupError as error:
            self.failed.emit(str(error))
            return
        except Exception as error:  # a broken data file or model must not take the app down
            self.failed.emit(f"Training could not start: {error}")
            return
        with self._lock:
            self.session = session
            stop_now = self._stop_requested
        if stop_now:
            session.stop()
        self.started.emit()
        try:
            result = session.run(
                on_batch=self._on_batch,
                on_epoch=self._on_epoch,
                on_images=self._on_images,
                on_flow=self._buffer.add_flow if self.flow_every else None,
                flow_every=self.flow_every,
            )
        except Exception as error:  # the engine reports failures in its result; this is the safety net
            self._flush()
            self.failed.emit(f"Training stopped with an error: {error}")
            return
        self._flush()
        self.finished.emit(result)

    def _on_batch(self, event) -> None:
        if self._buffer.add_batch(event):
            self._flush()

    def _flush(self) -> None:
        update = self._buffer.take()
        if update is not None:
            self.batches.emit(update)

    def _on_epoch(self, event) -> None:
        self._flush()
        self.epoch.emit(event)

    def _on_images(self, event) -> None:
        self._flush()
        self.images.emit(event)


def snapshot(project: Project) -> Project:
    """A deep copy through the file format: a job sees what Save would write; later edits do not reach it."""
    return loads(dumps(project))


def leave_a_core_for_the_window(torch) -> None:
    """Keep torch's CPU threads off one core.

    PyTorch's worker threads spin while they wait for work; when they take every core
    the GUI thread starves (on two cores training ran 25x slower and the window
    stuttered). One core less costs a large machine little and keeps a small one usable.
    """
    cores = os.cpu_count() or 1
    if cores > 1 and torch.get_num_threads() >= cores:
        torch.set_num_threads(cores - 1)


class TrainingController(QObject):
    """Starts jobs on a fresh thread and relays the training worker's signals to the GUI.

    One job at a time. Signals mirror the training worker's, plus `running_changed`
    (for any job); other jobs' signals are connected by whoever starts them.
    """

    batches = Signal(object)
    epoch = Signal(object)
    images = Signal(object)
    started = Signal()
    finished = Signal(object)
    failed = Signal(str)
    running_changed = Signal(bool)

    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        self.thread: QThread | None = None
        self.worker: TrainingWorker | None = None
        self.paused = False
        self.kind = ""  # what runs now: "training" or a job's kind ("checks", "comparison", "lr_finder")
        self.last_session = None  # the last session that ran (its trained models can be saved)
        self.stop_wait_ms = STOP_WAIT_MS  # how long shutdown waits before it terminates the thread
        self.forced_stop = False  # shutdown had to terminate the training thread
        self._gc_frozen = False  # see _on_batches

    @property
    def running(self) -> bool:
        return self.thread is not None

    def start(self, project: Project, overrides: dict[str, Any] | None = None, flow: bool = False) -> bool:
        """Train a snapshot of `project` (later edits do not reach this run). False if a job is running.

        Args:
            flow: sample gradient and activation flow (every ``backend.training.flow.DEFAULT_EVERY`` steps).
        """
        if self.running:
            return False
        worker = TrainingWorker(snapshot(project), overrides, flow)
        worker.batches.connect(self._on_batches)
        worker.epoch.connect(self._on_epoch)
        worker.images.connect(self._on_images)
        worker.started.connect(self._on_started)
        worker.finished.connect(self._on_finished)
        worker.failed.connect(self._on_failed)
        self._launch(worker, "training")
        return True

    def start_job(self, worker: QObject) -> bool:
        """Run a worker of ``app/jobs.py`` on a thread of its own. False if a job is running.

        The caller connects to the worker's signals (``done``, ``failed`` and its progress
        signals); the controller ends the thread when the worker is done or failed.
        """
        if self.running:
            return False
        worker.done.connect(self._on_job_ended)
        worker.failed.connect(self._on_job_ended)
        self._launch(worker, worker.kind)
        return True

    def _launch(self, worker: QObject, kind: str) -> None:
        self.paused = False
        thread = QThread()
        thread.setObjectName(f"netcanvas-{kind}")
        worker.moveToThread(thread)
        thread.started.connect(worker.run)
        self.thread, self.worker, self.kind = thread, worker, kind
        self.running_changed.emit(True)
        thread.start()

    def pause(self) -> None:
        if self.kind == "training" and not self.paused:
            self.worker.pause()
            self.paused = True

    def resume(self) -> None:
        if self.worker is not None and self.paused:
            self.worker.resume()
            self.paused = False

    def stop(self) -> None:
        """Ask the run to stop after the current batch (returns at once)."""
        if self.worker is not None:
            self.worker.stop()
            if self.paused:
                self.worker.resume()
                self.paused = False

    def shutdown(self) -> bool:
        """Stop and wait for the thread to end (closing the window).

        Returns:
            True if the thread ended by itself within ``stop_wait_ms``; False if it had to be
            terminated, which is logged as a warning and recorded in ``forced_stop``.
        """
        thread = self.thread
        if thread is None:
            return True
        self.stop()
        thread.quit()
        ended = thread.wait(self.stop_wait_ms)
        if not ended:
            # Last resort when a step hangs (a stuck data loader): the app is closing anyway, and a
            # QThread destroyed while running would abort the whole process.
            log.warning("training did not stop within %g s; its thread was terminated", self.stop_wait_ms / 1000)
            self.forced_stop = True
            thread.terminate()
            thread.wait()
        self._cleanup()
        return ended

    # -- relays (GUI thread: queued from the worker) --------------------------------------------
    @Slot(object)
    def _on_batches(self, update: BatchUpdate) -> None:
        if not self._gc_frozen:
            # Once batches flow, park every object alive now (the app, the model, the data) in
            # the GC's permanent generation. A full collection otherwise walks all of them,
            # 150-400 ms with the GIL held, and the window freezes that long mid-training.
            gc.freeze()
            self._gc_frozen = True
        self.batches.emit(update)

    @Slot(object)
    def _on_epoch(self, event) -> None:
        self.epoch.emit(event)

    @Slot(object)
    def _on_images(self, event) -> None:
        self.images.emit(event)

    @Slot()
    def _on_started(self) -> None:
        self.started.emit()

    @Slot(object)
    def _on_finished(self, result) -> None:
        if self.worker is not None:
            self.last_session = self.worker.session
        self._end_thread()
        self.finished.emit(result)

    @Slot(str)
    def _on_failed(self, message: str) -> None:
        self._end_thread()
        self.failed.emit(message)

    def _on_job_ended(self, _result) -> None:  # no @Slot: it takes both done(object) and failed(str)
        self._end_thread()

    def _end_thread(self) -> None:
        if self.thread is not None:
            self.thread.quit()
            self.thread.wait()
        self._cleanup()

    def _cleanup(self) -> None:
        if self.thread is None:
            return
        # The thread has ended, so dropping the last references deletes both objects from here.
        self.thread, self.worker, self.kind = None, None, ""
        self.paused = False
        if self._gc_frozen:
            gc.unfreeze()
            self._gc_frozen = False
        self.running_changed.emit(False)
