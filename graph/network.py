"""The network model: nodes, edges and the only methods that change them.

A `Network` is a directed graph of `Node`s joined by `Edge`s from an output port to
an input port. It is the single source of truth for a drawing: the canvas mirrors it
through listeners, which get one typed event (``graph/events.py``) per change, and
never the reverse. Every mutation is one method (`add_node`, `remove_node`,
`connect`, `disconnect`, `set_param`, `move_node`, `rename_node`), each reversible by
another, so the reversible edits of ``graph/edits.py`` stay small. The network is
also the one place that hands out node ids and names (`new_ids`, `unique_name`,
`fresh_name`).

Invariants: node ids and names are unique within a network; names are Python
identifiers (they become attribute and variable names in generated code); edges
reference existing nodes; the order of `edges` is the order of inputs into a
variadic port (``Concat`` concatenates in that order).
"""

from __future__ import annotations

import keyword
import re
from collections.abc import Collection
from dataclasses import dataclass, field
from typing import Any

import networkx as nx

from graph.events import (
    EdgeAdded,
    EdgeRemoved,
    NetworkEvent,
    NetworkListener,
    NodeAdded,
    NodeMoved,
    NodeRemoved,
    NodeRenamed,
    ParamChanged,
)
from graph.params import ParamError
from graph.registry import BLOCK_TYPE, get_spec

RESERVED_NAMES = frozenset(
    {"self", "torch", "nn", "F", "super", "forward", "x", "input", "type", "id", "len", "range", "list", "dict"}
)


class ConnectionError_(ValueError):
    """Base of the typed reasons a connection is refused (shown in the status bar)."""


class CycleError(ConnectionError_):
    pass


class PortOccupiedError(ConnectionError_):
    pass


class PortError(ConnectionError_):
    pass


class DuplicateEdgeError(ConnectionError_):
    pass


class NameError_(ValueError):
    """A node name that cannot be used."""


@dataclass
class Node:
    id: str
    type: str
    name: str
    params: dict[str, Any] = field(default_factory=dict)
    position: tuple[float, float] = (0.0, 0.0)

    def copy(self) -> Node:
        return Node(self.id, self.type, self.name, dict(self.params), tuple(self.position))


@dataclass(frozen=True)
class Edge:
    src: str
    src_port: str
    dst: str
    dst_port: str

    @property
    def key(self) -> str:
        return f"{self.src}.{self.src_port}->{self.dst}.{self.dst_port}"


def is_valid_name(name: str) -> bool:
    return (
        isinstance(name, str)
        and name.isidentifier()
        and name.isascii()
        and not keyword.iskeyword(name)
        and name not in RESERVED_NAMES
        and not name.startswith("_")
        and len(name) <= 64
    )


