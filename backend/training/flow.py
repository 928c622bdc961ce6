"""Gradient and activation flow per node: what each layer's gradients and outputs look like.

The generated module names its submodules after the nodes (``self.conv1``), so a
node's parameters and output are found by attribute name; a block node is its
block module as a whole, and with ``inner=True`` each layer inside it is reported
too, as ``block.layer``. Nodes without a module (Add, Concat, Reshape...) have no
statistics.

`FlowProbe` samples every `every`-th training step: forward hooks are attached
just before that step and removed right after it, so other steps run untouched;
gradients are read after the optimizer step, before the next ``zero_grad``.
All numbers of one sample come back from the device in one transfer. For a GAN
the discriminator's gradients read after the step include those of the
generator's step (PyTorch accumulates them).

`flag_gradients` is the one rule for "vanishing" and "exploding" gradients, used
both here while training and by ``netcanvas check`` at initialisation: walking
from the loss back to the input, a layer is flagged where the gradient's RMS (norm
per square root of the number of parameters, so wide and narrow layers compare)
falls below `VANISHING_RATIO` times the largest RMS nearer the loss, or rises above
`EXPLODING_RATIO` times the smallest. At PyTorch's default initialisation an
8-hidden-layer sigmoid MLP drops 1e-6 from its last layer to its first (flagged),
the ReLU one 5e-3 (not flagged).
"""

from __future__ import annotations

import math
from collections.abc import Callable

import torch
from torch import nn

from backend.training.events import FlowEvent, NodeFlow

VANISHING_RATIO = 1e-3
EXPLODING_RATIO = 1e3
DEFAULT_EVERY = 20


def node_modules(model: nn.Module, inner: bool = False) -> dict[str, nn.Module]:
    """Node name -> submodule, in the model's order (``block.layer`` for layers inside blocks with `inner`)."""
    found: dict[str, nn.Module] = {}
    for name, module in model.named_children():
        found[name] = module
        if inner and any(True for _ in module.children()):
            for inner_name, inner_module in node_modules(module, inner=True).items():
                found[f"{name}.{inner_name}"] = inner_module
    return found


def gradient_norms(modules: dict[str, nn.Module]) -> dict[str, tuple[torch.Tensor, int]]:
    """Per node with parameters: (gradient L2 norm as a device tensor, number of parameters with gradients)."""
    result = {}
    for name, module in modules.items():
        grads = [p.grad for p in module.parameters() if p.grad is not None]
        if grads:
            norms = torch.stack([torch.linalg.vector_norm(g.detach().float()) for g in grads])
            result[name] = (torch.linalg.vector_norm(norms), sum(g.numel() for g in grads))
    return result


def gradient_rms(norm: float, count: int) -> float:
    """The root mean square of a gradient, from its norm and size."""
    return norm / math.sqrt(max(count, 1))


def flag_gradients(rms_by_node: list[tuple[str, float]]) -> dict[str, str]:
    """The nodes where gradients vanish or explode, with ``"vanishing"`` or ``"exploding"``.

    Args:
        rms_by_node: (node, gradient RMS) in forward order (input side first).

    Returns:
        At most one node per kind: walking from the loss towards the input, the first
        node whose RMS falls below `VANISHING_RATIO` times the largest RMS seen so far
        (vanishing), or rises above `EXPLODING_RATIO` times the smallest (exploding).
        A non-finite RMS counts as exploding.
    """
    flags: dict[str, str] = {}
    largest, smallest = 0.0, math.inf
    for name, rms in reversed(rms_by_node):
        if not math.isfinite(rms) or (smallest > 0 and rms > EXPLODING_RATIO * smallest):
            flags.setdefault("exploding", name)
        elif rms < VANISHING_RATIO * largest:
            flags.setdefault("vanishing", name)
        if math.isfinite(rms):
            largest, smallest = max(largest, rms), min(smallest, rms)
    return {name: kind for kind, name in flags.items()}


