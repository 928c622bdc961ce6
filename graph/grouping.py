"""Group selected nodes into a block, and expand a block instance back inline.

Both edits are split into a pure *plan* (computed from the project, changing
nothing, refusing with a `GroupingError` that says why) and *apply* / *undo*
functions that change the project only through `Network` methods (`add_node`,
`remove_node`, `connect`, `disconnect`) and `Project.add_block` /
`Project.remove_block`, so the editor's undo command is a thin wrapper and the canvas follows
through the model's listeners.

Grouping makes a `BlockDefinition` whose body holds copies of the selected nodes,
one ``Input`` per distinct output (node and port) outside the selection that feeds
it, named after that node, and one ``Output`` per distinct output inside the
selection that is used outside, named ``<node>_<port>``. The selection is replaced
by one instance of the block wired the same way. Ungrouping copies the body of an
instance into the network, with every ``$`` reference replaced by the instance's
value, and wires it where the instance was.

Invariants: apply then undo leaves the network exactly as it was (same nodes in
the same order, same edges in the same order); the order of edges into variadic
ports (``Concat``) is kept by apply; the validated shapes and parameter count of
the network do not change.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field

from graph.layout import auto_layout
from graph.network import ConnectionError_, Edge, Network, Node, coerce_node_params, is_valid_name
from graph.params import ParamError, Ref
from graph.project import BlockDefinition, Project
from graph.registry import BLOCK_TYPE, get_spec
from graph.validation import validate_network

IO_TYPES = ("Input", "Output")


class GroupingError(ValueError):
    """A grouping or ungrouping that cannot be done; the message says why."""


@dataclass
class GroupPlan:
    """Everything `apply_group` and `undo_group` need; computed by `plan_group`.

    Attributes:
        network: name of the network the selection is in.
        definition: the new block definition.
        instance: the new block node that replaces the selection.
        instance_index: where the instance goes in the network's node order.
        nodes: the selected nodes with their index in the node order (ascending).
        edges: every edge touching the selection with its index in the edge list (ascending).
        replacements: for each edge crossing the selection boundary, the edge that
            takes its place at the instance (None when an earlier one already carries
            the same tensor in).
    """

    network: str
    definition: BlockDefinition
    instance: Node
    instance_index: int
    nodes: list[tuple[int, Node]]
    edges: list[tuple[int, Edge]]
    replacements: dict[Edge, Edge | None] = field(default_factory=dict)


@dataclass
class UngroupPlan:
    """Everything `apply_ungroup` and `undo_ungroup` need; computed by `plan_ungroup`.

    Attributes:
        network: name of the network the instance is in.
        instance: the block node being expanded.
        instance_index: its index in the network's node order.
        edges: the instance's edges with their index in the edge list (ascending).
        nodes: the inline copies of the body's layers (fresh ids and names).
        internal: edges into the inline copies (from each other and from outside).
        replacements: for each edge of the instance, the edges that take its place.
    """

    network: str
    instance: Node
    instance_index: int
    edges: list[tuple[int, Edge]]
    nodes: list[Node]
    internal: list[Edge]
    replacements: dict[Edge, list[Edge]] = field(default_factory=dict)


# -- grouping -----------------------------------------------------------------------------------
def plan_group(project: Project, network_name: str, node_ids, block_name: str) -> GroupPlan:
    """Plan replacing the nodes `node_ids` of a network by one instance of a new block.

    Raises:
        GroupingError: unknown network or nodes, an empty selection, Input/Output
            nodes in it, an unusable or taken block name, nothing flowing in or
            out, or a path that leaves the selection and comes back (a cycle).
    """
    network = _network(project, network_name)
    selected = list(dict.fromkeys(node_ids))
    if not selected:
        raise GroupingError("select the layers to group first")
    for node_id in selected:
        node = network.nodes.get(node_id)
        if node is None:
            raise GroupingError(f"there is no node {node_id!r} in network '{network_name}'")
        if node.type in IO_TYPES:
            raise GroupingError(f"'{node.name}' is an {node.type} node; a block can only hold layers")
    _check_block_name(project, block_name)
    inside = set(selected)
    _check_no_cycle(network, inside)

    order = {node_id: index for index, node_id in enumerate(network.nodes)}
    nodes = sorted(((order[i], network.nodes[i]) for i in inside), key=lambda item: item[0])
    edges = [(index, e) for index, e in enumerate(network.edges) if e.src in inside or e.dst in inside]
    entering = [e for _, e in edges if e.src not in inside]
    leaving = [e for _, e in edges if e.dst not in inside]
    if not entering:
        raise GroupingError("nothing flows into the selection: include the layers it is fed by, or connect it")
    if not leaving:
        raise GroupingError("nothing flows out of the selection, so the block would have no output")

    input_keys = list(dict.fromkeys((e.src, e.src_port) for e in entering))
    output_keys = list(dict.fromkeys((e.src, e.src_port) for e in leaving))
    fresh = iter(network.new_ids(len(input_keys) + len(output_keys) + 1))
    body, input_ids, output_ids = _group_body(
        project, network, block_name, nodes, edges, input_keys, output_keys, fresh
    )
    definition = BlockDefinition(
        block_name, body, (), "Grouped from " + ", ".join(node.name for _, node in nodes) + "."
    )

    xs = [node.position[0] for _, node in nodes]
    ys = [node.position[1] for _, node in nodes]
    instance = Node(
        next(fresh),
        BLOCK_TYPE,
        network.fresh_name(_snake(block_name)),
        {"block": block_name},
        (sum(xs) / len(xs), sum(ys) / len(ys)),
    )
    ports = {key: body.nodes[node_id].name for key, node_id in input_ids.items()}
    replacements: dict[Edge, Edge | None] = {}
    carried: set[tuple[str, str]] = set()
    for edge in entering:
        key = (edge.src, edge.src_port)
        replacements[edge] = None if key in carried else Edge(edge.src, edge.src_port, instance.id, ports[key])
        carried.add(key)
    for edge in leaving:
        port = body.nodes[output_ids[(edge.src, edge.src_port)]].name
        replacements[edge] = Edge(instance.id, port, edge.dst, edge.dst_port)
    return GroupPlan(network_name, definition, instance, nodes[0][0], nodes, edges, replacements)


def _group_body(
    project: Project,
    network: Network,
    block_name: str,
    nodes: list[tuple[int, Node]],
    edges: list[tuple[int, Edge]],
    input_keys: list[tuple[str, str]],
    output_keys: list[tuple[str, str]],
    fresh: Iterator[str],
) -> tuple[Network, dict[tuple[str, str], str], dict[tuple[str, str], str]]:
    """The new block's body: Inputs, copies of the selected nodes, Outputs, and their edges.

    Returns the body and the body node id of each Input and Output by the
    (node, port) outside / inside the selection it stands for.
    """
    inside = {node.id for _, node in nodes}
    report = validate_network(network, project.blocks)
    taken = {node.name for _, node in nodes}
    body = Network(block_name)
    input_ids: dict[tuple[str, str], str] = {}
    for src, src_port in input_keys:
        source = network.nodes[src]
        shape = report.nodes[src].outputs.get(src_port) if src in report.nodes else None
        dtype = "int64" if source.type == "Input" and source.params.get("dtype") == "int64" else "float32"
        name = body.fresh_name(_port_name(network, source, src_port, plain=True), taken)
        params = {"shape": tuple(shape or (1,)), "dtype": dtype}
        input_ids[(src, src_port)] = body.add_node(Node(next(fresh), "Input", name, params)).id
    for _, node in nodes:
        body.add_node(node.copy())
    output_ids: dict[tuple[str, str], str] = {}
    for src, src_port in output_keys:
        name = body.fresh_name(_port_name(network, network.nodes[src], src_port, plain=False), taken)
        output_ids[(src, src_port)] = body.add_node(Node(next(fresh), "Output", name, {})).id
    try:
        # Body edges in the network's order, so variadic ports (Concat) keep their order.
        for _, edge in edges:
            if edge.src not in inside:
                body.connect(Edge(input_ids[(edge.src, edge.src_port)], "out", edge.dst, edge.dst_port), project.blocks)
            elif edge.dst in inside:
                body.connect(edge, project.blocks)
        for (src, src_port), node_id in output_ids.items():
            body.connect(Edge(src, src_port, node_id, "x"), project.blocks)
    except ConnectionError_ as error:
        raise GroupingError(f"the selection cannot be grouped: {error}") from None
    for node_id, position in auto_layout(body).items():
        body.nodes[node_id].position = position
    return body, input_ids, output_ids


def apply_group(project: Project, plan: GroupPlan) -> None:
    """Add the block definition and replace the selection by its instance."""
    network = project.networks[plan.network]
    project.add_block(plan.definition)
    network.add_node(plan.instance, index=plan.instance_index)
    _rewire(network, {old: [new] if new else [] for old, new in plan.replacements.items()}, [e for _, e in plan.edges])
    for _, node in plan.nodes:
        network.remove_node(node.id)


def undo_group(project: Project, plan: GroupPlan) -> None:
    """Put the selection back exactly where it was and drop the block definition."""
    network = project.networks[plan.network]
    network.remove_node(plan.instance.id)
    for index, node in plan.nodes:
        network.add_node(node, index=index)
    _restore_edges(network, plan.edges, project.blocks)
    project.remove_block(plan.definition.name)


# -- ungrouping ---------------------------------------------------------------------------------
def plan_ungroup(project: Project, network_name: str, node_id: str) -> UngroupPlan:
    """Plan replacing block instance `node_id` by a copy of its body, references resolved.

    Raises:
        GroupingError: unknown network or node, a node that is not a block instance,
            a missing definition, or a reference the instance cannot resolve.
    """
    network = _network(project, network_name)
    instance = network.nodes.get(node_id)
    if instance is None:
        raise GroupingError(f"there is no node {node_id!r} in network '{network_name}'")
    if instance.type != BLOCK_TYPE:
        raise GroupingError(f"'{instance.name}' is a {instance.type} layer, not a block, so there is nothing to expand")
    definition = project.blocks.get(instance.params.get("block"))
    if definition is None:
        raise GroupingError(f"'{instance.name}' uses block '{instance.params.get('block')}', which is not defined")
    body = definition.body
    try:
        values = coerce_node_params(instance, project.blocks)
    except ParamError as error:
        raise GroupingError(f"'{instance.name}': {error}") from None

    layers = [node for node in body.nodes.values() if node.type not in IO_TYPES]
    new_ids = dict(zip((n.id for n in layers), network.new_ids(len(layers)), strict=True))
    taken: set[str] = set()
    copies: list[Node] = []
    xs = [node.position[0] for node in layers] or [0.0]
    ys = [node.position[1] for node in layers] or [0.0]
    centre = (sum(xs) / len(xs), sum(ys) / len(ys))
    for node in layers:
        params = {key: _resolve(value, values, instance, node) for key, value in node.params.items()}
        name = network.fresh_name(node.name, taken, prefix=instance.name)
        position = (
            instance.position[0] + node.position[0] - centre[0],
            instance.position[1] + node.position[1] - centre[1],
        )
        copy = Node(new_ids[node.id], node.type, name, params, position)
        try:
            copy.params = coerce_node_params(copy, project.blocks)
        except ParamError as error:
            raise GroupingError(f"'{instance.name}', {node.name}: {error}") from None
        copies.append(copy)

    # Where each body Input's tensor comes from outside, and who reads each body Output.
    sources = {}
    for edge in network.edges_into(instance.id):
        port_node = body.node_by_name(edge.dst_port)
        if port_node is not None:
            sources[port_node.id] = (edge.src, edge.src_port)
    # Edges into the copies, in the body's order (variadic ports keep their order).
    internal: list[Edge] = []
    results: dict[str, tuple[str, str]] = {}  # body Output name -> (node, port) in the network
    for edge in body.edges:
        src_node, dst_node = body.nodes[edge.src], body.nodes[edge.dst]
        if dst_node.type == "Output":
            if src_node.type == "Input":
                if edge.src in sources:
                    results[dst_node.name] = sources[edge.src]
            else:
                results[dst_node.name] = (new_ids[edge.src], edge.src_port)
        elif src_node.type == "Input":
            if edge.src in sources:
                internal.append(Edge(*sources[edge.src], new_ids[edge.dst], edge.dst_port))
        else:
            internal.append(Edge(new_ids[edge.src], edge.src_port, new_ids[edge.dst], edge.dst_port))

    order = {nid: index for index, nid in enumerate(network.nodes)}
    edges = [(index, e) for index, e in enumerate(network.edges) if instance.id in (e.src, e.dst)]
    replacements: dict[Edge, list[Edge]] = {}
    for _, edge in edges:
        if edge.dst == instance.id:
            replacements[edge] = []  # the copies are fed by `internal` edges instead
        else:
            result = results.get(edge.src_port)
            replacements[edge] = [Edge(*result, edge.dst, edge.dst_port)] if result else []
    return UngroupPlan(network_name, instance, order[instance.id], edges, copies, internal, replacements)


def apply_ungroup(project: Project, plan: UngroupPlan) -> None:
    """Put the body's layers where the instance was and remove the instance."""
    network = project.networks[plan.network]
    for offset, node in enumerate(plan.nodes):
        network.add_node(node, index=plan.instance_index + offset)
    for edge in plan.internal:
        network.connect(edge, project.blocks)
    _rewire(network, plan.replacements, [e for _, e in plan.edges], project.blocks)
    network.remove_node(plan.instance.id)


