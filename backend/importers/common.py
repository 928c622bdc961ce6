"""What every importer shares: the intermediate form of an imported model, names, errors, and the project.

An importer (PyTorch code through torch.fx, or an ONNX file) first describes the
model as `Body` objects: nodes with a layer type, checked parameter values, links
from other nodes' ports, the weights of their own module and the shapes seen in the
model. A sub-module that becomes a block is a ``Block`` node holding an `Instance`
(its class, constructor arguments and its own `Body`). `build_project` turns that
description into an ordinary project through the graph model's own API
(`Network.add`, `Network.connect`, `Project.add_block`), lays it out with
`graph.layout`, and checks it: the project must validate and give, at every node,
the shape the model gave. `collect_weights` then names every weight as the
generated model names it.

Names: node names come from the model (``layer1.0.conv1`` -> ``layer1_0_conv1``),
made into usable, unique identifiers by `Namer`.

Errors: `ModelImportError` carries one line a user can act on; nothing else leaves
an importer.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from graph.layers.merge import broadcast_shape
from graph.layout import apply_layout
from graph.network import Edge, Network, coerce_node_params, is_valid_name
from graph.params import MAX_DIM, MAX_RANK, ParamError
from graph.project import BlockDefinition, Project
from graph.registry import BLOCK_TYPE, get_spec
from graph.shapes import ShapeError, format_shape
from graph.validation import NetworkReport, validate_network


class ModelImportError(Exception):
    """An import that cannot go on; the message is one line saying what is wrong and what to do."""


class Unmappable(Exception):
    """A part of a model that has no NetCanvas layer; the importer keeps it whole or refuses (the reason)."""


@dataclass(frozen=True)
class Link:
    """An edge into a node: its input `port` takes output `source_port` of node `source`."""

    port: str
    source: str
    source_port: str


@dataclass
class IRNode:
    """One node of an imported body.

    Attributes:
        name: its (already unique and usable) name.
        type: a layer type, or ``Block``.
        params: checked parameter values (for a block, its constructor arguments after grouping).
        links: edges into it, in order (the order of a variadic port's inputs).
        state: the weights and buffers of its module, by the module's own names (``weight``).
        shapes: per output port, the shape of one sample seen in the model (checked after building).
        instance: for a ``Block`` node, the sub-module it stands for.
    """

    name: str
    type: str
    params: dict[str, Any] = field(default_factory=dict)
    links: list[Link] = field(default_factory=list)
    state: dict[str, Any] = field(default_factory=dict)
    shapes: dict[str, tuple] = field(default_factory=dict)
    instance: Instance | None = None


@dataclass(frozen=True)
class Port:
    """A tensor of the drawing while a model is read: output `port` of IR node `node`."""

    node: IRNode
    port: str


@dataclass(frozen=True)
class Unmapped:
    """A value with no place in a drawing (a size, a constant, an unsupported call): an error only if used."""

    reason: str
    location: str = ""


@dataclass
class Body:
    """The nodes of one network or one sub-module, Inputs first and Outputs last."""

    name: str
    nodes: list[IRNode] = field(default_factory=list)
    namer: Namer = field(default_factory=lambda: Namer())

    def add(self, wanted: str, type_name: str, params: dict[str, Any] | None = None, **extra: Any) -> IRNode:
        node = IRNode(self.namer.take(wanted), type_name, dict(params or {}), **extra)
        self.nodes.append(node)
        return node


@dataclass
class Instance:
    """A sub-module drawn as a block: its class, its constructor arguments and its body.

    Attributes:
        class_key: ``module:QualName`` of its class (instances are grouped by it).
        class_name: the class's own name (the block definition is named after it).
        doc: the first line of the class's docstring.
        arguments: constructor arguments by name, in the signature's order (literals only).
        defaults: the signature's defaults, by name.
        body: what its forward does.
    """

    class_key: str
    class_name: str
    doc: str
    arguments: dict[str, Any]
    defaults: dict[str, Any]
    body: Body


class Namer:
    """Unique, usable node names within one body: ``features.0`` -> ``features_0``, ``x`` -> ``x1``."""

    def __init__(self) -> None:
        self.taken: set[str] = set()

    def take(self, wanted: str) -> str:
        base = re.sub(r"\W+", "_", wanted).strip("_") or "layer"
        if base[0].isdigit():
            base = "l" + base
        name = base
        if not is_valid_name(name) or name in self.taken:
            stem = re.sub(r"\d+$", "", base) or base
            index = 1
            while not is_valid_name(f"{stem}{index}") or f"{stem}{index}" in self.taken:
                index += 1
                if index > 100_000:  # only names that can never be valid (too long) get here
                    stem, index = "layer", 1
            name = f"{stem}{index}"
        self.taken.add(name)
        return name


def prune(body: Body) -> None:
    """Drop the nodes that lead to no Output (values a model computed and never used); Inputs stay."""
    needed = {node.name for node in body.nodes if node.type in ("Output", "Input")}
    by_name = {node.name: node for node in body.nodes}
    stack = list(needed)
    while stack:
        for link in by_name[stack.pop()].links:
            if link.source not in needed:
                needed.add(link.source)
                stack.append(link.source)
    body.nodes = [node for node in body.nodes if node.name in needed]


def checked_params(type_name: str, values: dict[str, Any]) -> dict[str, Any]:
    """`values` checked against the layer's spec; `Unmappable` when the layer cannot hold them."""
    spec = get_spec(type_name)
    unknown = set(values) - {p.name for p in spec.params}
    if unknown:
        raise Unmappable(f"{type_name} has no setting {sorted(unknown)[0]!r}")
    result = {}
    for param in spec.params:
        try:
            result[param.name] = param.coerce(values.get(param.name, param.default))
        except ParamError as error:
            raise Unmappable(f"{type_name}: {error}") from None
    return result


def parse_input_shapes(text: str) -> list[tuple[int, ...]]:
    """``"1,28,28"`` -> ``[(1, 28, 28)]``; several inputs separated by ``;``. ValueError when malformed."""
    shapes = []
    for part in text.split(";"):
        sizes = [s.strip() for s in part.replace("x", ",").split(",")]
        if not part.strip() or not all(s.isdigit() for s in sizes):
            raise ValueError(f"--input-shape needs sizes like 1,28,28 (several inputs: 1,28,28;10), got {text!r}")
        shape = tuple(int(s) for s in sizes)
        if not 1 <= len(shape) <= MAX_RANK or not all(1 <= s <= MAX_DIM for s in shape):
            limits = f"every size must be 1 to {MAX_DIM:,}, at most {MAX_RANK} sizes"
            raise ValueError(f"--input-shape: {limits}; got {text!r}")
        shapes.append(shape)
    return shapes


def format_input_shapes(shapes: list[tuple[int, ...]]) -> str:
    return ";".join(",".join(str(s) for s in shape) for shape in shapes)


# -- from the intermediate form to a project ---------------------------------------------------------
@dataclass
class Definition:
    """A block definition to create: its name, parameters, doc and the body it is drawn from."""

    name: str
    params: tuple
    doc: str
    body: Body


def build_project(
    root: Body, definitions: list[Definition], name: str, description: str, layout: bool = True
) -> Project:
    """The project for `root` (its main network) and `definitions` (inner blocks first), laid out and checked.

    Raises:
        ModelImportError: the result does not validate, or its shapes differ from the model's.
    """
    project = Project(networks={}, blocks={}, layout={})
    project.name = name
    project.description = description
    for definition in definitions:
        body = _materialize(definition.body, Network(definition.name), project.blocks)
        project.add_block(BlockDefinition(definition.name, body, definition.params, definition.doc))
    network = project.add_network(_materialize(root, Network(root.name), project.blocks))
    if layout:
        for definition in project.blocks.values():
            apply_layout(definition.body)
        apply_layout(network)
    report = validate_network(network, project.blocks)
    if report.errors:
        raise ModelImportError(f"the imported network does not check out: {report.errors[0].line()}")
    _compare_shapes(root, network, report)
    return project


def _materialize(body: Body, network: Network, blocks: dict) -> Network:
    network.blocks = blocks
    ids: dict[str, str] = {}
    for ir in body.nodes:
        try:
            node = network.create_node(ir.type, name=ir.name, params=ir.params, blocks=blocks)
            node.params = coerce_node_params(node, blocks)
        except ParamError as error:
            raise ModelImportError(f"{body.name}/{ir.name}: {error}") from None
        if node.name != ir.name:
            raise ModelImportError(f"{body.name}: the name {ir.name!r} cannot be used for a node")
        network.add_node(node)
        ids[ir.name] = node.id
    for ir in body.nodes:
        for link in ir.links:
            network.connect(Edge(ids[link.source], link.source_port, ids[ir.name], link.port), blocks)
    return network


def _compare_shapes(body: Body, network: Network, report: NetworkReport) -> None:
    """Every shape the model showed must be the shape the drawing infers (else the import is wrong)."""
    for ir in body.nodes:
        node = network.node_by_name(ir.name)
        result = report.nodes[node.id]
        for port, seen in ir.shapes.items():
            inferred = result.outputs.get(port)
            if inferred is not None and tuple(inferred) != tuple(seen):
                raise ModelImportError(
                    f"'{ir.name}' would give {format_shape(inferred)} where the model gives {format_shape(seen)}; "
                    "NetCanvas cannot import this model faithfully"
                )
        if ir.instance is not None and result.inner is not None:
            definition = network.blocks[ir.params["block"]]
            _compare_shapes(ir.instance.body, definition.body, result.inner)


def collect_weights(body: Body, prefix: str = "") -> dict[str, Any]:
    """Every node's weights, named as in the generated model (``layer1_0.conv1.weight``)."""
    state: dict[str, Any] = {}
    for node in body.nodes:
        if node.instance is not None:
            state.update(collect_weights(node.instance.body, f"{prefix}{node.name}."))
        for key, value in node.state.items():
            state[f"{prefix}{node.name}.{key}"] = value
    return state


def count_types(project: Project) -> dict[str, int]:
    """How many nodes of each type the project's networks hold (block bodies counted once per instance)."""
    counts: dict[str, int] = {}

    def walk(network: Network) -> None:
        for node in network.nodes.values():
            counts[node.type] = counts.get(node.type, 0) + 1
            if node.type == BLOCK_TYPE:
                walk(project.blocks[node.params["block"]].body)

    for network in project.networks.values():
        walk(network)
    return counts


def multiplies(shapes: list[tuple]) -> bool:
    """Whether tensors of these full shapes (batch first) multiply as a Multiply layer draws it: one batch size,
    the same rank, and per sample equal sizes or 1 (the rule is `graph.layers.merge.broadcast_shape`)."""
    if len({len(s) for s in shapes}) != 1 or len({s[0] for s in shapes}) != 1 or len(shapes[0]) < 2:
        return False
    try:
        broadcast_shape({"x": [tuple(s[1:]) for s in shapes]}, {})
    except ShapeError:
        return False
    return True


@dataclass(frozen=True)
class Shuffled:
    """Channels split into groups and transposed (ShuffleNet's shuffle): a ChannelShuffle at `port`, once the
    result is reshaped back to `shape` (the shape the channels were split from, as the importer writes shapes)."""

    port: Port
    shape: tuple


def shuffle_groups(before: tuple | list, split: tuple | list) -> int:
    """The groups g when full shapes go (N, C, ...) -> (N, g, C/g, ...) in a channel shuffle's split, else 0."""
    if len(split) != len(before) + 1 or len(before) < 3 or not all(isinstance(d, int) for d in (*before, *split)):
        return 0
    fits = split[0] == before[0] and split[1] * split[2] == before[1] and list(split[3:]) == list(before[2:])
    return split[1] if fits else 0
