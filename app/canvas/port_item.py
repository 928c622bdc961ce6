"""A port: the small circle on a node's edge where edges start (outputs) or end (inputs).

A port belongs to its `NodeItem` (a child item, placed by it on the sides the
drawing flows through) and knows its node id, port name and direction; hovering
it names it. While the user drags a new connection the scene sets each port's
`state` so valid targets light up and the others fade.
"""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QBrush, QPainterPath
from PySide6.QtWidgets import QGraphicsItem, QStyleOptionGraphicsItem

from app.canvas.style import PORT_RADIUS

NORMAL, VALID, INVALID = "normal", "valid", "invalid"
HIT_RADIUS = PORT_RADIUS + 5  # generous: small targets are hard to hit with a mouse
MIN_VISIBLE_RADIUS = 1.5  # screen pixels


class PortItem(QGraphicsItem):
    """One input or output port of a node."""

    def __init__(self, node_item, name: str, is_input: bool):
        super().__init__(node_item)
        self.node_item = node_item
        self.name = name
        self.is_input = is_input
        self.state = NORMAL
        self.connected = False
        self.hovered = False
        self.setAcceptHoverEvents(True)
        self.setCursor(Qt.CursorShape.CrossCursor)
        self.setToolTip(f"{'input' if is_input else 'output'} '{name}'")
        self.setZValue(2)

    @property
    def node_id(self) -> str:
        return self.node_item.node_id

    def scene_anchor(self) -> QPointF:
        """Where edges attach, in scene coordinates."""
        return self.scenePos()

    def boundingRect(self) -> QRectF:
        return QRectF(-HIT_RADIUS, -HIT_RADIUS, 2 * HIT_RADIUS, 2 * HIT_RADIUS)

    def shape(self) -> QPainterPath:
        path = QPainterPath()
        path.addEllipse(self.boundingRect())
        return path

    def set_state(self, state: str) -> None:
        if state != self.state:
            self.state = state
            self.update()

    def set_connected(self, connected: bool) -> None:
        if connected != self.connected:
            self.connected = connected
            self.update()

    def hoverEnterEvent(self, event) -> None:
        self.hovered = True
        self.update()

    def hoverLeaveEvent(self, event) -> None:
        self.hovered = False
        self.update()

    def paint(self, painter, option, widget=None) -> None:
        zoom = QStyleOptionGraphicsItem.levelOfDetailFromTransform(painter.worldTransform())
        if PORT_RADIUS * zoom < MIN_VISIBLE_RADIUS and self.state == NORMAL and not self.hovered:
            return  # a speck at this zoom: the card alone reads better
        palette = self.node_item.palette
        radius = PORT_RADIUS + (2.0 if self.hovered or self.state == VALID else 0.0)
        if self.state == INVALID:
            painter.setOpacity(0.25)
        if self.state == VALID:
            painter.setPen(palette.pen("accent", 2.0))
            painter.setBrush(palette.color("accent"))
        else:
            painter.setPen(palette.pen("edge", 1.5))
            painter.setBrush(palette.color("edge") if self.connected else QBrush(palette.color("body")))
        painter.drawEllipse(QPointF(0, 0), radius, radius)
