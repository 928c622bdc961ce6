"""Each optimizer's first steps against the update rule written out by hand.

The expected values follow the course sheet's formulas, adjusted where PyTorch
(what actually runs) differs, and each difference is stated where it applies.
Two steps are checked wherever the optimizer keeps state between steps.
"""

import math

import pytest
import torch

from backend.plan.optimizers import MomentumEMA, make_optimizer
from graph.training_config import default_training_config

W0 = [1.0, -2.0, 0.5]
G1 = [0.1, -0.3, 0.2]
G2 = [-0.2, 0.4, 0.1]


def run_steps(name: str, grads: list[list[float]], **settings) -> list[list[float]]:
    """Weights after each step of optimizer `name` fed the given gradients."""
    config = {**default_training_config(), **settings}
    weight = torch.nn.Parameter(torch.tensor(W0, dtype=torch.float64))
    optimizer = make_optimizer(name, [weight], config)
    history = []
    for grad in grads:
        weight.grad = torch.tensor(grad, dtype=torch.float64)
        optimizer.step()
        history.append(weight.detach().tolist())
    return history


def close(actual: list[float], expected: list[float]) -> None:
    assert actual == pytest.approx(expected, rel=1e-9, abs=1e-12)


def test_sgd_is_w_minus_lr_times_gradient():
    (w1,) = run_steps("sgd", [G1], lr=0.1)
    close(w1, [w - 0.1 * g for w, g in zip(W0, G1, strict=True)])


def test_sgd_weight_decay_adds_an_l2_gradient():
    (w1,) = run_steps("sgd", [G1], lr=0.1, weight_decay=0.01)
    close(w1, [w - 0.1 * (g + 0.01 * w) for w, g in zip(W0, G1, strict=True)])


def test_momentum_is_pytorchs_v_equals_mu_v_plus_g():
    # PyTorch: v = mu*v + g (no (1 - mu) factor), and the first v is the gradient itself
    w1, w2 = run_steps("momentum", [G1, G2], lr=0.1, momentum=0.9)
    v1 = G1
    e1 = [w - 0.1 * v for w, v in zip(W0, v1, strict=True)]
    v2 = [0.9 * v + g for v, g in zip(v1, G2, strict=True)]
    e2 = [w - 0.1 * v for w, v in zip(e1, v2, strict=True)]
    close(w1, e1)
    close(w2, e2)


def test_momentum_ema_is_the_course_formula():
    # course: v = beta*v + (1 - beta)*dW; W = W - alpha*v, with v starting at 0
    w1, w2 = run_steps("momentum_ema", [G1, G2], lr=0.1, momentum=0.9)
    v1 = [0.1 * g for g in G1]
    e1 = [w - 0.1 * v for w, v in zip(W0, v1, strict=True)]
    v2 = [0.9 * v + 0.1 * g for v, g in zip(v1, G2, strict=True)]
    e2 = [w - 0.1 * v for w, v in zip(e1, v2, strict=True)]
    close(w1, e1)
    close(w2, e2)


def test_momentum_ema_rejects_a_beta_of_one():
    with pytest.raises(ValueError):
        MomentumEMA([torch.nn.Parameter(torch.zeros(1))], lr=0.1, beta=1.0)


def test_adagrad_accumulates_squared_gradients():
    # course: w -= lr * g / sqrt(s + eps); PyTorch puts eps outside the root: lr * g / (sqrt(s) + eps)
    eps = 1e-8
    w1, w2 = run_steps("adagrad", [G1, G2], lr=0.1, eps=eps)
    s1 = [g * g for g in G1]
    e1 = [w - 0.1 * g / (math.sqrt(s) + eps) for w, g, s in zip(W0, G1, s1, strict=True)]
    s2 = [s + g * g for s, g in zip(s1, G2, strict=True)]
    e2 = [w - 0.1 * g / (math.sqrt(s) + eps) for w, g, s in zip(e1, G2, s2, strict=True)]
    close(w1, e1)
    close(w2, e2)


def test_adagrad_eps_placement_matters_only_near_zero():
    (w1,) = run_steps("adagrad", [G1], lr=0.1, eps=1e-8)
    course = [w - 0.1 * g / math.sqrt(g * g + 1e-8) for w, g in zip(W0, G1, strict=True)]
    assert w1 == pytest.approx(course, rel=1e-6)


def test_rmsprop_uses_a_moving_average_of_squared_gradients():
    # course: s = beta*s + (1 - beta)*g^2 with beta = the momentum setting (PyTorch's alpha);
    # the step is lr * g / (sqrt(s) + eps) in PyTorch, lr * g / sqrt(s + eps) in the course
    beta, eps = 0.9, 1e-8
    w1, w2 = run_steps("rmsprop", [G1, G2], lr=0.01, momentum=beta, eps=eps)
    s1 = [(1 - beta) * g * g for g in G1]
    e1 = [w - 0.01 * g / (math.sqrt(s) + eps) for w, g, s in zip(W0, G1, s1, strict=True)]
    s2 = [beta * s + (1 - beta) * g * g for s, g in zip(s1, G2, strict=True)]
    e2 = [w - 0.01 * g / (math.sqrt(s) + eps) for w, g, s in zip(e1, G2, s2, strict=True)]
    close(w1, e1)
    close(w2, e2)


def _adam_expected(lr, b1, b2, eps, decay_factor=1.0):
    """Two steps of the course's Adam (bias-corrected moments), optionally with AdamW's decay."""
    weights, v, s, out = list(W0), [0.0] * 3, [0.0] * 3, []
    for t, grads in enumerate([G1, G2], start=1):
        v = [b1 * vi + (1 - b1) * g for vi, g in zip(v, grads, strict=True)]
        s = [b2 * si + (1 - b2) * g * g for si, g in zip(s, grads, strict=True)]
        v_hat = [vi / (1 - b1**t) for vi in v]
        s_hat = [si / (1 - b2**t) for si in s]
        weights = [
            w * decay_factor - lr * vh / (math.sqrt(sh) + eps) for w, vh, sh in zip(weights, v_hat, s_hat, strict=True)
        ]
        out.append(weights)
    return out


def test_adam_matches_the_bias_corrected_formula():
    # course and PyTorch agree: W -= lr * v_hat / (sqrt(s_hat) + eps)
    w1, w2 = run_steps("adam", [G1, G2], lr=0.01, beta1=0.9, beta2=0.999, eps=1e-8)
    e1, e2 = _adam_expected(0.01, 0.9, 0.999, 1e-8)
    close(w1, e1)
    close(w2, e2)


def test_adamw_decays_weights_before_the_adam_step():
    w1, w2 = run_steps("adamw", [G1, G2], lr=0.01, beta1=0.9, beta2=0.999, eps=1e-8, weight_decay=0.1)
    e1, e2 = _adam_expected(0.01, 0.9, 0.999, 1e-8, decay_factor=1 - 0.01 * 0.1)
    close(w1, e1)
    close(w2, e2)


def test_every_configured_optimizer_name_builds():
    from graph.training_config import OPTIMIZERS

    for name in OPTIMIZERS:
        weight = torch.nn.Parameter(torch.ones(2))
        assert isinstance(make_optimizer(name, [weight], default_training_config()), torch.optim.Optimizer)
