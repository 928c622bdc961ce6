"""Automatic layout: a layered (Sugiyama) drawing of a network, flowing one way.

`auto_layout` hands each connected part of the network to grandalf's
`SugiyamaLayout`: nodes are ranked into layers along the flow (top down by default,
left to right as an option), an edge that spans several layers gets a dummy node in
each layer it passes, so a skip connection runs in a lane beside the main path
instead of across the nodes it skips; the layers are reordered to cross fewer edges
and the nodes placed with Brandes and Köpf's method. The parts are set side by side.
The result is a plain dict of top-left corners; `apply_layout` writes it to the
network through `Network.move_node`, so the canvas follows through its usual listener.

Node sizes come in as a parameter (the canvas passes its cards' real sizes); without
it `estimated_size` guesses a card's size from the node alone. The card's geometry
(`NODE_WIDTH`, `card_height`) lives here so the canvas and the guess agree.

Invariants: the layout is deterministic (the same network gives the same positions);
it never raises on a network with cycles (the edges that close a cycle are turned
round for the ranking); nodes never overlap; results are cached per network
structure, so a block body laid out once costs nothing the next time.
"""

from __future__ import annotations

import sys
from collections import OrderedDict
from collections.abc import Mapping

from grandalf.graphs import Edge as GrandalfEdge
from grandalf.graphs import Vertex, graph_core
from grandalf.layouts import Layer, SugiyamaLayout

from graph.network import Network, Node
from graph.registry import BLOCK_TYPE, get_spec

DIRECTIONS = ("TB", "LR")
# The card a node is drawn as (app/canvas/node_item.py): a header, a row per port
# label and per parameter on its face, a footer with the output shape.
NODE_WIDTH = 180.0
HEADER_HEIGHT = 26.0
ROW_HEIGHT = 16.0
PORT_ROW = 18.0
MAX_FACE_ROWS = 4
MIN_CARD_HEIGHT = HEADER_HEIGHT + 30.0
# Room between layers holds an edge's shape label (a pill about 18 px high and up to
# ~110 px wide), clear of the ports at both ends.
LAYER_GAP = {"TB": 64.0, "LR": 150.0}
NODE_GAP = {"TB": 48.0, "LR": 36.0}  # between neighbours in one layer
LANE_WIDTH = 60.0  # a dummy node: the lane of a long edge through a layer, with its label
COMPONENT_GAP = 120.0
ORDERING_ROUNDS = 4  # barycenter sweeps down and up (grandalf's `draw(N)`)
CACHE_SIZE = 64

Positions = dict[str, tuple[float, float]]
Sizes = Mapping[str, tuple[float, float]]

_cache: OrderedDict[tuple, Positions] = OrderedDict()


def card_height(face_rows: int, footer_rows: int, port_label_rows: int) -> float:
    """The height of a node's card with that many rows of text."""
    content = HEADER_HEIGHT + 6 + port_label_rows * PORT_ROW + (face_rows + footer_rows) * ROW_HEIGHT + 6
    return max(content, MIN_CARD_HEIGHT)


def port_label_rows(inputs: int, outputs: int, direction: str) -> int:
    """Rows a card gives to port names: only a side with several ports labels them.

    Top down, the input names share one row under the header and the output names
    one row above the bottom edge; left to right, each port has its own row.
    """
    if direction == "TB":
        return (inputs > 1) + (outputs > 1)
    return max(inputs if inputs > 1 else 0, outputs if outputs > 1 else 0)


def face_names(node: Node, blocks: Mapping | None = None) -> list[str]:
    """The parameters a card shows on its face: the spec's `face`, or a block's own parameters.

    Args:
        node: the node.
        blocks: block definitions by name, for a block's parameters in their declared
            order (without them, in the order the node holds them).
    """
    if node.type == BLOCK_TYPE:
        definition = blocks.get(node.params.get("block")) if blocks is not None else None
        if definition is not None:
            names = [param.name for param in definition.params]
        else:
            names = [name for name in node.params if name != "block"]
    else:
        spec = get_spec(node.type)
        names = list(spec.face) if spec is not None else []
    return [name for name in names if name in node.params][:MAX_FACE_ROWS]


def estimated_size(node: Node, direction: str = "TB") -> tuple[float, float]:
    """About the size of `node`'s card on the canvas, from the node alone."""
    spec = get_spec(node.type)
    inputs = len(spec.inputs) if spec is not None else 1
    outputs = len(spec.outputs) if spec is not None else 1
    face = 0 if node.type == "Input" else len(face_names(node))  # an Input shows its shape instead
    return NODE_WIDTH, card_height(face, 1, port_label_rows(inputs, outputs, direction))


