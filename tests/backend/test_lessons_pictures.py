"""The lessons' computed pictures: activation curves and optimizer paths over a 2-D loss surface.

Optimizer paths are checked one and two steps at a time against the course sheet's
update rules worked out by hand from the surface's gradient. Where PyTorch (what
runs) differs from the sheet, the expected value follows PyTorch and says so, as
tests/backend/test_optimizers.py does.
"""

import math

import numpy as np
import pytest

from backend.lessons.activations import ACTIVATIONS, activation_curves
from backend.lessons.loss_surface import SURFACES, optimizer_path, optimizer_paths, surface_grid
from graph.params import ParamError

START = SURFACES["valley"].start


def valley_gradient(x: float, y: float) -> tuple[float, float]:
    """d/dx and d/dy of 0.01 x^2 + y^2, by hand."""
    return 0.02 * x, 2.0 * y


def hand_path(update, state, steps: int = 2) -> list[tuple[float, float]]:
    """Apply `update(weights, gradient, state, t) -> weights` `steps` times from the valley's start."""
    weights, path = START, [START]
    for t in range(1, steps + 1):
        gradient = valley_gradient(*weights)
        weights = tuple(update(w, g, state[i], t) for i, (w, g) in enumerate(zip(weights, gradient, strict=True)))
        path.append(weights)
    return path


def close(path: np.ndarray, expected: list[tuple[float, float]]) -> None:
    assert path.ravel().tolist() == pytest.approx([v for point in expected for v in point], rel=1e-9, abs=1e-12)


# -- activations -----------------------------------------------------------------------------------
def test_activation_curves_are_the_functions_and_their_derivatives():
    curves = {c.name: c for c in activation_curves(("sigmoid", "tanh", "relu"), -4.0, 4.0, 81)}
    x = curves["sigmoid"].x
    assert len(x) == 81 and x[0] == -4.0 and x[-1] == 4.0
    sigmoid = 1 / (1 + np.exp(-x))
    np.testing.assert_allclose(curves["sigmoid"].y, sigmoid, rtol=1e-12)
    np.testing.assert_allclose(curves["sigmoid"].dy, sigmoid * (1 - sigmoid), rtol=1e-9)
    np.testing.assert_allclose(curves["tanh"].dy, 1 - np.tanh(x) ** 2, rtol=1e-9, atol=1e-15)
    np.testing.assert_array_equal(curves["relu"].y, np.maximum(x, 0))
    np.testing.assert_array_equal(curves["relu"].dy, (x > 0).astype(float))  # PyTorch: 0 at exactly 0
    assert curves["sigmoid"].dy.max() == pytest.approx(0.25)  # why deep sigmoid nets learn slowly


def test_every_listed_activation_has_a_curve_and_bad_requests_are_refused():
    assert [c.name for c in activation_curves(tuple(ACTIVATIONS), points=5)] == list(ACTIVATIONS)
    with pytest.raises(ValueError, match="unknown activation 'swish'"):
        activation_curves(("swish",))
    with pytest.raises(ValueError, match="low < high"):
        activation_curves(("relu",), 1.0, -1.0)


# -- loss surface ------------------------------------------------------------------------------------
def test_the_surface_grid_is_the_loss_over_the_window():
    xs, ys, loss = surface_grid("valley", points=11)
    assert loss.shape == (11, 11)
    assert loss[3, 7] == pytest.approx(0.01 * xs[7] ** 2 + ys[3] ** 2)
    assert loss.min() == pytest.approx(0.0)  # the window is centred on the minimum


def test_sgd_path_is_w_minus_lr_times_gradient():
    close(optimizer_path("valley", "sgd", {"lr": 0.5}, steps=2), hand_path(lambda w, g, s, t: w - 0.5 * g, [{}, {}]))


