"""A node on the canvas: a rounded card showing one layer (or block) of the network.

Layout, top to bottom: a header in the category colour with icon, name and type; the
port rows (labelled when a side has more than one port); the key parameters named
by the spec's ``face``; a footer with the output shape and the parameter count from
the validation report. Block nodes draw a stacked edge behind the card.

The item never changes the model. `set_node` and `set_result` recompute the texts
and geometry once per change; `paint` only draws what they prepared (the item is
cached as a device-coordinate pixmap, so most repaints are a blit).
"""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QFont, QFontMetricsF, QPainterPath
from PySide6.QtWidgets import QGraphicsItem, QStyleOptionGraphicsItem

from app.canvas.port_item import PortItem
from app.canvas.style import (
    CORNER,
    GRID,
    HEADER_HEIGHT,
    NODE_WIDTH,
    ROW_HEIGHT,
    CanvasPalette,
    category_colour,
    fonts,
)
from app.icons import glyph_pixmap
from graph.network import Node
from graph.params import Ref, format_value
from graph.registry import BLOCK_TYPE, get_spec
from graph.shapes import format_shape
from graph.validation import NodeResult

PAD = 10.0
PORT_ROW = 18.0
STACK_OFFSET = 4.0
MAX_FACE_ROWS = 4
CALLOUT_WIDTH = NODE_WIDTH + 40
CALLOUT_LINES = 3
OVERVIEW_ZOOM = 0.5  # below this zoom the details are unreadable: draw the overview card


def compact_count(count: int) -> str:
    """``1,234,567`` -> ``1.23M``: parameter counts that fit a node's footer."""
    if count >= 1_000_000:
        return f"{count / 1_000_000:.3g}M"
    if count >= 10_000:
        return f"{count / 1_000:.3g}k"
    return f"{count:,}"


