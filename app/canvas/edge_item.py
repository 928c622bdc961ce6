"""An edge on the canvas: a smooth curve from an output port to an input port.

The curve leaves the output and enters the input along the drawing's flow (down
for a top-down drawing, right for a left-to-right one). When cards lie in its way
(a skip connection past the layers it skips) it runs in a straight lane beside them
(`app.canvas.routing`), joined to both ports by S-curves; an edge running against
the flow leaves its output along the flow, goes round both cards and comes into its
input along the flow, its corners rounded. The tensor shape flowing
along the edge sits in a small pill at the middle of the curve, or of the lane. The
label text comes from the validation report; when the shape is unknown the curve is
drawn dashed and without a label, and labels too small to read are not drawn.

`PendingEdgeItem` is the curve that follows the mouse while a connection is dragged.
"""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QPainterPath, QPainterPathStroker
from PySide6.QtWidgets import QGraphicsItem, QStyleOptionGraphicsItem

from app.canvas.routing import ObstacleIndex, from_flow, plan, to_flow
from app.canvas.style import CanvasPalette, fonts, readable_at
from graph.network import Edge

HIT_WIDTH = 12.0
MIN_HANDLE = 30.0  # the least pull of a curve's ends along the flow
BACK_HANDLE = 80.0  # a curve running against the flow (while dragged) loops out this far
CORNER_RADIUS = 14.0


def _point(flow_point, flow: str) -> QPointF:
    return QPointF(*from_flow(flow_point, flow))


def _s_curve(path: QPainterPath, start, end, flow: str) -> None:
    """Add a cubic from `start` to `end` (flow coordinates) leaving and arriving along the flow."""
    span = end[0] - start[0]
    pull = max(abs(span) / 2, MIN_HANDLE) if span >= 0 else max(-span / 2, BACK_HANDLE)
    path.cubicTo(_point((start[0] + pull, start[1]), flow), _point((end[0] - pull, end[1]), flow), _point(end, flow))


def _rounded(path: QPainterPath, points: list, flow: str) -> None:
    """Add straight runs through `points` (flow coordinates) with their corners rounded."""
    for index in range(1, len(points) - 1):
        before, corner, after = (_point(p, flow) for p in points[index - 1 : index + 2])
        radius = min(CORNER_RADIUS, _distance(before, corner) / 2, _distance(corner, after) / 2)
        path.lineTo(_towards(corner, before, radius))
        path.quadTo(corner, _towards(corner, after, radius))
    path.lineTo(_point(points[-1], flow))


def _distance(a: QPointF, b: QPointF) -> float:
    return ((a.x() - b.x()) ** 2 + (a.y() - b.y()) ** 2) ** 0.5


def _towards(origin: QPointF, target: QPointF, length: float) -> QPointF:
    span = _distance(origin, target)
    return origin if span == 0 else origin + (target - origin) * (length / span)


def route_path(points: list, flow: str) -> QPainterPath:
    """The drawn path through a route from `routing.plan` (flow coordinates)."""
    path = QPainterPath(_point(points[0], flow))
    if len(points) == 2:
        _s_curve(path, points[0], points[1], flow)
        return path
    if len(points) == 6:  # against the flow: out, across, back along a lane, across, in
        _rounded(path, points, flow)
        return path
    start, lane_in, lane_out, end = points
    _s_curve(path, start, lane_in, flow)
    path.lineTo(_point(lane_out, flow))
    _s_curve(path, lane_out, end, flow)
    return path


def curve(start: QPointF, end: QPointF, flow: str = "TB") -> QPainterPath:
    """The S-shaped cubic between two scene points, along the flow."""
    return route_path([to_flow((start.x(), start.y()), flow), to_flow((end.x(), end.y()), flow)], flow)


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
        self.route: list = []
        self.path = QPainterPath()
        self.label_rect = QRectF()
        self.hit_shape = QPainterPath()
        self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemIsSelectable)
        self.setAcceptHoverEvents(True)
        self.setZValue(-1)
        self.update_path()

    @property
    def flow(self) -> str:
        return self.source.node_item.flow

    def set_label(self, text: str, reroute: bool = True) -> None:
        """Show `text` on the edge; with `reroute` False the caller reroutes afterwards."""
        if text != self.label:
            self.label = text
            self.route = []  # the lane's margin depends on the label's size
            if reroute:
                self.update_path()

    def _label_size(self) -> tuple[float, float]:
        if not self.label:
            return 0.0, 0.0
        metrics = fonts().mono_metrics
        return metrics.horizontalAdvance(self.label) + 12, metrics.height() + 4

    def update_path(self, obstacles: ObstacleIndex | None = None) -> None:
        """Recompute the curve after a node moved or the label changed.

        Args:
            obstacles: the cards that may stand in the way; without it the edge takes
                the direct curve (while nodes are dragged; the scene reroutes after).
        """
        flow = self.flow
        start = to_flow(_xy(self.source.scene_anchor()), flow)
        end = to_flow(_xy(self.target.scene_anchor()), flow)
        width, height = self._label_size()
        label_half = (width if flow == "TB" else height) / 2
        exclude = (self.source.node_id, self.target.node_id)
        route = plan(start, end, obstacles, exclude, label_half)
        if route == self.route:
            return
        self.prepareGeometryChange()
        self.route = route
        self.path = route_path(route, flow)
        if self.label:
            if len(route) > 2:  # the middle of the lane
                lane_in, lane_out = route[len(route) // 2 - 1], route[len(route) // 2]
                middle = _point(((lane_in[0] + lane_out[0]) / 2, lane_in[1]), flow)
            else:
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
        if self.label and readable_at(fonts().mono_px, zoom):
            painter.setPen(pen if self.isSelected() or self.hovered else palette.pen("border"))
            painter.setBrush(palette.color("label_fill"))
            radius = self.label_rect.height() / 2
            painter.drawRoundedRect(self.label_rect, radius, radius)
            painter.setFont(fonts().mono)
            painter.setPen(palette.pen("label_text"))
            painter.drawText(self.label_rect, Qt.AlignmentFlag.AlignCenter, self.label)


def _xy(point: QPointF) -> tuple[float, float]:
    return point.x(), point.y()


class PendingEdgeItem(QGraphicsItem):
    """The dashed curve following the mouse while the user drags a new connection."""

    def __init__(self, anchor: QPointF, from_output: bool, palette: CanvasPalette, flow: str = "TB"):
        super().__init__()
        self.anchor = anchor
        self.from_output = from_output
        self.palette = palette
        self.flow = flow
        self.path = QPainterPath()
        self.setZValue(10)
        self.move_to(anchor)

    def move_to(self, point: QPointF) -> None:
        self.prepareGeometryChange()
        if self.from_output:
            self.path = curve(self.anchor, point, self.flow)
        else:
            self.path = curve(point, self.anchor, self.flow)

    def boundingRect(self) -> QRectF:
        return self.path.boundingRect().adjusted(-3, -3, 3, 3)

    def paint(self, painter, option, widget=None) -> None:
        painter.setRenderHint(painter.RenderHint.Antialiasing)
        painter.setPen(self.palette.pen("accent", 2.0, Qt.PenStyle.DashLine))
        painter.drawPath(self.path)
