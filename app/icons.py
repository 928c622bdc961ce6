"""Icons of the editor: one glyph per layer category and one per editing action.

The SVGs live in ``resources/icons``. Category glyphs are white strokes; they are
drawn on the category colour (a rounded tile for the palette, the node header on the
canvas). Pixmaps are rendered once and cached, so painting a node costs a blit.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QIcon, QPainter, QPixmap
from PySide6.QtSvg import QSvgRenderer

from app.canvas.style import category_colour

ICON_DIR = Path(__file__).resolve().parent.parent / "resources" / "icons"

_CATEGORY_GLYPHS = (
    ("input", "cat-io"),
    ("block", "cat-block"),
    ("core", "cat-core"),
    ("activ", "cat-activation"),
    ("conv", "cat-convolution"),
    ("pool", "cat-pooling"),
    ("norm", "cat-normalization"),
    ("merge", "cat-merge"),
    ("recur", "cat-recurrent"),
    ("generat", "cat-generative"),
    ("regular", "cat-regularization"),
    ("import", "cat-imported"),
)


def glyph_name(category: str) -> str:
    """The SVG file stem drawn for `category` (``cat-layer`` when none fits)."""
    key = category.lower()
    for word, name in _CATEGORY_GLYPHS:
        if word in key:
            return name
    return "cat-layer"


@cache
def _renderer(name: str) -> QSvgRenderer:
    return QSvgRenderer(str(ICON_DIR / f"{name}.svg"))


def _render(name: str, size: int, ratio: float = 2.0) -> QPixmap:
    pixmap = QPixmap(int(size * ratio), int(size * ratio))
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    _renderer(name).render(painter, QRectF(0, 0, size * ratio, size * ratio))
    painter.end()
    pixmap.setDevicePixelRatio(ratio)
    return pixmap


@cache
def glyph_pixmap(category: str, size: int = 16) -> QPixmap:
    """The white glyph of a category, for drawing on its coloured node header."""
    return _render(glyph_name(category), size)


@cache
def category_icon(category: str, size: int = 20) -> QIcon:
    """The palette's icon: the category glyph on a rounded tile of the category colour."""
    ratio = 2.0
    pixmap = QPixmap(int(size * ratio), int(size * ratio))
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(category_colour(category))
    full = QRectF(0, 0, size * ratio, size * ratio)
    painter.drawRoundedRect(full, 4 * ratio, 4 * ratio)
    inset = size * ratio * 0.18
    _renderer(glyph_name(category)).render(painter, full.adjusted(inset, inset, -inset, -inset))
    painter.end()
    pixmap.setDevicePixelRatio(ratio)
    return QIcon(pixmap)


@cache
def action_icon(name: str) -> QIcon:
    """The icon of an editing action (``cut``, ``copy``, ``zoom-in``...), empty if unknown."""
    path = ICON_DIR / f"{name}.svg"
    return QIcon(str(path)) if path.exists() else QIcon()
