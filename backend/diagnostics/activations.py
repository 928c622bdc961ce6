"""Dead ReLUs and saturated sigmoid/tanh units, as shares per layer, on a fixed batch at initialisation.

A ReLU unit (one output value per sample: a feature, or a channel at one position)
is dead when it is zero for every sample of the batch: no gradient passes it. A
sigmoid or tanh value is saturated when it sits within `SATURATION_MARGIN` of its
limits (below 0.01 or above 0.99 for sigmoid; beyond +-0.99 for tanh), where its
slope is nearly zero. Layers inside blocks are reported on the block node.
"""

from __future__ import annotations

import torch
from torch import nn

from backend.diagnostics.context import CheckContext
from backend.diagnostics.findings import Finding
from backend.training.flow import node_modules

CHECK = "activations"
BATCH = 64
SATURATION_MARGIN = 0.01
DEAD_WARN, DEAD_FAIL = 0.5, 1.0  # shares of dead ReLU units
SATURATED_WARN = 0.3


def _dead_share(out: torch.Tensor) -> float:
    alive = (out.flatten(1) > 0).any(dim=0)
    return 1.0 - float(alive.float().mean())


def _saturated_share(module: nn.Module, out: torch.Tensor) -> float:
    if isinstance(module, nn.Sigmoid):
        saturated = (out < SATURATION_MARGIN) | (out > 1 - SATURATION_MARGIN)
    else:
        saturated = out.abs() > 1 - SATURATION_MARGIN
    return float(saturated.float().mean())


def activation_findings(ctx: CheckContext) -> list[Finding]:
    """Shares of dead ReLU units and saturated sigmoid/tanh values per activation layer (supervised networks)."""
    recipe = ctx.session.recipe
    modules = {
        name: module
        for name, module in node_modules(recipe.model, inner=True).items()
        if isinstance(module, (nn.ReLU, nn.Sigmoid, nn.Tanh))
    }
    if not modules:
        return []
    shares: dict[str, tuple[str, float]] = {}

    def hook(name: str):
        def record(module, inputs, output) -> None:
            out = output.detach().float()
            if isinstance(module, nn.ReLU):
                shares[name] = ("dead", _dead_share(out))
            else:
                shares[name] = ("saturated", _saturated_share(module, out))

        return record

    handles = [module.register_forward_hook(hook(name)) for name, module in modules.items()]
    x, _ = ctx.session.fixed_batch(BATCH)
    recipe.train()
    try:
        with torch.no_grad():
            recipe.forward(x)
    finally:
        for handle in handles:
            handle.remove()
    found = []
    for name in modules:
        if name not in shares:
            continue
        kind, share = shares[name]
        node, inner = ctx.node_of_module(name)
        where = f"inside {node.name if node else name}, {inner}: " if inner else ""
        if kind == "dead":
            severity = "fail" if share >= DEAD_FAIL else "warn" if share > DEAD_WARN else "ok"
            text = f"{where}{share:.0%} of the ReLU units are dead (zero for all {len(x)} samples)"
            if severity != "ok":
                text += "; no gradient passes them: lower the learning rate, check the inputs' scale or use LeakyReLU"
        else:
            severity = "warn" if share > SATURATED_WARN else "ok"
            text = f"{where}{share:.0%} of the {type(modules[name]).__name__.lower()} values are saturated"
            if severity != "ok":
                text += "; their slope is nearly zero: normalise the inputs or the layer before, or use ReLU"
        found.append(ctx.finding(severity, CHECK, node, text))
    return found
