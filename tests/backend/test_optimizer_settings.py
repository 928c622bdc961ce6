"""The optimizer -> settings table (graph/training_config.py) says what each optimizer really reads."""

from __future__ import annotations

import pytest
import torch

from backend.plan.optimizers import make_optimizer
from graph.training_config import OPTIMIZER_SETTINGS, OPTIMIZERS, default_training_config

CHANGED = {"momentum": 0.5, "beta1": 0.5, "beta2": 0.9, "eps": 1e-3, "weight_decay": 0.25}


def hyperparameters(name: str, config: dict) -> dict:
    optimizer = make_optimizer(name, [torch.nn.Parameter(torch.zeros(1))], config)
    return {k: v for k, v in optimizer.param_groups[0].items() if k != "params"}


@pytest.mark.parametrize("name", OPTIMIZERS)
def test_each_optimizer_reads_exactly_the_settings_the_table_lists(name):
    base = default_training_config()
    reads = set()
    for setting, value in CHANGED.items():
        if hyperparameters(name, {**base, setting: value}) != hyperparameters(name, base):
            reads.add(setting)
    assert reads == set(OPTIMIZER_SETTINGS[name])