def test_momentum_path_is_pytorchs_v_equals_mu_v_plus_g():
    # course: v = beta*v + (1-beta)*g; PyTorch's momentum has no (1-beta) and starts v at g
    def update(w, g, s, t):
        s["v"] = g if t == 1 else 0.9 * s["v"] + g
        return w - 0.1 * s["v"]

    close(optimizer_path("valley", "momentum", {"lr": 0.1, "momentum": 0.9}, steps=2), hand_path(update, [{}, {}]))


def test_momentum_ema_path_is_the_course_formula():
    def update(w, g, s, t):
        s["v"] = 0.9 * s.get("v", 0.0) + 0.1 * g
        return w - 0.5 * s["v"]

    path = optimizer_path("valley", "momentum_ema", {"lr": 0.5, "momentum": 0.9}, steps=2)
    close(path, hand_path(update, [{}, {}]))


def test_adagrad_path_accumulates_squared_gradients():
    # course: w -= lr*g / sqrt(s + eps); PyTorch: w -= lr*g / (sqrt(s) + eps)
    def update(w, g, s, t):
        s["s"] = s.get("s", 0.0) + g * g
        return w - 0.5 * g / (math.sqrt(s["s"]) + 1e-8)

    close(optimizer_path("valley", "adagrad", {"lr": 0.5}, steps=2), hand_path(update, [{}, {}]))


def test_rmsprop_path_uses_a_moving_average_of_squared_gradients():
    # beta is the momentum setting (PyTorch's alpha); eps outside the root as for Adagrad
    def update(w, g, s, t):
        s["s"] = 0.9 * s.get("s", 0.0) + 0.1 * g * g
        return w - 0.05 * g / (math.sqrt(s["s"]) + 1e-8)

    path = optimizer_path("valley", "rmsprop", {"lr": 0.05, "momentum": 0.9}, steps=2)
    close(path, hand_path(update, [{}, {}]))


def test_adam_path_matches_the_bias_corrected_formula():
    def update(w, g, s, t):
        s["v"] = 0.5 * s.get("v", 0.0) + 0.5 * g
        s["s"] = 0.99 * s.get("s", 0.0) + 0.01 * g * g
        v_hat, s_hat = s["v"] / (1 - 0.5**t), s["s"] / (1 - 0.99**t)
        return w - 0.3 * v_hat / (math.sqrt(s_hat) + 1e-8)

    path = optimizer_path("valley", "adam", {"lr": 0.3, "beta1": 0.5, "beta2": 0.99}, steps=2)
    close(path, hand_path(update, [{}, {}]))


def test_paths_show_what_the_lesson_teaches():
    runs = {
        "sgd": {"optimizer": "sgd", "lr": 0.9},
        "momentum": {"optimizer": "momentum", "lr": 0.2, "momentum": 0.9},
        "momentum_ema": {"optimizer": "momentum_ema", "lr": 2.0, "momentum": 0.9},
    }
    paths = optimizer_paths("valley", runs, steps=50)
    sgd, momentum = paths["sgd"], paths["momentum"]
    assert sgd.shape == (51, 2) and tuple(sgd[0]) == START
    assert np.all(np.diff(np.sign(sgd[:6, 1])) != 0)  # plain descent zigzags across the narrow valley
    assert np.hypot(*momentum[50]) < 1 < np.hypot(*sgd[50])  # momentum gets much further along it
    # the course's form with lr / (1 - beta) is PyTorch's form step for step
    np.testing.assert_allclose(paths["momentum_ema"], momentum, rtol=1e-9, atol=1e-12)


def test_bad_path_requests_are_refused():
    with pytest.raises(ValueError, match="unknown loss surface"):
        optimizer_path("cliff", "sgd")
    with pytest.raises(ParamError, match="optimizer"):
        optimizer_path("valley", "lion")
    with pytest.raises(ParamError, match="lr"):
        optimizer_path("valley", "sgd", {"lr": -1})
    with pytest.raises(ValueError, match="names no optimizer"):
        optimizer_paths("valley", {"x": {"lr": 0.1}})
