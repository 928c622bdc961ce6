"""Validation: shapes, parameter counts and problems for every node and edge.

`validate_network` walks a network in topological order and returns a
`NetworkReport`: per node its input and output shapes, parameter count and
problems; per edge its tensor shape. The report is the one home of parameter
counts: a node counts only when it leads to an Output (it is part of the model
the code generator writes), so ``total_params`` is what the built model holds;
a node that feeds nothing counts zero and carries a warning, inside block bodies
too. It never raises: a broken graph (cycles,
unknown layers, bad values, mismatched shapes, a bug in a shape rule) comes back
as problems attached to the node and port that cause them, worded for a student.
A node whose inputs are unknown because of a problem upstream gets no shape and
no further error, so one mistake gives one message.
"""

from __future__ import annotations

import gc
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

import networkx as nx

from graph.network import Edge, Network, Node
from graph.params import Param, ParamError, Ref
from graph.registry import BLOCK_TYPE, get_spec
from graph.shapes import Shape, ShapeError

MAX_BLOCK_DEPTH = 12
CLASSIFICATION_LOSSES = ("cross_entropy", "auto")
DEAD_END = "feeds nothing; not part of the model"


@dataclass
class Problem:
    severity: str  # "error" or "warning"
    network: str
    node_id: str | None
    node_name: str
    message: str
    port: str | None = None

    def line(self) -> str:
        """The command line's form: ``error: <network>/<node>: <message>``."""
        where = f"{self.network}/{self.node_name}" if self.node_name else self.network
        return f"{self.severity}: {where}: {self.message}"


@dataclass
class NodeResult:
    inputs: dict[str, list[Shape | None]] = field(default_factory=dict)
    outputs: dict[str, Shape | None] = field(default_factory=dict)
    params: dict[str, Any] = field(default_factory=dict)
    param_count: int = 0  # what this node adds to the model: 0 when it leads to no Output
    problems: list[Problem] = field(default_factory=list)
    inner: NetworkReport | None = None


@dataclass
class NetworkReport:
    network: str
    nodes: dict[str, NodeResult] = field(default_factory=dict)
    edges: dict[str, Shape | None] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    order: list[str] = field(default_factory=list)
    live: set[str] = field(default_factory=set)  # nodes that lead to an Output (all of them when there is none)

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "warning"]

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def total_params(self) -> int:
        """Parameters of the model built from this network (dead ends count zero)."""
        return sum(result.param_count for result in self.nodes.values())

    def output_shapes(self, network: Network) -> dict[str, Shape | None]:
        """Shape arriving at each Output node, by output name."""
        return {
            n.name: self.nodes[n.id].inputs.get("x", [None])[0] for n in network.output_nodes() if n.id in self.nodes
        }


_COERCED: dict[tuple, tuple[Param, Any]] = {}
_COERCED_LIMIT = 50_000


def _coerce(param: Param, value: Any) -> Any:
    """`param.coerce(value)`, remembered for plain values: validation runs after every edit.

    Only values of exact plain types are remembered (``True`` and ``1`` stay apart), keyed
    by the parameter's identity; the entry keeps the parameter alive so an id is never reused.
    """
    kind = type(value)
    plain = kind in (int, float, str, type(None)) or (kind is tuple and all(type(v) in (int, str) for v in value))
    if not plain:
        return param.coerce(value)
    key = (id(param), kind, value)
    hit = _COERCED.get(key)
    if hit is not None and hit[0] is param:
        return hit[1]
    result = param.coerce(value)
    if len(_COERCED) >= _COERCED_LIMIT:
        _COERCED.clear()
    _COERCED[key] = (param, result)
    return result


