"""The learning-rate finder: one short run with the learning rate rising exponentially.

Starting from the weights training would start from, each step takes the next
batch (in the seeded order training uses) with a learning rate `start` x
(`end`/`start`)^(i/(steps-1)), through the recipe's own training step and optimizer.
The loss is smoothed with a bias-corrected exponential average over about ten steps;
the run stops early once the smoothed loss exceeds `diverge` times its best, or
turns NaN: it has exploded.

Suggestion: the learning rate where the smoothed loss falls fastest against log(lr)
(the steepest descent, looked for before the curve's minimum), which sits safely
below the blow-up. ``minimum_lr / 10`` — the other common rule — comes with the
result too. Nothing is changed for good: `LearningRateFinder` puts the session's
weights and optimizer state back when it is done, and `find_learning_rate` works
on a session of its own, so the project and any trained model are untouched.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Callable
from dataclasses import dataclass, field

import torch

from backend.training.engine import TrainingSession
from graph.project import Project

START_LR, END_LR, STEPS = 1e-7, 10.0, 100
SMOOTHING = 0.9  # a ten-step average: smoother lags the curve towards larger rates
DIVERGE = 4.0
SLOPE_SPAN = 4  # steps on each side of a point for its slope
SKIP_START = 0.1  # share of the first points left out of the steepest-descent search (the average settles there)


@dataclass
class LRFinderResult:
    """The curve and what it suggests.

    Attributes:
        lrs: the learning rate of each step taken.
        losses: the smoothed loss after each step (what to plot, on a log lr axis).
        raw_losses: the loss of each step's batch.
        suggestion: the learning rate of steepest descent (None when the curve never fell).
        minimum_lr: where the smoothed loss was lowest.
        ended: ``exploded`` (the loss blew up), ``finished`` (reached the last rate) or ``stopped``.
    """

    lrs: list[float] = field(default_factory=list)
    losses: list[float] = field(default_factory=list)
    raw_losses: list[float] = field(default_factory=list)
    suggestion: float | None = None
    minimum_lr: float | None = None
    ended: str = "finished"


def steepest_descent(lrs: list[float], losses: list[float]) -> float | None:
    """The rate where the smoothed loss falls fastest against log(lr), before its minimum.

    Slopes are taken across `SLOPE_SPAN` steps on each side, so that a wiggle of the
    average at low rates, where nothing happens yet, does not win.
    """
    if len(lrs) < 2 * SLOPE_SPAN + 1:
        return None
    lowest = min(range(len(losses)), key=losses.__getitem__)
    first = max(int(len(losses) * SKIP_START), SLOPE_SPAN)
    best, best_slope = None, 0.0
    for index in range(first, min(lowest, len(losses) - SLOPE_SPAN - 1) + 1):
        before, after = index - SLOPE_SPAN, index + SLOPE_SPAN
        slope = (losses[after] - losses[before]) / (math.log(lrs[after]) - math.log(lrs[before]))
        if slope < best_slope:
            best, best_slope = lrs[index], slope
    return best


class LearningRateFinder:
    """Runs the sweep on a session's models, then restores them.

    Args:
        session: a set-up training session (its models, optimizer, data and recipe are used).
    """

    def __init__(self, session: TrainingSession):
        self.session = session

    def run(
        self,
        start: float = START_LR,
        end: float = END_LR,
        steps: int = STEPS,
        on_step: Callable[[int, float, float], None] | None = None,
        should_stop: Callable[[], bool] | None = None,
    ) -> LRFinderResult:
        """Sweep the learning rate from `start` to `end` over at most `steps` steps.

        Args:
            on_step: called with (step index, lr, smoothed loss) after each step.
            should_stop: polled before each step; True ends the sweep (``ended="stopped"``).
        """
        session, recipe = self.session, self.session.recipe
        saved_models = {name: copy.deepcopy(model.state_dict()) for name, model in session.models.items()}
        saved_optimizers = [copy.deepcopy(optimizer.state_dict()) for optimizer in recipe.optimizers]
        try:
            return self._sweep(start, end, max(2, steps), on_step, should_stop)
        finally:
            for name, model in session.models.items():
                model.load_state_dict(saved_models[name])
            for optimizer, state in zip(recipe.optimizers, saved_optimizers, strict=True):
                optimizer.load_state_dict(state)

    def _sweep(self, start, end, steps, on_step, should_stop) -> LRFinderResult:
        session, recipe = self.session, self.session.recipe
        batches = _endless_batches(session)
        result = LRFinderResult()
        average, best = 0.0, math.inf
        recipe.train()
        for index in range(steps):
            if should_stop is not None and should_stop():
                result.ended = "stopped"
                break
            lr = start * (end / start) ** (index / (steps - 1))
            for optimizer in recipe.optimizers:
                for group in optimizer.param_groups:
                    group["lr"] = lr
            x, y = next(batches)
            loss = float(recipe.train_step(x, y)[0])
            if not math.isfinite(loss):
                result.ended = "exploded"
                break
            average = SMOOTHING * average + (1 - SMOOTHING) * loss
            smoothed = average / (1 - SMOOTHING ** (index + 1))
            result.lrs.append(lr)
            result.raw_losses.append(loss)
            result.losses.append(smoothed)
            if on_step is not None:
                on_step(index, lr, smoothed)
            best = min(best, smoothed)
            if smoothed > DIVERGE * best:
                result.ended = "exploded"
                break
        if result.losses:
            lowest = min(range(len(result.losses)), key=result.losses.__getitem__)
            result.minimum_lr = result.lrs[lowest]
            result.suggestion = steepest_descent(result.lrs, result.losses)
        return result


def find_learning_rate(project: Project, overrides: dict | None = None, **sweep) -> LRFinderResult:
    """The sweep on a fresh session of `project` (`overrides` as ``--set``; `sweep` as `LearningRateFinder.run`).

    Raises:
        TrainingSetupError: the project cannot train (one line).
    """
    return LearningRateFinder(TrainingSession(project, overrides)).run(**sweep)


def _endless_batches(session):
    """Shuffled training batches of the session's size, epoch after epoch (streamed data too)."""
    epoch = 0
    while True:
        generator = torch.Generator().manual_seed(session.config["seed"] + epoch)
        yield from session.data.train_batches(generator, session.batch_size)
        epoch += 1