class Network:
    """One named network of a project (e.g. ``generator``)."""

    def __init__(self, name: str = "net"):
        self.name = name
        self.nodes: dict[str, Node] = {}
        self.edges: list[Edge] = []
        self._listeners: list[NetworkListener] = []
        self._graph: nx.MultiDiGraph | None = None
        self._next_id = 1
        self.blocks: dict = {}  # the project's block definitions, shared (set by Project)
        self._name_index: dict[str, Node] | None = None
        self._incoming: dict[str, list[Edge]] | None = None
        self._incoming_size = 0
        self._graph_size = (0, 0)
        self._next_suffix: dict[str, int] = {}  # hint only: unique_name still checks every candidate
        # _next_id is a hint too: new_ids checks every candidate against the nodes

    # -- listeners -----------------------------------------------------------------
    def subscribe(self, listener: NetworkListener) -> None:
        """Call `listener` with one `graph.events` event after every change."""
        self._listeners.append(listener)

    def unsubscribe(self, listener: NetworkListener) -> None:
        if listener in self._listeners:
            self._listeners.remove(listener)

    def _emit(self, event: NetworkEvent) -> None:
        self._sync_indexes(event)
        for listener in list(self._listeners):
            listener(event)

    def _sync_indexes(self, event: NetworkEvent) -> None:
        """Keep the networkx view and lookup tables in step with one change (O(1) each)."""
        names = self._name_index
        graph = self._graph
        match event:
            case NodeAdded(node=node):
                if names is not None:
                    names[node.name] = node
                if graph is not None:
                    graph.add_node(node.id)
            case NodeRemoved(node=node):
                if names is not None:
                    names.pop(node.name, None)
                if graph is not None and node.id in graph:
                    graph.remove_node(node.id)
            case NodeRenamed(node=node, old=old):
                if names is not None:
                    names.pop(old, None)
                    names[node.name] = node
            case EdgeAdded(edge=edge):
                self._incoming = None
                if graph is not None:
                    graph.add_edge(edge.src, edge.dst, key=edge.key, edge=edge)
            case EdgeRemoved(edge=edge):
                self._incoming = None
                if graph is not None and graph.has_edge(edge.src, edge.dst, edge.key):
                    graph.remove_edge(edge.src, edge.dst, key=edge.key)
        if graph is not None:
            self._graph_size = (len(self.nodes), len(self.edges))

    # -- queries -------------------------------------------------------------------
    @property
    def graph(self) -> nx.MultiDiGraph:
        """A networkx view (nodes by id, one edge per `Edge`), kept in step with every change.

        Files fill `nodes` and `edges` directly, so a view whose size disagrees is rebuilt.
        """
        if self._graph is None or self._graph_size != (len(self.nodes), len(self.edges)):
            graph = nx.MultiDiGraph()
            graph.add_nodes_from(self.nodes)
            for edge in self.edges:
                graph.add_edge(edge.src, edge.dst, key=edge.key, edge=edge)
            self._graph = graph
            self._graph_size = (len(self.nodes), len(self.edges))
        return self._graph

    def _names(self) -> dict[str, Node]:
        """Name -> node, rebuilt lazily (files may fill `nodes` directly, so check its size too)."""
        index = self._name_index
        if index is None or len(index) != len(self.nodes):
            index = {node.name: node for node in self.nodes.values()}
            self._name_index = index
        return index

    def node_by_name(self, name: str) -> Node | None:
        node = self._names().get(name)
        return node if node is not None and node.name == name and node.id in self.nodes else None

    def edges_into(self, node_id: str, port: str | None = None) -> list[Edge]:
        """Edges into a node (or one of its ports), in `edges` order."""
        incoming = self._incoming
        if incoming is None or self._incoming_size != len(self.edges):
            incoming = {}
            for edge in self.edges:
                incoming.setdefault(edge.dst, []).append(edge)
            self._incoming = incoming
            self._incoming_size = len(self.edges)
        found = incoming.get(node_id, [])
        return [e for e in found if e.dst_port == port] if port is not None else list(found)

    def edges_from(self, node_id: str, port: str | None = None) -> list[Edge]:
        return [e for e in self.edges if e.src == node_id and (port is None or e.src_port == port)]

    # -- ids and names: handed out here only -------------------------------------------
    def new_ids(self, count: int) -> list[str]:
        """`count` distinct ids that no node of this network has (each is free until a node takes it)."""
        while f"n{self._next_id}" in self.nodes:
            self._next_id += 1
        ids, index = [], self._next_id
        while len(ids) < count:
            if f"n{index}" not in self.nodes:
                ids.append(f"n{index}")
            index += 1
        return ids

    def new_id(self) -> str:
        return self.new_ids(1)[0]

    def unique_name(self, base: str, taken: Collection[str] = ()) -> str:
        """`base` made into a fresh identifier: ``conv`` -> ``conv1``, ``conv2``... (avoiding `taken` too)."""
        stem = re.sub(r"\W+", "_", base.strip()).strip("_").lower() or "layer"
        if stem[0].isdigit():
            stem = "l" + stem
        stem = re.sub(r"\d+$", "", stem) or stem
        names = self._names()
        index = self._next_suffix.get(stem, 1)
        while f"{stem}{index}" in names or f"{stem}{index}" in taken or not is_valid_name(f"{stem}{index}"):
            index += 1
        self._next_suffix[stem] = index
        return f"{stem}{index}"

    def fresh_name(self, wanted: str, taken: set[str] | None = None, prefix: str = "") -> str:
        """`wanted` itself when usable and free, else ``<prefix>_<wanted>``, else a numbered name.

        "Free" means no node of this network has it and it is not in `taken`, the names
        already given to nodes that are not added yet; the name returned is added to it.
        """
        taken = set() if taken is None else taken
        for candidate in (wanted, f"{prefix}_{wanted}" if prefix else ""):
            if is_valid_name(candidate) and candidate not in taken and self.node_by_name(candidate) is None:
                taken.add(candidate)
                return candidate
        name = self.unique_name(wanted if isinstance(wanted, str) else "layer", taken)
        taken.add(name)
        return name

    def input_nodes(self) -> list[Node]:
        return [n for n in self.nodes.values() if n.type == "Input"]

    def output_nodes(self) -> list[Node]:
        return [n for n in self.nodes.values() if n.type == "Output"]

    # -- checks ---------------------------------------------------------------------
    def ports_of(self, node: Node, blocks: dict | None = None) -> tuple[list[str], list[str]]:
        """(input port names, output port names) of a node; blocks come from the project."""
        if node.type == BLOCK_TYPE:
            definition = (self.blocks if blocks is None else blocks).get(node.params.get("block"))
            if definition is None:
                return [], []
            return definition.input_names(), definition.output_names()
        spec = get_spec(node.type)
        if spec is None:
            return [], []
        return [p.name for p in spec.inputs], list(spec.outputs)

    def port_capacity(self, node: Node, port: str) -> int | None:
        if node.type == BLOCK_TYPE:
            return 1
        spec = get_spec(node.type)
        found = spec.input_port(port) if spec else None
        return found.max_count if found else 1

    def check_connection(self, edge: Edge, blocks: dict | None = None) -> None:
        """Raise a `ConnectionError_` subclass saying why `edge` cannot be added."""
        src, dst = self.nodes.get(edge.src), self.nodes.get(edge.dst)
        if src is None or dst is None:
            raise PortError("both ends of a connection must be nodes of this network")
        outs = self.ports_of(src, blocks)[1]
        ins = self.ports_of(dst, blocks)[0]
        if edge.src_port not in outs:
            raise PortError(f"'{src.name}' has no output port '{edge.src_port}'")
        if edge.dst_port not in ins:
            raise PortError(f"'{dst.name}' has no input port '{edge.dst_port}'")
        if edge.src == edge.dst:
            raise CycleError(f"connecting '{src.name}' to itself would make a cycle")
        if self.graph.has_edge(edge.src, edge.dst, edge.key):
            raise DuplicateEdgeError(f"'{src.name}' is already connected to '{dst.name}'.{edge.dst_port}")
        if nx.has_path(self.graph, edge.dst, edge.src):
            raise CycleError(
                f"connecting '{src.name}' to '{dst.name}' would make a cycle: '{dst.name}' already feeds '{src.name}'"
            )
        capacity = self.port_capacity(dst, edge.dst_port)
        taken = [
            data["edge"]
            for _, _, data in self.graph.in_edges(edge.dst, data=True)
            if data["edge"].dst_port == edge.dst_port
        ]
        if capacity is not None and len(taken) >= capacity:
            sender = self.nodes[taken[0].src].name
            raise PortOccupiedError(
                f"input '{edge.dst_port}' of '{dst.name}' takes one connection and already has one from '{sender}'"
            )

    def can_connect(self, edge: Edge, blocks: dict | None = None) -> str | None:
        """None when `edge` may be added, else the reason it may not (for drag feedback)."""
        try:
            self.check_connection(edge, blocks)
        except ConnectionError_ as error:
            return str(error)
        return None

    # -- mutations --------------------------------------------------------------------
    def add_node(self, node: Node, edges: list[Edge] | None = None, index: int | None = None) -> Node:
        """Add `node` (and, for undo of a removal, the `edges` it had).

        `index` puts the node back at its old place in `nodes` (undo of a removal): the
        order matters, Outputs are returned in it.
        """
        if node.id in self.nodes:
            raise ValueError(f"node id {node.id!r} already exists")
        if self.node_by_name(node.name) is not None:
            raise NameError_(f"a node named '{node.name}' already exists")
        if index is None or index >= len(self.nodes):
            self.nodes[node.id] = node
        else:
            items = list(self.nodes.items())
            items.insert(index, (node.id, node))
            self.nodes.clear()
            self.nodes.update(items)
            self._graph = None  # node order decides ties in topological order: rebuild in the new order
        self._emit(NodeAdded(node))
        for edge in edges or []:
            self.edges.append(edge)
            self._emit(EdgeAdded(edge))
        return node

    def remove_node(self, node_id: str) -> tuple[Node, list[Edge]]:
        """Remove a node and its edges; returns both so the removal can be undone."""
        node = self.nodes[node_id]
        removed = [e for e in self.edges if node_id in (e.src, e.dst)]
        for edge in removed:
            self.edges.remove(edge)
            self._emit(EdgeRemoved(edge))
        del self.nodes[node_id]
        self._emit(NodeRemoved(node))
        return node, removed

    def connect(self, edge: Edge, blocks: dict | None = None, index: int | None = None) -> Edge:
        self.check_connection(edge, blocks)
        if index is None:
            self.edges.append(edge)
        else:
            self.edges.insert(index, edge)
        self._emit(EdgeAdded(edge))
        return edge

    def disconnect(self, edge: Edge) -> int:
        """Remove `edge`; returns its index so undo can put it back in order."""
        index = self.edges.index(edge)
        del self.edges[index]
        self._emit(EdgeRemoved(edge))
        return index

    def set_param(self, node_id: str, name: str, value: Any) -> Any:
        """Set one parameter to an already-checked value; returns the old value."""
        node = self.nodes[node_id]
        old = node.params.get(name)
        node.params[name] = value
        self._emit(ParamChanged(node, name, old, value))
        return old

    def move_node(self, node_id: str, position: tuple[float, float]) -> tuple[float, float]:
        node = self.nodes[node_id]
        old = node.position
        node.position = (float(position[0]), float(position[1]))
        self._emit(NodeMoved(node, old))
        return old

    def rename_node(self, node_id: str, name: str) -> str:
        if not is_valid_name(name):
            raise NameError_(f"'{name}' is not a usable name: use letters, digits and _, not a Python keyword")
        other = self.node_by_name(name)
        if other is not None and other.id != node_id:
            raise NameError_(f"a node named '{name}' already exists")
        node = self.nodes[node_id]
        old = node.name
        node.name = name
        self._emit(NodeRenamed(node, old))
        return old

    def create_node(
        self,
        type_name: str,
        position: tuple[float, float] = (0.0, 0.0),
        name: str | None = None,
        params: dict[str, Any] | None = None,
        blocks: dict | None = None,
    ) -> Node:
        """A new (not yet added) node of `type_name` with default parameters."""
        values: dict[str, Any] = {}
        if type_name == BLOCK_TYPE:
            block_name = (params or {}).get("block")
            definition = (self.blocks if blocks is None else blocks).get(block_name)
            if definition is None:
                raise ParamError(f"unknown block {block_name!r}")
            values = {"block": block_name, **{p.name: p.default for p in definition.params}}
            base = name or block_name
        else:
            spec = get_spec(type_name)
            if spec is None:
                raise ParamError(f"unknown layer type {type_name!r}")
            values = spec.defaults()
            base = name or type_name
        for key, value in (params or {}).items():
            values[key] = value
        node_name = name if name and is_valid_name(name) and self.node_by_name(name) is None else self.unique_name(base)
        return Node(self.new_id(), type_name, node_name, values, (float(position[0]), float(position[1])))

    def add(self, type_name: str, name: str | None = None, blocks: dict | None = None, **params: Any) -> Node:
        """Builder shortcut used by presets and tests: create, coerce and add a node."""
        node = self.create_node(type_name, name=name, params=params, blocks=blocks)
        node.params = coerce_node_params(node, self.blocks if blocks is None else blocks)
        return self.add_node(node)

    def chain(self, *nodes: Node) -> None:
        """Connect first output to first input along `nodes` (builder shortcut)."""
        for a, b in zip(nodes, nodes[1:], strict=False):
            self.wire(a, b)

    def wire(
        self, src: Node, dst: Node, src_port: str | None = None, dst_port: str | None = None, blocks: dict | None = None
    ) -> Edge:
        outs = self.ports_of(src, blocks)[1]
        ins = self.ports_of(dst, blocks)[0]
        return self.connect(Edge(src.id, src_port or outs[0], dst.id, dst_port or ins[0]), blocks)


def coerce_node_params(node: Node, blocks: dict | None = None) -> dict[str, Any]:
    """Check every parameter of a node against its spec; raise `ParamError` naming it."""
    if node.type == BLOCK_TYPE:
        definition = (blocks or {}).get(node.params.get("block"))
        if definition is None:
            raise ParamError(f"block: unknown block definition {node.params.get('block')!r}")
        params = definition.params
        result: dict[str, Any] = {"block": node.params["block"]}
    else:
        spec = get_spec(node.type)
        if spec is None:
            raise ParamError(f"unknown layer type {node.type!r}")
        params = spec.params
        result = {}
    known = {p.name for p in params} | {"block"}
    for key in node.params:
        if key not in known:
            raise ParamError(f"{node.type} has no parameter {key!r}")
    for param in params:
        value = node.params.get(param.name, param.default)
        result[param.name] = param.coerce(value)
    return result
