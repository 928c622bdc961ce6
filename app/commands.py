"""Undo commands: every edit of a network is one `QUndoCommand` on the document's stack.

Each command changes the model only through `graph.network.Network` methods (or the
grouping / layout functions that call them) and undoes itself with their inverses;
it never pushes other commands and never touches the canvas: the scene follows the
model's events. Commands address their network by name, so they stay valid when the
scene that created them is gone.

A command whose change turns out to be impossible when first done (a connection the
model refuses, a name already taken) marks itself obsolete, so Qt drops it instead of
leaving a step that does nothing; its ``error`` says why.
"""

from __future__ import annotations

from itertools import count
from typing import Any

from PySide6.QtGui import QUndoCommand

from graph.grouping import apply_group, apply_ungroup, plan_group, plan_ungroup, undo_group, undo_ungroup
from graph.layout import auto_layout
from graph.network import ConnectionError_, Edge, NameError_, Network, Node

MOVE_COMMAND_ID = 1001
_drag_ids = count(1)


def new_drag_id() -> int:
    """A fresh id for one drag: the moves it pushes merge into one undo step."""
    return next(_drag_ids)


class NetworkCommand(QUndoCommand):
    """Base: a command on the network `network_name` of `document.project`."""

    def __init__(self, document, network_name: str, text: str):
        super().__init__(text)
        self.document = document
        self.network_name = network_name
        self.error = ""

    @property
    def network(self) -> Network:
        return self.document.project.networks[self.network_name]


def _restore(network: Network, nodes: list[tuple[int, Node]], edges: list[tuple[int, Edge]]) -> None:
    """Put removed nodes and edges back at their old places (ascending index keeps them exact)."""
    for index, node in sorted(nodes, key=lambda item: item[0]):
        network.add_node(node, index=index)
    for index, edge in sorted(edges, key=lambda item: item[0]):
        network.connect(edge, index=index)


class AddNodeCommand(NetworkCommand):
    """Add one node (from the palette, a drop or a double-click)."""

    def __init__(self, document, network_name: str, node: Node):
        super().__init__(document, network_name, f"Add {node.name}")
        self.node = node

    def redo(self) -> None:
        self.network.add_node(self.node.copy())

    def undo(self) -> None:
        self.network.remove_node(self.node.id)


class RemoveNodesCommand(NetworkCommand):
    """Delete a selection: nodes with every edge touching them, plus selected edges."""

    def __init__(self, document, network_name: str, node_ids: list[str], edges: list[Edge] = ()):
        network = document.project.networks[network_name]
        ids = [i for i in network.nodes if i in set(node_ids)]
        loose = [e for e in edges if e in network.edges and e.src not in ids and e.dst not in ids]
        what = f"{len(ids)} node(s)" if ids else f"{len(loose)} connection(s)"
        if len(ids) == 1 and not loose:
            what = network.nodes[ids[0]].name
        super().__init__(document, network_name, f"Delete {what}")
        self.node_ids = ids
        self.loose_edges = loose
        self.removed_nodes: list[tuple[int, Node]] = []
        self.removed_edges: list[tuple[int, Edge]] = []

    def redo(self) -> None:
        network = self.network
        ids = set(self.node_ids)
        self.removed_edges = [
            (i, e) for i, e in enumerate(network.edges) if e.src in ids or e.dst in ids or e in self.loose_edges
        ]
        self.removed_nodes = [(i, network.nodes[n]) for i, n in enumerate(network.nodes) if n in ids]
        for edge in self.loose_edges:
            network.disconnect(edge)
        for _, node in self.removed_nodes:
            network.remove_node(node.id)

    def undo(self) -> None:
        _restore(self.network, self.removed_nodes, self.removed_edges)


class ConnectCommand(NetworkCommand):
    """Connect an output port to an input port."""

    def __init__(self, document, network_name: str, edge: Edge):
        super().__init__(document, network_name, "Connect")
        self.edge = edge
        network = self.network
        if edge.src in network.nodes and edge.dst in network.nodes:
            self.setText(f"Connect {network.nodes[edge.src].name} to {network.nodes[edge.dst].name}")

    def redo(self) -> None:
        try:
            self.network.connect(self.edge)
        except ConnectionError_ as error:
            self.error = str(error)
            self.setObsolete(True)

    def undo(self) -> None:
        self.network.disconnect(self.edge)


class DisconnectCommand(NetworkCommand):
    """Remove one edge; undo puts it back at the same place in the edge order."""

    def __init__(self, document, network_name: str, edge: Edge):
        super().__init__(document, network_name, "Disconnect")
        self.edge = edge
        self.index = 0

    def redo(self) -> None:
        self.index = self.network.disconnect(self.edge)

    def undo(self) -> None:
        self.network.connect(self.edge, index=self.index)


class SetParamCommand(NetworkCommand):
    """Set one parameter of a node to an already-coerced value."""

    def __init__(self, document, network_name: str, node_id: str, name: str, value: Any):
        node = document.project.networks[network_name].nodes[node_id]
        super().__init__(document, network_name, f"Set {node.name}.{name}")
        self.node_id = node_id
        self.name = name
        self.value = value
        self.old = node.params.get(name)

    def redo(self) -> None:
        self.network.set_param(self.node_id, self.name, self.value)

    def undo(self) -> None:
        self.network.set_param(self.node_id, self.name, self.old)


