"""Undo commands: every edit of the project is one `QUndoCommand` on the document's stack.

Each command is a thin wrapper around one reversible edit of ``graph/edits.py``:
`redo` applies it, `undo` reverts it, and merging (one drag, one spin-box run) is
the edit's own rule. The do/undo logic lives in the edit, so the property tests
that drive edits without Qt test exactly what the editor does. Commands never push
other commands and never touch the canvas: the scene follows the model's events.
Commands address their network by name, so they stay valid when the scene that
created them is gone.

A command whose change turns out to be impossible when first done (a connection the
model refuses, a name already taken) marks itself obsolete, so Qt drops it instead of
leaving a step that does nothing; its ``error`` says why.
"""

from __future__ import annotations

from itertools import count
from typing import Any

from PySide6.QtGui import QUndoCommand

from graph import edits
from graph.network import Edge, Node

# Qt merges a command into the one before only when both report the same id (never -1).
_MERGE_IDS = {edits.MoveNodes: 1001, edits.SetTraining: 1002}
_drag_ids = count(1)


def new_drag_id() -> int:
    """A fresh id for one drag: the moves it pushes merge into one undo step."""
    return next(_drag_ids)


class EditCommand(QUndoCommand):
    """One `graph.edits.Edit` on the undo stack."""

    def __init__(self, document, edit: edits.Edit):
        super().__init__(edit.text)
        self.document = document
        self.edit = edit
        self.error = ""

    def redo(self) -> None:
        try:
            self.edit.apply()
        except edits.EditRefused as error:
            self.error = str(error)
            self.setObsolete(True)

    def undo(self) -> None:
        self.edit.revert()

    def id(self) -> int:
        return _MERGE_IDS.get(type(self.edit), -1) if self.edit.mergeable else -1

    def mergeWith(self, other: QUndoCommand) -> bool:
        if not isinstance(other, EditCommand) or not self.edit.merge(other.edit):
            return False
        self.setObsolete(self.edit.changes_nothing())
        return True


class AddNodeCommand(EditCommand):
    def __init__(self, document, network_name: str, node: Node):
        super().__init__(document, edits.AddNode(document.project, network_name, node))


class RemoveNodesCommand(EditCommand):
    def __init__(self, document, network_name: str, node_ids: list[str], edges: list[Edge] = ()):
        super().__init__(document, edits.RemoveNodes(document.project, network_name, node_ids, edges))


class ConnectCommand(EditCommand):
    def __init__(self, document, network_name: str, edge: Edge):
        super().__init__(document, edits.Connect(document.project, network_name, edge))


class DisconnectCommand(EditCommand):
    def __init__(self, document, network_name: str, edge: Edge):
        super().__init__(document, edits.Disconnect(document.project, network_name, edge))


class SetParamCommand(EditCommand):
    def __init__(self, document, network_name: str, node_id: str, name: str, value: Any):
        super().__init__(document, edits.SetParam(document.project, network_name, node_id, name, value))


class MoveNodesCommand(EditCommand):
    def __init__(self, document, network_name: str, moves: dict, drag_id: int | None = None):
        super().__init__(document, edits.MoveNodes(document.project, network_name, moves, drag_id))


class RenameNodeCommand(EditCommand):
    def __init__(self, document, network_name: str, node_id: str, name: str):
        super().__init__(document, edits.RenameNode(document.project, network_name, node_id, name))


class PasteCommand(EditCommand):
    def __init__(self, document, network_name: str, nodes: list[Node], edges: list[Edge], text: str = "Paste"):
        super().__init__(document, edits.AddNodes(document.project, network_name, nodes, edges, text))


class ReplaceNodeTypeCommand(EditCommand):
    def __init__(self, document, network_name: str, node_id: str, new_node: Node):
        super().__init__(document, edits.ReplaceNodeType(document.project, network_name, node_id, new_node))


class GroupCommand(EditCommand):
    def __init__(self, document, network_name: str, node_ids: list[str], block_name: str):
        super().__init__(document, edits.Group(document.project, network_name, node_ids, block_name))


class UngroupCommand(EditCommand):
    def __init__(self, document, network_name: str, node_id: str):
        super().__init__(document, edits.Ungroup(document.project, network_name, node_id))


class AutoLayoutCommand(EditCommand):
    def __init__(
        self,
        document,
        network_name: str,
        direction: str = "TB",
        origin: tuple[float, float] = (0.0, 0.0),
        sizes: dict | None = None,
    ):
        super().__init__(document, edits.AutoLayout(document.project, network_name, direction, origin, sizes))


class SetTrainingCommand(EditCommand):
    def __init__(self, document, name: str, value: Any):
        super().__init__(document, edits.SetTraining(document.project, name, value))


class FitToDataCommand(EditCommand):
    """New data settings and the network fitted to them: one undo step restores both."""

    def __init__(self, document, settings: dict[str, Any], fit):
        super().__init__(document, edits.FitToData(document.project, settings, fit))
