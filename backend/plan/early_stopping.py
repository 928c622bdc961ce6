"""Early stopping: stop when the monitored loss has not improved for `patience` epochs.

An epoch improves when its loss is lower than the best so far by more than
``min_delta``. With ``restore_best`` the weights of the best epoch are kept (a copy
on the same device) and put back when training ends.
"""

from __future__ import annotations

import math

import torch
from torch import nn


class EarlyStopping:
    def __init__(self, patience: int, min_delta: float = 0.0, restore_best: bool = True):
        self.patience = patience
        self.min_delta = min_delta
        self.restore_best = restore_best
        self.best = math.inf
        self.best_epoch: int | None = None
        self.bad_epochs = 0
        self.best_state: dict[str, dict[str, torch.Tensor]] | None = None

    @property
    def enabled(self) -> bool:
        return self.patience > 0

    def update(self, epoch: int, value: float, models: dict[str, nn.Module]) -> bool:
        """Record an epoch's monitored loss; True when training should stop now."""
        if value < self.best - self.min_delta:
            self.best, self.best_epoch, self.bad_epochs = value, epoch, 0
            if self.enabled and self.restore_best:
                self.best_state = {
                    name: {k: v.detach().clone() for k, v in model.state_dict().items()}
                    for name, model in models.items()
                }
            return False
        self.bad_epochs += 1
        return self.enabled and self.bad_epochs >= self.patience

    def restore(self, models: dict[str, nn.Module]) -> bool:
        """Put back the best weights; True when it did."""
        if not (self.restore_best and self.best_state):
            return False
        for name, model in models.items():
            model.load_state_dict(self.best_state[name])
        return True

    def state_dict(self) -> dict:
        return {
            "best": self.best,
            "best_epoch": self.best_epoch if self.best_epoch is not None else -1,
            "bad_epochs": self.bad_epochs,
            "best_state": self.best_state or {},
        }

    def load_state_dict(self, state: dict) -> None:
        self.best = float(state["best"])
        self.best_epoch = None if state["best_epoch"] < 0 else int(state["best_epoch"])
        self.bad_epochs = int(state["bad_epochs"])
        self.best_state = state["best_state"] or None
