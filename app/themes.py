"""Light and dark themes: a Fusion palette, a small stylesheet and pyqtgraph colours.

Owns the list of themes and `apply_theme`. Widgets that paint their own colours
(plots, the confusion matrix) read `current_theme()` / `plot_colors()` when
`theme_changed` fires rather than hard-coding colours.
"""

from __future__ import annotations

from pathlib import Path

import pyqtgraph as pg
from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication

THEMES = ("light", "dark")
STYLES_DIR = Path(__file__).resolve().parent.parent / "resources" / "styles"

_COLORS = {
    "light": {
        "window": "#f3f4f6",
        "base": "#ffffff",
        "alt": "#f7f8fa",
        "text": "#1f2328",
        "button": "#eceef1",
        "highlight": "#2f6feb",
        "muted": "#6b7280",
        "plot_bg": "#ffffff",
        "plot_fg": "#3a3f45",
    },
    "dark": {
        "window": "#1e2126",
        "base": "#16181c",
        "alt": "#22262c",
        "text": "#e6e8eb",
        "button": "#2a2e35",
        "highlight": "#3d7cf0",
        "muted": "#9aa3ad",
        "plot_bg": "#16181c",
        "plot_fg": "#c9ced6",
    },
}

# Series colours that read well on both backgrounds (one per run or metric).
SERIES = ("#3b82f6", "#f97316", "#10b981", "#ef4444", "#a855f7", "#eab308", "#06b6d4", "#ec4899")


class _ThemeSignal(QObject):
    theme_changed = Signal(str)


theme_signal = _ThemeSignal()
_current = "light"


def current_theme() -> str:
    return _current


def color(role: str) -> QColor:
    """A named colour of the current theme (``muted``, ``plot_bg``, ...)."""
    return QColor(_COLORS[_current][role])


def series_color(index: int) -> str:
    return SERIES[index % len(SERIES)]


def apply_theme(app: QApplication, name: str) -> None:
    """Switch the whole app to `name` (unknown names fall back to light)."""
    global _current
    name = name if name in THEMES else "light"
    _current = name
    colors = _COLORS[name]
    if app.style().name().lower() != "fusion":
        app.setStyle("Fusion")
    palette = QPalette()
    roles = {
        QPalette.ColorRole.Window: colors["window"],
        QPalette.ColorRole.WindowText: colors["text"],
        QPalette.ColorRole.Base: colors["base"],
        QPalette.ColorRole.AlternateBase: colors["alt"],
        QPalette.ColorRole.Text: colors["text"],
        QPalette.ColorRole.Button: colors["button"],
        QPalette.ColorRole.ButtonText: colors["text"],
        QPalette.ColorRole.ToolTipBase: colors["base"],
        QPalette.ColorRole.ToolTipText: colors["text"],
        QPalette.ColorRole.Highlight: colors["highlight"],
        QPalette.ColorRole.HighlightedText: "#ffffff",
        QPalette.ColorRole.PlaceholderText: colors["muted"],
        QPalette.ColorRole.Link: colors["highlight"],
    }
    for role, value in roles.items():
        palette.setColor(role, QColor(value))
    for role in (QPalette.ColorRole.Text, QPalette.ColorRole.WindowText, QPalette.ColorRole.ButtonText):
        palette.setColor(QPalette.ColorGroup.Disabled, role, QColor(colors["muted"]))
    app.setPalette(palette)
    sheet = STYLES_DIR / f"{name}.qss"
    text = sheet.read_text(encoding="utf-8") if sheet.is_file() else ""
    if app.styleSheet() != text:  # re-applying the same sheet re-polishes every widget for nothing
        app.setStyleSheet(text)
    pg.setConfigOptions(background=colors["plot_bg"], foreground=colors["plot_fg"], antialias=True)
    theme_signal.theme_changed.emit(name)
