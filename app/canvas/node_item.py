"""A node on the canvas: a rounded card showing one layer (or block) of the network.

Layout, top to bottom: a header in the category colour with icon, name and type; the
port names when a side has more than one port; the key parameters named by the
spec's ``face``; a footer with the output shape and the parameter count from the
validation report. Block nodes draw a stacked edge behind the card. The ports sit
on the sides the drawing flows through (`flow`): top down, inputs on the top edge
and outputs on the bottom edge; left to right, inputs left and outputs right.

Level of detail: no text is drawn smaller than `MIN_TEXT_PX` on screen. Below the
zoom where the card's small print would be, the card becomes a box in its category
colour with the name and type in a large font; further out the name alone; then the
box alone. A name cut to fit is always whole in the node's tooltip.

Badges (drawn with the card's details): the layer's mult-adds for one sample in a
small pill on the top edge (``118k MACs``, `set_cost`), and while training the
state of its gradient flow as a coloured dot (`set_flow_state`: green ok, amber
weak, red with an arrow where gradients vanish or explode).

The item never changes the model. `set_node` and `set_result` recompute the texts
and geometry once per change; `paint` only draws what they prepared (the item is
cached as a device-coordinate pixmap, so most repaints are a blit).
"""

from __future__ import annotations

import math

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QFont, QFontMetricsF, QPainterPath, QPen
from PySide6.QtWidgets import QGraphicsItem, QStyleOptionGraphicsItem

from app.canvas.port_item import PortItem
from app.canvas.style import CORNER, GRID, MIN_TEXT_PX, CanvasPalette, category_colour, fonts
from app.icons import glyph_pixmap
from graph.layout import HEADER_HEIGHT, NODE_WIDTH, PORT_ROW, ROW_HEIGHT, card_height, face_names, port_label_rows
from graph.network import Node
from graph.params import Ref, format_value
from graph.registry import BLOCK_TYPE, get_spec
from graph.shapes import format_shape
from graph.validation import NodeResult

PAD = 10.0
STACK_OFFSET = 4.0
CALLOUT_WIDTH = NODE_WIDTH + 40
CALLOUT_LINES = 3
# Zoomed out: (name, type) sizes on screen in pixels, tried in turn until the lines fit
# the card; the type line is dropped first, then the name gets smaller (and regular,
# which is narrower than bold) down to the smallest text the canvas shows.
SUMMARY_TEXT = ((12.0, 10.0), (11.0, None), (10.0, None), (9.0, None), (MIN_TEXT_PX, None))
SUMMARY_PAD = 4.0
SUMMARY_MIN_CHARS = 6  # a name cut to fewer letters says little: a smaller font, or the box alone
BADGE_HEIGHT = 14.0
FLOW_COLOURS = {"ok": "#10b981", "weak": "#eab308", "vanishing": "#d93025", "exploding": "#d93025"}
FLOW_GLYPHS = {"vanishing": "↓", "exploding": "↑"}
_summary_fonts: dict[tuple[int, bool], tuple[QFont, QFontMetricsF]] = {}


def compact_count(count: int) -> str:
    """``1,234,567`` -> ``1.23M``: parameter counts (and mult-adds) that fit a node's footer."""
    if count >= 1_000_000_000:
        return f"{count / 1_000_000_000:.3g}G"
    if count >= 1_000_000:
        return f"{count / 1_000_000:.3g}M"
    if count >= 10_000:
        return f"{count / 1_000:.3g}k"
    return f"{count:,}"


