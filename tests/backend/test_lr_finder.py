"""The learning-rate finder: the curve falls then explodes, the suggestion is sensible, nothing changes for good."""

from __future__ import annotations

import copy
import math

import torch

from backend.training import TrainingSession
from backend.training.lr_finder import DIVERGE, LearningRateFinder, find_learning_rate, steepest_descent
from graph.presets import build_preset

CPU = {"device": "cpu"}


def test_on_lenet5_the_curve_falls_then_explodes_and_the_suggestion_is_sensible():
    project = build_preset("lenet5")
    training = copy.deepcopy(project.training)
    seen = []
    result = find_learning_rate(project, CPU, on_step=lambda index, lr, loss: seen.append((index, lr, loss)))
    assert result.ended == "exploded" and len(result.lrs) < 100
    assert seen == [(i, lr, loss) for i, (lr, loss) in enumerate(zip(result.lrs, result.losses, strict=True))]
    assert all(b > a for a, b in zip(result.lrs, result.lrs[1:], strict=False))  # rising exponentially
    ratios = [b / a for a, b in zip(result.lrs, result.lrs[1:], strict=False)]
    assert max(ratios) / min(ratios) < 1 + 1e-9
    lowest = min(result.losses)
    assert lowest < 0.8 * result.losses[0]  # falls
    assert result.losses[-1] > DIVERGE * lowest or not math.isfinite(result.raw_losses[-1])  # then explodes
    assert 1e-4 <= result.suggestion <= 1e-1
    assert result.suggestion < result.minimum_lr
    assert project.training == training


def test_the_session_gets_its_weights_and_optimizer_state_back():
    session = TrainingSession(build_preset("mlp"), CPU)
    x, y = session.fixed_batch(32)
    session.recipe.train_step(x, y)  # Adam now has state worth keeping
    model, optimizer = session.models["mlp"], session.recipe.optimizer
    weights = copy.deepcopy(model.state_dict())
    state = copy.deepcopy(optimizer.state_dict())
    result = LearningRateFinder(session).run(steps=30, end=1.0)
    assert len(result.lrs) >= 10
    assert all(torch.equal(model.state_dict()[k], v) for k, v in weights.items())
    after = optimizer.state_dict()
    assert after["param_groups"] == state["param_groups"]
    assert all(torch.equal(after["state"][i]["exp_avg"], s["exp_avg"]) for i, s in state["state"].items())


def test_a_stop_request_ends_the_sweep():
    session = TrainingSession(build_preset("mlp"), CPU)
    calls = []
    result = LearningRateFinder(session).run(should_stop=lambda: len(calls.append(1) or calls) > 5)
    assert result.ended == "stopped" and len(result.lrs) == 5


def test_the_steepest_descent_is_where_the_curve_falls_fastest_before_its_minimum():
    lrs = [10 ** (-7 + 8 * i / 99) for i in range(100)]
    # a loss that falls like a logistic step centred on 1e-3, then blows up past 1
    losses = [1 + 1 / (1 + math.exp(3 * math.log(lr / 1e-3))) + max(0.0, math.log10(lr)) ** 2 for lr in lrs]
    assert 3e-4 < steepest_descent(lrs, losses) < 3e-3
    assert steepest_descent(lrs[:5], losses[:5]) is None
    assert steepest_descent(lrs, [1.0] * 100) is None
