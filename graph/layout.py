"""Automatic layout: node positions for a network drawn as layers of nodes.

`auto_layout` places each node in a layer given by the longest path from a source
(topological generations, as networkx computes them), orders each layer with a few barycenter
sweeps so edges cross less, and spaces layers and nodes for node items of about
180 x 80 pixels. The result is a plain dict; `apply_layout` writes it to the network
through `Network.move_node`, so the canvas follows through its usual listener.

Invariants: the layout is deterministic (the same network gives the same positions);
it never raises on a network with cycles (each cycle is placed in one layer); it is
linear in nodes plus edges, so 10,000 nodes take a fraction of a second.
"""

from __future__ import annotations

import networkx as nx

from graph.network import Network

# Node items are about 180 x 80 px: leave room for the edge labels between layers.
LAYER_GAP_LR = 270.0
NODE_GAP_LR = 120.0
LAYER_GAP_TB = 140.0
NODE_GAP_TB = 230.0
SWEEPS = 3
# Long chains wrap into bands (rows for LR, columns for TB) like lines of text, so a
# LeNet-5 fits a canvas at a readable zoom instead of one 4,000-pixel row.
WRAP_AFTER = 8  # fewer layers than this never wrap
BAND_GAP = 110.0  # extra space between bands, for the edge that returns to the next band
TARGET_ASPECT = 2.2  # width : height of a typical canvas viewport

Positions = dict[str, tuple[float, float]]


def layers_of(network: Network) -> list[list[str]]:
    """Node ids by layer: each node one layer after its furthest predecessor.

    Within a layer, nodes keep the network's insertion order. Nodes on a cycle
    share the layer of the cycle.
    """
    return _layers(network, *_neighbours(network))


def _layers(network: Network, preds: dict[str, list[str]], succs: dict[str, list[str]]) -> list[list[str]]:
    # Kahn's algorithm by generations (what nx.topological_generations does), on
    # plain dicts: building a networkx graph would cost more than the layout itself.
    waiting = {node_id: len(near) for node_id, near in preds.items()}
    layer = [node_id for node_id, count in waiting.items() if count == 0]
    rank = {node_id: index for index, node_id in enumerate(network.nodes)}
    layers: list[list[str]] = []
    placed = 0
    while layer:
        layers.append(layer)
        placed += len(layer)
        following = []
        for node_id in layer:
            for successor in succs[node_id]:
                waiting[successor] -= 1
                if waiting[successor] == 0:
                    following.append(successor)
        layer = sorted(following, key=rank.__getitem__) if len(following) > 1 else following
    if placed == len(network.nodes):
        return layers
    return _layers_with_cycles(network)


def _layers_with_cycles(network: Network) -> list[list[str]]:
    """Layers of the graph of strongly connected components: each cycle in one layer."""
    graph = nx.DiGraph()
    graph.add_nodes_from(network.nodes)
    graph.add_edges_from((e.src, e.dst) for e in network.edges if e.src in network.nodes and e.dst in network.nodes)
    condensed = nx.condensation(graph)
    members = condensed.graph["mapping"]
    layer_of_component = {}
    for depth, generation in enumerate(nx.topological_generations(condensed)):
        for component in generation:
            layer_of_component[component] = depth
    layers: list[list[str]] = [[] for _ in range(max(layer_of_component.values(), default=-1) + 1)]
    for node_id in network.nodes:
        layers[layer_of_component[members[node_id]]].append(node_id)
    return layers


def _neighbours(network: Network) -> tuple[dict[str, list[str]], dict[str, list[str]]]:
    """Predecessors and successors of every node, one entry per distinct edge pair."""
    preds: dict[str, list[str]] = {node_id: [] for node_id in network.nodes}
    succs: dict[str, list[str]] = {node_id: [] for node_id in network.nodes}
    seen = set()
    for edge in network.edges:
        pair = (edge.src, edge.dst)
        if edge.src in preds and edge.dst in preds and pair not in seen:
            seen.add(pair)
            preds[edge.dst].append(edge.src)
            succs[edge.src].append(edge.dst)
    return preds, succs


