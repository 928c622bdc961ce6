"""The walk over an ONNX graph that builds a `Body`, and the values flowing through it.

Each operator is handed, in the file's own (topological) order, to its handler in
`onnx_ops`. Values a drawing has no place for (shape arithmetic, the zero state of a
recurrent layer) are kept aside as `Unmapped`, and an error is raised only if a layer
needs one: an operator NetCanvas has no layer for is refused with its type and node
name, but only when the network's result depends on it. Nodes that one PyTorch module
was written as (by the module scope the exporter records) form a `Group` for the
handlers that read such groups back whole.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import onnx

from backend.importers.common import (
    Body,
    IRNode,
    Link,
    ModelImportError,
    Port,
    Unmappable,
    Unmapped,
    checked_params,
    prune,
)
from backend.importers.onnx_graph import OnnxGraph, Scope
from graph.registry import get_spec


@dataclass(frozen=True)
class Recurrent:
    """Part of a recurrent operator's result: ``Y`` (every step, time first), ``Y_h`` (final states), a ``layer``."""

    node: IRNode
    part: str
    index: int = 0


Node = onnx.NodeProto


class OnnxBuilder:
    """Maps the operators of one graph into a `Body`."""

    def __init__(self, graph: OnnxGraph, name: str):
        self.graph = graph
        self.body = Body(name)
        self.values: dict[str, Any] = {}
        first = graph.shape(graph.inputs[0]) if graph.inputs else None
        self.batch = first[0] if first else None

    # -- helpers for the operator handlers ------------------------------------------------------------
    def port(self, name: str, user: onnx.NodeProto) -> Port:
        """The tensor `name` as a layer's input; `Unmappable` saying why when it is not one."""
        value = self.values.get(name)
        if isinstance(value, Port):
            return value
        if isinstance(value, Unmapped):
            raise Unmappable(value.reason)
        if self.graph.const(name) is not None:
            raise Unmappable(f"{describe(user)} takes a constant tensor {name!r} as data, which NetCanvas cannot draw")
        raise Unmappable(
            f"{describe(user)} reads {name!r}, a part of a recurrent layer's result NetCanvas does not draw"
        )

    def constant(self, node: Node, index: int, what: str) -> np.ndarray:
        """The node's input `index`, which must be a constant (its weights, say)."""
        name = node.input[index] if index < len(node.input) else ""
        value = self.graph.const(name)
        if value is None:
            raise Unmappable(f"{describe(node)} takes its {what} from the data, not from a constant")
        return value

    def optional(self, node: Node, index: int) -> np.ndarray | None:
        """The node's input `index` when it is given and constant."""
        return self.graph.const(node.input[index]) if index < len(node.input) and node.input[index] else None

    def layer(self, node: Node, type_name: str, values: dict, links: list[Link], state=None, output=None) -> IRNode:
        """A layer for `node` from raw settings (checked against the spec), its result the node's first output."""
        return self.add(node, type_name, checked_params(type_name, values), links, state, output or node.output[0])

    def link(self, port_name: str, name: str, user: onnx.NodeProto) -> Link:
        source = self.port(name, user)
        return Link(port_name, source.node.name, source.port)

    def sample_shape(self, name: str) -> tuple | None:
        """The shape of one sample of `name` (without the batch) when every size is known."""
        shape = self.graph.shape(name)
        if not shape or not all(isinstance(d, int) and d > 0 for d in shape[1:]):
            return None
        return tuple(shape[1:])

    def add(
        self,
        node: onnx.NodeProto | None,
        type_name: str,
        params: dict,
        links: list[Link],
        state: dict | None = None,
        output: str = "",
        wanted: str = "",
    ) -> IRNode:
        """An IR node for `node`; `output` (its ONNX value) becomes the node's output and gives its shape."""
        ports = get_spec(type_name).outputs
        shape = self.sample_shape(output) if output else None
        ir = self.body.add(
            wanted or layer_name(node, type_name), type_name, params, links=links, state=dict(state or {}),
            shapes={ports[0]: shape} if shape and ports else {},
        )  # fmt: skip
        if output:
            self.values[output] = Port(ir, ports[0])
        return ir

    # -- the walk ------------------------------------------------------------------------------------
    def build(self, handlers: dict, composites: dict) -> Body:
        for name in self.graph.inputs:
            self._input(name)
        grouped = _composite_groups(self.graph, composites)
        for node in self.graph.graph.node:
            group = grouped.get(id(node))
            if group is not None:
                self.graph.fold(node)  # its constants may be shared with other modules' nodes
                if group.last is node:
                    self.run_handler(lambda g=group: composites[g.scope.cls](self, g), group.outputs)
                continue
            if self.graph.fold(node):
                continue
            handler = handlers.get(node.op_type)
            if handler is None:
                reason = f"operator {node.op_type} (node {node.name!r}) has no NetCanvas layer"
                for output in node.output:
                    self.values[output] = Unmapped(reason)
                continue
            self.run_handler(lambda n=node, h=handler: h(self, n), list(node.output))
        for index, name in enumerate(self.graph.outputs):
            source = self.port(name, _output_node(name))
            wanted = name if len(self.graph.outputs) > 1 or name.isidentifier() else "out"
            self.body.add(wanted or f"out{index}", "Output", {}, links=[Link("x", source.node.name, source.port)])
        prune(self.body)
        return self.body

    def run_handler(self, handle, outputs: list[str]) -> None:
        """Run one handler; what it cannot map becomes `Unmapped`, an error only if used."""
        try:
            handle()
        except Unmappable as error:
            for output in outputs:
                if output and output not in self.values:
                    self.values[output] = Unmapped(str(error))

    def _input(self, name: str) -> None:
        shape = self.sample_shape(name)
        if shape is None:
            raise ModelImportError(f"input {name!r} has no fixed shape per sample ({self.graph.shape(name)})")
        if not shape:
            raise ModelImportError(
                f"input {name!r} holds one number per sample (shape {tuple(self.graph.shape(name) or ())}); "
                "NetCanvas networks take at least one axis per sample"
            )
        kind = self.graph.types.get(name)
        integer = kind in (onnx.TensorProto.INT64, onnx.TensorProto.INT32)
        if not integer and kind not in (onnx.TensorProto.FLOAT, onnx.TensorProto.DOUBLE, onnx.TensorProto.FLOAT16):
            raise ModelImportError(f"input {name!r} holds {onnx.TensorProto.DataType.Name(kind)} values")
        params = {"shape": shape, "dtype": "int64" if integer else "float32"}
        node = self.body.add(name, "Input", params, shapes={"out": shape})
        self.values[name] = Port(node, "out")