def undo_ungroup(project: Project, plan: UngroupPlan) -> None:
    """Remove the inline layers and put the instance back exactly as it was."""
    network = project.networks[plan.network]
    for node in plan.nodes:
        network.remove_node(node.id)
    network.add_node(plan.instance, index=plan.instance_index)
    _restore_edges(network, plan.edges, project.blocks)


# -- helpers --------------------------------------------------------------------------------------
def _network(project: Project, name: str) -> Network:
    network = project.networks.get(name)
    if network is None:
        raise GroupingError(f"there is no network named {name!r}")
    return network


def _check_block_name(project: Project, name: str) -> None:
    if not (isinstance(name, str) and is_valid_name(name) and name[0].isalpha()):
        raise GroupingError(
            f"{name!r} cannot name a block: use letters, digits and _, starting with a letter (e.g. ConvBlock)"
        )
    if name in project.blocks:
        raise GroupingError(f"a block named '{name}' already exists")
    if name == BLOCK_TYPE or get_spec(name) is not None:
        raise GroupingError(f"'{name}' is the name of a layer type; choose another block name")


def _check_no_cycle(network: Network, inside: set[str]) -> None:
    """Refuse when a path leaves the selection and comes back into it."""
    succs: dict[str, list[str]] = {}
    preds: dict[str, list[str]] = {}
    for edge in network.edges:
        succs.setdefault(edge.src, []).append(edge.dst)
        preds.setdefault(edge.dst, []).append(edge.src)
    downstream = _reach(inside, succs, inside)
    upstream = _reach(inside, preds, inside)
    both = [node_id for node_id in network.nodes if node_id in downstream and node_id in upstream]
    if both:
        name = network.nodes[both[0]].name
        raise GroupingError(
            f"grouping would make a cycle: '{name}' is fed by the selection and feeds it too; "
            "include it in the selection or leave out the layers around it"
        )