class NodeItem(QGraphicsItem):
    """The card of one node; its `PortItem`s are child items."""

    def __init__(self, node: Node, palette: CanvasPalette, blocks: dict, flow: str = "TB"):
        super().__init__()
        self.node_id = node.id
        self.flow = flow
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
        self.cost_text = ""
        self.flow_state = ""
        self.flow_tip = ""
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

    def set_flow(self, flow: str) -> None:
        """Put the ports on the sides of `flow` (``"TB"`` or ``"LR"``)."""
        if flow != self.flow:
            self.flow = flow
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

    def set_cost(self, macs: int | None) -> None:
        """Show the layer's mult-adds for one sample (nothing for none or unknown)."""
        text = f"{compact_count(macs)} MACs" if macs else ""
        if text != self.cost_text:
            self.cost_text = text
            self.update()

    def set_flow_state(self, state: str, tip: str = "") -> None:
        """Show the gradient flow's state (``ok``, ``weak``, ``vanishing``, ``exploding``; "" for none)."""
        if (state, tip) != (self.flow_state, self.flow_tip):
            self.flow_state, self.flow_tip = state, tip
            self.setToolTip(self._tooltip())
            self.update()

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
            titles = {p.name: p.title for p in definition.params} if definition else {}
        else:
            spec = get_spec(self.node.type)
            if spec is None or (self.node.type == "Input" and self.footer_shape):
                return []
            titles = {p.name: p.title for p in spec.params}
        rows = []
        for name in face_names(self.node, self.blocks):
            value = params[name]
            # Inside a block body a value may name one of the block's parameters: show it as written.
            rows.append((titles.get(name, name), value.to_json() if isinstance(value, Ref) else format_value(value)))
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
        footer_rows = (1 if self.footer_shape or self.footer_count else 0) + (1 if self.count_on_own_row else 0)
        ins, outs = len(self.inputs), len(self.outputs)
        labels = port_label_rows(ins, outs, self.flow)
        height = card_height(len(self.face), footer_rows, labels)
        if height != self.height:
            self.prepareGeometryChange()
            self.height = height
            scene = self.scene()
            if scene is not None:
                scene.invalidate_obstacles()
        if self.flow == "TB":
            # Input names share a row under the header, output names a row above the bottom edge.
            self.face_top = HEADER_HEIGHT + 6 + (PORT_ROW if ins > 1 else 0)
            for ports, y in ((self.inputs, 0.0), (self.outputs, height)):
                for index, port in enumerate(ports.values()):
                    port.setPos(NODE_WIDTH * (index + 1) / (len(ports) + 1), y)
        else:
            # Each port of a side with several has a labelled row; a lone port sits mid-height.
            self.face_top = HEADER_HEIGHT + 6 + labels * PORT_ROW
            for ports, x in ((self.inputs, 0.0), (self.outputs, NODE_WIDTH)):
                for index, port in enumerate(ports.values()):
                    y = HEADER_HEIGHT + 6 + PORT_ROW / 2 + index * PORT_ROW if len(ports) > 1 else height / 2
                    port.setPos(x, y)
        tooltip = self._tooltip()
        self._layout_callout()
        signature = (
            self.title,
            self.subtitle,
            tuple(self.face),
            shape_text,
            self.footer_count,
            self.severity,
            tooltip,
            self.flow,
            height,
            self.callout,
        )
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
        rect = QRectF()
        if text:
            metrics = fonts().small_metrics
            flags = int(Qt.TextFlag.TextWordWrap)
            bound = metrics.boundingRect(QRectF(0, 0, CALLOUT_WIDTH, 1000), flags, text)
            height = min(bound.height(), metrics.lineSpacing() * CALLOUT_LINES)
            rect = QRectF(0, self.height + 6, CALLOUT_WIDTH, height)
        if rect != self.callout_rect:
            # Before the change: the scene repaints the old bounds (a cleared callout
            # lies outside the new ones and would stay on screen).
            self.prepareGeometryChange()
            self.callout_rect = rect
        self.callout = text

    def _tooltip(self) -> str:
        lines = [f"<b>{self.title}</b> &nbsp;<i>{self.subtitle}</i>"]
        if self.result is not None:
            for problem in self.result.problems:
                colour = self.palette.error if problem.severity == "error" else self.palette.warning
                lines.append(f"<span style='color:{colour}'>{problem.severity}: {_escape(problem.message)}</span>")
        if self.flow_state:
            state = f"<span style='color:{FLOW_COLOURS[self.flow_state]}'>gradient flow {self.flow_state}</span>"
            lines.append(f"{state}: {_escape(self.flow_tip)}")
        return "<br>".join(lines)

    def refresh_palette(self, palette: CanvasPalette) -> None:
        self.palette = palette
        self.update()

    # -- geometry -------------------------------------------------------------------
    def card_rect(self) -> QRectF:
        return QRectF(0.0, 0.0, NODE_WIDTH, self.height)

    def boundingRect(self) -> QRectF:
        # Room for the outline, the badges on the top edge (a cost pill may sit on the bottom
        # edge), a block's stack and the error callout under the card.
        return QRectF(-6.0, -12.0, NODE_WIDTH + 18.0, self.height + 20.0).united(self.callout_rect)

    def shape(self) -> QPainterPath:
        path = QPainterPath()
        path.addRoundedRect(self.card_rect(), CORNER, CORNER)
        return path

    def itemChange(self, change, value):
        if change == QGraphicsItem.GraphicsItemChange.ItemPositionChange and not self.syncing:
            # Snap while the user drags; positions from the model are shown as they are.
            return QPointF(round(value.x() / GRID) * GRID, round(value.y() / GRID) * GRID)
        if change == QGraphicsItem.GraphicsItemChange.ItemPositionHasChanged:
            scene = self.scene()
            if scene is not None:
                scene.invalidate_obstacles()
            for edge in self.edges:
                edge.update_path()  # the direct curve while moving; the scene reroutes after
        if change == QGraphicsItem.GraphicsItemChange.ItemSceneChange:
            for scene in (self.scene(), value):
                if scene is not None:
                    scene.invalidate_obstacles()
        return super().itemChange(change, value)

    # -- painting -------------------------------------------------------------------
    def paint(self, painter, option, widget=None) -> None:
        palette = self.palette
        f = fonts()
        rect = self.card_rect()
        colour = category_colour(self.category)
        painter.setRenderHint(painter.RenderHint.Antialiasing)
        zoom = QStyleOptionGraphicsItem.levelOfDetailFromTransform(painter.worldTransform())
        if zoom < f.detail_zoom:
            self._paint_summary(painter, zoom)
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
        if self.cost_text:
            self._paint_cost(painter)
        if self.flow_state:
            self._paint_flow(painter)
        if self.callout:
            painter.setFont(f.small)
            painter.setPen(palette.pen("error"))
            painter.drawText(self.callout_rect, int(Qt.TextFlag.TextWordWrap), self.callout)

    def _paint_summary(self, painter, zoom: float) -> None:
        """Zoomed out: a box in the category colour with the name (and type) in a font still readable."""
        palette = self.palette
        rect = self.card_rect()
        painter.setBrush(category_colour(self.category))
        if self.isSelected() or self.severity:
            name = "accent" if self.isSelected() else self.severity
            pen = QPen(palette.color(name), 3.0)
            pen.setCosmetic(True)  # as thick on screen at every zoom
            painter.setPen(pen)
        else:
            painter.setPen(Qt.PenStyle.NoPen)
        painter.drawRoundedRect(rect, CORNER, CORNER)
        if self.flow_state:
            # As large on screen as in the detailed card: the flow of a big network shows at its fit zoom.
            self._paint_flow(painter, scale=1.0 / max(zoom, 1e-3))
        lines = self.summary_lines(zoom)
        if not lines:
            return
        painter.setPen(palette.pen("header_text"))
        top = (self.height - sum(metrics.height() for _, _, metrics in lines)) / 2
        for text, font, metrics in lines:
            painter.setFont(font)
            painter.drawText(QRectF(0, top, NODE_WIDTH, metrics.height()), Qt.AlignmentFlag.AlignCenter, text)
            top += metrics.height()

    def summary_lines(self, zoom: float) -> list[tuple[str, QFont, QFontMetricsF]]:
        """The texts a zoomed-out card shows at `zoom`: (text, font, metrics) per line, maybe none."""
        width = NODE_WIDTH - 2 * SUMMARY_PAD
        for name_px, type_px in SUMMARY_TEXT:
            wanted = [(self.title, name_px, name_px >= 11.0)]
            if type_px is not None:
                wanted.append((self.subtitle, type_px, False))
            lines = []
            for text, pixels, bold in wanted:
                font, metrics = _summary_font(pixels / zoom, bold)
                # Cut in the middle: "layer3_4" and "layer3_5" keep the part that tells them apart.
                shown = metrics.elidedText(text, Qt.TextElideMode.ElideMiddle, width)
                if shown != text and len(shown) - 1 < SUMMARY_MIN_CHARS:
                    break
                lines.append((shown, font, metrics))
            if len(lines) == len(wanted) and sum(m.height() for _, _, m in lines) <= self.height - 4:
                return lines
        return []

    def _paint_body(self, painter) -> None:
        palette = self.palette
        f = fonts()
        painter.setFont(f.small)
        if len(self.inputs) > 1 or len(self.outputs) > 1:
            painter.setPen(palette.pen("subtext"))
            self._paint_port_names(painter)
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

    def _paint_port_names(self, painter) -> None:
        """Name each port of a side that has several, next to its port inside the card."""
        centre = Qt.AlignmentFlag.AlignCenter
        for ports, is_input in ((self.inputs, True), (self.outputs, False)):
            if len(ports) < 2:
                continue
            if self.flow == "TB":
                slot = NODE_WIDTH / (len(ports) + 1)
                top = HEADER_HEIGHT + 3 if is_input else self.height - 4 - PORT_ROW
                metrics = fonts().small_metrics
                for port in ports.values():
                    name = metrics.elidedText(port.name, Qt.TextElideMode.ElideRight, slot - 4)
                    painter.drawText(QRectF(port.x() - slot / 2, top, slot, PORT_ROW), centre, name)
                continue
            align = Qt.AlignmentFlag.AlignLeft if is_input else Qt.AlignmentFlag.AlignRight
            x = PAD if is_input else NODE_WIDTH / 2
            for port in ports.values():
                row = QRectF(x, port.y() - PORT_ROW / 2, NODE_WIDTH / 2 - PAD, PORT_ROW)
                painter.drawText(row, align | Qt.AlignmentFlag.AlignVCenter, port.name)

    def _paint_cost(self, painter) -> None:
        """The mult-adds pill on the top edge's left (the bottom's when inputs share the top)."""
        f = fonts()
        width = f.small_metrics.horizontalAdvance(self.cost_text) + 10
        top = self.height - BADGE_HEIGHT / 2 if self.flow == "TB" and len(self.inputs) > 1 else -BADGE_HEIGHT / 2
        rect = QRectF(8, top, width, BADGE_HEIGHT)
        painter.setPen(self.palette.pen("border"))
        painter.setBrush(self.palette.color("body"))
        painter.drawRoundedRect(rect, BADGE_HEIGHT / 2, BADGE_HEIGHT / 2)
        painter.setFont(f.small)
        painter.setPen(self.palette.pen("subtext"))
        painter.drawText(rect, Qt.AlignmentFlag.AlignCenter, self.cost_text)

    def _paint_flow(self, painter, scale: float = 1.0) -> None:
        """The gradient-flow dot on the top edge, left of the problem badge (`scale`: zoomed out, larger)."""
        glyph = FLOW_GLYPHS.get(self.flow_state, "")
        radius = (7.0 if glyph else 5.0) * min(scale, NODE_WIDTH / 40)
        centre = QPointF(NODE_WIDTH - 24 * min(scale, 3.0), 0)
        painter.setPen(self.palette.pen("body", 1.5 * scale))
        painter.setBrush(QColor(FLOW_COLOURS[self.flow_state]))
        painter.drawEllipse(centre, radius, radius)
        if glyph and scale == 1.0:
            painter.setPen(self.palette.pen("header_text"))
            painter.setFont(fonts().small_bold)
            box = QRectF(centre.x() - radius, centre.y() - radius, 2 * radius, 2 * radius)
            painter.drawText(box, Qt.AlignmentFlag.AlignCenter, glyph)

    def _paint_badge(self, painter) -> None:
        palette = self.palette
        centre = QPointF(NODE_WIDTH - 2, -2)
        painter.setPen(palette.pen("body", 1.5))
        painter.setBrush(palette.color("error" if self.severity == "error" else "warning"))
        painter.drawEllipse(centre, 8, 8)
        painter.setPen(palette.pen("header_text"))
        painter.setFont(fonts().small_bold)
        painter.drawText(QRectF(centre.x() - 8, centre.y() - 8, 16, 16), Qt.AlignmentFlag.AlignCenter, "!")


def _summary_font(scene_pixels: float, bold: bool) -> tuple[QFont, QFontMetricsF]:
    """A title font at least `scene_pixels` high (whole pixels, cached: zooming asks for the same few sizes)."""
    key = (max(1, math.ceil(scene_pixels - 1e-6)), bold)
    cached = _summary_fonts.get(key)
    if cached is None:
        font = QFont(fonts().title)
        font.setPixelSize(key[0])
        font.setBold(bold)
        cached = _summary_fonts[key] = (font, QFontMetricsF(font))
    return cached


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
