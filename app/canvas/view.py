"""The canvas view: zoom, pan, fit, the grid, drops from the palette, a minimap and toasts.

Zoom follows the wheel (anchored under the mouse) and Ctrl +/-; the middle button,
or the space bar held with the left button, pans; rubber-band selection is the
default left-drag on empty canvas. Layer drops (mime `LAYER_MIME`) are announced
with `layer_dropped` at the scene position under the cursor; the editor turns them
into an undo command. The `MiniMap` has a strip of its own beside the viewport (see
``minimap.py``); a `Toast` says next to the cursor why something was refused.
"""

from __future__ import annotations

import math

from PySide6.QtCore import QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QPainter
from PySide6.QtWidgets import QGraphicsView

from app.canvas.minimap import MiniMap
from app.canvas.style import GRID, fonts
from app.canvas.toast import Toast

LAYER_MIME = "application/x-netcanvas-layer"
MIN_ZOOM, MAX_ZOOM = 0.02, 3.0
FIT_MARGIN = 40.0


class CanvasView(QGraphicsView):
    """A `QGraphicsView` tuned for node graphs.

    Signals:
        layer_dropped(str, QPointF): a palette entry (its mime text) was dropped at a scene position.
        zoom_changed(float): the zoom factor after any zoom.
    """

    layer_dropped = Signal(str, QPointF)
    zoom_changed = Signal(float)

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setRenderHints(QPainter.RenderHint.Antialiasing | QPainter.RenderHint.TextAntialiasing)
        self.setDragMode(QGraphicsView.DragMode.RubberBandDrag)
        self.setRubberBandSelectionMode(Qt.ItemSelectionMode.IntersectsItemShape)
        self.setTransformationAnchor(QGraphicsView.ViewportAnchor.NoAnchor)
        self.setResizeAnchor(QGraphicsView.ViewportAnchor.AnchorViewCenter)
        self.setViewportUpdateMode(QGraphicsView.ViewportUpdateMode.SmartViewportUpdate)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setAcceptDrops(True)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self._pan_from: QPointF | None = None
        self._space_held = False
        self.minimap = MiniMap(self)
        self.toast = Toast(self.viewport())
        self.update_margins()

    # -- scene ------------------------------------------------------------------------
    def setScene(self, scene) -> None:
        old = self.scene()
        if old is not None:
            old.changed.disconnect(self.minimap.schedule)
        super().setScene(scene)
        if scene is not None:
            scene.changed.connect(self.minimap.schedule)
            self.grow_scene_rect(reset=True)
        self.minimap.schedule()

    def grow_scene_rect(self, reset: bool = False) -> None:
        """Leave generous room around the nodes so panning is never stuck at an edge.

        The rectangle only grows (unless `reset`): shrinking it would make the view jump.
        """
        scene = self.scene()
        if scene is None:
            return
        rect = scene.content_rect()
        span = max(rect.width(), rect.height(), 2000.0)
        wanted = rect.adjusted(-span, -span, span, span)
        self.setSceneRect(wanted if reset else wanted.united(self.sceneRect()))

    # -- zoom -------------------------------------------------------------------------
    def zoom(self) -> float:
        return self.transform().m11()

    def set_zoom(self, factor: float, anchor: QPointF | None = None) -> None:
        """Zoom to `factor` (clamped), keeping the scene point under `anchor` (view coords) still."""
        factor = min(max(factor, MIN_ZOOM), MAX_ZOOM)
        ratio = factor / self.zoom()
        if math.isclose(ratio, 1.0):
            return
        if anchor is None:
            anchor = QPointF(self.viewport().rect().center())
        fixed = self.mapToScene(anchor.toPoint())
        self.scale(ratio, ratio)
        # Scroll so the scene point that was under the anchor is under it again.
        drift = QPointF(self.mapFromScene(fixed)) - anchor
        self.pan_by(-drift.x(), -drift.y())
        self.zoom_changed.emit(self.zoom())
        self.minimap.schedule()

    def zoom_in(self) -> None:
        self.set_zoom(self.zoom() * 1.25)

    def zoom_out(self) -> None:
        self.set_zoom(self.zoom() / 1.25)

    def _fit_zoom(self, rect: QRectF) -> float:
        viewport = self.viewport().rect()
        return min(viewport.width() / rect.width(), viewport.height() / rect.height(), 1.0)

    def fit_view(self) -> None:
        """Show every node and edge (never magnified beyond 100%: small nets stay readable, not huge)."""
        scene = self.scene()
        if scene is None:
            return
        self.grow_scene_rect(reset=True)
        rect = scene.content_rect()
        if rect.isEmpty():
            self.set_zoom(1.0)
            self.centerOn(0, 0)
            return
        rect = rect.adjusted(-FIT_MARGIN, -FIT_MARGIN, FIT_MARGIN, FIT_MARGIN)
        self.set_zoom(self._fit_zoom(rect))
        self.centerOn(rect.center())
        self.minimap.schedule()

    def show_start(self) -> None:
        """The first view of a drawing: all of it if every label is readable so, else 100% at its start.

        A long network fitted whole is a column of coloured boxes; the user sees its
        first layers readable instead (Fit View shows the rest).
        """
        scene = self.scene()
        rect = scene.content_rect() if scene is not None else QRectF()
        margined = rect.adjusted(-FIT_MARGIN, -FIT_MARGIN, FIT_MARGIN, FIT_MARGIN)
        if rect.isEmpty() or self._fit_zoom(margined) >= fonts().detail_zoom:
            self.fit_view()
            return
        self.grow_scene_rect(reset=True)
        self.set_zoom(1.0)
        viewport = self.viewport().rect()
        first = min(
            scene.nodes.values(), key=lambda item: (item.y(), item.x()) if scene.flow == "TB" else (item.x(), item.y())
        )
        card = first.mapRectToScene(first.card_rect())
        if scene.flow == "TB":
            self.centerOn(card.center().x(), margined.top() + viewport.height() / 2)
        else:
            self.centerOn(margined.left() + viewport.width() / 2, card.center().y())
        self.minimap.schedule()

    # -- minimap and toasts ---------------------------------------------------------------
    def set_minimap_enabled(self, enabled: bool) -> None:
        """Show or hide the minimap strip (the viewport takes its room back)."""
        self.minimap.setVisible(enabled)
        self.update_margins()
        self.minimap.schedule()

    def update_margins(self) -> None:
        """Keep the minimap's strip outside the viewport, so it hides nothing."""
        right, bottom = self.minimap.strip()
        self.setViewportMargins(0, 0, right, bottom)
        self.minimap.place()

    def show_toast(self, text: str, scene_pos: QPointF) -> None:
        """Say `text` next to the scene point `scene_pos` (where the user let go)."""
        self.toast.show_at(text, self.mapFromScene(scene_pos))

    def wheelEvent(self, event) -> None:
        delta = event.angleDelta().y() or event.angleDelta().x()
        if delta:
            self.set_zoom(self.zoom() * math.pow(1.0015, delta), event.position())
        event.accept()

    # -- pan --------------------------------------------------------------------------
    def keyPressEvent(self, event) -> None:
        if event.key() == Qt.Key.Key_Space and not event.isAutoRepeat():
            self._space_held = True
            self.viewport().setCursor(Qt.CursorShape.OpenHandCursor)
            event.accept()
            return
        super().keyPressEvent(event)

    def keyReleaseEvent(self, event) -> None:
        if event.key() == Qt.Key.Key_Space and not event.isAutoRepeat():
            self._space_held = False
            self.viewport().unsetCursor()
            event.accept()
            return
        super().keyReleaseEvent(event)

    def mousePressEvent(self, event) -> None:
        middle = event.button() == Qt.MouseButton.MiddleButton
        if middle or (event.button() == Qt.MouseButton.LeftButton and self._space_held):
            self._pan_from = event.position()
            self.viewport().setCursor(Qt.CursorShape.ClosedHandCursor)
            event.accept()
            return
        super().mousePressEvent(event)

    def mouseMoveEvent(self, event) -> None:
        if self._pan_from is not None:
            delta = event.position() - self._pan_from
            self._pan_from = event.position()
            self.pan_by(delta.x(), delta.y())
            event.accept()
            return
        super().mouseMoveEvent(event)

    def mouseReleaseEvent(self, event) -> None:
        if self._pan_from is not None:
            self._pan_from = None
            if self._space_held:
                self.viewport().setCursor(Qt.CursorShape.OpenHandCursor)
            else:
                self.viewport().unsetCursor()
            event.accept()
            return
        super().mouseReleaseEvent(event)

    def pan_by(self, dx: float, dy: float) -> None:
        """Move the content by (dx, dy) view pixels."""
        self.horizontalScrollBar().setValue(self.horizontalScrollBar().value() - round(dx))
        self.verticalScrollBar().setValue(self.verticalScrollBar().value() - round(dy))
        self.minimap.schedule()

    def scrollContentsBy(self, dx: int, dy: int) -> None:
        super().scrollContentsBy(dx, dy)
        self.minimap.schedule()

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self.minimap.place()

    # -- background ---------------------------------------------------------------------
    def drawBackground(self, painter, rect: QRectF) -> None:
        scene = self.scene()
        if scene is None:
            super().drawBackground(painter, rect)
            return
        palette = scene.canvas_palette
        painter.fillRect(rect, palette.color("background"))
        zoom = self.zoom()
        # Lines closer than ~10 screen pixels are noise: coarsen the grid as the view zooms out.
        step = GRID * 2
        while step * zoom < 10:
            step *= 5
        left = math.floor(rect.left() / step) * step
        top = math.floor(rect.top() / step) * step
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, False)
        minor, major = palette.pen("grid_minor", 0), palette.pen("grid_major", 0)
        x = left
        while x < rect.right():
            painter.setPen(major if round(x) % (step * 5) == 0 else minor)
            painter.drawLine(QPointF(x, rect.top()), QPointF(x, rect.bottom()))
            x += step
        y = top
        while y < rect.bottom():
            painter.setPen(major if round(y) % (step * 5) == 0 else minor)
            painter.drawLine(QPointF(rect.left(), y), QPointF(rect.right(), y))
            y += step

    # -- drops from the palette ----------------------------------------------------------
    def dragEnterEvent(self, event) -> None:
        # Accepted over a read-only block view too: the drop then says why it adds nothing.
        if event.mimeData().hasFormat(LAYER_MIME) and self.scene() is not None:
            event.acceptProposedAction()
        else:
            event.ignore()

    def dragMoveEvent(self, event) -> None:
        self.dragEnterEvent(event)

    def dropEvent(self, event) -> None:
        mime = event.mimeData()
        if not mime.hasFormat(LAYER_MIME) or self.scene() is None:
            event.ignore()
            return
        text = bytes(mime.data(LAYER_MIME)).decode("utf-8", "replace")
        event.acceptProposedAction()
        self.layer_dropped.emit(text, self.mapToScene(event.position().toPoint()))