class _Layer(Layer):
    """grandalf's Layer that knows its own rank.

    `Layer.setup` finds the layer's rank by comparing it with every other layer in
    Python: quadratic in the number of layers (seconds for a 3,000-node chain).
    """

    def __init__(self, vertices: list, rank: int):
        super().__init__(vertices)
        self.rank = rank

    def setup(self, layout) -> None:
        # Layer.setup without the look-up. Inside a class named `_Layer` the private
        # names mangle to `_Layer__r` and `_Layer__x`, the very attributes grandalf's
        # `Layer` methods read.
        self.layout = layout
        self.__r = self.rank
        if len(self) > 1:
            self.__x = 1.0 / (len(self) - 1)
        for index, vertex in enumerate(self):
            layout.grx[vertex].pos = index
            layout.grx[vertex].bar = index * self.__x
        if self.rank > 0:
            self.upper = layout.layers[self.rank - 1]
        if self.rank < len(layout.layers) - 1:
            self.lower = layout.layers[self.rank + 1]


class _Sugiyama(SugiyamaLayout):
    """grandalf's layout with the ranking given from outside and faster layers."""

    def setrank(self, v):
        rank = max([self.grx[x].rank for x in v.N(-1)] + [-1]) + 1
        self.grx[v].rank = rank
        if rank < len(self.layers):
            self.layers[rank].append(v)
        else:
            self.layers.append(_Layer([v], rank))


class _Box:
    """The `view` grandalf reads a vertex's size from and writes its centre to."""

    __slots__ = ("w", "h", "xy")

    def __init__(self, across: float, along: float):
        self.w, self.h = across, along
        self.xy = (0.0, 0.0)


def auto_layout(network: Network, direction: str = "TB", sizes: Sizes | None = None) -> Positions:
    """Top-left corner (x, y) of every node, by node id, for a layered drawing.

    Args:
        network: the network to lay out (not changed).
        direction: ``"TB"`` flows top to bottom (layers are rows), ``"LR"`` left to
            right (layers are columns).
        sizes: width and height of each node's card by id; a node not in it gets
            `estimated_size`.

    Returns:
        A dict node id -> (x, y) in scene pixels. The first layer starts at 0 along
        the flow, the leftmost (topmost) card at 0 across it. Nodes of one layer line
        up on the side the edges come in from.

    Raises:
        ValueError: `direction` is neither ``"TB"`` nor ``"LR"``.
    """
    if direction not in DIRECTIONS:
        raise ValueError(f"direction must be 'TB' or 'LR', got {direction!r}")
    boxes = {}
    for node_id, node in network.nodes.items():
        width, height = sizes[node_id] if sizes is not None and node_id in sizes else estimated_size(node, direction)
        boxes[node_id] = (width, height) if direction == "TB" else (height, width)  # (across, along)
    pairs = list(
        dict.fromkeys((e.src, e.dst) for e in network.edges if e.src != e.dst and e.src in boxes and e.dst in boxes)
    )
    key = (direction, tuple(boxes.items()), tuple(pairs))
    cached = _cache.get(key)
    if cached is not None:
        _cache.move_to_end(key)
        return dict(cached)
    positions: Positions = {}
    offset = 0.0
    for component in _components(list(boxes), pairs):
        placed, extent = _layout_component(component, pairs, boxes, direction)
        for node_id, (across, along) in placed.items():
            across += offset
            positions[node_id] = (across, along) if direction == "TB" else (along, across)
        offset += extent + COMPONENT_GAP
    _cache[key] = dict(positions)
    if len(_cache) > CACHE_SIZE:
        _cache.popitem(last=False)
    return positions


def apply_layout(network: Network, direction: str = "TB", sizes: Sizes | None = None) -> Positions:
    """Lay out `network` and move its nodes there; returns the old positions (for undo)."""
    old = {node_id: node.position for node_id, node in network.nodes.items()}
    for node_id, position in auto_layout(network, direction, sizes).items():
        network.move_node(node_id, position)
    return old


def flow_direction(network: Network) -> str:
    """Which way `network` is drawn now: ``"LR"`` when its edges mostly run right, else ``"TB"``.

    Compares how far the edges run across and down between the nodes' corners, so
    the canvas can put the ports on the sides the drawing flows through.
    """
    along_x = along_y = 0.0
    nodes = network.nodes
    for edge in network.edges:
        source, target = nodes.get(edge.src), nodes.get(edge.dst)
        if source is None or target is None:
            continue
        along_x += abs(target.position[0] - source.position[0])
        along_y += abs(target.position[1] - source.position[1])
    return "LR" if along_x > 1.5 * along_y else "TB"