class _Walker:
    """One validation pass over one network (and, recursively, its blocks)."""

    def __init__(
        self,
        network: Network,
        blocks: dict,
        bound_inputs: dict[str, Shape] | None,
        block_params: dict[str, Any] | None,
        depth: int,
        loss: str | None,
        active: tuple[str, ...] = (),
        cache: dict | None = None,
    ):
        self.network = network
        self.active = active  # the block definitions being expanded, outermost first
        self.cache = {} if cache is None else cache  # inner reports by (block, input shapes, params, depth)
        self.blocks = blocks
        self.bound_inputs = bound_inputs
        self.block_params = block_params
        self.depth = depth
        self.loss = loss
        self.report = NetworkReport(network.name)
        self.incoming: dict[str, list[Edge]] = defaultdict(list)
        for edge in network.edges:
            self.incoming[edge.dst].append(edge)

    def problem(self, node: Node | None, message: str, severity: str = "error", port: str | None = None) -> None:
        problem = Problem(
            severity, self.network.name, node.id if node else None, node.name if node else "", message, port
        )
        self.report.problems.append(problem)
        if node is not None and node.id in self.report.nodes:
            self.report.nodes[node.id].problems.append(problem)

    def run(self) -> NetworkReport:
        network = self.network
        for node in network.nodes.values():
            self.report.nodes[node.id] = NodeResult()
        self._check_edges()
        self.report.live = self._live_nodes()
        order = self._order()
        self.report.order = order
        for node_id in order:
            node = network.nodes[node_id]
            try:
                self._visit(node)
            except Exception as error:  # a bug in a shape rule must not crash the editor
                self.problem(node, f"could not be checked ({type(error).__name__}: {error})")
        for edge in network.edges:
            source = self.report.nodes.get(edge.src)
            self.report.edges[edge.key] = source.outputs.get(edge.src_port) if source else None
        self._check_reachability()
        return self.report

    def _check_edges(self) -> None:
        for edge in self.network.edges:
            if edge.src not in self.network.nodes or edge.dst not in self.network.nodes:
                self.problem(None, f"a connection refers to a missing node ({edge.key})")

    def _order(self) -> list[str]:
        order = self._generations()
        if len(order) == len(self.network.nodes):
            return order
        graph = self.network.graph
        in_cycle: set[str] = set()
        for component in nx.strongly_connected_components(graph):
            if len(component) > 1:
                in_cycle |= component
        for node_id in in_cycle:
            node = self.network.nodes[node_id]
            names = sorted(self.network.nodes[i].name for i in in_cycle)
            self.problem(node, "is part of a cycle (" + " -> ".join(names) + "); a network must flow one way")
        acyclic = graph.subgraph(n for n in graph if n not in in_cycle)
        return list(nx.topological_sort(acyclic))

    def _generations(self) -> list[str]:
        """Topological order that follows each chain to its end before starting the next.

        Depth-first (a Kahn walk with a stack): a residual block reads main path,
        then shortcut, then the Add, as people write it, instead of interleaving the two
        branches line by line. Ties go to the node or edge added first, so the order is
        deterministic. A plain walk over the edge list: building the networkx view
        costs more than this on the 10,000-node graphs the editor must stay fast on.
        Nodes on or after a cycle are left out; the caller then reports the cycle.
        """
        nodes = self.network.nodes
        children: dict[str, dict[str, int]] = {node_id: {} for node_id in nodes}
        indegree = dict.fromkeys(nodes, 0)
        for edge in self.network.edges:
            if edge.src in nodes and edge.dst in nodes:
                targets = children[edge.src]
                targets[edge.dst] = targets.get(edge.dst, 0) + 1
                indegree[edge.dst] += 1
        stack = [node_id for node_id, count in indegree.items() if count == 0]
        stack.reverse()
        order: list[str] = []
        while stack:
            node_id = stack.pop()
            order.append(node_id)
            ready = []
            for child, count in children[node_id].items():
                indegree[child] -= count
                if indegree[child] == 0:
                    ready.append(child)
            stack.extend(reversed(ready))
        return order

    def _resolve_params(self, node: Node, params_spec) -> dict[str, Any] | None:
        values: dict[str, Any] = {}
        ok = True
        for param in params_spec:
            raw = node.params.get(param.name, param.default)
            try:
                value = _coerce(param, raw)
                if isinstance(value, Ref):
                    if self.block_params is None or value.name not in self.block_params:
                        raise ParamError(
                            f"{param.name} refers to ${value.name}, which is not a parameter of this block"
                        )
                    value = param.coerce(self.block_params[value.name])
                values[param.name] = value
            except ParamError as error:
                self.problem(node, str(error))
                ok = False
        return values if ok else None

    def _gather(self, node: Node, port_names: list[str], ports_spec) -> tuple[dict[str, list[Shape]], bool]:
        """Input shapes per port; False when something upstream or here is missing."""
        result: dict[str, list[Shape | None]] = {name: [] for name in port_names}
        complete = True
        for edge in self.incoming.get(node.id, []):
            if edge.dst_port not in result:
                self.problem(node, f"has no input port '{edge.dst_port}'", port=edge.dst_port)
                complete = False
                continue
            source = self.report.nodes.get(edge.src)
            shape = source.outputs.get(edge.src_port) if source else None
            result[edge.dst_port].append(shape)
            if shape is None:
                complete = False
        for port in ports_spec:
            count = len(result[port.name])
            if count < port.min_count:
                if port.min_count == 1:
                    self.problem(node, f"input '{port.name}' is not connected", port=port.name)
                else:
                    self.problem(
                        node,
                        f"input '{port.name}' needs at least {port.min_count} connections, has {count}",
                        port=port.name,
                    )
                complete = False
            elif port.max_count is not None and count > port.max_count:
                self.problem(
                    node, f"input '{port.name}' takes {port.max_count} connection(s), has {count}", port=port.name
                )
                complete = False
        self.report.nodes[node.id].inputs = result
        return result, complete

    def _sender(self, node: Node, port: str | None) -> str:
        for edge in self.incoming.get(node.id, []):
            if port is None or edge.dst_port == port:
                source = self.network.nodes.get(edge.src)
                return source.name if source else ""
        return ""

    def _visit(self, node: Node) -> None:
        if node.type == BLOCK_TYPE:
            self._visit_block(node)
            return
        spec = get_spec(node.type)
        if spec is None:
            self.problem(node, f"unknown layer type '{node.type}'")
            return
        result = self.report.nodes[node.id]
        params = self._resolve_params(node, spec.params)
        inputs, complete = self._gather(node, [p.name for p in spec.inputs], spec.inputs)
        if params is None:
            return
        result.params = params
        if node.type == "Input":
            if self.bound_inputs is not None and node.name in self.bound_inputs:
                result.outputs = {"out": self.bound_inputs[node.name]}
            else:
                result.outputs = {"out": tuple(params["shape"])}
            return
        if not complete:
            return
        try:
            result.outputs = spec.infer_outputs(inputs, params)
            if node.id in self.report.live:
                result.param_count = int(spec.count_params(inputs, params))
        except ShapeError as error:
            self.problem(node, self._word(spec.type, node, error), port=error.port)
            result.outputs = {}

    def _word(self, type_name: str, node: Node, error: ShapeError) -> str:
        message = error.message
        sender = self._sender(node, error.port)
        if sender and " but gets " in message:
            message = message.replace(" but gets ", f" but '{sender}' gives ", 1)
        joiner = " " if message.startswith(("needs", "takes", "cannot", "expects")) else ": "
        return f"{type_name} '{node.name}'{joiner}{message}"

    def _visit_block(self, node: Node) -> None:
        result = self.report.nodes[node.id]
        definition = self.blocks.get(node.params.get("block"))
        if definition is None:
            self.problem(node, f"uses block '{node.params.get('block')}', which this project does not define")
            return
        if definition.name in self.active:
            path = " -> ".join((*self.active[self.active.index(definition.name) :], definition.name))
            self.problem(node, f"block '{definition.name}' contains itself ({path}); a block cannot be recursive")
            return
        if self.depth >= MAX_BLOCK_DEPTH:
            self.problem(node, f"blocks are nested more than {MAX_BLOCK_DEPTH} deep")
            return
        params = self._resolve_params(node, definition.params)
        from graph.spec import Port

        port_specs = [Port(name) for name in definition.input_names()]
        inputs, complete = self._gather(node, definition.input_names(), port_specs)
        if params is None or not complete:
            return
        result.params = {"block": definition.name, **params}
        bound = {name: shapes[0] for name, shapes in inputs.items()}
        # Instances with the same inputs and parameters (ResNet's repeated blocks) share one check.
        key = (definition.name, tuple(bound.items()), tuple(params.items()), self.depth)
        inner = self.cache.get(key)
        if inner is None:
            walker = _Walker(
                definition.body,
                self.blocks,
                bound,
                params,
                self.depth + 1,
                None,
                (*self.active, definition.name),
                self.cache,
            )
            inner = self.cache[key] = walker.run()
        result.inner = inner
        if inner.errors:
            first = inner.errors[0]
            self.problem(node, f"inside block '{definition.name}', {first.node_name}: {first.message}")
            return
        result.outputs = inner.output_shapes(definition.body)
        if node.id in self.report.live:
            result.param_count = inner.total_params
            for warning in inner.warnings:
                where = f"inside block '{definition.name}', {warning.node_name}"
                self.problem(node, f"{where} {warning.message}", "warning")

    def _live_nodes(self) -> set[str]:
        """Nodes upstream of an Output: the model. Without any Output every node counts (nothing is cut yet)."""
        network = self.network
        live = {node.id for node in network.output_nodes()}
        if not live:
            return set(network.nodes)
        stack = list(live)
        while stack:
            for edge in self.incoming.get(stack.pop(), []):
                if edge.src not in live and edge.src in network.nodes:
                    live.add(edge.src)
                    stack.append(edge.src)
        return live

    def _check_reachability(self) -> None:
        network = self.network
        if not network.input_nodes():
            self.problem(None, "has no Input node: add one and set the shape of one sample", "error")
        if not network.output_nodes():
            self.problem(None, "has no Output node: connect the last layer to an Output", "error")
            return
        live = self.report.live
        for node in network.nodes.values():
            if node.id not in live and node.type != "Input":
                self.problem(node, DEAD_END, "warning")
        if self.loss in CLASSIFICATION_LOSSES:
            for node in network.output_nodes():
                for edge in self.incoming.get(node.id, []):
                    source = network.nodes.get(edge.src)
                    if source is not None and source.type == "Softmax":
                        self.problem(
                            source,
                            "Softmax right before a cross-entropy loss applies softmax twice (the loss has its own); "
                            "end with Linear, or use LogSoftmax with the nll loss",
                            "warning",
                        )


def validate_network(network: Network, blocks: dict | None = None, loss: str | None = None) -> NetworkReport:
    """Check one network; never raises."""
    # A pass allocates a few small containers per node and keeps them all until it returns,
    # so the cyclic collector would only rescan them (a third of the time on 10,000 nodes).
    collecting = gc.isenabled()
    gc.disable()
    try:
        return _Walker(network, network.blocks if blocks is None else blocks, None, None, 0, loss).run()
    except Exception as error:  # last line of defence: a report, not a traceback
        report = NetworkReport(network.name)
        report.problems.append(Problem("error", network.name, None, "", f"could not be checked: {error}"))
        return report
    finally:
        if collecting:
            gc.enable()


def validate_project(project) -> dict[str, NetworkReport]:
    loss = project.training.get("loss") if project.training.get("task") in ("auto", "classification") else None
    reports = {}
    for name, network in project.networks.items():
        reports[name] = validate_network(network, project.blocks, loss if len(project.networks) == 1 else None)
    return reports
