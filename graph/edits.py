"""Reversible edits: every change a user makes to a project, as a small object that can be undone.

An edit is made from the project as it is (that is when it reads what it needs and
when a plan that cannot work is refused), then `apply` makes the change by calling
one method of the model (`graph.network.Network`, `graph.project.Project`, or the
grouping functions that call them) and `revert` undoes it with the inverse method,
putting nodes and edges back at their old places in the model's order so the
project returns byte for byte. `apply` and `revert` alternate, starting with `apply`.

The editor's undo commands (``app/commands.py``) are thin ``QUndoCommand`` wrappers
around these objects, and the property tests drive the same objects without Qt, so
there is one copy of the do/undo logic. Edits never touch a view: listeners follow
the model's events.

Refused changes: `Connect` and `RenameNode` raise the model's typed error from their
first `apply` (`ConnectionError_`, `NameError_`: both are `EditRefused`) with nothing
changed; `Group` and `Ungroup` raise `GroupingError` when they are made.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from pathlib import PurePath
from typing import Any

from graph.fitting import NetworkFit
from graph.grouping import apply_group, apply_ungroup, plan_group, plan_ungroup, undo_group, undo_ungroup
from graph.layout import auto_layout
from graph.network import ConnectionError_, Edge, NameError_, Network, Node
from graph.project import Project

EditRefused = (ConnectionError_, NameError_)


class Edit(ABC):
    """One reversible change; `text` names it in the Edit menu ("Undo Add conv1")."""

    text = ""

    @abstractmethod
    def apply(self) -> None:
        """Make the change (again)."""

    @abstractmethod
    def revert(self) -> None:
        """Undo the change `apply` made."""

    @property
    def mergeable(self) -> bool:
        """Whether a following edit may be folded into this one (`merge`)."""
        return False

    def merge(self, other: Edit) -> bool:
        """Fold `other`, already applied right after this one, into this edit; False when it cannot be."""
        return False

    def changes_nothing(self) -> bool:
        """True when applying would leave the project as it is (a merged drag back to the start)."""
        return False


class NetworkEdit(Edit):
    """An edit of the network `network_name` of `project`."""

    def __init__(self, project: Project, network_name: str, text: str):
        self.project = project
        self.network_name = network_name
        self.text = text

    @property
    def network(self) -> Network:
        return self.project.networks[self.network_name]


def _restore(network: Network, nodes: list[tuple[int, Node]], edges: list[tuple[int, Edge]]) -> None:
    """Put removed nodes and edges back at their old places (ascending index keeps them exact)."""
    for index, node in sorted(nodes, key=lambda item: item[0]):
        network.add_node(node, index=index)
    for index, edge in sorted(edges, key=lambda item: item[0]):
        network.connect(edge, index=index)


class AddNode(NetworkEdit):
    """Add one node (from the palette, a drop or a double-click)."""

    def __init__(self, project: Project, network_name: str, node: Node):
        super().__init__(project, network_name, f"Add {node.name}")
        self.node = node

    def apply(self) -> None:
        self.network.add_node(self.node.copy())

    def revert(self) -> None:
        self.network.remove_node(self.node.id)


class RemoveNodes(NetworkEdit):
    """Delete a selection: nodes with every edge touching them, plus selected edges."""

    def __init__(self, project: Project, network_name: str, node_ids: list[str], edges: list[Edge] = ()):
        network = project.networks[network_name]
        wanted = set(node_ids)
        ids = [i for i in network.nodes if i in wanted]
        loose = list(dict.fromkeys(e for e in edges if e in network.edges and e.src not in ids and e.dst not in ids))
        what = f"{len(ids)} node(s)" if ids else f"{len(loose)} connection(s)"
        if len(ids) == 1 and not loose:
            what = network.nodes[ids[0]].name
        super().__init__(project, network_name, f"Delete {what}")
        self.node_ids = ids
        self.loose_edges = loose
        self.removed_nodes: list[tuple[int, Node]] = []
        self.removed_edges: list[tuple[int, Edge]] = []

    def apply(self) -> None:
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

    def revert(self) -> None:
        _restore(self.network, self.removed_nodes, self.removed_edges)


class Connect(NetworkEdit):
    """Connect an output port to an input port (refused with a `ConnectionError_` saying why)."""

    def __init__(self, project: Project, network_name: str, edge: Edge):
        network = project.networks[network_name]
        text = "Connect"
        if edge.src in network.nodes and edge.dst in network.nodes:
            text = f"Connect {network.nodes[edge.src].name} to {network.nodes[edge.dst].name}"
        super().__init__(project, network_name, text)
        self.edge = edge

    def apply(self) -> None:
        self.network.connect(self.edge)

    def revert(self) -> None:
        self.network.disconnect(self.edge)


class Disconnect(NetworkEdit):
    """Remove one edge; revert puts it back at the same place in the edge order."""

    def __init__(self, project: Project, network_name: str, edge: Edge):
        super().__init__(project, network_name, "Disconnect")
        self.edge = edge
        self.index = 0

    def apply(self) -> None:
        self.index = self.network.disconnect(self.edge)

    def revert(self) -> None:
        self.network.connect(self.edge, index=self.index)


class SetParam(NetworkEdit):
    """Set one parameter of a node to an already-coerced value."""

    def __init__(self, project: Project, network_name: str, node_id: str, name: str, value: Any):
        node = project.networks[network_name].nodes[node_id]
        super().__init__(project, network_name, f"Set {node.name}.{name}")
        self.node_id = node_id
        self.name = name
        self.value = value
        self.old = node.params.get(name)

    def apply(self) -> None:
        self.network.set_param(self.node_id, self.name, self.value)

    def revert(self) -> None:
        self.network.set_param(self.node_id, self.name, self.old)


class MoveNodes(NetworkEdit):
    """Move nodes; moves of one drag (the same `drag_id`) merge into one edit.

    Args:
        moves: node id -> (old position, new position).
        drag_id: the id of the drag; None never merges.
    """

    def __init__(self, project: Project, network_name: str, moves: dict, drag_id: int | None = None):
        super().__init__(project, network_name, "Move" if len(moves) != 1 else "Move node")
        self.moves = {k: (tuple(old), tuple(new)) for k, (old, new) in moves.items()}
        self.drag_id = drag_id

    @property
    def mergeable(self) -> bool:
        return self.drag_id is not None

    def merge(self, other: Edit) -> bool:
        if not isinstance(other, MoveNodes) or other.drag_id != self.drag_id:
            return False
        if other.network_name != self.network_name:
            return False
        for node_id, (old, new) in other.moves.items():
            first = self.moves.get(node_id, (old, new))[0]
            self.moves[node_id] = (first, new)
        return True

    def changes_nothing(self) -> bool:
        return all(old == new for old, new in self.moves.values())

    def apply(self) -> None:
        network = self.network
        for node_id, (_, new) in self.moves.items():
            network.move_node(node_id, new)

    def revert(self) -> None:
        network = self.network
        for node_id, (old, _) in self.moves.items():
            network.move_node(node_id, old)


class AutoLayout(MoveNodes):
    """Move every node to where `graph.layout.auto_layout` puts it, in one edit (never merged)."""

    def __init__(
        self,
        project: Project,
        network_name: str,
        direction: str = "TB",
        origin: tuple[float, float] = (0.0, 0.0),
        sizes: dict | None = None,
    ):
        network = project.networks[network_name]
        positions = auto_layout(network, direction, sizes)
        moves = {
            node_id: (network.nodes[node_id].position, (x + origin[0], y + origin[1]))
            for node_id, (x, y) in positions.items()
        }
        super().__init__(project, network_name, moves)
        self.text = "Auto-layout " + ("left to right" if direction == "LR" else "top down")


class RenameNode(NetworkEdit):
    """Rename a node; an unusable or taken name is refused with a `NameError_`."""

    def __init__(self, project: Project, network_name: str, node_id: str, name: str):
        super().__init__(project, network_name, f"Rename to {name}")
        self.node_id = node_id
        self.name = name
        self.old = self.network.nodes[node_id].name

    def apply(self) -> None:
        self.network.rename_node(self.node_id, self.name)

    def revert(self) -> None:
        self.network.rename_node(self.node_id, self.old)


class AddNodes(NetworkEdit):
    """Add many nodes and the edges between them in one step (paste, duplicate)."""

    def __init__(self, project: Project, network_name: str, nodes: list[Node], edges: list[Edge], verb: str = "Paste"):
        super().__init__(project, network_name, f"{verb} {len(nodes)} node(s)")
        self.nodes = [n.copy() for n in nodes]
        self.edges = list(edges)

    def apply(self) -> None:
        network = self.network
        for node in self.nodes:
            network.add_node(node.copy())
        for edge in self.edges:
            network.connect(edge)

    def revert(self) -> None:
        network = self.network
        for node in reversed(self.nodes):
            network.remove_node(node.id)


class ReplaceNodeType(NetworkEdit):
    """Swap a node for one of another type (LSTM -> GRU), keeping name, place and fitting edges.

    Edges whose port no longer exists, or that the new node cannot take, are dropped
    (and put back by `revert`).
    """

    def __init__(self, project: Project, network_name: str, node_id: str, new_node: Node):
        super().__init__(project, network_name, f"Change {new_node.name} to {new_node.type}")
        self.node_id = node_id
        self.new_node = new_node
        self.old_node: Node | None = None
        self.old_index = 0
        self.old_edges: list[tuple[int, Edge]] = []

    def apply(self) -> None:
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

    def revert(self) -> None:
        network = self.network
        network.remove_node(self.node_id)
        _restore(network, [(self.old_index, self.old_node)], self.old_edges)


class Group(NetworkEdit):
    """Replace selected nodes by one block node whose new definition holds them.

    Raises:
        graph.grouping.GroupingError: when made, if the selection cannot be grouped.
    """

    def __init__(self, project: Project, network_name: str, node_ids: list[str], block_name: str):
        super().__init__(project, network_name, f"Group into {block_name}")
        self.plan = plan_group(project, network_name, list(node_ids), block_name)

    def apply(self) -> None:
        apply_group(self.project, self.plan)

    def revert(self) -> None:
        undo_group(self.project, self.plan)


class Ungroup(NetworkEdit):
    """Replace a block node by the layers of its definition.

    Raises:
        graph.grouping.GroupingError: when made, if the node cannot be expanded.
    """

    def __init__(self, project: Project, network_name: str, node_id: str):
        name = project.networks[network_name].nodes[node_id].name
        super().__init__(project, network_name, f"Ungroup {name}")
        self.plan = plan_ungroup(project, network_name, node_id)

    def apply(self) -> None:
        apply_ungroup(self.project, self.plan)

    def revert(self) -> None:
        undo_ungroup(self.project, self.plan)


class SetTraining(Edit):
    """Change one training setting to an already-checked value; changes of the same setting merge."""

    def __init__(self, project: Project, name: str, value: Any):
        self.project = project
        self.name = name
        self.value = value
        self.old = project.training.get(name)
        self.text = f"Set training {name}"

    @property
    def mergeable(self) -> bool:
        return True

    def merge(self, other: Edit) -> bool:
        if not isinstance(other, SetTraining) or other.project is not self.project or other.name != self.name:
            return False
        self.value = other.value
        return True

    def changes_nothing(self) -> bool:
        return self.value == self.old

    def apply(self) -> None:
        self.project.set_training(self.name, self.value)

    def revert(self) -> None:
        self.project.set_training(self.name, self.old)


class FitToData(Edit):
    """New data settings (the data set, its target) and the network fitted to that data, as one edit.

    Made of `SetTraining` and `SetParam` edits: the `settings`, then the fit's training
    changes (the task, the loss), then its parameter edits; reverted in the opposite order.
    """

    def __init__(self, project: Project, settings: dict[str, Any], fit: NetworkFit):
        changes = {**settings, **fit.training}
        self.steps: list[Edit] = [
            SetTraining(project, name, value) for name, value in changes.items() if project.training.get(name) != value
        ]
        self.steps += [SetParam(project, edit.network, edit.node_id, edit.param, edit.new) for edit in fit.edits]
        dataset = str(settings.get("dataset", project.training.get("dataset", "")))
        self.text = f"Use data {PurePath(dataset).name or dataset}"

    def apply(self) -> None:
        for step in self.steps:
            step.apply()

    def revert(self) -> None:
        for step in reversed(self.steps):
            step.revert()