def _components(node_ids: list[str], pairs: list[tuple[str, str]]) -> list[list[str]]:
    """Weakly connected parts, each in network order, ordered by their first node."""
    order = {node_id: index for index, node_id in enumerate(node_ids)}
    parent = {node_id: node_id for node_id in node_ids}

    def root(node_id: str) -> str:
        while parent[node_id] != node_id:
            parent[node_id] = parent[parent[node_id]]
            node_id = parent[node_id]
        return node_id

    for src, dst in pairs:
        first, second = sorted((root(src), root(dst)), key=order.__getitem__)
        parent[second] = first
    groups: dict[str, list[str]] = {}
    for node_id in node_ids:
        groups.setdefault(root(node_id), []).append(node_id)
    return list(groups.values())


def _feedback_edges(node_ids: list[str], succs: dict[str, list[str]]) -> set[tuple[str, str]]:
    """Edges that close a cycle (found by an iterative depth-first search in network order)."""
    state = dict.fromkeys(node_ids, 0)  # 0 unseen, 1 on the stack, 2 done
    back: set[tuple[str, str]] = set()
    for start in node_ids:
        if state[start]:
            continue
        state[start] = 1
        stack = [(start, iter(succs[start]))]
        while stack:
            node_id, children = stack[-1]
            for child in children:
                if state[child] == 1:
                    back.add((node_id, child))
                elif state[child] == 0:
                    state[child] = 1
                    stack.append((child, iter(succs[child])))
                    break
            else:
                state[node_id] = 2
                stack.pop()
    return back


def _layout_component(
    component: list[str], pairs: list[tuple[str, str]], boxes: dict[str, tuple[float, float]], direction: str
) -> tuple[dict[str, tuple[float, float]], float]:
    """(across, along) of each node's corner in one connected part, and the part's width across."""
    if len(component) == 1:
        return {component[0]: (0.0, 0.0)}, boxes[component[0]][0]
    members = set(component)
    vertices = {node_id: Vertex(node_id) for node_id in component}
    for node_id, vertex in vertices.items():
        vertex.view = _Box(*boxes[node_id])
    inner = [(src, dst) for src, dst in pairs if src in members]
    succs: dict[str, list[str]] = {node_id: [] for node_id in component}
    for src, dst in inner:
        succs[src].append(dst)
    back = _feedback_edges(component, succs)
    # Built by hand: graph_core's own constructor checks connectivity in quadratic time.
    core = graph_core()
    edges = []
    for node_id in component:
        core.sV.o[vertices[node_id]] = vertices[node_id]
        vertices[node_id].c = core
    for src, dst in inner:
        edge = GrandalfEdge(vertices[src], vertices[dst])
        edge.attach()
        core.sE.o[edge] = edge
        edges.append(edge)
    inverted = [edge for edge, pair in zip(edges, inner, strict=True) if pair in back]
    has_input = {dst for src, dst in inner if (src, dst) not in back} | {
        src for src, dst in inner if (src, dst) in back
    }
    roots = [vertices[node_id] for node_id in component if node_id not in has_input]
    sugiyama = _Sugiyama(core)
    sugiyama.xspace = NODE_GAP[direction]
    sugiyama.yspace = LAYER_GAP[direction]
    sugiyama.dw, sugiyama.dh = LANE_WIDTH, 1.0
    limit = sys.getrecursionlimit()
    # grandalf ranks and places blocks recursively, one frame per layer.
    sys.setrecursionlimit(max(limit, 4 * (len(component) + len(inner)) + 1000))
    try:
        sugiyama.init_all(roots=roots, inverted_edges=inverted, optimize=True)
        sugiyama.draw(ORDERING_ROUNDS)
    finally:
        sys.setrecursionlimit(limit)
    along = 0.0
    starts = []
    for layer in sugiyama.layers:
        starts.append(along)
        along += max((vertex.view.h for vertex in layer), default=0.0) + LAYER_GAP[direction]
    placed = {}
    for node_id, vertex in vertices.items():
        across = vertex.view.xy[0] - vertex.view.w / 2
        placed[node_id] = (across, starts[sugiyama.grx[vertex].rank])
    # Lanes of long edges may lie outside the nodes: count them in the part's width.
    lanes = [
        (vertex.view.xy[0] - LANE_WIDTH / 2, vertex.view.xy[0] + LANE_WIDTH / 2)
        for layer in sugiyama.layers
        for vertex in layer
        if vertex not in core.sV.o
    ]
    left = min([a for a, _ in placed.values()] + [a for a, _ in lanes])
    right = max([a + boxes[n][0] for n, (a, _) in placed.items()] + [b for _, b in lanes])
    return {n: (round(a - left), round(b)) for n, (a, b) in placed.items()}, right - left
