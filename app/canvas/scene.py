"""The scene of one network: node and edge items mirroring the model, plus edit gestures.

`CanvasScene` builds its items once, then follows the document: each model event
(`graph.events.NodeAdded`, `EdgeRemoved`, `ParamChanged`...) updates exactly the items it
concerns, and ``validated`` refreshes labels and badges in place. The scene never
writes the model directly; gestures become undo commands on the document's stack:
dragging nodes (one `MoveNodesCommand` on release), dragging from port to port
(`ConnectCommand`, after asking `Network.can_connect`), arrow-key nudges.

The scene also knows which way the drawing flows (`flow`, from the nodes'
positions: `graph.layout.flow_direction`) so ports sit on the flow's sides, and
after each validation it reroutes the edges around the cards in their way.

A scene may also show the body of a block (``block_path``: the ids of the block
nodes opened from the top network down). Such a scene is read-only and shows the
shapes of that particular block instance.
"""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, Qt, Signal
from PySide6.QtWidgets import QGraphicsItem, QGraphicsScene

from app.canvas.edge_item import EdgeItem, PendingEdgeItem
from app.canvas.node_item import NodeItem
from app.canvas.port_item import INVALID, NORMAL, VALID, PortItem
from app.canvas.routing import ObstacleIndex
from app.canvas.style import GRID, current_palette
from app.commands import ConnectCommand, MoveNodesCommand, new_drag_id
from graph.cost import network_cost
from graph.events import (
    EdgeAdded,
    EdgeRemoved,
    NetworkEvent,
    NodeAdded,
    NodeMoved,
    NodeRemoved,
    NodeRenamed,
    ParamChanged,
)
from graph.layout import flow_direction
from graph.network import Edge, Network
from graph.registry import BLOCK_TYPE
from graph.shapes import format_shape
from graph.validation import NetworkReport

MAX_PRECHECKED_PORTS = 400  # beyond this, only ports in view are checked when a drag starts
_NUDGES = {
    Qt.Key.Key_Left: (-GRID, 0),
    Qt.Key.Key_Right: (GRID, 0),
    Qt.Key.Key_Up: (0, -GRID),
    Qt.Key.Key_Down: (0, GRID),
}