def describe(node: onnx.NodeProto) -> str:
    return f"{node.op_type} node {node.name!r}"


def layer_name(node: onnx.NodeProto | None, type_name: str) -> str:
    """A node name from the module the operator came from (``layer1.conv1``), else from the node's own name."""
    if node is None:
        return type_name.lower()
    scope = OnnxGraph.scope(node)
    if scope is not None and scope.path:
        return scope.path
    parts = [p for p in node.name.split("/") if p]
    if len(parts) >= 2:
        return parts[-2]
    name = node.name.removeprefix("node_")
    return name if name and not name[0].isdigit() else type_name.lower()


Handler = Callable[[OnnxBuilder, Node], None]


def _output_node(name: str) -> onnx.NodeProto:
    return onnx.helper.make_node("Identity", [name], [], name=f"output {name}")


@dataclass
class Group:
    """The nodes one PyTorch module was written as: its scope, and the values leaving it."""

    scope: Scope
    nodes: list[onnx.NodeProto]
    outputs: list[str]

    @property
    def first(self) -> onnx.NodeProto:
        return self.nodes[0]

    @property
    def last(self) -> onnx.NodeProto:
        """Where the group is read: every value it takes from outside exists by then (the file is in order)."""
        return self.nodes[-1]

    def tensor_inputs(self, builder: OnnxBuilder) -> list[str]:
        """Values from outside the group that are tensors of the drawing (the module's inputs)."""
        inside = {name for node in self.nodes for name in node.output}
        names = dict.fromkeys(n for node in self.nodes for n in node.input if n and n not in inside)
        tensors = [name for name in names if isinstance(builder.values.get(name), Port)]
        missing = [builder.values[n] for n in names if isinstance(builder.values.get(n), Unmapped)]
        if not tensors and missing:  # (sizes computed from the data are Unmapped too, and harmless)
            raise Unmappable(missing[0].reason)
        return tensors

    def tensor_outputs(self, builder: OnnxBuilder) -> list[str]:
        """Values leaving the group that are not constants (shared constants leave groups too)."""
        return [name for name in self.outputs if builder.graph.const(name) is None]


def _composite_groups(graph: OnnxGraph, composites: dict) -> dict[int, Group]:
    """Groups of nodes from one module of a class in `composites` (each handler decides if it takes its group)."""
    members: dict[Scope, list[onnx.NodeProto]] = {}
    for node in graph.graph.node:
        scope = OnnxGraph.scope(node)
        if scope is not None and scope.cls in composites:
            members.setdefault(scope, []).append(node)
    groups: dict[int, Group] = {}
    for scope, nodes in members.items():
        ids = {id(n) for n in nodes}
        inside = dict.fromkeys(name for node in nodes for name in node.output if name)
        leaving = [
            name
            for name in inside
            if name in graph.outputs or any(id(user) not in ids for user in graph.consumers.get(name, []))
        ]
        group = Group(scope, nodes, leaving)
        for node in nodes:
            groups[id(node)] = group
    return groups
