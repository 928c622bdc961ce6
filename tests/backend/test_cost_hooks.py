"""The graph's mult-adds equal a forward-hook count over the compiled PyTorch modules.

The hook counter below reads only what PyTorch ran: each module's attributes and the
tensors that actually went in and came out, so a wrong shape rule, a wrong sequence
length or a missed direction in `graph.cost` shows up as a difference.
"""

from __future__ import annotations

import math

import pytest
import torch
from torch import nn

from backend.compiler import build_models, example_inputs
from graph.cost import project_cost
from graph.network import Network
from graph.presets import PRESETS, build_preset
from graph.project import Project
from graph.validation import validate_project

BATCH = 2
GATES = {nn.RNN: 1, nn.GRU: 3, nn.LSTM: 4}


def _macs_of_call(module: nn.Module, inputs: tuple, output) -> int:
    """Mult-adds of one module call for the whole batch."""
    if isinstance(module, nn.ConvTranspose2d):
        return inputs[0].numel() * (module.out_channels // module.groups) * math.prod(module.kernel_size)
    if isinstance(module, (nn.Conv1d, nn.Conv2d)):
        return output.numel() * (module.in_channels // module.groups) * math.prod(module.kernel_size)
    if isinstance(module, nn.Linear):
        return output.numel() * module.in_features
    if isinstance(module, tuple(GATES)):
        x = inputs[0]
        steps = x.shape[1] if module.batch_first else x.shape[0]
        directions = 2 if module.bidirectional else 1
        hidden, total = module.hidden_size, 0
        for layer in range(module.num_layers):
            size_in = module.input_size if layer == 0 else hidden * directions
            total += GATES[type(module)] * hidden * (size_in + hidden) * directions
        return x.numel() // (x.shape[-1] * steps) * steps * total
    return 0


def hook_count(model: nn.Module, inputs: tuple) -> int:
    """Mult-adds of one sample, counted by forward hooks on every module that runs."""
    counted = []
    handles = [
        module.register_forward_hook(
            lambda m, i, o: counted.append(_macs_of_call(m, i, o[0] if isinstance(o, tuple) else o))
        )
        for module in model.modules()
    ]
    try:
        model.eval()
        with torch.no_grad():
            model(*inputs)
    finally:
        for handle in handles:
            handle.remove()
    return sum(counted) // BATCH


def assert_counts_match(project: Project) -> None:
    reports = validate_project(project)
    costs = project_cost(project, reports)
    models, _ = build_models(project)
    for name, model in models.items():
        network = project.networks[name]
        counted = hook_count(model, example_inputs(network, reports[name], batch=BATCH))
        assert costs[name].macs_known
        assert costs[name].total_macs == counted, name
        assert counted > 0


@pytest.mark.parametrize("name", [pytest.param(n, marks=pytest.mark.slow) if n == "vgg" else n for n in PRESETS])
def test_every_preset_counts_what_its_module_computes(name):
    torch.manual_seed(0)
    assert_counts_match(build_preset(name))


def test_grouped_dilated_transposed_and_bidirectional_layers_count_what_torch_runs():
    project = Project(name="mixed")
    net = project.add_network(Network("mixed"))
    image = net.add("Input", name="image", shape=(4, 17, 15))
    grouped = net.add("Conv2d", name="grouped", out_channels=8, kernel_size=(3, 5), groups=2, dilation=(2, 1))
    same = net.add("Conv2d", name="same", out_channels=6, kernel_size=3, padding="same")
    up = net.add("ConvTranspose2d", name="up", out_channels=3, kernel_size=4, stride=2, padding=1)
    flat = net.add("Flatten", name="flat", start_dim=2)
    seq = net.add("Conv1d", name="seq", out_channels=12, kernel_size=3, stride=2, groups=3)
    lstm = net.add("LSTM", name="lstm", hidden_size=5, num_layers=3, bidirectional=True)
    per_step = net.add("Linear", name="per_step", out_features=7)
    net.chain(image, grouped, same, up, flat, seq, net.add("Output", name="signal"))
    series = net.add("Input", name="series", shape=(9, 4))
    net.chain(series, lstm, per_step, net.add("Output", name="steps"))
    assert_counts_match(project)
