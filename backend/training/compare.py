"""Comparing values of one training setting: one run per value, from the same start.

`Comparison` trains the same project once per value of one setting (``optimizer``,
``lr``, ``batch_size`` — ``full``, ``1`` or ``k`` —, or any other training setting),
one run after another. Every run builds its model after seeding with the project's
``seed`` and draws its batch order from the same seed (the engine does both), so
the runs start from identical weights and see the samples in the same order: what
differs is the setting alone. Callbacks report each run's start, batches, epochs
and finish, with the run's index and value, so a GUI worker can draw the curves
live; `Comparison.stop` ends the current run and skips the rest.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from backend.training.engine import TrainingSession
from backend.training.events import BatchEvent, EpochEvent, TrainingResult
from backend.training.setup import TrainingSetupError
from graph.params import ParamError
from graph.project import Project
from graph.training_config import TRAINING_PARAM_BY_NAME, coerce_training_value


@dataclass
class ComparedRun:
    """One value's run.

    Attributes:
        value: the value as the user wrote it (``sgd``, ``1e-3``, ``full``).
        setting: the checked value given to the engine.
        batch_losses: (progress in epochs where the batch starts, e.g. 1.25 a quarter into epoch 2; its loss).
        history: one dict of metrics per finished epoch (as ``metrics.csv`` holds them).
        result: how the run ended (None until it has).
    """

    value: str
    setting: Any
    batch_losses: list[tuple[float, float]] = field(default_factory=list)
    history: list[dict] = field(default_factory=list)
    result: TrainingResult | None = None


def parse_values(key: str, values: list[str]) -> list[tuple[str, Any]]:
    """(text, checked value) per value of setting `key`; raises `TrainingSetupError` naming the bad one."""
    if key not in TRAINING_PARAM_BY_NAME:
        raise TrainingSetupError(f"unknown training setting {key!r} (known: {', '.join(TRAINING_PARAM_BY_NAME)})")
    texts = [str(v).strip() for v in values]
    if len(texts) < 2:
        raise TrainingSetupError(f"give at least two values to compare, e.g. {key}=a,b")
    parsed = []
    for text in texts:
        try:
            parsed.append((text, coerce_training_value(key, text)))
        except ParamError as error:
            raise TrainingSetupError(str(error)) from None
    return parsed


class Comparison:
    """Runs of one project that differ in one setting.

    Args:
        project: the project (not modified).
        key: the training setting to vary (``optimizer``, ``lr``, ``batch_size``...).
        values: its values, as text or typed values; at least two.
        overrides: settings shared by every run (``epochs``, ``device``...).

    Raises:
        TrainingSetupError: an unknown setting or a bad value (one line).
    """

    def __init__(self, project: Project, key: str, values: list, overrides: dict | None = None):
        self.project = project
        self.key = key
        self.overrides = dict(overrides or {})
        self.runs = [ComparedRun(text, value) for text, value in parse_values(key, values)]
        self._stop = threading.Event()
        self._session: TrainingSession | None = None

    def stop(self) -> None:
        """End the current run after its batch and skip the runs not yet started (thread-safe)."""
        self._stop.set()
        session = self._session
        if session is not None:
            session.stop()

    def run(
        self,
        on_start: Callable[[int, ComparedRun, TrainingSession], None] | None = None,
        on_batch: Callable[[int, ComparedRun, BatchEvent], None] | None = None,
        on_epoch: Callable[[int, ComparedRun, EpochEvent], None] | None = None,
        on_finish: Callable[[int, ComparedRun], None] | None = None,
    ) -> list[ComparedRun]:
        """Train each value in turn; returns the runs (a run that could not start has a ``failed`` result).

        Callbacks get the run's index and its `ComparedRun` (whose ``batch_losses`` and
        ``history`` are already updated); ``on_start`` also gets the session, whose
        models hold the initial weights.
        """
        for index, run in enumerate(self.runs):
            if self._stop.is_set():
                break
            try:
                session = TrainingSession(self.project, {**self.overrides, self.key: run.setting})
            except TrainingSetupError as error:
                run.result = TrainingResult("failed", str(error), 0)
                if on_finish is not None:
                    on_finish(index, run)
                continue
            self._session = session
            if self._stop.is_set():  # stop() came while the session was being built
                session.stop()
            if on_start is not None:
                on_start(index, run, session)

            def batch(event: BatchEvent, index=index, run=run) -> None:
                # A batch's loss is measured before its step: plot it where the batch starts.
                run.batch_losses.append((event.epoch - 1 + (event.batch - 1) / event.batches, event.loss))
                if on_batch is not None:
                    on_batch(index, run, event)

            def epoch(event: EpochEvent, index=index, run=run) -> None:
                run.history.append({"epoch": event.epoch, **event.metrics})
                if on_epoch is not None:
                    on_epoch(index, run, event)

            run.result = session.run(on_batch=batch, on_epoch=epoch)
            self._session = None
            if on_finish is not None:
                on_finish(index, run)
        return self.runs
