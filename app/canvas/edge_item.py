"""An edge on the canvas: a smooth curve from an output port to an input port.

The curve is a cubic Bézier leaving the output horizontally to the right and
entering the input from the left; the tensor shape flowing along it sits in a small
pill at its middle. The label text comes from the validation report; when the shape
is unknown the curve is drawn dashed and without a label.

`PendingEdgeItem` is the curve that follows the mouse while a connection is dragged.
"""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QPainterPath, QPainterPathStroker
from PySide6.QtWidgets import QGraphicsItem, QStyleOptionGraphicsItem

from app.canvas.style import NODE_WIDTH, CanvasPalette, fonts
from graph.network import Edge

LABEL_MIN_ZOOM = 0.45  # below this the labels are unreadable noise: skip them
HIT_WIDTH = 12.0
SKIP_SPAN = NODE_WIDTH + 120.0  # wider than the gap between neighbours: another node is in the way
SKIP_ROW = 40.0


def curve(start: QPointF, end: QPointF) -> QPainterPath:
    """The S-shaped cubic between two ports (handles grow with the distance).

    An edge that jumps over other nodes of the same row (a residual connection) arcs
    above them; drawn straight it would hide behind the very nodes it skips.
    """
    span = end.x() - start.x()
    path = QPainterPath(start)
    if span > SKIP_SPAN and abs(end.y() - start.y()) < SKIP_ROW:
        lift = min(max(0.2 * span, 90.0), 160.0) * 4 / 3  # a cubic peaks at 3/4 of its handles' height
        path.cubicTo(
            QPointF(start.x() + span * 0.15, start.y() - lift), QPointF(end.x() - span * 0.15, end.y() - lift), end
        )
        return path
    dx = max(abs(span) * 0.5, 40.0)
    path.cubicTo(QPointF(start.x() + dx, start.y()), QPointF(end.x() - dx, end.y()), end)
    return path


class EdgeItem(QGraphicsItem):
    """One `Edge` of the network between two `PortItem`s."""

    def __init__(self, edge: Edge, source, target, palette: CanvasPalette):
        super().__init__()
        self.edge = edge
        self.source = source  # PortItem (output)
        self.target = target  # PortItem (input)
        self.palette = palette
        self.label = ""
        self.hovered = False
        self.path = QPainterPath()
        self.label_rect = QRectF()
        self.hit_shape = QPainterPath()
        self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemIsSelectable)
        self.setAcceptHoverEvents(True)
        self.setZValue(-1)
        self.update_path()

    def set_label(self, text: str) -> None:
        if text != self.label:
            self.label = text
            self.update_path()

    def update_path(self) -> None:
        """Recompute the curve after a node moved or the label changed."""
        self.prepareGeometryChange()
        start, end = self.source.scene_anchor(), self.target.scene_anchor()
        self.path = curve(start, end)
        if self.label:
            metrics = fonts().mono_metrics
            width = metrics.horizontalAdvance(self.label) + 12
            height = metrics.height() + 4
            middle = self.path.pointAtPercent(0.5)
            self.label_rect = QRectF(middle.x() - width / 2, middle.y() - height / 2, width, height)
        else:
            self.label_rect = QRectF()
        stroker = QPainterPathStroker()
        stroker.setWidth(HIT_WIDTH)
        self.hit_shape = stroker.createStroke(self.path)
        if self.label:
            self.hit_shape.addRect(self.label_rect)

    def boundingRect(self) -> QRectF:
        return self.path.boundingRect().adjusted(-4, -4, 4, 4).united(self.label_rect)

    def shape(self) -> QPainterPath:
        return self.hit_shape

    def hoverEnterEvent(self, event) -> None:
        self.hovered = True
        self.update()

    def hoverLeaveEvent(self, event) -> None:
        self.hovered = False
        self.update()

    def paint(self, painter, option, widget=None) -> None:
        palette = self.palette
        painter.setRenderHint(painter.RenderHint.Antialiasing)
        if self.isSelected():
            pen = palette.pen("accent", 3.0)
        elif self.label:
            pen = palette.pen("accent" if self.hovered else "edge", 2.0)
        else:
            pen = palette.pen("accent" if self.hovered else "edge_unknown", 2.0, Qt.PenStyle.DashLine)
        painter.setPen(pen)
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.drawPath(self.path)
        zoom = QStyleOptionGraphicsItem.levelOfDetailFromTransform(painter.worldTransform())
        if self.label and zoom >= LABEL_MIN_ZOOM:
            painter.setPen(pen if self.isSelected() or self.hovered else palette.pen("border"))
            painter.setBrush(palette.color("label_fill"))
            radius = self.label_rect.height() / 2
            painter.drawRoundedRect(self.label_rect, radius, radius)
            painter.setFont(fonts().mono)
            painter.setPen(palette.pen("label_text"))
            painter.drawText(self.label_rect, Qt.AlignmentFlag.AlignCenter, self.label)


class PendingEdgeItem(QGraphicsItem):
    """The dashed curve following the mouse while the user drags a new connection."""

    def __init__(self, anchor: QPointF, from_output: bool, palette: CanvasPalette):
        super().__init__()
        self.anchor = anchor
        self.from_output = from_output
        self.palette = palette
        self.path = QPainterPath()
        self.setZValue(10)
        self.move_to(anchor)

    def move_to(self, point: QPointF) -> None:
        self.prepareGeometryChange()
        self.path = curve(self.anchor, point) if self.from_output else curve(point, self.anchor)

    def boundingRect(self) -> QRectF:
        return self.path.boundingRect().adjusted(-3, -3, 3, 3)

    def paint(self, painter, option, widget=None) -> None:
        painter.setRenderHint(painter.RenderHint.Antialiasing)
        painter.setPen(self.palette.pen("accent", 2.0, Qt.PenStyle.DashLine))
        painter.drawPath(self.path)