def _reach(start: set[str], neighbours: dict[str, list[str]], inside: set[str]) -> set[str]:
    """Nodes outside `inside` reachable from `start` along `neighbours`."""
    seen: set[str] = set()
    stack = list(start)
    while stack:
        for other in neighbours.get(stack.pop(), []):
            if other not in seen and other not in inside:
                seen.add(other)
                stack.append(other)
    return seen


def _port_name(network: Network, node: Node, port: str, plain: bool) -> str:
    """The name a block port would take from a node: ``pool1`` (Inputs) or ``relu2_out`` (Outputs)."""
    outputs = network.ports_of(node)[1]
    return node.name if plain and len(outputs) <= 1 else f"{node.name}_{port}"


def _snake(name: str) -> str:
    """``ConvStage`` -> ``conv_stage``, ``VGGStage`` -> ``vgg_stage``: a block's instance name."""
    name = re.sub(r"([A-Z]+)([A-Z][a-z])", r"\1_\2", name)
    return re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", name).lower()


def _resolve(value, values: dict, instance: Node, node: Node):
    """A parameter value with a ``$name`` reference replaced by the instance's value."""
    if isinstance(value, Ref) or (isinstance(value, str) and value.startswith("$")):
        name = value.name if isinstance(value, Ref) else value[1:]
        if name not in values:
            raise GroupingError(f"'{node.name}' refers to ${name}, which block '{instance.params['block']}' lacks")
        return values[name]
    return value


def _rewire(network: Network, replacements: dict[Edge, list[Edge]], order: list[Edge], blocks=None) -> None:
    """Swap each edge in `order` for its replacements, at the same place in the edge list."""
    for edge in order:
        if edge not in replacements:
            continue
        index = network.disconnect(edge)
        for offset, new in enumerate(replacements[edge]):
            network.connect(new, blocks, index=index + offset)


def _restore_edges(network: Network, edges: list[tuple[int, Edge]], blocks) -> None:
    """Put removed edges back at their old indices (ascending, so each index is right)."""
    for index, edge in edges:
        network.connect(edge, blocks, index=index)