def _offsets(layer: list[str]) -> dict[str, float]:
    """Slot of each node in its layer, centred on zero so one-node layers line up."""
    middle = (len(layer) - 1) / 2
    return {node_id: index - middle for index, node_id in enumerate(layer)}


def _sweep(layers: list[list[str]], neighbours: dict[str, list[str]], slot: dict[str, float]) -> None:
    """Reorder each layer by the mean slot of its neighbours in `neighbours` (in place)."""
    for layer in layers:
        if len(layer) == 1:
            continue  # a lone node stays centred
        keys = {}
        for node_id in layer:
            near = neighbours[node_id]
            keys[node_id] = sum(slot[n] for n in near) / len(near) if near else slot[node_id]
        # sort() is stable, so ties keep the current order: deterministic.
        layer.sort(key=keys.__getitem__)
        slot.update(_offsets(layer))


def wrap_length(layer_sizes: list[int], direction: str = "LR") -> int:
    """How many layers go in one band, so the whole drawing is about `TARGET_ASPECT` wide.

    Returns the number of layers when the network is short enough not to wrap.
    """
    count = len(layer_sizes)
    if count < WRAP_AFTER:
        return max(count, 1)
    layer_gap, node_gap = (LAYER_GAP_LR, NODE_GAP_LR) if direction == "LR" else (LAYER_GAP_TB, NODE_GAP_TB)
    best, best_error = count, float("inf")
    for band_count in range(1, count // 3 + 1):
        per_band = -(-count // band_count)  # ceil: bands as even as they can be
        bands = [layer_sizes[i : i + per_band] for i in range(0, count, per_band)]
        along = per_band * layer_gap
        across = sum(max(band) * node_gap + BAND_GAP for band in bands)
        aspect = along / across if direction == "LR" else across / along
        error = abs(aspect - TARGET_ASPECT) / TARGET_ASPECT
        if error < best_error - 1e-9:
            best, best_error = per_band, error
    return best


def auto_layout(network: Network, direction: str = "LR", wrap: bool = True) -> Positions:
    """Positions (x, y) of every node, by node id.

    Args:
        network: the network to lay out (not changed).
        direction: ``"LR"`` flows left to right (layers are columns), ``"TB"`` top to
            bottom (layers are rows).
        wrap: let a long network continue in a new band (see `wrap_length`).

    Returns:
        A dict node id -> (x, y) in scene pixels; the first layer of each band is at 0
        along the flow; the first band is centred on 0 across it, and later bands
        follow below (LR) or to the right (TB).

    Raises:
        ValueError: `direction` is neither ``"LR"`` nor ``"TB"``.
    """
    if direction not in ("LR", "TB"):
        raise ValueError(f"direction must be 'LR' or 'TB', got {direction!r}")
    preds, succs = _neighbours(network)
    layers = _layers(network, preds, succs)
    slot: dict[str, float] = {}
    for layer in layers:
        slot.update(_offsets(layer))
    for index in range(SWEEPS):
        if index % 2 == 0:
            _sweep(layers[1:], preds, slot)
        else:
            _sweep(layers[-2::-1], succs, slot)
    layer_gap, node_gap = (LAYER_GAP_LR, NODE_GAP_LR) if direction == "LR" else (LAYER_GAP_TB, NODE_GAP_TB)
    sizes = [len(layer) for layer in layers]
    per_band = wrap_length(sizes, direction) if wrap else max(len(layers), 1)
    positions: Positions = {}
    centre = previous_half = 0.0
    for first in range(0, len(layers), per_band):
        band = layers[first : first + per_band]
        half = (max(len(layer) for layer in band) - 1) / 2 * node_gap
        if first:
            centre += previous_half + node_gap + BAND_GAP + half
        previous_half = half
        for depth, layer in enumerate(band):
            along = depth * layer_gap
            for node_id in layer:
                across = centre + slot[node_id] * node_gap
                positions[node_id] = (along, across) if direction == "LR" else (across, along)
    return positions


def apply_layout(network: Network, direction: str = "LR", wrap: bool = True) -> Positions:
    """Lay out `network` and move its nodes there; returns the old positions (for undo)."""
    old = {node_id: node.position for node_id, node in network.nodes.items()}
    for node_id, position in auto_layout(network, direction, wrap).items():
        network.move_node(node_id, position)
    return old
