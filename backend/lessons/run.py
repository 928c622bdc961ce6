"""Runs a lesson's experiments without a window: the app's Lessons panel and the tests both use it.

`ExperimentRunner` opens each project the lesson names (``graph.lessons.open_project``),
trains it with the engine's public API (`TrainingSession`), and computes the
pictures the experiment asks for from the trained session. ``fast=True`` trains a
few batches of two epochs only: enough to check that everything runs.

Comparisons train their variants one after another, each from its own project.
``backend.training.compare`` varies the value of one setting; a lesson's variant
may change several (an optimizer with the learning rate that suits it) or the
network itself, so it is trained here, through the same engine. Either way the
engine seeds the weights and the batch order from the project's seed, so variants
that leave the network alone start from the same weights and see the same batches.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from backend.lessons.activations import activation_curves
from backend.lessons.inspect_model import (
    conv_nodes,
    feature_maps,
    filters,
    latent_grid,
    latent_traversal,
    lstm_gates,
    sequence_examples,
)
from backend.lessons.loss_surface import optimizer_paths, surface_grid
from backend.training import BatchEvent, EpochEvent, ImagesEvent, TrainingResult, TrainingSession
from graph.lessons import Comparison, Experiment, Lesson, Picture, ProjectSpec, Show, Tour, TrainRun, open_project
from graph.validation import validate_project

FAST = {"epochs": 2, "max_batches": 3}


@dataclass
class Run:
    """One training run of an experiment: its label, how it ended, and the trained session."""

    label: str
    result: TrainingResult
    session: TrainingSession
    images: list[ImagesEvent] = field(default_factory=list)


@dataclass
class PictureResult:
    """A computed picture: what was asked for and its data (see `compute_picture` for each kind's data)."""

    picture: Picture
    data: Any


@dataclass
class TourStop:
    """One project of a tour: its label, layer count and parameters per network."""

    label: str
    layers: int
    params: dict[str, int]


@dataclass
class ExperimentResult:
    """What an experiment produced: training runs, pictures and tour stops (whichever apply)."""

    experiment: Experiment
    runs: list[Run] = field(default_factory=list)
    pictures: list[PictureResult] = field(default_factory=list)
    tour: list[TourStop] = field(default_factory=list)
    stopped: bool = False


class ExperimentRunner:
    """Runs one experiment; `stop` (from another thread) ends the current training and skips the rest.

    Args:
        experiment: a `TrainRun`, `Comparison`, `Show` or `Tour` from ``graph.lessons``.
        fast: train only a few batches of two epochs.
        overrides: further training settings for every run (e.g. ``{"device": "cpu"}``).
    """

    def __init__(self, experiment: Experiment, fast: bool = False, overrides: dict | None = None):
        self.experiment = experiment
        self.overrides = {**(FAST if fast else {}), **(overrides or {})}
        self._stop = threading.Event()
        self._session: TrainingSession | None = None

    def stop(self) -> None:
        self._stop.set()
        session = self._session
        if session is not None:
            session.stop()

    def run(
        self,
        on_epoch: Callable[[str, EpochEvent], None] | None = None,
        on_images: Callable[[str, ImagesEvent], None] | None = None,
        on_start: Callable[[str, TrainingSession], None] | None = None,
        on_batch: Callable[[str, BatchEvent], None] | None = None,
        on_finish: Callable[[str, Run], None] | None = None,
    ) -> ExperimentResult:
        """Run the experiment; each callback gets the run's label first.

        `on_start` comes once a run's session is set up (its task and loss known),
        `on_batch` / `on_epoch` / `on_images` with the engine's events, `on_finish`
        with the ended `Run` (before the next run starts).

        Raises:
            graph.lessons.LessonError: a project the lesson names cannot be opened.
            backend.training.TrainingSetupError: a project cannot train.
        """
        experiment = self.experiment
        result = ExperimentResult(experiment)
        callbacks = _Callbacks(on_epoch, on_images, on_start, on_batch, on_finish)
        if isinstance(experiment, Show):
            result.pictures.append(PictureResult(experiment.picture, compute_picture(experiment.picture)))
        elif isinstance(experiment, Tour):
            result.tour = [tour_stop(label, spec) for label, spec in experiment.projects]
        elif isinstance(experiment, TrainRun):
            run = self._train(experiment.title, experiment.project, None, callbacks)
            result.runs.append(run)
            if run.result.status != "stopped":
                result.pictures = [PictureResult(p, compute_picture(p, run)) for p in experiment.pictures]
        elif isinstance(experiment, Comparison):
            for variant in experiment.variants:
                if self._stop.is_set():
                    break
                result.runs.append(self._train(variant.label, experiment.project, variant, callbacks))
        result.stopped = self._stop.is_set()
        return result

    def _train(self, label: str, spec: ProjectSpec, variant, callbacks: _Callbacks) -> Run:
        session = TrainingSession(open_project(spec, variant), self.overrides)
        self._session = session
        if self._stop.is_set():
            session.stop()
        if callbacks.on_start is not None:
            callbacks.on_start(label, session)
        images: list[ImagesEvent] = []

        def images_event(event: ImagesEvent) -> None:
            images.append(event)
            if callbacks.on_images is not None:
                callbacks.on_images(label, event)

        outcome = session.run(
            on_batch=callbacks.labelled("on_batch", label),
            on_epoch=callbacks.labelled("on_epoch", label),
            on_images=images_event,
        )
        self._session = None
        run = Run(label, outcome, session, images)
        if callbacks.on_finish is not None:
            callbacks.on_finish(label, run)
        return run


@dataclass
class _Callbacks:
    """What `ExperimentRunner.run` was given to call, each with the run's label first."""

    on_epoch: Callable | None
    on_images: Callable | None
    on_start: Callable | None
    on_batch: Callable | None
    on_finish: Callable | None

    def labelled(self, name: str, label: str) -> Callable | None:
        """The engine callback for `name`: the given one with `label` put first (None if not given)."""
        callback = getattr(self, name)
        return None if callback is None else (lambda event: callback(label, event))


def run_lesson(lesson: Lesson, fast: bool = False, overrides: dict | None = None) -> list[ExperimentResult]:
    """Every experiment of `lesson`, in order."""
    return [ExperimentRunner(experiment, fast, overrides).run() for experiment in lesson.experiments]


def tour_stop(label: str, spec: ProjectSpec) -> TourStop:
    project = open_project(spec)
    reports = validate_project(project)
    layers = sum(len(network.nodes) for network in project.networks.values())
    return TourStop(label, layers, {name: report.total_params for name, report in reports.items()})


def compute_picture(picture: Picture, run: Run | None = None) -> Any:
    """The data of `picture`, from the trained `run` where the kind needs one.

    Data per kind: ``activation_curves``: list of `ActivationCurve`; ``optimizer_paths``:
    dict with ``grid`` (xs, ys, loss) and ``paths`` {label: (steps + 1, 2)};
    ``filters``: dict ``node``, ``weights`` (out, in, kh, kw); ``feature_maps``: dict
    ``node``, ``maps`` (C, H, W), ``image`` (the sample as a picture, or None);
    ``lstm_gates``: dict ``node``, ``sequence`` (T, features), ``gates`` (`LSTMGates`);
    ``sequence_examples``: list of `SequenceExample`; ``latent_map`` / ``latent_traversal``:
    images (N, C, H, W) in [0, 1] with ``columns``; ``samples_by_epoch``: list of (epoch, images).
    """
    kind, params = picture.kind, picture.params
    if kind == "activation_curves":
        return activation_curves(**params)
    if kind == "optimizer_paths":
        surface = params.get("surface", "valley")
        paths = optimizer_paths(surface, params["runs"], params.get("steps", 100))
        return {"grid": surface_grid(surface), "paths": paths}
    if run is None:
        raise ValueError(f"a {kind} picture needs a trained model")
    if kind == "samples_by_epoch":
        return [(event.epoch, event.images) for event in run.images if event.kind == "samples"]
    return trained_picture(picture, run.session)


def trained_picture(picture: Picture, session: TrainingSession, network: str | None = None) -> Any:
    """The data of `picture` (a kind that looks inside a trained model) from `session`'s model of `network`.

    `network` defaults to the project's first; the data per kind is as in `compute_picture`.
    """
    kind, params = picture.kind, picture.params
    model = session.models[network] if network is not None else next(iter(session.models.values()))
    if kind == "filters":
        node = params.get("node") or _first_conv(session)
        return {"node": node, "weights": filters(model, node)}
    if kind == "feature_maps":
        node = params.get("node") or _first_conv(session)
        index = params.get("sample", 0)
        display = session.data.display
        image = display[index].cpu().numpy() if display is not None and index < len(display) else None
        return {"node": node, "maps": feature_maps(model, node, _validation_sample(session, index)), "image": image}
    if kind == "lstm_gates":
        sample = _validation_sample(session, params.get("sample", 0))
        gates = lstm_gates(model, params["node"], sample, params.get("layer", 0))
        return {"node": params["node"], "sequence": sample.cpu().numpy(), "gates": gates}
    if kind == "sequence_examples":
        return sequence_examples(session.recipe, params.get("count", 5))
    if kind == "latent_map":
        points = params.get("points", 15)
        return {"images": latent_grid(session.recipe, points, params.get("span", 2.5)), "columns": points}
    if kind == "latent_traversal":
        steps = params.get("steps", 9)
        return {"images": latent_traversal(session.recipe, steps, params.get("span", 2.5)), "columns": steps}
    raise ValueError(f"unknown picture kind {kind!r}")


def _first_conv(session: TrainingSession) -> str:
    network = next(iter(session.project.networks.values()))
    names = conv_nodes(network)
    if not names:
        raise ValueError(f"network '{network.name}' has no Conv2d layer")
    return names[0]


def _validation_sample(session, index: int):
    """Validation sample `index`, normalised and on the device, as the network takes it."""
    x, _ = session.data.head(index + 1, "val")
    return x[index]