class MoveNodesCommand(NetworkCommand):
    """Move nodes; moves pushed with the same `drag_id` merge into one undo step.

    Args:
        moves: node id -> (old position, new position).
        drag_id: the id of the drag (`new_drag_id`); None never merges.
    """

    def __init__(self, document, network_name: str, moves: dict, drag_id: int | None = None):
        super().__init__(document, network_name, "Move" if len(moves) != 1 else "Move node")
        self.moves = {k: (tuple(old), tuple(new)) for k, (old, new) in moves.items()}
        self.drag_id = drag_id

    def id(self) -> int:
        return MOVE_COMMAND_ID if self.drag_id is not None else -1

    def mergeWith(self, other: QUndoCommand) -> bool:
        if not isinstance(other, MoveNodesCommand) or other.drag_id != self.drag_id:
            return False
        if other.network_name != self.network_name:
            return False
        for node_id, (old, new) in other.moves.items():
            first = self.moves.get(node_id, (old, new))[0]
            self.moves[node_id] = (first, new)
        self.setObsolete(all(old == new for old, new in self.moves.values()))
        return True

    def redo(self) -> None:
        network = self.network
        for node_id, (_, new) in self.moves.items():
            network.move_node(node_id, new)

    def undo(self) -> None:
        network = self.network
        for node_id, (old, _) in self.moves.items():
            network.move_node(node_id, old)


class RenameNodeCommand(NetworkCommand):
    """Rename a node; an unusable or taken name makes the command obsolete (see ``error``)."""

    def __init__(self, document, network_name: str, node_id: str, name: str):
        super().__init__(document, network_name, f"Rename to {name}")
        self.node_id = node_id
        self.name = name
        self.old = self.network.nodes[node_id].name

    def redo(self) -> None:
        try:
            self.network.rename_node(self.node_id, self.name)
        except NameError_ as error:
            self.error = str(error)
            self.setObsolete(True)

    def undo(self) -> None:
        self.network.rename_node(self.node_id, self.old)


class PasteCommand(NetworkCommand):
    """Add many nodes and the edges between them in one step (paste, duplicate)."""

    def __init__(self, document, network_name: str, nodes: list[Node], edges: list[Edge], text: str = "Paste"):
        super().__init__(document, network_name, f"{text} {len(nodes)} node(s)")
        self.nodes = [n.copy() for n in nodes]
        self.edges = list(edges)

    def redo(self) -> None:
        network = self.network
        for node in self.nodes:
            network.add_node(node.copy())
        for edge in self.edges:
            network.connect(edge)

    def undo(self) -> None:
        network = self.network
        for node in reversed(self.nodes):
            network.remove_node(node.id)


class ReplaceNodeTypeCommand(NetworkCommand):
    """Swap a node for one of another type (LSTM -> GRU), keeping name, place and fitting edges.

    Parameters with the same name and a value the new type accepts are carried over;
    edges whose port no longer exists are dropped (and restored by undo).
    """

    def __init__(self, document, network_name: str, node_id: str, new_node: Node):
        super().__init__(document, network_name, f"Change {new_node.name} to {new_node.type}")
        self.node_id = node_id
        self.new_node = new_node
        self.old_node: Node | None = None
        self.old_index = 0
        self.old_edges: list[tuple[int, Edge]] = []

    def redo(self) -> None:
        network = self.network
        self.old_index = list(network.nodes).index(self.node_id)
        self.old_edges = [(i, e) for i, e in enumerate(network.edges) if self.node_id in (e.src, e.dst)]
        self.old_node = network.nodes[self.node_id]
        network.remove_node(self.node_id)
        network.add_node(self.new_node.copy(), index=self.old_index)
        ins, outs = network.ports_of(self.new_node)
        for _, edge in self.old_edges:
            fits = (edge.dst != self.node_id or edge.dst_port in ins) and (
                edge.src != self.node_id or edge.src_port in outs
            )
            if fits and network.can_connect(edge) is None:
                network.connect(edge)

    def undo(self) -> None:
        network = self.network
        network.remove_node(self.node_id)
        _restore(network, [(self.old_index, self.old_node)], self.old_edges)


class GroupCommand(NetworkCommand):
    """Replace selected nodes by one block node whose new definition holds them."""

    def __init__(self, document, network_name: str, node_ids: list[str], block_name: str):
        super().__init__(document, network_name, f"Group into {block_name}")
        self.plan = plan_group(document.project, network_name, list(node_ids), block_name)

    def redo(self) -> None:
        apply_group(self.document.project, self.plan)

    def undo(self) -> None:
        undo_group(self.document.project, self.plan)


class UngroupCommand(NetworkCommand):
    """Replace a block node by the layers of its definition."""

    def __init__(self, document, network_name: str, node_id: str):
        name = document.project.networks[network_name].nodes[node_id].name
        super().__init__(document, network_name, f"Ungroup {name}")
        self.plan = plan_ungroup(document.project, network_name, node_id)

    def redo(self) -> None:
        apply_ungroup(self.document.project, self.plan)

    def undo(self) -> None:
        undo_ungroup(self.document.project, self.plan)


class AutoLayoutCommand(MoveNodesCommand):
    """Move every node to where `graph.layout.auto_layout` puts it, in one step (never merged)."""

    def __init__(
        self,
        document,
        network_name: str,
        direction: str = "TB",
        origin: tuple[float, float] = (0.0, 0.0),
        sizes: dict | None = None,
    ):
        network = document.project.networks[network_name]
        positions = auto_layout(network, direction, sizes)
        moves = {
            node_id: (network.nodes[node_id].position, (x + origin[0], y + origin[1]))
            for node_id, (x, y) in positions.items()
        }
        super().__init__(document, network_name, moves)
        self.setText("Auto-layout " + ("left to right" if direction == "LR" else "top down"))