class CanvasScene(QGraphicsScene):
    """Items for one network (or one opened block) of the document's project.

    Signals:
        status_message(str): why a connection was refused, and similar notes.
        refused(str, QPointF): a gesture was refused: the reason and the scene point
            where the user let go (for a note next to the cursor).
        block_open_requested(str): the user double-clicked a block node (its id).
    """

    status_message = Signal(str)
    refused = Signal(str, QPointF)
    block_open_requested = Signal(str)

    def __init__(self, document, network_name: str, block_path: tuple[str, ...] = (), parent=None):
        super().__init__(parent)
        self.document = document
        self.network_name = network_name
        self.block_path = tuple(block_path)
        self.read_only = bool(block_path)
        self.canvas_palette = current_palette()
        self.nodes: dict[str, NodeItem] = {}
        self.edges: dict[Edge, EdgeItem] = {}
        self._pending: PendingEdgeItem | None = None
        self._origin: PortItem | None = None
        self._reasons: dict[PortItem, str | None] = {}
        self._nudge_id: int | None = None
        self.flow = "TB"
        self._obstacles: ObstacleIndex | None = None
        self.setItemIndexMethod(QGraphicsScene.ItemIndexMethod.NoIndex)
        self.selectionChanged.connect(self._forget_nudge)
        self.rebuild()
        if not self.read_only:
            document.model_changed.connect(self._on_model_changed)
        document.validated.connect(self.refresh_report)

    def detach(self) -> None:
        """Stop following the document (the scene is about to be deleted)."""
        if not self.read_only:
            self.document.model_changed.disconnect(self._on_model_changed)
        self.document.validated.disconnect(self.refresh_report)

    # -- what is shown ----------------------------------------------------------------
    @property
    def network(self) -> Network:
        """The network shown: a top-level network or the body of the opened block."""
        network = self.document.project.networks[self.network_name]
        for node_id in self.block_path:
            definition = self.document.project.blocks.get(network.nodes[node_id].params.get("block"))
            network = definition.body
        return network

    def is_valid(self) -> bool:
        """False once the network or an opened block no longer exists (after an undo)."""
        network = self.document.project.networks.get(self.network_name)
        for node_id in self.block_path:
            node = network.nodes.get(node_id) if network is not None else None
            if node is None or node.type != BLOCK_TYPE:
                return False
            definition = self.document.project.blocks.get(node.params.get("block"))
            if definition is None:
                return False
            network = definition.body
        return network is not None

    def report(self) -> NetworkReport | None:
        report = self.document.reports.get(self.network_name)
        for node_id in self.block_path:
            result = report.nodes.get(node_id) if report is not None else None
            report = result.inner if result is not None else None
        return report

    def rebuild(self) -> None:
        """Create every item from scratch (when the scene is made or its network replaced)."""
        self.cancel_connection()
        self.clear()
        self.nodes.clear()
        self.edges.clear()
        if not self.is_valid():
            return
        network = self.network
        self.flow = flow_direction(network)
        for node in network.nodes.values():
            self._add_node_item(node)
        for edge in network.edges:
            self._add_edge_item(edge)
        self.refresh_report()

    def _add_node_item(self, node) -> NodeItem:
        item = NodeItem(node, self.canvas_palette, self.document.project.blocks, self.flow)
        if self.read_only:
            item.setFlag(QGraphicsItem.GraphicsItemFlag.ItemIsMovable, False)
        self.addItem(item)
        self.nodes[node.id] = item
        return item

    def _add_edge_item(self, edge: Edge) -> None:
        source, target = self.nodes.get(edge.src), self.nodes.get(edge.dst)
        src_port = source.outputs.get(edge.src_port) if source else None
        dst_port = target.inputs.get(edge.dst_port) if target else None
        if src_port is None or dst_port is None:
            return  # a dangling edge (unknown block); validation reports it
        item = EdgeItem(edge, src_port, dst_port, self.canvas_palette)
        self.addItem(item)
        self.edges[edge] = item
        source.edges.add(item)
        target.edges.add(item)
        src_port.set_connected(True)
        dst_port.set_connected(True)

    def _remove_edge_item(self, edge: Edge) -> None:
        item = self.edges.pop(edge, None)
        if item is None:
            return
        for port in (item.source, item.target):
            port.node_item.edges.discard(item)
            port.set_connected(any(e.source is port or e.target is port for e in port.node_item.edges))
        self.removeItem(item)

    def set_canvas_palette(self, palette) -> None:
        """Repaint every item in another theme's colours (after the application's palette changed)."""
        self.canvas_palette = palette
        for item in self.nodes.values():
            item.refresh_palette(palette)
        for item in self.edges.values():
            item.palette = palette
            item.update()
        self.update()

    def refresh_report(self) -> None:
        """Copy shapes, counts and problems from the latest report onto the items; reroute the edges."""
        report = self.report()
        if self.is_valid():
            self._follow_flow(flow_direction(self.network))
        if report is None:
            for item in self.nodes.values():
                item.set_result(None)
            for item in self.edges.values():
                item.set_label("", reroute=False)
        else:
            costs = {cost.node_id: cost.macs for cost in network_cost(self.network, report).nodes}
            for node_id, item in self.nodes.items():
                item.set_result(report.nodes.get(node_id), node_id in report.live or not report.live)
                item.set_cost(costs.get(node_id))
            for edge, item in self.edges.items():
                shape = report.edges.get(edge.key)
                item.set_label("" if shape is None else format_shape(shape), reroute=False)
        self.reroute()

    def set_flow_states(self, states: dict[str, tuple[str, str]]) -> None:
        """Gradient-flow badges while training: node name -> (state, tooltip); nodes not named lose theirs."""
        for item in self.nodes.values():
            item.set_flow_state(*states.get(item.node.name, ("", "")))

    def _follow_flow(self, flow: str) -> None:
        if flow != self.flow:
            self.flow = flow
            for item in self.nodes.values():
                item.set_flow(flow)

    # -- edge routes --------------------------------------------------------------------
    def invalidate_obstacles(self) -> None:
        """Forget where the cards are (one moved, grew or came or went)."""
        self._obstacles = None

    def obstacles(self) -> ObstacleIndex:
        """The cards' rectangles, for edges finding their way around them (built when asked)."""
        if self._obstacles is None:
            rects = {}
            for node_id, item in self.nodes.items():
                rect = item.mapRectToScene(item.card_rect())
                rects[node_id] = (rect.left(), rect.top(), rect.right(), rect.bottom())
            self._obstacles = ObstacleIndex(rects, self.flow)
        return self._obstacles

    def reroute(self) -> None:
        """Route every edge around the cards now in its way."""
        obstacles = self.obstacles()
        for item in self.edges.values():
            item.update_path(obstacles)

    def _on_model_changed(self, network_name: str, event: NetworkEvent) -> None:
        if network_name != self.network_name:
            return
        match event:
            case NodeAdded(node=node):
                self._add_node_item(node)
            case NodeRemoved(node=node):
                item = self.nodes.pop(node.id, None)
                if item is not None:
                    self.removeItem(item)
            case EdgeAdded(edge=edge):
                self._add_edge_item(edge)
            case EdgeRemoved(edge=edge):
                self._remove_edge_item(edge)
            case ParamChanged(node=node) | NodeRenamed(node=node):
                item = self.nodes.get(node.id)
                if item is not None:
                    item.set_node(node)
            case NodeMoved(node=node):
                item = self.nodes.get(node.id)
                if item is not None:
                    item.set_position(node.position)

    # -- selection helpers ----------------------------------------------------------
    def selected_node_ids(self) -> list[str]:
        """Selected node ids in the network's order (stable for commands and tests)."""
        selected = {item.node_id for item in self.selectedItems() if isinstance(item, NodeItem)}
        if not selected or not self.is_valid():
            return []
        return [node_id for node_id in self.network.nodes if node_id in selected]

    def selected_edges(self) -> list[Edge]:
        return [item.edge for item in self.selectedItems() if isinstance(item, EdgeItem)]

    def select_nodes(self, node_ids) -> None:
        wanted = set(node_ids)
        self.clearSelection()
        for node_id, item in self.nodes.items():
            if node_id in wanted:
                item.setSelected(True)

    def nodes_rect(self) -> QRectF:
        """The bounding rectangle of all nodes (empty when there are none)."""
        rect = QRectF()
        for item in self.nodes.values():
            rect = rect.united(item.sceneBoundingRect())
        return rect

    def content_rect(self) -> QRectF:
        """The bounding rectangle of the drawing: nodes, edges and edge labels."""
        rect = self.nodes_rect()
        for item in self.edges.values():
            rect = rect.united(item.sceneBoundingRect())
        return rect

    def _forget_nudge(self) -> None:
        self._nudge_id = None

    # -- connecting by drag ----------------------------------------------------------
    def port_at(self, pos: QPointF) -> PortItem | None:
        for item in self.items(pos):
            if isinstance(item, PortItem):
                return item
        return None

    def _edge_between(self, origin: PortItem, other: PortItem) -> Edge:
        if origin.is_input:
            return Edge(other.node_id, other.name, origin.node_id, origin.name)
        return Edge(origin.node_id, origin.name, other.node_id, other.name)

    def _reason(self, port: PortItem) -> str | None:
        """Why the pending connection may not end at `port` (None: it may)."""
        if port not in self._reasons:
            if port.is_input == self._origin.is_input:
                side = "an input" if port.is_input else "an output"
                self._reasons[port] = f"cannot connect {side} to {side}: drag from an output to an input"
            else:
                self._reasons[port] = self.network.can_connect(self._edge_between(self._origin, port))
        return self._reasons[port]

    def begin_connection(self, origin: PortItem) -> None:
        """Start dragging a connection from `origin`; light up the ports it may reach."""
        self.cancel_connection()
        self._origin = origin
        self._reasons = {}
        self._pending = PendingEdgeItem(origin.scene_anchor(), not origin.is_input, self.canvas_palette, self.flow)
        self.addItem(self._pending)
        candidates = [
            port for item in self.nodes.values() for port in (item.outputs if origin.is_input else item.inputs).values()
        ]
        if len(candidates) > MAX_PRECHECKED_PORTS and self.views():
            view = self.views()[0]
            visible = view.mapToScene(view.viewport().rect()).boundingRect()
            candidates = [p for p in candidates if visible.contains(p.scenePos())]
        for port in candidates:
            port.set_state(VALID if self._reason(port) is None else INVALID)

    def cancel_connection(self) -> None:
        if self._pending is not None:
            self.removeItem(self._pending)
        self._pending = None
        for port in self._reasons:
            port.set_state(NORMAL)
        self._reasons = {}
        self._origin = None

    def finish_connection(self, pos: QPointF) -> None:
        """Connect to the port under `pos`, or say why not; empty space cancels quietly."""
        origin = self._origin
        target = self.port_at(pos)
        reason = None if target is None or target is origin else self._reason(target)
        self.cancel_connection()
        if target is None or target is origin:
            return
        if reason is None:
            command = ConnectCommand(self.document, self.network_name, self._edge_between(origin, target))
            self.document.undo_stack.push(command)
            reason = command.error
        if reason:
            self.status_message.emit(f"Cannot connect: {reason}")
            self.refused.emit(f"Cannot connect: {reason}", pos)
        else:
            self.status_message.emit(command.text())

    # -- mouse and keys ------------------------------------------------------------------
    def mousePressEvent(self, event) -> None:
        if event.button() == Qt.MouseButton.LeftButton and not self.read_only:
            port = self.port_at(event.scenePos())
            if port is not None:
                self.begin_connection(port)
                event.accept()
                return
        super().mousePressEvent(event)

    def mouseMoveEvent(self, event) -> None:
        if self._pending is not None:
            self._pending.move_to(event.scenePos())
            event.accept()
            return
        super().mouseMoveEvent(event)

    def mouseReleaseEvent(self, event) -> None:
        if self._pending is not None:
            self.finish_connection(event.scenePos())
            event.accept()
            return
        super().mouseReleaseEvent(event)
        if event.button() == Qt.MouseButton.LeftButton and not self.read_only:
            self.commit_moves(new_drag_id())

    def mouseDoubleClickEvent(self, event) -> None:
        for item in self.items(event.scenePos()):
            if isinstance(item, NodeItem):
                if item.is_block:
                    self.block_open_requested.emit(item.node_id)
                    event.accept()
                    return
                break
        super().mouseDoubleClickEvent(event)

    def keyPressEvent(self, event) -> None:
        if event.key() == Qt.Key.Key_Escape and self._pending is not None:
            self.cancel_connection()
            event.accept()
            return
        step = _NUDGES.get(Qt.Key(event.key()))
        if step is not None and not self.read_only and self.selected_node_ids() and self.focusItem() is None:
            for node_id in self.selected_node_ids():
                item = self.nodes[node_id]
                item.setPos(item.pos() + QPointF(*step))
            if self._nudge_id is None:
                self._nudge_id = new_drag_id()
            self.commit_moves(self._nudge_id)
            event.accept()
            return
        super().keyPressEvent(event)

    def commit_moves(self, drag_id: int) -> None:
        """Push one command for the nodes whose item was dragged away from its model position."""
        network = self.network
        moves = {}
        for node_id, item in self.nodes.items():
            node = network.nodes.get(node_id)
            new = (item.pos().x(), item.pos().y())
            if node is not None and tuple(node.position) != new:
                moves[node_id] = (node.position, new)
        if moves:
            self.document.undo_stack.push(MoveNodesCommand(self.document, self.network_name, moves, drag_id))
