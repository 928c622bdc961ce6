"""Colours, fonts and pens of the canvas: one place, light and dark.

Each layer category has a header colour (the same in both themes, chosen to carry
white text); everything else comes from a `CanvasPalette`. Fonts and pens are built
once per palette and shared by every item, so `paint()` never allocates them. The
card's geometry (width, header, rows) lives in `graph.layout`, which sizes the layout
by it; `readable_at` is the level-of-detail rule: no text under `MIN_TEXT_PX` on screen.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QFont, QFontMetricsF, QGuiApplication, QPen

GRID = 10  # snapping step in scene pixels; the grid is drawn every 2 steps
PORT_RADIUS = 5.0
CORNER = 6.0
MIN_TEXT_PX = 8.0  # no text is drawn smaller than this on screen

# Header colours by category keyword (categories are free text in the specs).
_CATEGORY_COLOURS = (
    ("input", "#475569"),
    ("block", "#4f46e5"),
    ("core", "#2563eb"),
    ("activ", "#059669"),
    ("conv", "#7c3aed"),
    ("pool", "#0891b2"),
    ("norm", "#db2777"),
    ("merge", "#65a30d"),
    ("recur", "#ea580c"),
    ("generat", "#c026d3"),
    ("regular", "#a16207"),
    ("import", "#57534e"),  # modules kept as they were imported: a neutral stone, unlike any layer family
)
_FALLBACK_COLOURS = ("#0f766e", "#9333ea", "#b45309", "#be123c", "#1d4ed8")


@cache
def category_colour(category: str) -> QColor:
    """The header colour of a category; unknown categories get a stable colour of their own."""
    key = category.lower()
    for word, colour in _CATEGORY_COLOURS:
        if word in key:
            return QColor(colour)
    return QColor(_FALLBACK_COLOURS[sum(map(ord, key)) % len(_FALLBACK_COLOURS)])


@dataclass
class CanvasPalette:
    """The colours of one theme plus the fonts and pens derived from them."""

    dark: bool
    background: str
    grid_minor: str
    grid_major: str
    body: str
    border: str
    text: str
    subtext: str
    edge: str
    edge_unknown: str
    label_fill: str
    label_text: str
    accent: str
    error: str
    warning: str
    header_text: str = "#ffffff"
    pens: dict = field(default_factory=dict, repr=False)

    def color(self, name: str) -> QColor:
        return QColor(getattr(self, name))

    def pen(self, name: str, width: float = 1.0, style: Qt.PenStyle = Qt.PenStyle.SolidLine) -> QPen:
        """A cached cosmetic-free pen in colour `name` (an attribute of this palette)."""
        key = (name, width, style)
        pen = self.pens.get(key)
        if pen is None:
            pen = QPen(self.color(name), width, style)
            pen.setCapStyle(Qt.PenCapStyle.RoundCap)
            pen.setJoinStyle(Qt.PenJoinStyle.RoundJoin)
            self.pens[key] = pen
        return pen


LIGHT = CanvasPalette(
    dark=False,
    background="#f5f6f8",
    grid_minor="#e7e9ee",
    grid_major="#d6dae1",
    body="#ffffff",
    border="#c5cbd4",
    text="#1f2937",
    subtext="#6b7280",
    edge="#7b8794",
    edge_unknown="#b6bdc7",
    label_fill="#ffffff",
    label_text="#374151",
    accent="#2563eb",
    error="#dc2626",
    warning="#d97706",
)

DARK = CanvasPalette(
    dark=True,
    background="#1d2026",
    grid_minor="#252930",
    grid_major="#30353e",
    body="#2a2f37",
    border="#414854",
    text="#e5e7eb",
    subtext="#9ca3af",
    edge="#8b95a3",
    edge_unknown="#5b6370",
    label_fill="#2a2f37",
    label_text="#d1d5db",
    accent="#60a5fa",
    error="#f87171",
    warning="#fbbf24",
)


def current_palette() -> CanvasPalette:
    """DARK when the application's window colour is dark, else LIGHT."""
    app = QGuiApplication.instance()
    if app is None:
        return LIGHT
    window = QGuiApplication.palette().window().color()
    return DARK if window.lightnessF() < 0.45 else LIGHT


class Fonts:
    """The few fonts the canvas uses, with their metrics, built once."""

    def __init__(self) -> None:
        base = QGuiApplication.font() if QGuiApplication.instance() else QFont()
        size = max(base.pointSizeF(), 8.0)
        self.title = QFont(base)
        self.title.setPointSizeF(size)
        self.title.setBold(True)
        self.small = QFont(base)
        self.small.setPointSizeF(size * 0.85)
        self.small_bold = QFont(self.small)
        self.small_bold.setBold(True)
        self.mono = QFont("monospace")
        self.mono.setStyleHint(QFont.StyleHint.Monospace)
        self.mono.setPointSizeF(size * 0.82)
        self.title_metrics = QFontMetricsF(self.title)
        self.small_metrics = QFontMetricsF(self.small)
        self.mono_metrics = QFontMetricsF(self.mono)
        # Pixel sizes at 100% zoom: what `readable_at` compares with the minimum.
        self.small_px = _pixels(self.small)
        self.mono_px = _pixels(self.mono)
        self.detail_zoom = MIN_TEXT_PX / min(self.small_px, self.mono_px)


def _pixels(font: QFont) -> float:
    """The height of `font` in pixels as painted (a point size at the screen's logical DPI)."""
    if font.pixelSize() > 0:
        return float(font.pixelSize())
    screen = QGuiApplication.primaryScreen() if QGuiApplication.instance() else None
    dpi = screen.logicalDotsPerInchY() if screen is not None else 96.0
    return font.pointSizeF() * dpi / 72.0


_fonts: Fonts | None = None


def readable_at(pixel_size: float, zoom: float) -> bool:
    """Whether text of `pixel_size` scene pixels is at least `MIN_TEXT_PX` on screen at `zoom`."""
    return pixel_size * zoom >= MIN_TEXT_PX


def fonts() -> Fonts:
    """The shared `Fonts` (created lazily: a QGuiApplication must exist)."""
    global _fonts
    if _fonts is None:
        _fonts = Fonts()
    return _fonts
