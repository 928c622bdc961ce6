"""The minimap: an overview of the whole drawing beside the canvas, never over it.

The `CanvasView` gives the map a strip of its own outside the viewport (viewport
margins): on the right of a top-down drawing, under a left-to-right one, so the map
has the drawing's shape. Nothing on the canvas can slide under it. The map paints
the cards as small rectangles in their colours (cheap: no second scene render) and the visible area
as a frame; clicking or dragging on it moves the view. It can be switched off
(View > Minimap); the view then takes the strip back.
"""

from __future__ import annotations

from PySide6.QtCore import QRectF, Qt, QTimer
from PySide6.QtGui import QPainter
from PySide6.QtWidgets import QWidget

from app.canvas.style import category_colour

STRIP = {"TB": 150, "LR": 110}  # the strip's width (right side) or height (bottom side)
PAD = 6
MARGIN = 40.0  # scene pixels around the drawing


class MiniMap(QWidget):
    """The overview strip of one `CanvasView` (a child of the view, outside its viewport)."""

    def __init__(self, view):
        super().__init__(view)
        self.view = view
        self.side = "TB"
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        self.setToolTip("Overview: click or drag to move the view")
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(60)
        self._timer.timeout.connect(self.refresh)
        self._world = QRectF()

    def schedule(self, *args) -> None:
        """Refresh soon; many scene changes in a row cost one repaint."""
        self._timer.start()

    def strip(self) -> tuple[int, int]:
        """(right, bottom) margins the view keeps for the map: zero on the side it does not use."""
        if self.isHidden():
            return 0, 0
        size = STRIP[self.side]
        return (size, 0) if self.side == "TB" else (0, size)

    def place(self) -> None:
        """Fill the strip beside the viewport."""
        viewport = self.view.viewport().geometry()
        if self.side == "TB":
            self.setGeometry(viewport.right() + 1, viewport.top(), STRIP["TB"], viewport.height())
        else:
            self.setGeometry(viewport.left(), viewport.bottom() + 1, viewport.width(), STRIP["LR"])

    def refresh(self) -> None:
        scene = self.view.scene()
        side = getattr(scene, "flow", "TB")
        if side != self.side:
            self.side = side
            self.view.update_margins()
        drawing = scene.content_rect() if scene is not None else QRectF()
        if not drawing.isEmpty():
            self.view.grow_scene_rect()
        self._world = drawing.adjusted(-MARGIN, -MARGIN, MARGIN, MARGIN) if not drawing.isEmpty() else QRectF()
        self.place()
        self.update()

    def _scale(self) -> tuple[float, float, float]:
        """Scale and offset from scene to map coordinates."""
        world = self._world
        inner = QRectF(self.rect()).adjusted(PAD, PAD, -PAD, -PAD)
        scale = min(inner.width() / world.width(), inner.height() / world.height())
        dx = inner.left() + (inner.width() - world.width() * scale) / 2 - world.left() * scale
        dy = inner.top() + (inner.height() - world.height() * scale) / 2 - world.top() * scale
        return scale, dx, dy

    def _to_map(self, rect: QRectF) -> QRectF:
        scale, dx, dy = self._scale()
        return QRectF(rect.left() * scale + dx, rect.top() * scale + dy, rect.width() * scale, rect.height() * scale)

    def paintEvent(self, event) -> None:
        scene = self.view.scene()
        if scene is None:
            return
        palette = scene.canvas_palette
        painter = QPainter(self)
        painter.fillRect(self.rect(), palette.color("body"))
        painter.setPen(palette.pen("border"))
        if self.side == "TB":
            painter.drawLine(0, 0, 0, self.height())
        else:
            painter.drawLine(0, 0, self.width(), 0)
        if self._world.isEmpty():
            painter.end()
            return
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(Qt.PenStyle.NoPen)
        for item in scene.nodes.values():
            painter.setBrush(palette.color("error") if item.severity == "error" else category_colour(item.category))
            painter.drawRect(self._to_map(item.mapRectToScene(item.card_rect())))
        visible = self.view.mapToScene(self.view.viewport().rect()).boundingRect()
        painter.setPen(palette.pen("accent", 1.5))
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.drawRect(self._to_map(visible).intersected(QRectF(self.rect()).adjusted(1, 1, -1, -1)))
        painter.end()

    def _jump(self, point) -> None:
        if self._world.isEmpty():
            return
        scale, dx, dy = self._scale()
        self.view.centerOn((point.x() - dx) / scale, (point.y() - dy) / scale)

    def mousePressEvent(self, event) -> None:
        self._jump(event.position())
        event.accept()

    def mouseMoveEvent(self, event) -> None:
        if event.buttons() & Qt.MouseButton.LeftButton:
            self._jump(event.position())
        event.accept()
