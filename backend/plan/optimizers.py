"""Optimizers by name, including the course's exponential-average momentum.

Where PyTorch and the course sheet write a rule differently, what runs is
PyTorch's rule, stated here so the Training dock's tooltips can say it:

* momentum: PyTorch's ``v = mu*v + g; w -= lr*v`` (no ``1 - mu`` factor, so the
  effective step is about ``lr / (1 - mu)``).
* momentum_ema: the course's ``v = beta*v + (1-beta)*g; w -= lr*v`` (`MomentumEMA`).
* adagrad / rmsprop: PyTorch adds eps outside the root, ``w -= lr*g / (sqrt(s) + eps)``,
  where the course writes ``sqrt(s + eps)``; with eps = 1e-8 the two differ only
  when s is near zero. RMSprop's averaging factor (the course's beta) is the
  ``momentum`` setting.
* adam / adamw: bias-corrected moments exactly as in the course,
  ``w -= lr * v_hat / (sqrt(s_hat) + eps)``; adamw decays weights separately.

Weight decay adds ``weight_decay * w`` to the gradient (decoupled for adamw).
"""

from __future__ import annotations

from collections.abc import Iterable

import torch


class MomentumEMA(torch.optim.Optimizer):
    """Gradient descent with momentum as the course writes it.

    ``v = beta * v + (1 - beta) * g`` then ``w = w - lr * v``: v is an exponential
    moving average of the gradients, so the step size stays about ``lr``.

    Args:
        params: parameters to optimise.
        lr: learning rate (alpha).
        beta: how much of the previous average to keep.
        weight_decay: L2 penalty added to the gradient.
    """

    def __init__(self, params: Iterable, lr: float = 1e-2, beta: float = 0.9, weight_decay: float = 0.0):
        if lr < 0 or not 0.0 <= beta < 1.0 or weight_decay < 0:
            raise ValueError(f"invalid settings: lr={lr}, beta={beta}, weight_decay={weight_decay}")
        super().__init__(params, {"lr": lr, "beta": beta, "weight_decay": weight_decay})

    @torch.no_grad()
    def step(self, closure=None):
        loss = None
        if closure is not None:
            with torch.enable_grad():
                loss = closure()
        for group in self.param_groups:
            lr, beta, decay = group["lr"], group["beta"], group["weight_decay"]
            for param in group["params"]:
                if param.grad is None:
                    continue
                grad = param.grad if decay == 0 else param.grad.add(param, alpha=decay)
                state = self.state[param]
                if "velocity" not in state:
                    state["velocity"] = torch.zeros_like(param, memory_format=torch.preserve_format)
                velocity = state["velocity"]
                velocity.mul_(beta).add_(grad, alpha=1 - beta)
                param.add_(velocity, alpha=-lr)
        return loss


def make_optimizer(name: str, params: Iterable, config: dict) -> torch.optim.Optimizer:
    """The optimizer called `name` with the training settings in `config`."""
    lr, decay, eps = config["lr"], config["weight_decay"], config["eps"]
    params = list(params)
    if name == "sgd":
        return torch.optim.SGD(params, lr=lr, weight_decay=decay)
    if name == "momentum":
        return torch.optim.SGD(params, lr=lr, momentum=config["momentum"], weight_decay=decay)
    if name == "momentum_ema":
        return MomentumEMA(params, lr=lr, beta=config["momentum"], weight_decay=decay)
    if name == "adagrad":
        return torch.optim.Adagrad(params, lr=lr, eps=eps, weight_decay=decay)
    if name == "rmsprop":
        return torch.optim.RMSprop(params, lr=lr, alpha=config["momentum"], eps=eps, weight_decay=decay)
    betas = (config["beta1"], config["beta2"])
    if name == "adam":
        return torch.optim.Adam(params, lr=lr, betas=betas, eps=eps, weight_decay=decay)
    if name == "adamw":
        return torch.optim.AdamW(params, lr=lr, betas=betas, eps=eps, weight_decay=decay)
    raise ValueError(f"unknown optimizer {name!r}")