class _ActivationRecorder:
    """Forward hooks that keep the mean and std of each node's output (device tensors, no sync)."""

    def __init__(self, modules: dict[str, nn.Module]):
        self.values: dict[str, tuple[torch.Tensor, torch.Tensor]] = {}
        self.handles = [module.register_forward_hook(self._hook(name)) for name, module in modules.items()]

    def _hook(self, name: str) -> Callable:
        def hook(module, inputs, output) -> None:
            tensor = output[0] if isinstance(output, tuple) else output
            if isinstance(tensor, torch.Tensor) and tensor.is_floating_point() and tensor.numel() > 1:
                tensor = tensor.detach().float()
                self.values[name] = (tensor.mean(), tensor.std())

        return hook

    def remove(self) -> None:
        for handle in self.handles:
            handle.remove()
        self.handles.clear()


class FlowProbe:
    """Samples gradient norms and activation statistics per node every `every` steps.

    Use around a training step (the engine does)::

        probe.before_step(step)      # attaches hooks when `step` is sampled
        ...one optimisation step...
        probe.after_step(step, epoch, batch)   # reads, detaches, calls on_flow

    Args:
        models: the networks by name (the modules being trained).
        on_flow: called with a `FlowEvent` after each sampled step (None: never samples).
        every: sample steps 1, 1 + every, 1 + 2*every... (step numbers count from 1); 0 never samples.
        inner: also report the layers inside blocks.
    """

    def __init__(
        self,
        models: dict[str, nn.Module],
        on_flow: Callable[[FlowEvent], None] | None,
        every: int = DEFAULT_EVERY,
        inner: bool = False,
    ):
        self.on_flow = on_flow
        self.every = int(every) if on_flow is not None else 0
        self.modules = {network: node_modules(model, inner) for network, model in models.items()}
        self._recorders: dict[str, _ActivationRecorder] = {}

    def sampled(self, step: int) -> bool:
        return self.every > 0 and (step - 1) % self.every == 0

    def before_step(self, step: int) -> None:
        if self.sampled(step):
            self._recorders = {network: _ActivationRecorder(mods) for network, mods in self.modules.items()}

    def close(self) -> None:
        """Remove any hooks still attached (a step that failed half way)."""
        for recorder in self._recorders.values():
            recorder.remove()
        self._recorders = {}

    def after_step(self, step: int, epoch: int = 0, batch: int = 0) -> FlowEvent | None:
        """Read this step's statistics (if it was sampled), detach the hooks and report them."""
        if not self._recorders:
            return None
        recorders, self._recorders = self._recorders, {}
        for recorder in recorders.values():
            recorder.remove()
        event = FlowEvent(step, epoch, batch, measure(self.modules, recorders))
        if self.on_flow is not None:
            self.on_flow(event)
        return event


def measure(modules: dict[str, dict[str, nn.Module]], recorders: dict[str, _ActivationRecorder]) -> list[NodeFlow]:
    """Per node: gradient norm and RMS (from the gradients present now), output mean and std; flags set."""
    tensors: list[torch.Tensor] = []
    layout: list[tuple[str, str, int, int, int]] = []  # network, node, grad index, param count, activation index
    for network, mods in modules.items():
        norms = gradient_norms(mods)
        values = recorders[network].values if network in recorders else {}
        for name in mods:
            grad_index = act_index = -1
            count = 0
            if name in norms:
                grad_index, count = len(tensors), norms[name][1]
                tensors.append(norms[name][0])
            if name in values:
                act_index = len(tensors)
                tensors.extend(values[name])
            if grad_index >= 0 or act_index >= 0:
                layout.append((network, name, grad_index, count, act_index))
    numbers = torch.stack([t.float() for t in tensors]).tolist() if tensors else []
    flows = []
    for network, name, grad_index, count, act_index in layout:
        norm = numbers[grad_index] if grad_index >= 0 else None
        flows.append(
            NodeFlow(
                network,
                name,
                norm,
                None if norm is None else gradient_rms(norm, count),
                numbers[act_index] if act_index >= 0 else None,
                numbers[act_index + 1] if act_index >= 0 else None,
            )
        )
    for network in modules:
        top_level = [(f.node, f.grad_rms) for f in flows if f.network == network and f.grad_rms is not None]
        top_level = [(node, rms) for node, rms in top_level if "." not in node]
        for node, kind in flag_gradients(top_level).items():
            next(f for f in flows if f.network == network and f.node == node).flag = kind
    return flows
