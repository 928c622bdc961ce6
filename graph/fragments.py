"""Copied nodes: a selection as plain JSON data, and that data turned back into new nodes.

The payload holds the copied nodes and the edges among them in the project file's
form (`graph.project_io`'s node and edge codec); edges to nodes left behind are
dropped. Pasting never trusts the payload (it may come from another program or an
older version): a node the project file would refuse (unknown layer type, a block
this project lacks, a bad value) refuses the paste with a `PasteError` naming it,
and edges that cannot be made are skipped. Pasted nodes get fresh ids and unique
names from the network they go into, and are offset from the originals.
"""

from __future__ import annotations

from typing import Any

from graph.network import ConnectionError_, Edge, Network, Node
from graph.project_io import ProjectFileError, edge_from_dict, edge_to_dict, node_from_dict, node_to_dict

FORMAT = "netcanvas-nodes"
MAX_PASTE_NODES = 5_000


class PasteError(ValueError):
    """Copied nodes that cannot be pasted; the message says why in one line."""


def copy_payload(network: Network, node_ids: list[str]) -> dict[str, Any]:
    """The nodes `node_ids` of `network` (in the network's order) and the edges among them."""
    chosen = set(node_ids)
    return {
        "format": FORMAT,
        "version": 1,
        "nodes": [node_to_dict(node) for node_id, node in network.nodes.items() if node_id in chosen],
        "edges": [edge_to_dict(e) for e in network.edges if e.src in chosen and e.dst in chosen],
    }


def materialize(
    network: Network, payload: dict[str, Any], offset: tuple[float, float], blocks: dict
) -> tuple[list[Node], list[Edge]]:
    """New nodes and edges for `network` from a copy payload (nothing is added to it).

    Args:
        network: where the nodes will be pasted (it hands out their ids and names).
        payload: what `copy_payload` produced (possibly elsewhere).
        offset: added to every position.
        blocks: the project's block definitions (a pasted block must exist here).

    Returns:
        The nodes (fresh ids, unique names, checked parameters) and the edges among them.

    Raises:
        PasteError: the payload is malformed or holds a node this project cannot use.
    """
    raw_nodes = payload.get("nodes")
    raw_edges = payload.get("edges", [])
    if not isinstance(raw_nodes, list) or not isinstance(raw_edges, list) or not raw_nodes:
        raise PasteError("the clipboard holds no nodes")
    if len(raw_nodes) > MAX_PASTE_NODES:
        raise PasteError(f"the clipboard holds {len(raw_nodes):,} nodes; at most {MAX_PASTE_NODES:,} can be pasted")
    ids = iter(network.new_ids(len(raw_nodes)))
    names: set[str] = set()
    mapping: dict[str, str] = {}
    nodes: list[Node] = []
    for index, raw in enumerate(raw_nodes):
        try:
            copied = node_from_dict(raw, f"nodes[{index}]", blocks)
        except ProjectFileError as error:
            raise PasteError(f"the copied {error}") from None
        x, y = copied.position
        node = Node(
            next(ids),
            copied.type,
            network.fresh_name(copied.name, names),
            copied.params,
            (x + offset[0], y + offset[1]),
        )
        mapping[copied.id] = node.id
        nodes.append(node)
    # Check the edges on a scratch network so a bad payload cannot break the real one.
    scratch = Network(network.name)
    scratch.blocks = blocks
    for node in nodes:
        scratch.add_node(node.copy())
    edges: list[Edge] = []
    for index, raw in enumerate(raw_edges):
        try:
            copied = edge_from_dict(raw, f"edges[{index}]")
        except ProjectFileError:
            continue
        if copied.src not in mapping or copied.dst not in mapping:
            continue
        edge = Edge(mapping[copied.src], copied.src_port, mapping[copied.dst], copied.dst_port)
        try:
            scratch.connect(edge, blocks)
        except ConnectionError_:
            continue
        edges.append(edge)
    return nodes, edges
