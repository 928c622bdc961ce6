"""Learning-rate schedules: none, step (every ``step_size`` epochs times ``gamma``),
cosine (down to zero over the run) and plateau (times ``gamma`` after the
monitored loss stalls for `PLATEAU_PATIENCE` epochs). Stepped once per epoch.
"""

from __future__ import annotations

import torch

PLATEAU_PATIENCE = 2


class Schedule:
    """One schedule driving one or more optimizers (a GAN has two)."""

    def __init__(self, name: str, optimizers: list[torch.optim.Optimizer], config: dict, epochs: int):
        self.name = name
        self.schedulers = [_make(name, opt, config, epochs) for opt in optimizers] if name != "none" else []

    def step(self, monitored: float | None) -> None:
        for scheduler in self.schedulers:
            if isinstance(scheduler, torch.optim.lr_scheduler.ReduceLROnPlateau):
                if monitored is not None:
                    scheduler.step(monitored)
            else:
                scheduler.step()

    def state_dict(self) -> list[dict]:
        return [s.state_dict() for s in self.schedulers]

    def load_state_dict(self, states: list[dict]) -> None:
        for scheduler, state in zip(self.schedulers, states, strict=False):
            scheduler.load_state_dict(state)


def _make(name: str, optimizer: torch.optim.Optimizer, config: dict, epochs: int):
    if name == "step":
        return torch.optim.lr_scheduler.StepLR(optimizer, step_size=config["step_size"], gamma=config["gamma"])
    if name == "cosine":
        return torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=max(1, epochs))
    if name == "plateau":
        return torch.optim.lr_scheduler.ReduceLROnPlateau(
            optimizer, factor=max(config["gamma"], 1e-6), patience=PLATEAU_PATIENCE
        )
    raise ValueError(f"unknown schedule {name!r}")
