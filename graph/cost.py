"""Cost estimates from shapes alone: parameters, mult-adds and memory, per node and in total.

Pure (no torch): everything comes from a validation report, so the editor can show
it after every edit. The conventions, stated once:

* **Mult-adds** are the multiply-accumulates of one sample in convolution, linear
  and recurrent layers, the figure torchvision's model tables give (ResNet-18 at
  3x224x224: 1.81 G). Each layer spec says its own (`LayerSpec.count_macs`); biases,
  activations, pooling, normalisation and merges count 0. A block sums its body.
* **Parameter memory** is 4 bytes (float32) per trainable parameter.
* **Activation memory** is what backward keeps: the output of every live node for
  the whole batch, plus the input batch itself (4 bytes per value, 8 for int64
  token ids). Outputs that are views of their input (Flatten, Reshape, Identity,
  LastTimestep) add nothing. Framework workspaces (a recurrent layer's gates, a
  dropout mask, cuDNN scratch) are not counted, and bf16 autocast would halve it:
  read it as the float32 floor.
* **Training memory** is parameters + gradients + optimizer state + activations.
  Optimizer state per parameter: `OPTIMIZER_STATE_SLOTS` (Adam keeps two running
  averages, momentum one, plain SGD none).

Only live nodes (those that lead to an Output, `NetworkReport.live`) count towards
totals; the others are listed with ``live=False``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from graph.network import Network
from graph.registry import BLOCK_TYPE, get_spec
from graph.shapes import numel
from graph.validation import NetworkReport, Problem

FLOAT_BYTES = 4
DTYPE_BYTES = {"float32": 4, "int64": 8}
# Tensors the optimizer keeps per parameter tensor (see backend/plan/optimizers.py; a test holds them to it).
OPTIMIZER_STATE_SLOTS = {"sgd": 0, "momentum": 1, "momentum_ema": 1, "adagrad": 1, "rmsprop": 1, "adam": 2, "adamw": 2}
HEAVIEST_SHOWN = 3


@dataclass(frozen=True)
class NodeCost:
    """The cost of one node for one sample.

    Attributes:
        node_id, name: the node in its network.
        type: the layer type, or the block definition's name for a block.
        params: trainable parameters (the validation report's count).
        macs: multiply-accumulates for one sample; None when a size is only known at run time.
        activation_bytes: bytes per sample that backward keeps for this node (a block: its body's).
        live: False for nodes that lead to no Output (left out of the model and of totals).
        inner: a block's body, node by node (empty for layers).
    """

    node_id: str
    name: str
    type: str
    params: int
    macs: int | None
    activation_bytes: int
    live: bool = True
    inner: tuple[NodeCost, ...] = ()

    @property
    def param_bytes(self) -> int:
        return self.params * FLOAT_BYTES

    def training_bytes(self, batch_size: int, optimizer: str) -> int:
        """This node's share of training memory: weights, gradients, optimizer state and activations."""
        copies = 2 + OPTIMIZER_STATE_SLOTS.get(optimizer, 2)
        return self.param_bytes * copies + self.activation_bytes * batch_size


@dataclass
class NetworkCost:
    """Per-node costs of one network, in the order the model computes them."""

    network: str
    nodes: list[NodeCost] = field(default_factory=list)

    def live_nodes(self) -> list[NodeCost]:
        return [node for node in self.nodes if node.live]

    @property
    def total_params(self) -> int:
        return sum(node.params for node in self.live_nodes())

    @property
    def total_macs(self) -> int:
        """Mult-adds of one sample over the live nodes whose count is known."""
        return sum(node.macs or 0 for node in self.live_nodes())

    @property
    def macs_known(self) -> bool:
        """False when some live node's count depends on a size only known at run time."""
        return all(node.macs is not None for node in self.live_nodes())

    @property
    def param_bytes(self) -> int:
        return self.total_params * FLOAT_BYTES

    def activation_bytes(self, batch_size: int) -> int:
        return batch_size * sum(node.activation_bytes for node in self.live_nodes())


@dataclass(frozen=True)
class TrainingMemory:
    """Estimated bytes one training step holds (see the module docstring for what counts)."""

    params: int
    grads: int
    optimizer_state: int
    activations: int

    @property
    def total(self) -> int:
        return self.params + self.grads + self.optimizer_state + self.activations


def _is_live(report: NetworkReport, node_id: str) -> bool:
    return not report.live or node_id in report.live


def _output_bytes(type_name: str, result, dtype: str) -> int:
    """Bytes per sample of a layer's outputs that backward keeps (none for views and Outputs)."""
    spec = get_spec(type_name)
    if spec is None or spec.output_is_view:
        return 0
    values = 0
    for shape in result.outputs.values():
        count = numel(shape) if shape is not None else None
        values += count or 0
    return values * DTYPE_BYTES.get(dtype, FLOAT_BYTES)


def _node_cost(network: Network, report: NetworkReport, node_id: str, live: bool) -> NodeCost:
    node = network.nodes[node_id]
    result = report.nodes[node_id]
    if node.type == BLOCK_TYPE:
        definition = network.blocks.get(node.params.get("block"))
        inner: tuple[NodeCost, ...] = ()
        if definition is not None and result.inner is not None:
            body = network_cost(definition.body, result.inner).nodes
            # The body's Inputs are the outer tensors, already counted where they were made.
            inner = tuple(n if n.type != "Input" else _without_activation(n) for n in body)
        counted = [n for n in inner if n.live]
        known = all(n.macs is not None for n in counted) and bool(result.outputs)
        return NodeCost(
            node_id,
            node.name,
            str(node.params.get("block", BLOCK_TYPE)),
            result.param_count,
            sum(n.macs or 0 for n in counted) if known else None,
            sum(n.activation_bytes for n in counted),
            live,
            inner,
        )
    spec = get_spec(node.type)
    macs: int | None = None
    if spec is not None and (result.outputs or node.type == "Output"):
        inputs = {port: list(shapes) for port, shapes in result.inputs.items()}
        macs = spec.count_macs(inputs, result.params, result.outputs)
    dtype = result.params.get("dtype", "float32") if node.type == "Input" else "float32"
    return NodeCost(
        node_id, node.name, node.type, result.param_count, macs, _output_bytes(node.type, result, dtype), live
    )


def _without_activation(node: NodeCost) -> NodeCost:
    return NodeCost(node.node_id, node.name, node.type, node.params, node.macs, 0, node.live, node.inner)


def network_cost(network: Network, report: NetworkReport) -> NetworkCost:
    """Per-node costs of `network` from its validation report (nodes in the report's order)."""
    cost = NetworkCost(network.name)
    for node_id in report.order:
        if node_id in network.nodes and node_id in report.nodes:
            cost.nodes.append(_node_cost(network, report, node_id, _is_live(report, node_id)))
    return cost


def project_cost(project, reports: dict[str, NetworkReport] | None = None) -> dict[str, NetworkCost]:
    """The cost of every network of a project (validating it unless `reports` are given)."""
    from graph.validation import validate_project

    reports = reports if reports is not None else validate_project(project)
    return {name: network_cost(network, reports[name]) for name, network in project.networks.items()}


def training_memory(costs: Iterable[NetworkCost], batch_size: int, optimizer: str) -> TrainingMemory:
    """Parameters, gradients, optimizer state and activations of one training step, in bytes.

    Args:
        costs: the networks that train together (both of a GAN, say).
        batch_size: samples per step.
        optimizer: the ``optimizer`` setting (unknown names count as Adam, the heaviest).
    """
    costs = list(costs)
    params = sum(cost.param_bytes for cost in costs)
    slots = OPTIMIZER_STATE_SLOTS.get(optimizer, 2)
    activations = sum(cost.activation_bytes(batch_size) for cost in costs)
    return TrainingMemory(params, params, params * slots, activations)


def memory_warnings(
    costs: Iterable[NetworkCost], batch_size: int, optimizer: str, budget_bytes: int, device: str = "the device"
) -> list[Problem]:
    """Warnings pinned to the heaviest layers when the training estimate exceeds `budget_bytes`.

    Returns an empty list when the estimate fits. Otherwise one ``warning`` `Problem`
    for each of the (up to `HEAVIEST_SHOWN`) live layers that hold the most training
    memory, each saying the estimate, the budget and that layer's share.
    """
    costs = list(costs)
    memory = training_memory(costs, batch_size, optimizer)
    if memory.total <= budget_bytes:
        return []
    ranked = sorted(
        (
            (node.training_bytes(batch_size, optimizer), cost.network, node)
            for cost in costs
            for node in cost.live_nodes()
        ),
        key=lambda item: item[0],
        reverse=True,
    )
    summary = (
        f"training needs about {format_bytes(memory.total)} (weights {format_bytes(memory.params)}, gradients "
        f"{format_bytes(memory.grads)}, {optimizer} state {format_bytes(memory.optimizer_state)}, activations "
        f"{format_bytes(memory.activations)} at batch size {batch_size}) but {device} has {format_bytes(budget_bytes)}"
    )
    problems = []
    for share, network, node in ranked[:HEAVIEST_SHOWN]:
        if share == 0:
            break
        problems.append(
            Problem(
                "warning",
                network,
                node.node_id,
                node.name,
                f"{summary}; this layer holds {format_bytes(share)}: lower the batch size or make it smaller",
            )
        )
    return problems


def format_count(count: int | None) -> str:
    """``1.81 G``, ``416.52 K``, ``840``; ``?`` when unknown (the summary's mult-adds style)."""
    if count is None:
        return "?"
    for scale, unit in ((1e12, "T"), (1e9, "G"), (1e6, "M"), (1e3, "K")):
        if count >= scale:
            return f"{count / scale:.2f} {unit}"
    return str(count)


def format_bytes(count: int) -> str:
    """``44.59 MB`` style, powers of 1024 (as device memory is quoted)."""
    value = float(count)
    for unit in ("B", "KB", "MB", "GB"):
        if value < 1024:
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.2f} {unit}"
        value /= 1024
    return f"{value:.2f} TB"