class NodeItem(QGraphicsItem):
    """The card of one node; its `PortItem`s are child items."""

    def __init__(self, node: Node, palette: CanvasPalette, blocks: dict):
        super().__init__()
        self.node_id = node.id
        self.palette = palette
        self.blocks = blocks
        self.edges: set = set()
        self.inputs: dict[str, PortItem] = {}
        self.outputs: dict[str, PortItem] = {}
        self.syncing = False  # True while the scene copies the model's position in
        self.height = 60.0
        self.severity = ""
        self.face: list[tuple[str, str]] = []
        self.footer_shape = ""
        self.footer_count = ""
        self.count_on_own_row = False
        self.title = ""
        self.subtitle = ""
        self.category = ""
        self.is_block = False
        self._signature: tuple = ()
        self.callout = ""
        self.callout_rect = QRectF()
        self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemIsMovable)
        self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemIsSelectable)
        self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemSendsGeometryChanges)
        self.setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)
        self.setAcceptHoverEvents(True)
        self.node = node
        self.result: NodeResult | None = None
        self.set_node(node)
        self.set_position(node.position)

    # -- model -> item --------------------------------------------------------------
    def set_position(self, position: tuple[float, float]) -> None:
        self.syncing = True
        self.setPos(QPointF(*position))
        self.syncing = False

    def set_node(self, node: Node) -> None:
        """Take the node's name, type and parameters (after an add, rename or param change)."""
        self.node = node
        self.is_block = node.type == BLOCK_TYPE
        if self.is_block:
            self.category = "Blocks"
            self.subtitle = str(node.params.get("block", "?"))
        else:
            spec = get_spec(node.type)
            self.category = spec.category if spec else ""
            self.subtitle = node.type
        self.title = node.name
        self._sync_ports()
        self._relayout()

    def set_result(self, result: NodeResult | None, live: bool = True) -> None:
        """Take this node's validation result: shapes, parameter count, problems."""
        self.result = result
        problems = result.problems if result else []
        if any(p.severity == "error" for p in problems):
            self.severity = "error"
        elif problems:
            self.severity = "warning"
        else:
            self.severity = ""
        self.setOpacity(1.0 if live or self.node.type == "Input" else 0.6)
        self._relayout()

    def _ports_of(self) -> tuple[list[str], list[str]]:
        if self.is_block:
            definition = self.blocks.get(self.node.params.get("block"))
            if definition is None:
                return [], []
            return definition.input_names(), definition.output_names()
        spec = get_spec(self.node.type)
        if spec is None:
            return [], []
        return [p.name for p in spec.inputs], list(spec.outputs)

    def _sync_ports(self) -> None:
        ins, outs = self._ports_of()
        for names, ports, is_input in ((ins, self.inputs, True), (outs, self.outputs, False)):
            if list(ports) == names:
                continue
            for port in ports.values():
                if port.scene() is not None:
                    port.scene().removeItem(port)
            ports.clear()
            for name in names:
                ports[name] = PortItem(self, name, is_input)

    def _face_rows(self) -> list[tuple[str, str]]:
        params = self.node.params
        if self.is_block:
            definition = self.blocks.get(params.get("block"))
            names = [p.name for p in definition.params] if definition else []
            titles = {p.name: p.title for p in definition.params} if definition else {}
        else:
            spec = get_spec(self.node.type)
            if spec is None or (self.node.type == "Input" and self.footer_shape):
                return []
            names = list(spec.face)
            titles = {p.name: p.title for p in spec.params}
        rows = []
        for name in names[:MAX_FACE_ROWS]:
            if name in params:
                value = params[name]
                # Inside a block body a value may name one of the block's parameters: show it as written.
                rows.append(
                    (titles.get(name, name), value.to_json() if isinstance(value, Ref) else format_value(value))
                )
        return rows

    def _relayout(self) -> None:
        result = self.result
        shape_text = ""
        if result is not None:
            if self.node.type == "Output":
                incoming = result.inputs.get("x") or [None]
                shape_text = "" if incoming[0] is None else "← " + format_shape(incoming[0])
            elif len(result.outputs) == 1:
                shape = next(iter(result.outputs.values()))
                shape_text = "" if shape is None else "→ " + format_shape(shape)
            elif len(result.outputs) > 1:
                shape_text = f"→ {len(result.outputs)} outputs"
        self.footer_shape = shape_text
        count = result.param_count if result else 0
        self.footer_count = f"{compact_count(count)} params" if count else ""
        self.face = self._face_rows()
        f = fonts()
        avail = NODE_WIDTH - 2 * PAD
        needed = f.mono_metrics.horizontalAdvance(self.footer_shape) + 8
        needed += f.small_metrics.horizontalAdvance(self.footer_count)
        self.count_on_own_row = bool(self.footer_shape and self.footer_count and needed > avail)
        # Port rows first when a side shows labels, then the face, then the footer.
        labelled = max(
            len(self.inputs) if len(self.inputs) > 1 else 0, len(self.outputs) if len(self.outputs) > 1 else 0
        )
        self.face_top = HEADER_HEIGHT + 6 + labelled * PORT_ROW
        footer_rows = (1 if self.footer_shape or self.footer_count else 0) + (1 if self.count_on_own_row else 0)
        content = self.face_top + len(self.face) * ROW_HEIGHT + footer_rows * ROW_HEIGHT + 6
        ports = HEADER_HEIGHT + 6 + max(len(self.inputs), len(self.outputs), 1) * PORT_ROW + 2
        height = max(content, ports, HEADER_HEIGHT + 30)
        if height != self.height:
            self.prepareGeometryChange()
            self.height = height
        for index, port in enumerate(self.inputs.values()):
            port.setPos(0.0, HEADER_HEIGHT + 6 + PORT_ROW / 2 + index * PORT_ROW)
        for index, port in enumerate(self.outputs.values()):
            port.setPos(NODE_WIDTH, HEADER_HEIGHT + 6 + PORT_ROW / 2 + index * PORT_ROW)
        tooltip = self._tooltip()
        self._layout_callout()
        signature = (self.title, self.subtitle, tuple(self.face), shape_text, self.footer_count, self.severity, tooltip)
        if signature == self._signature:
            return  # nothing visible changed: keep the cached pixmap (validation runs often)
        self._signature = signature
        self.setToolTip(tooltip)
        for edge in self.edges:
            edge.update_path()
        self.update()

    def _layout_callout(self) -> None:
        """The first error, written under the card so nobody has to hover to learn what is wrong."""
        errors = [p for p in (self.result.problems if self.result else []) if p.severity == "error"]
        text = errors[0].message if errors else ""
        prefix = f"{self.subtitle} '{self.title}' "
        if text.startswith(prefix):
            text = text[len(prefix) :]  # the card already says which node this is
        old_rect = self.callout_rect
        self.callout = text
        if text:
            metrics = fonts().small_metrics
            flags = int(Qt.TextFlag.TextWordWrap)
            bound = metrics.boundingRect(QRectF(0, 0, CALLOUT_WIDTH, 1000), flags, text)
            height = min(bound.height(), metrics.lineSpacing() * CALLOUT_LINES)
            self.callout_rect = QRectF(0, self.height + 6, CALLOUT_WIDTH, height)
        else:
            self.callout_rect = QRectF()
        if self.callout_rect != old_rect:
            self.prepareGeometryChange()

    def _tooltip(self) -> str:
        lines = [f"<b>{self.title}</b> &nbsp;<i>{self.subtitle}</i>"]
        if self.result is not None:
            for problem in self.result.problems:
                colour = self.palette.error if problem.severity == "error" else self.palette.warning
                lines.append(f"<span style='color:{colour}'>{problem.severity}: {_escape(problem.message)}</span>")
        return "<br>".join(lines)

    def refresh_palette(self, palette: CanvasPalette) -> None:
        self.palette = palette
        self.update()

    # -- geometry -------------------------------------------------------------------
    def card_rect(self) -> QRectF:
        return QRectF(0.0, 0.0, NODE_WIDTH, self.height)

    def boundingRect(self) -> QRectF:
        # Room for the outline, the problem badge on the top-right corner, a block's stack
        # and the error callout under the card.
        return QRectF(-6.0, -12.0, NODE_WIDTH + 18.0, self.height + 18.0).united(self.callout_rect)

    def shape(self) -> QPainterPath:
        path = QPainterPath()
        path.addRoundedRect(self.card_rect(), CORNER, CORNER)
        return path

    def itemChange(self, change, value):
        if change == QGraphicsItem.GraphicsItemChange.ItemPositionChange and not self.syncing:
            # Snap while the user drags; positions from the model are shown as they are.
            return QPointF(round(value.x() / GRID) * GRID, round(value.y() / GRID) * GRID)
        if change == QGraphicsItem.GraphicsItemChange.ItemPositionHasChanged:
            for edge in self.edges:
                edge.update_path()
        return super().itemChange(change, value)

    # -- painting -------------------------------------------------------------------
    def paint(self, painter, option, widget=None) -> None:
        palette = self.palette
        f = fonts()
        rect = self.card_rect()
        colour = category_colour(self.category)
        painter.setRenderHint(painter.RenderHint.Antialiasing)
        zoom = QStyleOptionGraphicsItem.levelOfDetailFromTransform(painter.worldTransform())
        if zoom < OVERVIEW_ZOOM:
            self._paint_overview(painter, zoom)
            return
        if self.is_block:
            painter.setPen(palette.pen("border"))
            painter.setBrush(palette.color("body"))
            for step in (2, 1):
                offset = STACK_OFFSET * step
                painter.drawRoundedRect(rect.translated(offset, -offset), CORNER, CORNER)
        # Card body and header.
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(palette.color("body"))
        painter.drawRoundedRect(rect, CORNER, CORNER)
        header = QPainterPath()
        header.setFillRule(Qt.FillRule.WindingFill)
        header.addRoundedRect(QRectF(0, 0, NODE_WIDTH, HEADER_HEIGHT), CORNER, CORNER)
        header.addRect(QRectF(0, HEADER_HEIGHT - CORNER, NODE_WIDTH, CORNER))
        painter.setBrush(colour)
        painter.drawPath(header)
        painter.drawPixmap(QPointF(7, (HEADER_HEIGHT - 16) / 2), glyph_pixmap(self.category))
        # Header texts: name (bold) left, type right, both elided to fit.
        painter.setPen(palette.pen("header_text"))
        painter.setFont(f.small)
        type_width = min(f.small_metrics.horizontalAdvance(self.subtitle), 70.0)
        type_text = f.small_metrics.elidedText(self.subtitle, Qt.TextElideMode.ElideRight, type_width + 1)
        type_rect = QRectF(NODE_WIDTH - PAD - type_width - 1, 0, type_width + 1, HEADER_HEIGHT)
        opacity = painter.opacity()
        painter.setOpacity(opacity * 0.8)
        painter.drawText(type_rect, Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignRight, type_text)
        painter.setOpacity(opacity)
        painter.setFont(f.title)
        name_width = NODE_WIDTH - 30 - PAD - type_width - 6
        name = f.title_metrics.elidedText(self.title, Qt.TextElideMode.ElideRight, name_width)
        painter.drawText(QRectF(28, 0, name_width, HEADER_HEIGHT), Qt.AlignmentFlag.AlignVCenter, name)
        self._paint_body(painter)
        # Outline: problems always show; selection adds a ring outside, so both stay visible.
        if self.severity == "error":
            pen = palette.pen("error", 2.5)
        elif self.severity == "warning":
            pen = palette.pen("warning", 2.0)
        elif self.isSelected():
            pen = palette.pen("accent", 2.5)
        else:
            pen = palette.pen("border")
        painter.setPen(pen)
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.drawRoundedRect(rect, CORNER, CORNER)
        if self.isSelected() and self.severity:
            painter.setPen(palette.pen("accent", 2.0))
            painter.drawRoundedRect(rect.adjusted(-4, -4, 4, 4), CORNER + 3, CORNER + 3)
        if self.severity:
            self._paint_badge(painter)
        if self.callout:
            painter.setFont(f.small)
            painter.setPen(palette.pen("error"))
            painter.drawText(self.callout_rect, int(Qt.TextFlag.TextWordWrap), self.callout)

    def _paint_overview(self, painter, zoom: float) -> None:
        """Zoomed far out: a solid card in the category colour with the name large enough to read."""
        palette = self.palette
        rect = self.card_rect()
        painter.setBrush(category_colour(self.category))
        if self.isSelected():
            painter.setPen(palette.pen("accent", 3.0 / zoom))
        elif self.severity:
            painter.setPen(palette.pen("error" if self.severity == "error" else "warning", 3.0 / zoom))
        else:
            painter.setPen(Qt.PenStyle.NoPen)
        painter.drawRoundedRect(rect, CORNER, CORNER)
        font = QFont(fonts().title)
        font.setPointSizeF(font.pointSizeF() * min(OVERVIEW_ZOOM / zoom, 4.0))
        painter.setFont(font)
        painter.setPen(self.palette.pen("header_text"))
        text = QFontMetricsF(font).elidedText(self.title, Qt.TextElideMode.ElideRight, NODE_WIDTH - 12)
        painter.drawText(rect.adjusted(6, 0, -6, 0), Qt.AlignmentFlag.AlignCenter, text)

    def _paint_body(self, painter) -> None:
        palette = self.palette
        f = fonts()
        painter.setFont(f.small)
        if len(self.inputs) > 1 or len(self.outputs) > 1:
            painter.setPen(palette.pen("subtext"))
            for ports, align, x in (
                (self.inputs, Qt.AlignmentFlag.AlignLeft, PAD),
                (self.outputs, Qt.AlignmentFlag.AlignRight, NODE_WIDTH / 2),
            ):
                if len(ports) < 2:
                    continue
                for port in ports.values():
                    row = QRectF(x, port.y() - PORT_ROW / 2, NODE_WIDTH / 2 - PAD, PORT_ROW)
                    painter.drawText(row, align | Qt.AlignmentFlag.AlignVCenter, port.name)
        y = self.face_top
        width = NODE_WIDTH - 2 * PAD
        for label, value in self.face:
            row = QRectF(PAD, y, width, ROW_HEIGHT)
            painter.setPen(palette.pen("subtext"))
            painter.drawText(row, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, label)
            painter.setPen(palette.pen("text"))
            text = f.small_metrics.elidedText(value, Qt.TextElideMode.ElideLeft, width * 0.55)
            painter.drawText(row, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter, text)
            y += ROW_HEIGHT
        if self.face and (self.footer_shape or self.footer_count):
            painter.setPen(palette.pen("grid_major" if not palette.dark else "border"))
            painter.drawLine(QPointF(PAD, y + 2), QPointF(NODE_WIDTH - PAD, y + 2))
            y += 3
        row = QRectF(PAD, y, width, ROW_HEIGHT)
        if self.footer_shape:
            painter.setFont(f.mono)
            painter.setPen(palette.pen("text"))
            shape = f.mono_metrics.elidedText(self.footer_shape, Qt.TextElideMode.ElideRight, width)
            painter.drawText(row, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, shape)
            if self.count_on_own_row:
                row = row.translated(0, ROW_HEIGHT)
        if self.footer_count:
            painter.setFont(f.small)
            painter.setPen(palette.pen("subtext"))
            painter.drawText(row, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter, self.footer_count)

    def _paint_badge(self, painter) -> None:
        palette = self.palette
        centre = QPointF(NODE_WIDTH - 2, -2)
        painter.setPen(palette.pen("body", 1.5))
        painter.setBrush(palette.color("error" if self.severity == "error" else "warning"))
        painter.drawEllipse(centre, 8, 8)
        painter.setPen(palette.pen("header_text"))
        painter.setFont(fonts().small_bold)
        painter.drawText(QRectF(centre.x() - 8, centre.y() - 8, 16, 16), Qt.AlignmentFlag.AlignCenter, "!")


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
