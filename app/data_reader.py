"""Reading about a data set off the GUI thread: `DataReader` runs one reading job at a time on a thread.

Indexing a folder of thousands of photos or reading a large CSV takes seconds; the
window must stay usable meanwhile. A job is a function ``job(progress)`` (it calls
``progress(stage, done, total)`` as it goes) that returns a value or raises; the
reader runs it on a `QThread` of its own and answers on the GUI thread with
``done(tag, result)`` or ``failed(tag, message)`` — one line, never a traceback.

A new job supersedes the one under way: the old one is asked to stop (its next
progress call raises) and whatever it still answers is dropped, so only the latest
choice of the user is acted on. Progress reaches the GUI at most
``MAX_UPDATES_PER_SECOND`` times a second. Threads are kept in a module-level list
until they have finished, so closing a window while a folder is read never
destroys a running thread; `shutdown` stops the jobs and waits for them.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QThread, Signal, Slot

from app.training_worker import MAX_UPDATES_PER_SECOND

_threads: list[tuple[QThread, QObject]] = []  # every reading thread until it has finished


class _Stopped(Exception):
    """Raised from the progress callback of a job that was superseded or shut down."""


class _ReadWorker(QObject):
    """Runs one job on its thread; every signal carries the job's serial number."""

    progress = Signal(int, str, int, int)
    done = Signal(int, object)
    failed = Signal(int, str)
    ended = Signal()

    def __init__(self, serial: int, job: Callable[[Callable], Any]):
        super().__init__()
        self.serial = serial
        self.job = job
        self.stop = threading.Event()
        self._last_sent = 0.0

    def _progress(self, stage: str, done: int, total: int) -> None:
        if self.stop.is_set():
            raise _Stopped
        now = time.monotonic()
        if now - self._last_sent >= 1.0 / MAX_UPDATES_PER_SECOND or done >= total:
            self._last_sent = now
            self.progress.emit(self.serial, stage, done, total)

    @Slot()
    def run(self) -> None:
        try:
            result = self.job(self._progress)
        except _Stopped:
            pass
        except Exception as error:  # a broken file must not take the window down; its message is the answer
            self.failed.emit(self.serial, str(error).splitlines()[0] if str(error) else type(error).__name__)
        else:
            self.done.emit(self.serial, result)
        self.ended.emit()


class DataReader(QObject):
    """Runs reading jobs one after another on threads; only the latest job's answer comes through.

    Signals:
        progress(stage, done, total): the latest job's progress.
        done(tag, result) / failed(tag, message): the latest job's answer, with the tag it was started with.
    """

    progress = Signal(str, int, int)
    done = Signal(object, object)
    failed = Signal(object, str)

    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        self._serial = 0
        self._tag: Any = None
        self._worker: _ReadWorker | None = None

    @property
    def busy(self) -> bool:
        return self._worker is not None

    def start(self, tag: Any, job: Callable[[Callable], Any]) -> None:
        """Run `job` on a thread of its own (after stopping the one under way); answer with `tag`."""
        self.cancel()
        _threads[:] = [(thread, worker) for thread, worker in _threads if not thread.isFinished()]
        self._serial += 1
        self._tag = tag
        thread = QThread()
        worker = _ReadWorker(self._serial, job)
        worker.moveToThread(thread)
        thread.started.connect(worker.run)
        worker.ended.connect(thread.quit)
        worker.progress.connect(self._on_progress)
        worker.done.connect(self._on_done)
        worker.failed.connect(self._on_failed)
        _threads.append((thread, worker))
        self._worker = worker
        thread.start()

    def cancel(self) -> None:
        """Stop the job under way (if any); its answer will be dropped."""
        if self._worker is not None:
            self._worker.stop.set()
        self._worker = None
        self._serial += 1

    def shutdown(self) -> None:
        """Stop every job and wait for the threads (the window is closing)."""
        self.cancel()
        for thread, worker in _threads:
            worker.stop.set()
            thread.quit()
            thread.wait()
        _threads.clear()

    def _current(self, serial: int) -> bool:
        return self._worker is not None and serial == self._worker.serial

    def _on_progress(self, serial: int, stage: str, done: int, total: int) -> None:
        if self._current(serial):
            self.progress.emit(stage, done, total)

    def _on_done(self, serial: int, result: object) -> None:
        if self._current(serial):
            self._worker = None
            self.done.emit(self._tag, result)

    def _on_failed(self, serial: int, message: str) -> None:
        if self._current(serial):
            self._worker = None
            self.failed.emit(self._tag, message)
